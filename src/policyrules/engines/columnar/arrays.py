"""NumPy over whole columns: records to their workers, and per-worker minima and maxima.

Days are int32 day numbers (days since 1970-01-01, as Arrow's date32 holds them), with a
sentinel where there is no day: `EARLIEST` where the caller takes a maximum, `LATEST`
where it takes a minimum, so a missing day never wins. The sentinels lie far outside
Python's calendar (`run` leaves a row whose days come near its end to `row_path`), so no
real day equals one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

Days = npt.NDArray[np.int32]
Rows = npt.NDArray[np.int64]
# Small codes (a record's kind): 32 bits, half the memory of positions over millions.
Codes = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]
T = TypeVar("T", bound=np.generic)

EARLIEST = np.int32(np.iinfo(np.int32).min)
LATEST = np.int32(np.iinfo(np.int32).max)


def code(text: pl.Expr, names: Sequence[str]) -> pl.Expr:
    """Each value's position in `names` (distinct), -1 where it is none of them or null.

    An Enum cast looks each value up once in a small table: far quicker on millions of
    rows than comparing with each name or `replace_strict`.
    """
    if not names:
        return pl.lit(-1, pl.Int32)
    return text.cast(pl.Enum(list(names)), strict=False).to_physical().cast(pl.Int32) \
        .fill_null(-1)


def days(dates: pl.Series, none: np.int32) -> Days:
    """A Date column as day numbers, `none` where null."""
    return dates.to_physical().fill_null(int(none)).to_numpy().astype(np.int32, copy=False)


def dates(name: str, values: Days, none: np.int32) -> pl.Series:
    """Day numbers as a Date column, null where `none`."""
    return pl.Series(name, arrow(values, pa.date32(), values != none))


# Arrow arrays are built from buffers: `pa.array` imports pandas on its first call, a
# quarter of a second of every command line run that decides a Parquet file.

def arrow(values: npt.NDArray[Any], kind: pa.DataType, valid: Mask | None = None
          ) -> pa.Array:
    """NumPy values of `kind`'s width (int32 for date32) as an Arrow array, null where
    not `valid`; the values are not copied."""
    values = np.ascontiguousarray(values)
    assert values.itemsize * 8 == kind.bit_width, (values.dtype, kind)
    return pa.Array.from_buffers(kind, len(values), [_bits(valid), pa.py_buffer(values)])


def indices(values: npt.NDArray[Any]) -> pa.Array:
    """Positions for an Arrow take (int32 ones as they are: no copy)."""
    if values.dtype == np.int32:
        return arrow(values, pa.int32())
    return arrow(values.astype(np.int64, copy=False), pa.int64())


def flags(values: Mask) -> pa.Array:
    """Booleans as an Arrow bool array."""
    packed = _bits(values)
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, packed])


def strings(values: Sequence[str]) -> pa.Array:
    """A few texts as an Arrow string array."""
    data = [v.encode() for v in values]
    ends = np.cumsum([0, *map(len, data)], dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(data), [None, pa.py_buffer(ends),
                                                          pa.py_buffer(b"".join(data))])


def string_lists(values: Sequence[Sequence[str]]) -> pa.Array:
    """A few lists of texts as an Arrow list<string> array."""
    ends = np.cumsum([0, *map(len, values)], dtype=np.int32)
    return pa.ListArray.from_arrays(arrow(ends, pa.int32()),
                                    strings([v for each in values for v in each]))


def take_lists(values: Sequence[Sequence[str]], which: npt.NDArray[Any]) -> pa.Array:
    """`string_lists(values).take(which)`: for each position of `which`, that list of
    texts. Lists all of one length (a requirement's cites, usually one paragraph) are
    put together from their texts, a take of strings and counted offsets: about half the
    work of Arrow's take of lists, which finds each list's bounds and copies it."""
    lengths = {len(v) for v in values}
    if len(lengths) != 1 or 0 in lengths or not len(which):
        return string_lists(values).take(indices(which))
    (k,) = lengths
    texts = strings([t for v in values for t in v])
    at = which
    if k != 1:  # the k texts of each list, in order
        at = (which.astype(np.int64)[:, None] * k + np.arange(k)).ravel()
    ends = np.arange(0, (len(which) + 1) * k, k, dtype=np.int32)
    return pa.ListArray.from_arrays(arrow(ends, pa.int32()), texts.take(indices(at)))


def _bits(mask: Mask | None) -> pa.Buffer | None:
    return None if mask is None else pa.py_buffer(np.packbits(mask, bitorder="little"))


def add_months(day: npt.NDArray[np.int64], months: int) -> Days:
    """Day numbers + `months` calendar months, each clipped to its month's end, as
    relativedelta adds them (2024-02-29 + 12 months = 2025-02-28)."""
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    into = day - month.astype("datetime64[D]").astype(np.int64)
    start = (month + months).astype("datetime64[D]").astype(np.int64)
    length = (month + months + 1).astype("datetime64[D]").astype(np.int64) - start
    out: Days = (start + np.minimum(into, length - 1)).astype(np.int32)
    return out


def owners(worker: pl.Series, ids: pl.Series) -> tuple[Rows, Rows]:
    """(record, row): every pair of a record (its position in `worker`) and a row whose
    id (`ids`, null where not text) is the record's worker, records of a run in order.

    Records usually come grouped by worker, so each run of equal workers is looked up
    once; the lookup joins on 64-bit hashes and then compares the text of each candidate
    pair, so two ids that share a hash never meet. A worker id held by several rows gives
    its records to each, as the row path does to each mapping.
    """
    m = worker.len()
    if m == 0 or ids.len() == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    run = worker.rle_id().to_numpy()
    starts = np.concatenate([[0], np.flatnonzero(run[1:] != run[:-1]) + 1])
    heads = worker.gather(starts)
    candidates = pl.LazyFrame({"_h": heads.hash(), "_run": np.arange(len(starts))}).join(
        pl.LazyFrame({"_h": ids.hash(), "_row": np.arange(ids.len())}), on="_h").collect()
    run_of = candidates["_run"].to_numpy()
    row_of = candidates["_row"].to_numpy()
    same = (heads.gather(run_of) == ids.gather(row_of)).fill_null(False).to_numpy()
    run_of, row_of = run_of[same], row_of[same]
    if not len(run_of) or np.bincount(run_of).max() == 1:
        # Ids are unique (the usual case): each record's row is its run's.
        row_of_run = np.full(len(starts), -1, np.int64)
        row_of_run[run_of] = row_of
        row = row_of_run[run]
        record = np.flatnonzero(row >= 0)
        return record, row[record]
    # Each matched run's records: its start, then start + 1, … for its length.
    count = np.diff(starts, append=m)[run_of]
    first = np.repeat(np.cumsum(count) - count, count)
    record = np.repeat(starts[run_of], count) + (np.arange(int(count.sum())) - first)
    return record.astype(np.int64), np.repeat(row_of, count).astype(np.int64)


def run_of(at: Rows) -> slice | Rows:
    """`at` as a slice where it is one run of consecutive positions, in order (indexing
    with a slice makes views of the arrays, not copies), else `at` itself."""
    if not len(at):
        return slice(0, 0)
    first = int(at[0])
    if int(at[-1]) - first + 1 == len(at) and bool((np.diff(at) == 1).all()):
        return slice(first, first + len(at))
    return at


def most(n: int, width: int, row: Rows, column: npt.NDArray[np.int64], day: Days,
         latest: bool) -> Days:
    """A width × n table of the latest (or earliest) `day` per (row, column).

    Column by column, each a contiguous array of the rows: its readers take whole
    columns, which a row-major table gives only by a strided copy (three times the cost).
    """
    none = EARLIEST if latest else LATEST
    table = np.full(n * width, none, np.int32)
    ufunc = np.maximum if latest else np.minimum
    ufunc.at(table, column * n + row, day)
    return table.reshape(width, n)


def distinct(values: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], Rows]:
    """(the distinct values, sorted; each value's position among them), as
    `np.unique(values, return_inverse=True)` gives them.

    A policy's groups as a bit mask take few distinct values, and small ones: those are
    counted in a table as long as the largest value (a tenth of the cost of sorting a
    million), any others sorted.
    """
    if len(values) and int(values.max()) < max(1 << 16, len(values)):
        small = values.astype(np.intp)
        present = np.flatnonzero(np.bincount(small))
        position = np.zeros(int(present[-1]) + 1, np.int64)
        position[present] = np.arange(len(present))
        return present.astype(np.uint64), position[small]
    sets, which = np.unique(values, return_inverse=True)
    return sets, which.astype(np.int64)


def scatter(n: int, row: Rows, values: npt.NDArray[T], fill: object) -> npt.NDArray[T]:
    """One value per row: `values` at `row` (each row at most once), `fill` elsewhere."""
    out = np.full(n, fill, values.dtype)
    out[row] = values
    return out
