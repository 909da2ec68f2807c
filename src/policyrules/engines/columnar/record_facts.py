"""What the plan reads of each worker's training records, as columns: the training
table as the engine reads it, each record's details, and per row the earliest and latest
days of the records that count (`_e{k}`, `_l{i}`) and the hours columns (hours.py).

The training table is read once a call (`Records.of`); a part of the table takes its
records' days and kinds from those arrays, by position, with no query of its own."""

from __future__ import annotations

import attrs
import numpy as np
import polars as pl

from ...errors import UsageError
from ...records import TRAINING_COLUMNS
from ...semantics import model as m
from . import arrays, hours, inputs
from .arrays import Codes, Days, Mask, Rows, code
from .hours import hours_of
from .plan import Plan


def training_frame(training: object) -> pl.DataFrame:
    """The training table as a Polars frame of its §1.3 columns, each record numbered by
    its position (`_rec`); an empty one where there is none."""
    if training is None:
        return pl.DataFrame(schema={"_rec": pl.UInt32, "worker": pl.String,
                                    "training": pl.String, "completed": pl.Date})
    records = inputs.to_frame(training, "training")
    inputs.need_columns(records, inputs.TRAINING_REQUIRED, "training")
    if records.schema["worker"] not in (pl.String, pl.Null):
        raise UsageError(f"the training table's worker column must hold worker ids as text, "
                         f"not {records.schema['worker']}")
    records = records.select([c for c in TRAINING_COLUMNS if c in records.columns])
    return records.with_columns(pl.col("worker").cast(pl.String)).with_row_index("_rec")


def details(records: pl.DataFrame, plan: Plan) -> dict[str, pl.Expr]:
    """The record columns hours.py reads, where a rule has an hours target, as §1.3 reads
    them (only good records are decided, so a column of another type holds nulls there);
    rules without one read only a record's kind (plan.kind)."""
    if not _hours(plan):
        return {}
    return {"delivery": inputs.delivery_text(),  # from the code the check read
            "provider": inputs.text_value(records, "provider"),
            "level": inputs.text_value(records, "level"),
            "hours": inputs.hours_number(records)}


def _hours(plan: Plan) -> bool:
    """Whether a rule has an hours target (hours.py then reads each record's details)."""
    return any(rule.hours is not None for rule in plan.rules)


@attrs.frozen
class _Table:
    """One table of record_facts: its columns, whether each is the latest (else the
    earliest) day of its cells, which kinds set each column (kinds × columns), and each
    kind's cell (`used`: the shared last cell, that no column reads)."""

    names: tuple[str, ...]
    latest: bool
    chosen: Mask
    cell: Rows
    used: int


