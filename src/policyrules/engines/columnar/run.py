"""`Policy.evaluate_frame`: check the tables per column, decide the good rows, say what is
wrong with the bad ones, and give the two result tables of CONTRACT §6.

This module runs the stages, in parts of the rows at once where the table is large:
worker_facts.py and record_facts.py give the columns the plan reads, decide.py the
decided rows' tables, row_path.py the rows the columns leave to the row path.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Collection

import numpy as np
import polars as pl

from ...errors import UsageError
from ...records import WORKER_COLUMNS
from ...semantics import model as m
from . import arrays, inputs
from . import facts as finding_facts
from .arrays import Rows, code
from .decide import DECISIONS as DECISIONS
from .decide import FINDINGS as FINDINGS
from .decide import Cells, decide_rows
from .decide import Decided as Decided
from .decide import FrameResult as FrameResult
from .parts import in_parts
from .plan import Plan
from .record_facts import details, hours_facts, record_facts, training_frame
from .row_path import Decide, last_safe_day, row_path, together
from .worker_facts import day_number, worker_facts

# Rows a thread has at least, unless told otherwise; a table of fewer than two such is
# decided whole, in one thread: below that the fixed cost of a part (starting its
# queries) outweighs what a second core or smaller parts save. The command line's
# batches (at most 131,072 rows, two decided at once in threads of their own) stay whole:
# cut in two parts each, the Parquet route took 1.11x the CPU.
LEAST_PART = 100_000
# Rows a part has at most, unless told otherwise (parts.py says why parts are bounded).
# Measured at 1,000,000 workers (docs/columnar.md): under load, parts of 65,536 rows took
# the least CPU with 262,144 and 131,072 (1.49 s against 2.01 s for two halves: a tenth of
# the page faults' system time) and the lowest peak of those (844 against 1,412 MiB);
# parts of 32,768 took 2.05 s, their fixed cost (about 40 queries each) outweighing the
# faults. On a quiet machine 131,072 was 4% quicker for 140 MiB more, halves level.
PART_ROWS = 65_536


def cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def evaluate_frame(model: m.PolicyModel, roles: Collection[str], workers: object,
                   training: object, as_of: datetime.date, decide: Decide, *,
                   with_facts: bool = False, threads: int | None = None,
                   least: int | None = None, rows: int | None = None) -> FrameResult:
    """Decide every row of `workers` in columns; `decide` is the row path (the compiled
    evaluator), which words the errors and decides the few rows columns cannot. With
    `with_facts`, also what each finding rests on (facts.py).

    A table of at least twice `least` rows (None: `LEAST_PART`) is decided in parts of
    at most `rows` rows (None: `PART_ROWS`) by at most `threads` threads (None: one per
    core this process may run on, `cores()`), each thread with at least `least` rows;
    the result is the same whatever the numbers (tests force parts of a row or two on
    small tables)."""
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
    records = training_frame(training)
    plan = Plan.of(model, as_of)
    cells = Cells.of(model, plan)
    least = LEAST_PART if least is None else max(least, 1)
    rows = PART_ROWS if rows is None else max(rows, 1)
    if frame.height <= rows or frame.height < 2 * least:
        # The pairs of a record and its row are not held here (no name binds them):
        # _evaluate frees them before it builds the result tables (peak memory).
        return _evaluate(model, roles, plan, frame, records,
                         *arrays.owners(records["worker"], frame["_id"]), decide, with_facts,
                         cells)

    def part(cut: pl.DataFrame, mine: pl.DataFrame, rec: Rows, row: Rows) -> FrameResult:
        return _evaluate(model, roles, plan, cut, mine, rec, row, decide, with_facts, cells)

    count = max(1, min(cores() if threads is None else threads, frame.height // least))
    return in_parts(frame, records, count, rows, part)


def _evaluate(model: m.PolicyModel, roles: Collection[str], plan: Plan, frame: pl.DataFrame,
              records: pl.DataFrame, rec: Rows, row: Rows, decide: Decide,
              with_facts: bool, cells: Cells) -> FrameResult:
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
        **details(records, plan)).with_columns(_kind=plan.kind()).collect()
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
    last = day_number(last_safe_day(plan))
    aside = bad | (start > last)
    aside[item_row[item_since > last]] = True
    aside[row[rec_day > last]] = True
    paired = None
    if with_facts:  # every record of a row decided here, later ones and others included
        mine = ~aside[row]
        paired = finding_facts.pairs(records, rec[mine], row[mine], rec_day[mine])

    # Records later than as_of are ignored (§1.3), and so are courses no rule reads: their
    # kind is -1 for record_facts.
    kind = arrays.gather(recs["_kind"].to_numpy(), pick)
    keep = (rec_day != arrays.EARLIEST) & (rec_day <= day_number(plan.as_of))
    facts = worker_facts(frame, checked["_started"], items, item_row, item_since, start, plan)
    facts = facts.with_columns(record_facts(n, row, rec_day, np.where(keep, kind, -1), plan))
    if any(rule.hours is not None for rule in plan.rules):
        keep &= kind >= 0
        owned = recs.select(pl.all().gather(rec[keep])).with_columns(
            _row=pl.Series(row[keep], dtype=pl.UInt32))
        for i, rule in enumerate(plan.rules):
            if rule.hours is not None:
                facts = facts.with_columns(hours_facts(n, owned, plan, i, rule.hours))
    # The per-record arrays are done with: freed before the result tables are built, they
    # keep the peak memory of a million workers under a gigabyte.
    del recs, rec, row, rec_day, kind, keep, pick, items, item_row, item_since

    decided = decide_rows(model, plan, cells, facts, frame["_id"], ~aside)
    found = None if paired is None else finding_facts.table(
        plan, facts, paired, decided.finding_rows, pl.Series(decided.findings["requirement"]),
        pl.Series(decided.findings["status"]))
    set_aside = frame.with_columns(_bad=pl.Series(bad)).filter(pl.Series(aside))
    return together(decided, row_path(set_aside, records, roles, decide), found)
