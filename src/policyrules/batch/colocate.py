"""Worker rows and their training records brought together without a join: a training
file whose records follow the workers' order is read beside the workers, `Records`
handing each batch of workers its run of records (batch/columnar.py's route).

Whether the records follow that order is found as they are read: each run of records of
one worker is looked up by a 64-bit hash of its id among the workers' (`WorkerIds`), and
the worker rows so found must never go back (`Owners`); the hash's match is then made
sure of by comparing the texts, with the batch of workers it names. A record out of order
raises `OutOfOrder`, for the caller to take the partitioned route. A caller that cannot
start again once it has written something first reads the `worker` column alone
(`in_order`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from ..records import TRAINING_COLUMNS
from ..records.csv_table import TableInput, open_table
from ..records.text import WorkerFileError

SEED = 0x5AFE  # one seed for both files of a run: the same id, the same partition

Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


class OutOfOrder(WorkerFileError):
    """A training record comes after the records of a later worker (or its id's hash
    matched another's): the records do not follow the workers' order. The partitioned
    route takes such a file; raised to the user only when a file read a first time in
    order was no longer so the second time (it changed while it was read)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: the training records are no longer in the workers' order "
                         "(the file changed while it was read)")
        self.path = path


class WorkerIds:
    """The worker file's ids as sorted 64-bit hashes, each with its row: what a training
    record's worker is looked up in (12 bytes a worker, held while the files are read)."""

    def __init__(self, ids: pl.Series) -> None:
        """`ids`: the worker file's `id` column, as text (or null)."""
        hashes = ids.hash(seed=SEED).to_numpy()
        by_hash = argsort(hashes)
        if ids.null_count():  # null ids all hash alike: they are left out of the lookup
            by_hash = by_hash[ids.is_not_null().to_numpy()[by_hash]]
        self.rows = by_hash.astype(np.int32 if len(ids) < 2**31 else np.int64)
        self.hashes = hashes[by_hash]
        self.count = len(ids)
        # Equal hashes are a repeated id (or, rarely, two ids that share one).
        self.distinct = not (self.hashes[1:] == self.hashes[:-1]).any()

    def find(self, heads: pl.Series) -> tuple[Rows, Mask]:
        """(row, found): the row whose id's hash is each of `heads`' hash, and whether
        there is one; the texts are not compared here."""
        if not len(self.hashes):
            return np.zeros(len(heads), np.int64), np.zeros(len(heads), np.bool_)
        wanted = heads.hash(seed=SEED).to_numpy()
        # Looked up in sorted order: each search then starts near the last (6× quicker).
        order = argsort(wanted)
        at = np.empty(len(wanted), np.int64)
        at[order] = np.minimum(np.searchsorted(self.hashes, wanted[order]),
                               len(self.hashes) - 1)
        found = (self.hashes[at] == wanted) & heads.is_not_null().to_numpy()
        return self.rows[at].astype(np.int64), found


def argsort(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.unsignedinteger[Any]]:
    """The positions that put `values` in order (equal values in any order), by Polars'
    sort, which uses every core: a million hashes in 36 ms where NumPy's `argsort`, on
    one core, takes 126 ms (measured on 2 cores). Positions in Polars' index type
    (uint32, or uint64 in its builds for longer tables)."""
    order: npt.NDArray[np.unsignedinteger[Any]] = pl.Series(
        values, dtype=pl.UInt64).arg_sort().to_numpy()
    return order


def worker_ids(source: TableInput) -> pl.Series:
    """The worker file's `id` column as text (all null where it holds no text: then no
    record is any worker's)."""
    ids = pl.concat([f["id"] for f in source.frames(1 << 20, ("id",))]) if source.rows \
        else pl.Series(values=[], dtype=pl.String)
    if ids.dtype in (pl.Categorical, pl.Enum):
        ids = ids.cast(pl.String)
    if ids.dtype != pl.String:
        ids = pl.Series(values=[None] * len(ids), dtype=pl.String)
    return ids


def text_ids(frame: pl.DataFrame) -> pl.Series:
    """A batch's `id` column as `worker_ids` reads it."""
    ids = frame["id"]
    if ids.dtype in (pl.Categorical, pl.Enum):
        return ids.cast(pl.String)
    return ids if ids.dtype == pl.String else pl.Series(values=[None] * len(ids),
                                                         dtype=pl.String)


