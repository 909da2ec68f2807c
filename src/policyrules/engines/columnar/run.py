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
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import polars as pl

from ...errors import UsageError
from ...records import WORKER_COLUMNS
from ...semantics import model as m
from . import arrays, inputs
from . import facts as finding_facts
from .arrays import Rows
from .decide import DECISIONS as DECISIONS
from .decide import FINDINGS as FINDINGS
from .decide import Cells, decide_rows
from .decide import Decided as Decided
from .decide import FrameResult as FrameResult
from .parts import in_parts
from .plan import Plan
from .record_facts import Records, hours_facts, training_frame
from .row_path import Decide, last_safe_day, row_path, together
from .worker_facts import Workers, day_number

# Rows a thread has at least, unless told otherwise; a table of fewer than two such is
# decided whole, in one thread: below that the fixed cost of a part (starting its
# queries) outweighs what a second core or smaller parts save. The command line's
# batches (at most 131,072 rows, two decided at once in threads of their own) stay whole:
# cut in two parts each, the Parquet route took 1.11x the CPU.
LEAST_PART = 100_000
# Rows a part has at most, unless told otherwise (parts.py says why parts are bounded).
# Measured at 1,000,000 workers once the text of the whole table was read once a call
# (docs/columnar.md): 32,768 took 1.09x the CPU of 65,536 (its statuses' queries and
# record lookups, about 10 ms a part, outweigh the page faults it saves); 131,072 took
# 0.96x the CPU for a peak over a gigabyte (1,072 against 968 MiB). 65,536 stays: within
# a few per cent of the fastest at the lowest peak, well under the gigabyte.
PART_ROWS = 65_536


def cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@attrs.frozen
class _Call:
    """What a call works out once for the whole table, for all of its parts: the plan
    and its expressions, and every row's and record's columns that do not depend on
    which part they fall in (the text read, the vocabularies as codes)."""

    model: m.PolicyModel
    roles: Collection[str]
    plan: Plan
    cells: Cells
    decide: Decide
    frame: pl.DataFrame  # the workers' §1 columns and `_id`
    workers: Workers
    records: Records
    evidence: pl.DataFrame | None  # with facts: what they read of each record
    last: int  # the last day number from which every deadline stays in the calendar


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
    # Python's calendar ends at 9999-12-31 and Polars' does not: a row with a date so late
    # that a deadline from it could pass that day goes to the row path, which says so
    # (DateRangeError) exactly when and as `evaluate` does. No workforce has such rows.
    last = day_number(last_safe_day(plan))
    least = LEAST_PART if least is None else max(least, 1)
    rows = PART_ROWS if rows is None else max(rows, 1)
    whole = frame.height <= rows or frame.height < 2 * least
    with ThreadPoolExecutor(1, thread_name_prefix="policyrules-frame") as pool:
        # A table cut in parts reads its records in a thread of its own while this one
        # reads its rows: the role items' text is read by one core, and the other would
        # wait. (A table decided whole is a batch of the command line's, which decides
        # two at a time already.)
        read = pool.submit(Records.of, records, plan) if not whole else None
        rows_read = Workers.of(frame.with_row_index("_row"), roles, plan, last)
        records_read = Records.of(records, plan) if read is None else read.result()
    call = _Call(model, roles, plan, Cells.of(model, plan), decide, frame, rows_read,
                 records_read, finding_facts.evidence(records) if with_facts else None,
                 last)
    if whole:
        return _evaluate(call, 0, frame.height,
                         *arrays.owners(records["worker"], frame["_id"]))

    def part(lo: int, hi: int, rec: Rows, row: Rows) -> FrameResult:
        return _evaluate(call, lo, hi, rec, row)

    count = max(1, min(cores() if threads is None else threads, frame.height // least))
    return in_parts(frame["_id"], records["worker"], count, rows, part)


def _evaluate(call: _Call, lo: int, hi: int, rec: Rows, row: Rows) -> FrameResult:
    """`evaluate_frame` on rows `lo` to `hi`: `rec` and `row` the pairs of a record and a
    row of its worker's id (`arrays.owners`), as positions in the training table and
    among these rows."""
    plan, records, workers = call.plan, call.records, call.workers
    n = hi - lo
    # The records' arrays as views where the part's records are one run of the table in
    # order (records that follow the rows), else gathered.
    at = arrays.run_of(rec)
    rec_day = records.day[at]
    bad = workers.bad[lo:hi].copy()
    bad[row[records.bad[at]]] = True
    aside = bad | workers.late[lo:hi]
    aside[row[rec_day > call.last]] = True
    paired = None
    if call.evidence is not None:  # every record of a row decided here, later ones too
        mine = ~aside[row]
        paired = finding_facts.pairs(call.evidence, rec[mine], row[mine], rec_day[mine])

    # Records later than as_of are ignored (§1.3), and so are courses no rule reads: their
    # kind is -1 for Records.facts.
    kind = records.kind[at]
    keep = (rec_day != arrays.EARLIEST) & (rec_day <= day_number(plan.as_of))
    columns = [*workers.facts(lo, hi, plan),
               *records.facts(n, row, rec_day, np.where(keep, kind, -1))]
    if records.counted is not None:
        keep &= kind >= 0
        owned = records.counted[rec[keep]].with_columns(
            _row=pl.Series(row[keep], dtype=pl.UInt32))
        for i, rule in enumerate(plan.rules):
            if rule.hours is not None:
                columns += hours_facts(n, owned, plan, i, rule.hours)
    facts = pl.DataFrame(columns)

    decided = decide_rows(call.model, plan, call.cells, facts,
                          call.frame["_id"].slice(lo, n), ~aside)
    found = None if paired is None else finding_facts.table(
        plan, facts, paired, decided.finding_rows, pl.Series(decided.findings["requirement"]),
        pl.Series(decided.findings["status"]))
    if not aside.any():
        return together(decided, None, found)
    set_aside = call.frame.slice(lo, n).filter(pl.Series(aside)).with_columns(
        _row=pl.Series(np.flatnonzero(aside), dtype=pl.UInt32), _bad=pl.Series(bad[aside]))
    # The records of the rows set aside, in the table's order.
    theirs = call.records.frame[np.unique(rec[aside[row]])]
    return together(decided, row_path(set_aside, theirs, call.roles, call.decide), found)
