"""A large table decided in parts: contiguous parts of at most a bounded number of rows,
each with the training records of its rows, taken from one queue by a few threads; the
parts' tables one after another, in order.

Parts are bounded, and more than the threads, because a part's intermediate columns are
fresh memory: a part of half a million rows faults in hundreds of megabytes of new pages,
while a part of a few tens of thousands reuses what the part before it freed (the
allocators keep recently freed memory for a while) and stays nearer the cache. The queue
also keeps both threads busy when one of them is slowed by other work on the machine.

Records usually follow the rows' order (the usual table, and the command line's batches):
a part then looks for its rows' records only in its slice of the training table, from
its first row's first record to the next part's. That is right only if no record outside
a part's slice names one of its rows, which the parts check first, all at once
(`_follow`): the parts' ids lie in ranges one after another (text compared byte by
byte, as Polars orders it), and no record of one slice lies in another part's range.
When that does not hold (records in another order, ids out of order, an id on rows of
two parts), every record's row is found once for the whole table, and each part takes
the records of its rows. Either way a part is given every record of its rows, as their
positions in the training table, in the table's order, so its tables are those one
thread gives for those rows. (What does not depend on the part, the text of the whole
table read once, run.py gives every part.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import polars as pl
import pyarrow as pa

from . import arrays
from .arrays import Rows
from .decide import FrameResult

# A part decided: its first row and the row after its last, and the pairs of a record
# and its row (`arrays.owners`), as positions in the training table and among the part's
# rows.
Evaluate = Callable[[int, int, Rows, Rows], FrameResult]

# Rows after a part's first row whose records are looked for, where the first has none.
_LOOK = 16
# Records compared with an id at first when looking for its first record; each further
# look compares four times as many, so a look costs about the distance it covers.
_WINDOW = 4096


# The least and the greatest text of a column; None where it holds none.
Range = tuple[str, str] | None


def _range(values: pl.Series) -> Range:
    least, most = values.min(), values.max()
    if least is None or most is None:
        return None
    assert isinstance(least, str) and isinstance(most, str), (least, most)
    return least, most


def in_parts(ids: pl.Series, workers: pl.Series, threads: int, rows: int,
             evaluate: Evaluate) -> FrameResult:
    """`evaluate` on parts of at most `rows` contiguous rows of the table whose ids are
    `ids` (null where not text), with the records whose workers are `workers`, decided
    by `threads` threads from one queue; the parts' tables in order. An error of a part
    is raised as one thread would raise it: the first part's first."""
    count = max(1, -(-ids.len() // max(rows, 1)))
    bounds = [ids.len() * i // count for i in range(count + 1)]
    cuts = [0]
    for lo in bounds[1:-1]:
        cuts.append(_first_record(ids, workers, lo, cuts[-1], workers.len() // count))
    cuts.append(workers.len())
    spans = list(itertools.pairwise(bounds))
    with ThreadPoolExecutor(threads, thread_name_prefix="policyrules-frame") as pool:
        # Polars, NumPy and Arrow let go of the interpreter's lock for nearly all of the
        # work, so the threads decide parts at the same time.
        slices = [workers.slice(*_span(cuts[i:i + 2])) for i in range(count)]
        ranges = list(pool.map(lambda i: (_range(ids.slice(*_span(spans[i]))),
                                          _range(slices[i])), range(count)))
        part = (_sliced(ids, slices, spans, cuts, evaluate) if _follow(ranges, slices)
                else _gathered(ids, workers, spans, evaluate))
        running = [pool.submit(part, i) for i in range(count)]
        done = _in_order(running)
    found = [r.facts for r in done if r.facts is not None]
    return FrameResult(decisions=pa.concat_tables([r.decisions for r in done]),
                       findings=pa.concat_tables([r.findings for r in done]),
                       facts=pa.concat_tables(found) if found else None)


def _span(bounds: tuple[int, int] | list[int]) -> tuple[int, int]:
    """(offset, length) of the rows from bounds[0] up to bounds[1]."""
    lo, hi = bounds
    return lo, hi - lo


def _in_order(running: list[Future[FrameResult]]) -> list[FrameResult]:
    """Each part's tables in order; at a part's error the parts not yet started are
    dropped and the error raised (the first part's first, as one thread raises it)."""
    done = []
    try:
        for future in running:
            done.append(future.result())
    except BaseException:
        for future in running:
            future.cancel()
        raise
    return done


def _first_record(ids: pl.Series, workers: pl.Series, row: int, after: int,
                  share: int) -> int:
    """Where the records of the rows from `row` on begin, if they follow the rows' order:
    the first record, from `after` on, of the first of those rows that has one; `after`
    when none is found within a few parts' share of records (`_follow` then finds the
    records do not follow the rows, or the part before holds only records of no row)."""
    reach = after + 4 * share + _WINDOW
    for i in range(row, min(row + _LOOK, ids.len())):
        if ids[i] is None:
            continue
        start, width = after, _WINDOW
        while start < min(reach, workers.len()):
            window = workers.slice(start, width)
            at = (window == ids[i]).arg_max()
            if at is not None and window[at] == ids[i]:
                return start + int(at)
            start, width = start + width, width * 4
    return after


def _follow(ranges: list[tuple[Range, Range]], slices: list[pl.Series]) -> bool:
    """True when no record of one slice can name a row of another part: the parts' ids
    lie in ranges one after another, and no value of a slice lies in the range of another
    part's ids (`ranges`: each part's ids' range and its slice's)."""
    held = [(p, r) for p, (r, _) in enumerate(ranges) if r is not None]
    if any(not a[1] < b[0] for (_, a), (_, b) in itertools.pairwise(held)):
        return False
    starts = pl.Series([r[0] for _, r in held], dtype=pl.String)
    ends = pl.Series([r[1] for _, r in held], dtype=pl.String)
    for q, (_, seen) in enumerate(ranges):
        if seen is None:
            continue
        # The slice's own part's range lies between its neighbours' (above): only values
        # outside the gap between them can lie in another part's range.
        below = [r[1] for p, r in held if p < q]
        above = [r[0] for p, r in held if p > q]
        low, high = (below[-1] if below else None), (above[0] if above else None)
        if (low is None or seen[0] > low) and (high is None or seen[1] < high):
            continue
        values = slices[q].drop_nulls()
        out = [values <= low] if low is not None else []
        out += [values >= high] if high is not None else []
        outside = values.filter(out[0] | out[-1])
        at = starts.search_sorted(outside, side="right").cast(pl.Int64) - 1
        if bool(((at >= 0) & (outside <= ends.gather(at.clip(0)))).any()):
            return False
    return True


def _sliced(ids: pl.Series, slices: list[pl.Series], spans: list[tuple[int, int]],
            cuts: list[int], evaluate: Evaluate) -> Callable[[int], FrameResult]:
    """Parts that each look for their rows' records in their slice of the records
    (records that follow the rows)."""
    def part(i: int) -> FrameResult:
        lo, hi = spans[i]
        rec, row = arrays.owners(slices[i], ids.slice(lo, hi - lo))
        return evaluate(lo, hi, rec + cuts[i], row)

    return part


def _gathered(ids: pl.Series, workers: pl.Series, spans: list[tuple[int, int]],
              evaluate: Evaluate) -> Callable[[int], FrameResult]:
    """Parts that each take the records of their rows, every record's row found once for
    the whole table (records in another order than the rows)."""
    rec, row = arrays.owners(workers, ids)
    order = np.argsort(row, kind="stable")
    rec, row = rec[order], row[order]
    starts = np.searchsorted(row, [lo for lo, _ in spans] + [ids.len()])

    def part(i: int) -> FrameResult:
        lo, hi = spans[i]
        mine_rec, mine_row = rec[starts[i]:starts[i + 1]], row[starts[i]:starts[i + 1]]
        # Record by record, in the table's order, as `arrays.owners` gives them.
        by_record = np.argsort(mine_rec, kind="stable")
        return evaluate(lo, hi, mine_rec[by_record], mine_row[by_record] - lo)

    return part
