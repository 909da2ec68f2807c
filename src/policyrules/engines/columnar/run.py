"""`Policy.evaluate_frame`: check the tables per column, decide the good rows, say what is
wrong with the bad ones, and give the two result tables of CONTRACT §6."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ...contract.decision import Decision
from ...contract.validation import parse_worker
from ...contract.vocabulary import CONTACT_LEVELS, SECTORS, STATUSES
from ...contract.workers import Worker
from ...errors import UsageError, WorkerError
from ...language.nodes import Duration
from ...records import TRAINING_COLUMNS, WORKER_COLUMNS, hours_cell, roles_cell, volunteer_cell
from ...semantics import model as m
from . import arrays, hours, inputs
from . import facts as finding_facts
from .arrays import Days, Mask, Rows, code
from .hours import hours_of
from .plan import Plan

# The row path: a validated worker's decision on the day (Policy.evaluate_checked).
Decide = Callable[[Worker], Decision]

DECISIONS = pa.schema([("worker", pa.string()), ("compliant", pa.bool_()),
                       ("groups", pa.list_(pa.string())), ("error", pa.string())])
FINDINGS = pa.schema([("worker", pa.string()), ("requirement", pa.string()),
                      ("status", pa.string()), ("due", pa.date32()),
                      ("cites", pa.list_(pa.string()))])


# Rows a part has at least, unless told otherwise: below it, the fixed cost of a call
# (building the plan's expressions, starting the queries) outweighs the second core.
LEAST_PART = 100_000


def cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1



@attrs.frozen
class FrameResult:
    """Decisions (one row per input row, in input order) and findings (per worker in
    input order, requirements as declared), as pyarrow Tables."""

    decisions: pa.Table
    findings: pa.Table
    # With `facts=True`: one row per finding, what it rests on (facts.FACTS), else None.
    facts: pa.Table | None = None


@attrs.frozen
class Decided:
    """The decided rows' two tables, with the input row of each of their rows."""

    rows: Rows
    decisions: pa.Table
    finding_rows: Rows
    findings: pa.Table


