"""A large table decided in parts at once: contiguous parts of the rows, each with the
training records of its rows, in as many threads; the parts' tables one after another.

Each part finds its own records' rows (`arrays.owners`), so no step over the whole table
runs before the threads start but a look for where each part's records begin. Records
usually follow the rows' order (the usual table, and the command line's batches): a
part then takes the slice of the training table from its first row's first record to
the next part's, with no copy, once it has seen that no record outside that slice can
name one of its rows. Where one might (records in another order, an id on rows of two
parts), the part gathers every record that names one of its rows instead. Either way a
part holds every record of its rows, in the table's order, so its tables are those one
thread gives for those rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pyarrow as pa

from . import arrays
from .arrays import Rows
from .decide import FrameResult

# A part decided: its rows, its records, and the pairs of a record and its row
# (`arrays.owners`) as positions in those two.
Evaluate = Callable[[pl.DataFrame, pl.DataFrame, Rows, Rows], FrameResult]

# Rows after a part's first row whose records are looked for, where the first has none:
# past these the part gathers its records (a workforce where most have none has few).
_LOOK = 16


def in_parts(frame: pl.DataFrame, records: pl.DataFrame, count: int,
             evaluate: Evaluate) -> FrameResult:
    """`evaluate` on `count` parts of contiguous rows of `frame` at once, in as many
    threads; the parts' tables in order. An error of a part is raised as one thread
    would raise it: the first part's first."""
    bounds = [frame.height * i // count for i in range(count + 1)]
    ids, workers = frame["_id"], records["worker"]
    cuts = [0]
    for lo in bounds[1:-1]:
        cuts.append(_first_record(ids, workers, lo, cuts[-1]))
    cuts.append(records.height)
    # Polars, NumPy and Arrow let go of the interpreter's lock for nearly all of the
    # work, so on two free cores two parts take little more than half the time of one.
    with ThreadPoolExecutor(count, thread_name_prefix="policyrules-frame") as pool:
        running = [pool.submit(_part, frame.slice(lo, hi - lo), records, cuts[i],
                               cuts[i + 1], evaluate)
                   for i, (lo, hi) in enumerate(itertools.pairwise(bounds))]
        # In order: an error of the first part is raised as one thread would raise it.
        done = [future.result() for future in running]
    found = [r.facts for r in done if r.facts is not None]
    return FrameResult(decisions=pa.concat_tables([r.decisions for r in done]),
                       findings=pa.concat_tables([r.findings for r in done]),
                       facts=pa.concat_tables(found) if found else None)


def _first_record(ids: pl.Series, workers: pl.Series, row: int, after: int) -> int:
    """Where the records of the rows from `row` on begin, if they follow the rows' order:
    the first record, from `after` on, of the first of those rows that has one (or
    `after`: the part then gathers its records)."""
    later = workers.slice(after)
    for i in range(row, min(row + _LOOK, ids.len())):
        if ids[i] is None:
            continue
        at = (later == ids[i]).arg_max()
        if at is not None and later[at] == ids[i]:
            return after + int(at)
    return after


def _part(rows: pl.DataFrame, records: pl.DataFrame, first: int, end: int,
          evaluate: Evaluate) -> FrameResult:
    ids = rows["_id"]
    mine = records.slice(first, end - first)
    if not _apart(ids, [records.slice(0, first)["worker"], records.slice(end)["worker"]]):
        # Records in another order, or an id held by rows of two parts: every record
        # that names one of these rows, in the table's order.
        mine = records.filter(pl.col("worker").is_in(ids.implode()))
    return evaluate(rows, mine, *arrays.owners(mine["worker"], ids))


def _apart(ids: pl.Series, others: list[pl.Series]) -> bool:
    """True when no value of `others` can equal one of `ids`: each lies outside the
    range from the least id to the greatest (text in byte order, as Polars orders it)."""
    least, most = ids.min(), ids.max()
    if least is None:  # no row has a text id: no record names one of them
        return True
    return not any(bool(((w >= least) & (w <= most)).any()) for w in others if w.len())