@attrs.frozen
class Records:
    """The training table read once a call, for all of its parts: each record's day
    (`day`), whether it breaks §1.3 (`bad`), its kind (plan.kind: -1 for a course no rule
    reads), and when a rule has an hours target the details hours.py reads (`counted`,
    one row per record); `tables` say once, per kind, which columns of record_facts a
    record of that kind sets."""

    frame: pl.DataFrame
    day: Days
    bad: Mask
    kind: Codes
    counted: pl.DataFrame | None
    tables: tuple[_Table, ...]

    @classmethod
    def of(cls, records: pl.DataFrame, plan: Plan) -> Records:
        """`records`: the training table as `training_frame` gives it."""
        hours = _hours(plan)
        completed, record_bad = inputs.training_checks(records, pl.col(inputs.DELIVERY_CODE))
        delivery = inputs.delivery_code(records, bool(plan.deliveries) or hours)
        read = records.lazy().with_columns(**{inputs.DELIVERY_CODE: delivery}).select(
            "_rec", "training", _completed=completed, _bad=record_bad,
            _slot=code(inputs.text_value(records, "training"), plan.courses),
            _delivery=inputs.delivery_position(plan.deliveries),
            _provider=code(inputs.text_value(records, "provider"), plan.providers),
            **details(records, plan)).with_columns(_kind=plan.kind()).collect()
        return cls(frame=records, day=arrays.days(read["_completed"], arrays.EARLIEST),
                   bad=read["_bad"].to_numpy(),
                   kind=read["_kind"].to_numpy().astype(np.int32, copy=False),
                   counted=read.drop("_bad", "_kind", "_delivery", "_provider") if hours
                   else None,
                   tables=_tables(plan))

    def facts(self, n: int, row: Rows, day: Days, kind: Codes) -> list[pl.Series]:
        """`_e{k}` and `_l{i}` of `n` rows from their counting records (`row`, `day`,
        `kind`; kind -1: a record that does not count): a record sets its (row, kind)
        cell of a table of earliest and one of latest days, and each column is the
        earliest (or latest) of its kinds' cells."""
        out: list[pl.Series] = []
        for t in self.tables:
            # Kind -1 is the last entry: the shared cell.
            at = np.append(t.cell, t.used)[kind] if len(kind) else np.zeros(0, np.int64)
            table = arrays.most(n, t.used + 1, row, at, day, t.latest)
            none = arrays.EARLIEST if t.latest else arrays.LATEST
            pick = np.maximum if t.latest else np.minimum
            for j, name in enumerate(t.names):
                # Cell by cell into one column: most columns have one or two kinds, and a
                # reduction along such a short axis, or a copy of the cells first, costs
                # more.
                cells = t.cell[t.chosen[:, j]]
                if not len(cells):
                    value = np.full(n, none, np.int32)
                elif len(cells) == 1:
                    value = table[cells[0]]  # the table's own column: no copy
                else:
                    value = table[cells[0]].copy()
                    for c in cells[1:]:
                        pick(value, table[c], out=value)
                out.append(arrays.dates(name, value, none))
        return out


def _tables(plan: Plan) -> tuple[_Table, ...]:
    """The plan asked once per kind of record which columns a record of that kind sets
    (plan.record_masks)."""
    firsts, latests = plan.record_masks()
    masks = plan.kinds().select([e.alias(f"_e{k}") for k, e in enumerate(firsts)]
                                + [e.alias(f"_l{i}") for i, e in latests])
    out = []
    for names, latest in (([f"_e{k}" for k in range(len(firsts))], False),
                          ([f"_l{i}" for i, _ in latests], True)):
        if not names:
            continue
        chosen = masks.select(names).to_numpy().astype(np.bool_)  # kinds × columns
        # Only the kinds some column reads get a cell of their own: narrower tables. The
        # others share one last cell that no column reads, which costs less than leaving
        # their records out (a copy of every record array).
        used = np.flatnonzero(chosen.any(axis=1))
        cell = np.full(len(chosen), len(used), np.int64)
        cell[used] = np.arange(len(used))
        out.append(_Table(tuple(names), latest, chosen, cell, len(used)))
    return tuple(out)


def hours_facts(n: int, owned: pl.DataFrame, plan: Plan, i: int,
                target: m.Hours) -> list[pl.Series]:
    """The columns of hours.py for `rules[i]` on every row; `owned` holds the records
    that count, each with its row (`_row`)."""
    counted = owned.lazy().filter(plan.counts(plan.rules[i])).with_columns(
        _h=hours_of(target))
    reached = hours.reach(counted, target, i, plan.as_of).collect()
    where = reached["_row"].to_numpy().astype(np.int64)
    out = [pl.Series(f"_ht{i}", arrays.scatter(n, where, reached[f"_ht{i}"].to_numpy(), 0)),
           arrays.dates(f"_hr{i}", arrays.scatter(
               n, where, arrays.days(reached[f"_hr{i}"], arrays.EARLIEST), arrays.EARLIEST),
               arrays.EARLIEST)]
    if target.window is None:
        return [*out, pl.Series(f"_hl{i}", [None] * n, dtype=pl.Date)]
    gone = hours.lapsed(counted, target, i).collect()
    where = gone["_row"].to_numpy().astype(np.int64)
    return [*out, arrays.dates(f"_hl{i}", arrays.scatter(
        n, where, arrays.days(gone[f"_hl{i}"], arrays.EARLIEST), arrays.EARLIEST),
        arrays.EARLIEST)]