def evaluate_frame(model: m.PolicyModel, roles: Collection[str], workers: object,
                   training: object, as_of: datetime.date, decide: Decide, *,
                   with_facts: bool = False, threads: int | None = None,
                   least: int | None = None) -> FrameResult:
    """Decide every row of `workers` in columns; `decide` is the row path (the compiled
    evaluator), which words the errors and decides the few rows columns cannot. With
    `with_facts`, also what each finding rests on (facts.py).

    `threads`: how many parts of the rows are decided at once (None: one per core this
    process may run on, `cores()`), each part at least `least` rows; the result is the
    same whatever the number (tests force parts on small tables; None: `LEAST_PART`)."""
    frame = inputs.to_frame(workers, "workers")
    inputs.need_columns(frame, inputs.WORKER_REQUIRED, "workers")
    if "training" in frame.columns and frame.schema["training"] != pl.Null:
        raise UsageError(
            "the workers table has a `training` column; give training records as their "
            "own table (evaluate_frame(workers, training, ...)), one row per record with "
            "worker, training, completed")
    # Only the §1 columns: others never change a decision (§1), and cannot then clash
    # with the working columns below (all named with a leading `_`).
    frame = frame.select([c for c in WORKER_COLUMNS if c in frame.columns])
    # Rows are joined to their records by `_id`: the id where it is text (a row whose id
    # is not text is bad, and matches no record).
    frame = frame.with_columns(
        _id=pl.col("id") if frame.schema["id"] == pl.String else pl.lit(None, pl.String))
    records = _training_frame(training)
    plan = Plan.of(model, as_of)
    least = LEAST_PART if least is None else max(least, 1)
    count = max(1, min(cores() if threads is None else threads, frame.height // least))
    # The pairs of a record and its row are not held here (no name binds them): _evaluate
    # frees them before it builds the result tables (peak memory).
    if count == 1:
        return _evaluate(model, roles, plan, frame, records,
                         *arrays.owners(records["worker"], frame["_id"]), decide, with_facts)
    parts = list(_parts(frame, records, *arrays.owners(records["worker"], frame["_id"]),
                        count))
    # Parts of contiguous rows, each with its own records, decided at once: Polars, NumPy
    # and Arrow let go of the interpreter's lock for nearly all of the work (about 5% of
    # it holds the lock, by sampling), so on two free cores two parts take little more
    # than half the time of one.
    with ThreadPoolExecutor(count, thread_name_prefix="policyrules-frame") as pool:
        running = [pool.submit(_evaluate, model, roles, plan, *part, decide, with_facts)
                   for part in parts]
        del parts
        # In order: an error of the first part is raised as one thread would raise it.
        done = [future.result() for future in running]
    found = [r.facts for r in done if r.facts is not None]
    return FrameResult(decisions=pa.concat_tables([r.decisions for r in done]),
                       findings=pa.concat_tables([r.findings for r in done]),
                       facts=pa.concat_tables(found) if with_facts else None)


def _parts(frame: pl.DataFrame, records: pl.DataFrame, rec: Rows, row: Rows, count: int
           ) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, Rows, Rows]]:
    """`count` parts of contiguous rows of `frame`, each with the records that go with
    them and its pairs of (record, row) as positions within the part.

    Records that follow the rows' order (the usual table, and the command line's batches)
    are cut into contiguous slices, with no copy; in any other order each part's records
    are gathered. A record held by rows of two parts (an id on two rows) goes to both.
    """
    bounds = [frame.height * i // count for i in range(count + 1)]
    ordered = bool((np.diff(row) >= 0).all() and (np.diff(rec) > 0).all())
    pair_at = np.searchsorted(row, bounds) if ordered else None
    for i in range(count):
        lo, hi = bounds[i], bounds[i + 1]
        rows = frame.slice(lo, hi - lo)
        if pair_at is not None:
            a, b = int(pair_at[i]), int(pair_at[i + 1])
            # From the part's first record (the table's first, for the first part) to the
            # next part's first: a record of no row between two parts goes with the
            # earlier, where it stays a record of no row.
            first = 0 if i == 0 else (int(rec[a]) if a < len(rec) else records.height)
            end = (records.height if i == count - 1 or b >= len(rec) else int(rec[b]))
            yield rows, records.slice(first, end - first), rec[a:b] - first, row[a:b] - lo
        else:
            mine = (row >= lo) & (row < hi)
            held = np.unique(rec[mine])
            yield (rows, records[held], np.searchsorted(held, rec[mine]).astype(np.int64),
                   row[mine] - lo)


def _evaluate(model: m.PolicyModel, roles: Collection[str], plan: Plan, frame: pl.DataFrame,
              records: pl.DataFrame, rec: Rows, row: Rows, decide: Decide,
              with_facts: bool) -> FrameResult:
    """`evaluate_frame` on rows whose records are `records`: `rec` and `row` the pairs of
    a record and a row of its worker's id (`arrays.owners`), as positions in the two."""
    frame = frame.with_row_index("_row")
    n = frame.height

    # Each record's date, whether it breaks §1.3, its kind and the details the plan's
    # rules read.
    completed, record_bad = inputs.training_checks(records)
    recs = records.lazy().select(
        "_rec", "training", _completed=completed, _bad=record_bad,
        _slot=code(inputs.text_value(records, "training"), plan.courses),
        **_details(records, plan)).with_columns(_kind=plan.kind()).collect()
    # Each pair's record: when every record is its own row's, in order (the usual table),
    # the record arrays are the pairs' as they are, with no gather.
    pick = None if len(rec) == records.height and bool(
        (rec == np.arange(len(rec))).all()) else rec
    rec_day = arrays.gather(arrays.days(recs["_completed"], arrays.EARLIEST), pick)

    started, scalar_bad = inputs.worker_checks(frame)
    checked = frame.select(_started=started, _bad=scalar_bad)
    items = inputs.role_items(frame, roles)
    item_row = items["_row"].to_numpy().astype(np.int64)
    item_since = arrays.days(items["since"], arrays.EARLIEST)
    start = arrays.days(checked["_started"], arrays.EARLIEST)

    bad = checked["_bad"].to_numpy().copy()
    bad[item_row[items["_bad"].to_numpy()]] = True
    bad[row[arrays.gather(recs["_bad"].to_numpy(), pick)]] = True
    # Python's calendar ends at 9999-12-31 and Polars' does not: a row with a date so late
    # that a deadline from it could pass that day goes to the row path, which says so
    # (DateRangeError) exactly when and as `evaluate` does. No workforce has such rows.
    last = (_last_safe_day(plan) - _EPOCH).days
    aside = bad | (start > last)
    aside[item_row[item_since > last]] = True
    aside[row[rec_day > last]] = True
    paired = None
    if with_facts:  # every record of a row decided here, later ones and others included
        mine = ~aside[row]
        paired = finding_facts.pairs(records, rec[mine], row[mine], rec_day[mine])

    # Records later than as_of are ignored (§1.3), and so are courses no rule reads: their
    # kind is -1 for _record_facts.
    kind = arrays.gather(recs["_kind"].to_numpy(), pick)
    keep = (rec_day != arrays.EARLIEST) & (rec_day <= (plan.as_of - _EPOCH).days)
    facts = _facts(frame, checked["_started"], items, item_row, item_since, start, plan)
    facts = facts.with_columns(_record_facts(n, row, rec_day, np.where(keep, kind, -1), plan))
    if any(rule.hours is not None for rule in plan.rules):
        keep &= kind >= 0
        owned = recs.select(pl.all().gather(rec[keep])).with_columns(
            _row=pl.Series(row[keep], dtype=pl.UInt32))
        for i, rule in enumerate(plan.rules):
            if rule.hours is not None:
                facts = facts.with_columns(_hours_facts(n, owned, plan, i, rule.hours))
    # The per-record arrays are done with: freed before the result tables are built, they
    # keep the peak memory of a million workers under a gigabyte.
    del recs, rec, row, rec_day, kind, keep, pick, items, item_row, item_since

    decided = _decide(model, plan, facts, frame["_id"], ~aside)
    found = None if paired is None else finding_facts.table(
        plan, facts, paired, decided.finding_rows, pl.Series(decided.findings["requirement"]),
        pl.Series(decided.findings["status"]))
    set_aside = frame.with_columns(_bad=pl.Series(bad)).filter(pl.Series(aside))
    return _tables(decided, _row_path(set_aside, records, roles, plan, decide), found)


_EPOCH = datetime.date(1970, 1, 1)


def _last_safe_day(plan: Plan) -> datetime.date:
    """The last day from which every deadline of the plan stays within Python's calendar."""
    longest = 0
    for r in plan.rules:
        spans = [r.within, r.renew, r.grace, r.hours.window if r.hours else None]
        longest = max(longest, sum(_days_at_most(d) for d in spans if d is not None))
    return datetime.date.max - datetime.timedelta(days=longest + 1)


def _days_at_most(d: Duration) -> int:
    return d.amount * {"days": 1, "weeks": 7, "months": 31, "years": 366}[d.unit]


def _details(records: pl.DataFrame, plan: Plan) -> dict[str, pl.Expr]:
    """The record columns the plan's rules read, as §1.3 reads them (only good records
    are decided, so a column of another type holds nulls there)."""
    uses = {name for r in plan.rules for name, used in (
        ("delivery", r.delivery is not None), ("provider", r.provider is not None),
        ("hours", r.hours is not None)) if used}
    if "hours" in uses:  # the evidence order of hours.py reads every detail
        uses |= {"delivery", "provider", "level"}
    out: dict[str, pl.Expr] = {}
    if "delivery" in uses:
        given = inputs.text_value(records, "delivery")
        out["delivery"] = pl.when(given.is_null() | (given == "")).then(
            pl.lit("single-agency")).otherwise(given)
    for name in ("provider", "level"):
        if name in uses:
            out[name] = inputs.text_value(records, name)
    if "hours" in uses:
        out["hours"] = inputs.hours_number(records)
    return out


def _training_frame(training: object) -> pl.DataFrame:
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


def _facts(frame: pl.DataFrame, started: pl.Series, items: pl.DataFrame, item_row: Rows,
           item_since: Days, start: Days, plan: Plan) -> pl.DataFrame:
    """Every row with what the plan's conditions read of the worker: contact, sector,
    volunteer, started, and the roles held on as_of (`_h`) and role anchors (`_a`)."""
    n = frame.height
    # Contact and sector as enums: conditions test them many times, and an enum compares
    # as a small integer (a value outside the vocabulary is on a bad row, set aside).
    out = frame.select(inputs.text_value(frame, "contact")
                       .cast(pl.Enum(CONTACT_LEVELS), strict=False).alias("contact"),
                       inputs.text_value(frame, "sector")
                       .cast(pl.Enum(SECTORS), strict=False).alias("sector"),
                       inputs.volunteer_value(frame)[0].alias("volunteer"),
                       ).with_columns(started=started)
    if not (plan.roles or plan.anchors):
        return out
    # A role without a `since` is held from the worker's start.
    since = np.where(item_since == arrays.EARLIEST, start[item_row], item_since)
    named = items.select(code(pl.col("role"), plan.roles).alias("held"),
                         code(pl.col("role"), plan.anchors).alias("anchor"))
    held = np.zeros((n, len(plan.roles)), np.bool_)
    which = named["held"].to_numpy()
    on = (which >= 0) & (since != arrays.EARLIEST) & (since <= (plan.as_of - _EPOCH).days)
    held[item_row[on], which[on]] = True
    which = named["anchor"].to_numpy()
    on = (which >= 0) & (since != arrays.EARLIEST)
    anchors = arrays.most(n, len(plan.anchors), item_row[on], which[on].astype(np.int64),
                          since[on], latest=False)
    return out.with_columns(
        *[pl.Series(f"_h{i}", held[:, i]) for i in range(len(plan.roles))],
        *[arrays.dates(f"_a{i}", anchors[i], arrays.LATEST)
          for i in range(len(plan.anchors))])


def _record_facts(n: int, row: Rows, day: Days, kind: Rows, plan: Plan) -> list[pl.Series]:
    """`_e{k}` and `_l{i}` of every row from its counting records (of kind -1: a record
    that does not count): the plan says, once per kind of record, which columns a record
    of that kind sets; a record then sets its (row, kind) cell of a table of earliest and
    one of latest days, and each column is the earliest (or latest) of its kinds' cells."""
    firsts, latests = plan.record_masks()
    masks = plan.kinds().select([e.alias(f"_e{k}") for k, e in enumerate(firsts)]
                                + [e.alias(f"_l{i}") for i, e in latests])
    out: list[pl.Series] = []
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
        # Kind -1 is the last entry: the shared cell.
        at = np.append(cell, len(used))[kind] if len(kind) else np.zeros(0, np.int64)
        table = arrays.most(n, len(used) + 1, row, at, day, latest)
        none = arrays.EARLIEST if latest else arrays.LATEST
        pick = np.maximum if latest else np.minimum
        for j, name in enumerate(names):
            # Cell by cell into one column: most columns have one or two kinds, and a
            # reduction along such a short axis, or a copy of the cells first, costs more.
            cells = cell[chosen[:, j]]
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


def _hours_facts(n: int, owned: pl.DataFrame, plan: Plan, i: int,
                 target: m.Hours) -> list[pl.Series]:
    """The columns of hours.py for `rules[i]` on every row."""
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


# Status codes while deciding: positions in STATUSES (STATUS's physical values).
_NOT_APPLIED = 255


def _decide(model: m.PolicyModel, plan: Plan, facts: pl.DataFrame, ids: pl.Series,
            good: Mask) -> Decided:
    """The decisions and findings of the `good` rows, with their row numbers.

    The plan's expressions give every row a status (or none: the requirement does not
    apply) and due day per requirement; a worker's findings are its requirements with a
    status, so the findings of all rows, in order, are the cells with a status of the
    rows × requirements table, read row by row.
    """
    rules = plan.rules
    columns = []
    for i, rule in enumerate(rules):
        status, due = plan.finding(i)
        applies = plan.holds(rule.condition)
        # Sentinels in place of nulls within the query (in Polars' threads), so that
        # each table below is one copy of the frame's columns.
        columns += [pl.when(applies).then(status).to_physical().cast(pl.UInt8)
                    .fill_null(_NOT_APPLIED).alias(f"_s{i}"),
                    pl.when(applies).then(due).to_physical()
                    .fill_null(int(arrays.EARLIEST)).alias(f"_d{i}")]
    mask = pl.sum_horizontal([plan.holds(g.condition).cast(pl.UInt64) * (1 << i)
                              for i, g in enumerate(model.groups)] or [pl.lit(0, pl.UInt64)])
    wide = facts.lazy().select(*columns, _g=mask.cast(pl.UInt64)).collect()
    n, width = facts.height, len(rules)
    # Row-major: a worker's cells side by side, in declared order (the findings' order).
    statuses: npt.NDArray[np.uint8] = np.full((n, width), _NOT_APPLIED, np.uint8)
    dues: Days = np.full((n, width), arrays.EARLIEST, np.int32)
    if width:
        statuses[:] = wide.select([f"_s{i}" for i in range(width)]).to_numpy()
        dues[:] = wide.select([f"_d{i}" for i in range(width)]).to_numpy()
    statuses[~good] = _NOT_APPLIED
    bits = wide["_g"].to_numpy()
    del wide  # freed before the result tables are built (peak memory)
    rows = np.flatnonzero(good)
    worker = ids.to_arrow().cast(pa.string())
    # Groups: a workforce has few distinct sets, so each set's list is built once.
    sets, which = arrays.distinct(bits[rows])
    group_lists = arrays.string_lists([[g.id for j, g in enumerate(model.groups)
                                        if int(b) >> j & 1] for b in sets])
    overdue = STATUSES.index("overdue")
    decisions = pa.table({
        "worker": worker if len(rows) == n else worker.take(arrays.indices(rows)),
        "compliant": arrays.flags(~(statuses == overdue).any(axis=1)[rows]),
        "groups": group_lists.take(arrays.indices(which)),
        "error": pa.nulls(len(rows), pa.string()),
    }, schema=DECISIONS)
    cell = np.flatnonzero(statuses.ravel() != _NOT_APPLIED)
    at, req = np.divmod(cell, max(width, 1))
    days = dues.ravel()[cell]
    status_codes = statuses.ravel()[cell]
    del cell, statuses, dues
    findings = pa.table({
        "worker": worker.take(arrays.indices(at)),
        "requirement": arrays.strings([r.id for r in rules]).take(arrays.indices(req)),
        "status": arrays.strings(STATUSES).take(arrays.indices(status_codes)),
        "due": arrays.arrow(days, pa.date32(), days != arrays.EARLIEST),
        "cites": arrays.take_lists([r.cites for r in rules], req),
    }, schema=FINDINGS)
    return Decided(rows, decisions, at, findings)


def _row_path(aside: pl.DataFrame, records: pl.DataFrame, roles: Collection[str],
              plan: Plan, decide: Decide) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decisions, findings) of the rows set aside, each decided as `evaluate` decides it.

    Bad rows: the columns said which rows are bad; the message, the field and "did you
    mean" are `parse_worker`'s, so one piece of code words every §1 error. Rows with dates
    near the calendar's end: decided, or rejected, by the row path itself.
    """
    rows = aside.drop("_id").to_dicts()  # the values as given
    by_worker: dict[Any, list[dict[str, Any]]] = {}
    if rows:
        ids = [r["id"] for r in rows if isinstance(r["id"], str)]
        for rec in (records.filter(pl.col("worker").is_in(ids)).sort("_rec")
                    .drop("_rec").to_dicts()):
            by_worker.setdefault(rec.pop("worker"), []).append(rec)
    text = {name for name in ("roles", "volunteer") if aside.schema.get(name) == pl.String}
    text_hours = records.schema.get("hours") == pl.String
    decisions: list[tuple[int, str | None, bool | None, list[str] | None, str | None]] = []
    findings: list[tuple[int, str, str, str, datetime.date | None, list[str]]] = []
    for row in rows:
        index, bad = row.pop("_row"), row.pop("_bad")
        records_of = by_worker.get(row["id"], []) if isinstance(row["id"], str) else []
        try:
            # Text cells read as CSV cells do (§1.4), in the CSV reader's order.
            if "roles" in text and row["roles"] is not None:
                row["roles"] = roles_cell(row["roles"])
            if "volunteer" in text and row["volunteer"] is not None:
                row["volunteer"] = volunteer_cell(row["volunteer"], row["id"])
            for rec in records_of:
                if text_hours and rec.get("hours") is not None:
                    rec["hours"] = hours_cell(rec["hours"])
            row["training"] = records_of
            worker = parse_worker(row, roles)
            if bad:  # pragma: no cover - the column checks and the row path disagree
                raise AssertionError(f"columnar checks rejected a row the row path accepts: "
                                     f"{row}")
            decision = decide(worker)
        except WorkerError as exc:
            decisions.append((index, exc.worker, None, None, str(exc)))
            continue
        decisions.append((index, decision.worker, decision.compliant, list(decision.groups),
                          None))
        findings += [(index, decision.worker, f.requirement, f.status, f.due, list(f.cites))
                     for f in decision.findings]
    return (pl.DataFrame(decisions, schema={
                "_row": pl.UInt32, "worker": pl.String, "compliant": pl.Boolean,
                "groups": pl.List(pl.String), "error": pl.String}, orient="row"),
            pl.DataFrame(findings, schema={
                "_row": pl.UInt32, "worker": pl.String, "requirement": pl.String,
                "status": pl.String, "due": pl.Date, "cites": pl.List(pl.String)},
                orient="row"))


def _tables(decided: Decided, aside: tuple[pl.DataFrame, pl.DataFrame],
            found: pa.Table | None = None) -> FrameResult:
    decisions, findings = decided.decisions, decided.findings
    if aside[0].height:  # every row is decided or has an error: together, in input order
        decisions = _merge(decided.rows, decisions, aside[0])
        findings = _merge(decided.finding_rows, findings, aside[1])
        if found is not None:  # the row path's findings carry their facts themselves
            nulls = aside[1].select("_row", *[pl.lit(None).alias(n) for n in found.schema.names])
            found = _merge(decided.finding_rows, found, nulls)
    return FrameResult(decisions=decisions, findings=findings, facts=found)


def _merge(rows: Rows, table: pa.Table, other: pl.DataFrame) -> pa.Table:
    # A stable sort on the row keeps each worker's findings in declared order.
    order = np.argsort(np.concatenate([rows, other["_row"].to_numpy()]), kind="stable")
    return pa.concat_tables([table, other.drop("_row").to_arrow().cast(table.schema)]) \
        .take(arrays.indices(order))