class Owners:
    """The worker row each training record goes with, the file fed frame by frame in
    order; and the records that go with none (warnings)."""

    def __init__(self, ids: WorkerIds, path: str, first_line: int) -> None:
        self.ids = ids
        self.path = path
        self.unused: list[pl.DataFrame] = []  # `worker` and `_line` of records of no worker
        self.anonymous: tuple[int, int | None] = (0, None)  # without a worker id; first line
        self._last = 0  # the row of the last record found
        self._line = first_line

    def rows(self, worker: pl.Series) -> tuple[Rows, Mask]:
        """(row, check) for each record of the next `worker` values: the worker row it
        goes with (a record of no worker goes with the worker of the run before it, or
        the first), and whether it begins a run whose id's text is still to be compared
        with that row's. Raises OutOfOrder when a record goes back."""
        worker = worker.cast(pl.String)
        starts = run_starts(worker)
        heads = worker.gather(starts)
        length = np.diff(starts, append=len(worker))
        row, found = self.ids.find(heads)
        matched = row[found]
        if len(matched) and (matched[0] < self._last or (np.diff(matched) < 0).any()):
            raise OutOfOrder(self.path)
        # Runs without an id, and runs of an id no worker has (warnings): per run first,
        # per record only where there are any (there seldom are).
        unnamed = heads.is_null().to_numpy()
        if unnamed.any() or not found.all():
            nameless = np.repeat(unnamed, length)
            lost = np.repeat(~found, length) & ~nameless
            lines = np.arange(self._line, self._line + len(worker))
            if nameless.any():
                count, first = self.anonymous
                self.anonymous = (count + int(nameless.sum()),
                                  first or int(lines[nameless][0]))
            if lost.any():
                self.unused.append(pl.DataFrame({"worker": worker.filter(pl.Series(lost)),
                                                 "_line": lines[lost]}))
        self._line += len(worker)
        owner = np.maximum.accumulate(np.concatenate([[self._last],
                                                      np.where(found, row, -1)]))[1:]
        if len(owner):
            self._last = int(owner[-1])
        check = np.zeros(len(worker), np.bool_)
        check[starts[found]] = True
        return np.repeat(owner, length), check


def in_order(source: TableInput, training: str, rows: int) -> WorkerIds | None:
    """The worker ids to read the training file beside the workers with, or None when
    its records do not follow the workers' order (or an id repeats among the workers):
    a first pass over the worker ids and the records' `worker` column only, each run's
    id compared as text. The ids are held while it runs (about 30 MB a million workers),
    the records a batch at a time."""
    ids = worker_ids(source)
    found = WorkerIds(ids)
    if not found.distinct:
        return None
    trainer = open_table(training, "training", TRAINING_COLUMNS, ("worker", "training"))
    try:
        trainer.text_column("worker")
        owners = Owners(found, training, trainer.first_line)
        for column in trainer.frames(max(rows, 1 << 20), ("worker",)):
            worker = column["worker"].cast(pl.String)
            try:
                row, check = owners.rows(worker)
            except OutOfOrder:
                return None
            if not (ids.gather(row[check]) == worker.filter(pl.Series(check))).all():
                return None  # two ids that share a hash
        return found
    finally:
        trainer.close()


def run_starts(values: pl.Series) -> npt.NDArray[np.int64]:
    """Where each run of equal values (nulls equal to nulls) starts."""
    # Each value against the one before: half the work of `rle_id`.
    changed = values.ne_missing(values.shift(1)).to_numpy().copy()
    changed[:1] = True  # the first value starts a run, whatever it holds
    return np.flatnonzero(changed)


class Records:
    """A training file's records (numbered frames, in file order) handed out with each
    batch of workers in turn: those of the batch's rows, read as far as the first record
    of a later row (so at most a frame ahead)."""

    def __init__(self, frames: Iterator[pl.DataFrame], owners: Owners) -> None:
        self._frames = frames
        self._owners = owners
        self._held: list[pl.DataFrame] = []
        self._rows: list[Rows] = []
        self._checks: list[Mask] = []
        self._ended = False

    def finish(self) -> None:
        """Read the records after the last batch's (none when it had workers: they go
        with the last worker), for `Owners`' warnings."""
        for frame in self._frames:
            self._owners.rows(frame["worker"])

    def take(self, batch: pl.DataFrame, start: int) -> pl.DataFrame | None:
        """The records of `batch`, the workers of rows `start` on (counting from 0), and
        those of no worker among them; None for none. Raises OutOfOrder."""
        end = start + batch.height
        while not self._ended and (not self._rows or self._rows[-1][-1] < end):
            frame = next(self._frames, None)
            if frame is None:
                self._ended = True
            elif frame.height:
                row, check = self._owners.rows(frame["worker"])
                self._held.append(frame)
                self._rows.append(row)
                self._checks.append(check)
        n = sum(int(np.searchsorted(r, end)) for r in self._rows)
        if n == 0:
            return None
        held = pl.concat(self._held, rechunk=False)
        rows, checks = np.concatenate(self._rows), np.concatenate(self._checks)
        taken, check = held.slice(0, n), checks[:n]
        self._held, self._rows, self._checks = ([held.slice(n)], [rows[n:]], [checks[n:]]) \
            if n < held.height else ([], [], [])
        names = taken["worker"].cast(pl.String).filter(pl.Series(check))
        if not (text_ids(batch).gather(rows[:n][check] - start) == names).all():
            raise OutOfOrder(self._owners.path)  # two ids that share a hash
        return taken


def numbered(source: TableInput, rows: int) -> Iterator[pl.DataFrame]:
    """The file's rows, `rows` at a time, numbered in `_line` from 1."""
    first = source.first_line
    for frame in source.frames(rows):
        yield frame.with_columns(_line=pl.int_range(first, first + frame.height,
                                                    dtype=pl.Int64))
        first += frame.height
