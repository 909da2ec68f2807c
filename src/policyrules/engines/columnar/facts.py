"""What each finding of the columnar engine rests on, as columns (`evaluate_frame(...,
facts=True)`): the records that counted and the facts an explanation reads.

`semantics/facts.py` defines each fact for one worker; this module gives the same values
for every finding of a table at once, from the columns the engine decided with (the
anchor, the first deadline, the hours still counting) and from one pass over the pairs of
a record and its row. Records are named by their position in the training table (0 for
its first row), so a caller that holds the records as objects can pick them out; a
differential test holds every column to `semantics.facts.facts` and to `evaluate`'s
evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ...contract.workers import TrainingRecord
from ...semantics.facts import Facts
from ...semantics.units import HOURS_UNIT
from . import arrays, inputs
from .arrays import Days, Mask, Rows, code
from .hours import EVIDENCE_ORDER, hours_of
from .plan import Plan, plus

FACTS = pa.schema([
    ("anchor", pa.date32()), ("role_since", pa.date32()), ("deadline", pa.date32()),
    ("deadline_record", pa.int64()), ("latest", pa.int64()),
    ("counted", pa.list_(pa.int64())), ("later", pa.list_(pa.int64())),
    ("excluded", pa.list_(pa.int64())), ("evidence", pa.list_(pa.int64())),
    ("hours", pa.float64()),
])

# Where a record stands with one requirement (Records: counted, later, excluded).
_COUNTED, _LATER, _EXCLUDED = 0, 1, 2
_LISTS = {"counted": _COUNTED, "later": _LATER, "excluded": _EXCLUDED}
T = TypeVar("T", bound=np.generic)


def evidence(records: pl.DataFrame) -> pl.DataFrame:
    """What the facts read of each record of the training table (once a call): its
    position `_rec`, course and the details of `contract.workers.evidence_key`."""
    delivery = inputs.text_value(records, "delivery")
    return records.select(
        "_rec", "training",
        delivery=pl.when(delivery.is_null() | (delivery == "")).then(
            pl.lit("single-agency")).otherwise(delivery),
        provider=inputs.text_value(records, "provider"),
        level=inputs.text_value(records, "level"),
        hours=inputs.hours_number(records))


def pairs(read: pl.DataFrame, rec: Rows, row: Rows, day: Days) -> pl.DataFrame:
    """Every pair of a good row and one of its records (`rec`: positions in `read`, what
    `evidence` gives), with what the facts read of the record and its day."""
    return read[rec].with_columns(
        _row=pl.Series(row, dtype=pl.Int64),
        _day=pl.Series(day, dtype=pl.Int32).cast(pl.Date))


def table(plan: Plan, rows: pl.DataFrame, owned: pl.DataFrame, at: Rows,
          requirement: pl.Series, status: pl.Series) -> pa.Table:
    """One row of `FACTS` per finding (`at`: its row, `requirement`, `status`), in order.

    `rows` is the engine's frame of row facts (plan.py's columns); `owned` the pairs of
    `pairs` for the rows decided in columns.
    """
    rules = plan.rules
    index = {r.id: i for i, r in enumerate(rules)}
    req = requirement.replace_strict(index, return_dtype=pl.Int64).to_numpy()
    findings = pl.DataFrame({"_row": at.astype(np.int64), "_i": req,
                             "_met": (status == "met").to_numpy()})
    dates, takes_first = _row_dates(plan, rows, at, req)
    owned = owned.with_columns(_slot=code(pl.col("training"), plan.courses))
    as_of = pl.lit(plan.as_of, pl.Date)
    per_rule: list[pl.LazyFrame] = []
    firsts: list[pl.LazyFrame] = []
    for i, rule in enumerate(rules):
        mine = owned.lazy().filter(pl.col("_slot").is_in(plan._slots(rule.satisfied_by)))
        ok = plan.counts(rule)
        on = pl.col("_day") <= as_of
        cls = (pl.when(ok & on).then(_COUNTED).when(ok).then(_LATER)
               .when(on).then(_EXCLUDED).otherwise(None))
        per_rule.append(mine.select("_row", "_rec", "_day", "training", "delivery",
                                    "provider", "level", "hours", _i=pl.lit(i, pl.Int64),
                                    _cls=cls.cast(pl.Int8)).drop_nulls("_cls"))
        if rule.before_first is not None:
            events = plan._slots(rule.before_first.trainings)
            firsts.append(owned.lazy().filter(pl.col("_slot").is_in(events) & on).sort(
                "_row", "_day", *EVIDENCE_ORDER, "_rec").group_by("_row", maintain_order=True)
                .agg(pl.col("_rec").first().alias("_first"))
                .with_columns(_i=pl.lit(i, pl.Int64)))
    placed = pl.concat(per_rule).join(findings.lazy(), on=["_row", "_i"], how="semi") \
        if per_rule else None
    out = findings.lazy().with_row_index("_f")
    if placed is not None:
        out = out.join(_lists(placed), on=["_row", "_i"], how="left")
        out = out.join(_counted(plan, placed), on=["_row", "_i"], how="left")
    else:
        out = out.with_columns(*[pl.lit(None, pl.List(pl.Int64)).alias(n)
                                 for n in (*_LISTS, "_evidence")],
                               latest=pl.lit(None, pl.Int64))
    if firsts:
        out = out.join(pl.concat(firsts), on=["_row", "_i"], how="left")
    else:
        out = out.with_columns(_first=pl.lit(None, pl.Int64))
    done = out.sort("_f").collect()
    empty = pl.lit([], pl.List(pl.Int64))
    result = done.select(
        *[pl.col(n).fill_null(empty) for n in _LISTS],
        "latest",
        evidence=pl.when(pl.col("_met")).then(pl.col("_evidence").fill_null(empty))
        .otherwise(empty),
        deadline_record=pl.when(pl.Series(takes_first)).then(pl.col("_first")))
    return pa.table({
        "anchor": dates["anchor"], "role_since": dates["role_since"],
        "deadline": dates["deadline"],
        "deadline_record": result["deadline_record"].to_arrow(),
        "latest": result["latest"].to_arrow(),
        **{n: result[n].to_arrow() for n in (*_LISTS, "evidence")},
        "hours": dates["hours"],
    }).cast(FACTS)


def _row_dates(plan: Plan, rows: pl.DataFrame, at: Rows, req: Rows
               ) -> tuple[dict[str, pa.Array], Mask]:
    """The facts of each finding that depend on its row alone: anchor, role_since,
    deadline (plan.first_deadline), whether that deadline is the day of the first `due
    before first` record, and the hours still counting."""
    columns: list[pl.Expr] = []
    for i, rule in enumerate(plan.rules):
        since = (pl.col(f"_a{plan.anchors.index(rule.anchor_role)}")
                 if rule.anchor_role is not None else pl.lit(None, pl.Date))
        # The row path's test (facts.first_deadline): the first record is the deadline
        # when it is strictly earlier than `due within`, or there is no `due within`.
        within = (pl.lit(None, pl.Date) if rule.within is None
                  else plus(plan.anchor(rule), rule.within, rule.grace))
        first = (pl.col(f"_e{plan.events.index(rule.before_first.trainings)}")
                 if rule.before_first is not None else pl.lit(None, pl.Date))
        takes = first.is_not_null() & (within.is_null() | (first < within)).fill_null(False)
        hours = pl.col(f"_ht{i}") if rule.hours is not None else pl.lit(None, pl.Int64)
        columns += [plan.anchor(rule).alias(f"anchor{i}"), since.alias(f"role_since{i}"),
                    plan.first_deadline(rule).alias(f"deadline{i}"),
                    takes.alias(f"_takes_first{i}"), hours.alias(f"hours{i}")]
    if not columns:
        empty = pa.array([], pa.date32())
        return ({"anchor": empty, "role_since": empty, "deadline": empty,
                 "hours": pa.array([], pa.float64())}, np.zeros(0, np.bool_))
    wide = rows.lazy().select(columns).collect()
    out: dict[str, pa.Array] = {}
    for name in ("anchor", "role_since", "deadline"):
        days = _cells(wide, name, len(plan.rules), at, req,
                      lambda c: arrays.days(c, arrays.EARLIEST))
        out[name] = arrays.dates(name, days, arrays.EARLIEST).to_arrow()
    first_is_deadline = _cells(wide, "_takes_first", len(plan.rules), at, req,
                               lambda c: c.to_numpy())
    units = _cells(wide, "hours", len(plan.rules), at, req,
                   lambda c: c.cast(pl.Int64).fill_null(-1).to_numpy())
    # `units.from_units` in NumPy: one IEEE division, as Python's (Polars may multiply
    # by the reciprocal instead, which can differ in the last bit).
    out["hours"] = pa.array(units.astype(np.float64) / HOURS_UNIT, mask=units < 0,
                            type=pa.float64())
    return out, first_is_deadline.astype(np.bool_)


def _cells(wide: pl.DataFrame, name: str, width: int, at: Rows, req: Rows,
           values: Callable[[pl.Series], npt.NDArray[T]]) -> npt.NDArray[T]:
    """Each finding's cell: its row's value in its requirement's column `{name}{i}`."""
    if width == 0:
        return values(pl.Series([], dtype=pl.Float64))[:0]
    table = np.stack([values(wide[f"{name}{i}"]) for i in range(width)], axis=1)
    return table[at, req]


def _lists(placed: pl.LazyFrame) -> pl.LazyFrame:
    """counted, later and excluded per finding: record positions in the worker's order."""
    return placed.sort("_rec").group_by("_row", "_i").agg(
        *[pl.col("_rec").filter(pl.col("_cls") == c).alias(n) for n, c in _LISTS.items()])


def _counted(plan: Plan, placed: pl.LazyFrame) -> pl.LazyFrame:
    """`latest` and `_evidence` per finding, from its counted records sorted once newest
    first, then in evidence order (then the worker's order):

    * `latest_record(counted)`: the first of them;
    * the evidence of a requirement met by a record (interpret.finding): those of the
      latest day, in evidence order;
    * of an hours target (semantics.hours.reach): those still in the window, newest first,
      up to the one at which the total reaches the target (all of them without a window).
    """
    newest = (placed.filter(pl.col("_cls") == _COUNTED)
              .sort("_row", "_i", "_day", *EVIDENCE_ORDER, "_rec",
                    descending=[False, False, True] + [False] * (len(EVIDENCE_ORDER) + 1))
              .collect().lazy())
    group = ("_row", "_i")
    latest = newest.group_by(*group, maintain_order=True).agg(
        pl.col("_rec").first().alias("latest"))
    hours_rules = [i for i, r in enumerate(plan.rules) if r.hours is not None]
    parts = [newest.filter(~pl.col("_i").is_in(hours_rules)
                           & (pl.col("_day") == pl.col("_day").first().over(*group)))]
    as_of = pl.lit(plan.as_of, pl.Date)
    for i in hours_rules:
        target = plan.rules[i].hours
        assert target is not None
        live = newest.filter(pl.col("_i") == i).with_columns(_u=hours_of(target))
        if target.window is not None:
            live = live.filter(as_of <= plus(pl.col("_day"), target.window))
            # Up to and including the first record at which the running total reaches it.
            running = pl.col("_u").cum_sum().over(*group)
            live = live.filter(running - pl.col("_u") < target.target_units)
        parts.append(live.drop("_u"))
    evidence = pl.concat(parts).group_by(*group, maintain_order=True).agg(
        pl.col("_rec").alias("_evidence"))
    return latest.join(evidence, on=list(group), how="left")


def value(row: Sequence[Any], records: Sequence[TrainingRecord], first: int = 0) -> Facts:
    """One row of `FACTS` (its values in the schema's order) as the `Facts` of
    semantics/facts.py, its records picked out of `records`: the training table's records
    as objects, from its row `first` on."""
    anchor, since, deadline, deadline_record, latest, counted, later, excluded, _, hours = row

    def pick(positions: Sequence[int]) -> tuple[TrainingRecord, ...]:
        return tuple(records[i - first] for i in positions)

    return Facts(since, anchor, pick(counted),
                 None if latest is None else records[latest - first], pick(later),
                 deadline, hours, pick(excluded),
                 None if deadline_record is None else records[deadline_record - first])
