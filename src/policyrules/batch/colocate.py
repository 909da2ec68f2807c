"""Worker rows and their training records brought together without a join: a training
file whose records follow the workers' order (`in_order`) is read beside the workers,
`Taker` handing each batch of workers its run of records (batch/parquet.py's route)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import numpy as np
import numpy.typing as npt
import polars as pl

from ..records import TRAINING_COLUMNS
from ..records.csv_table import TableInput, open_table

SEED = 0x5AFE  # one seed for both files of a run: the same id, the same partition

@attrs.frozen
class Order:
    """The records of a training file that lists them in the workers' order: how many
    records go with each batch of workers, and those no worker uses."""

    records: npt.NDArray[np.int32]  # records to read with each worker, in file order
    unused: list[pl.DataFrame]  # `worker` and `_line` of records of no worker
    anonymous: tuple[int, int | None]  # records without a worker id, and the first's line


def in_order(source: TableInput, training: str, rows: int) -> Order | None:
    """The `Order` of the training file, or None when its records do not follow the
    workers' order (or an id repeats among the workers), for the partitioned route.

    One pass over the worker ids and the records' `worker` column only: each run of
    records of one worker is looked up once, by a 64-bit hash of its id in the sorted
    hashes of the ids and then by its text, and the worker rows so found must never go
    back. The ids and a count a worker are held while it runs (about 20 MB a million
    workers); the records only a batch at a time.
    """
    ids = pl.concat([f["id"] for f in source.frames(1 << 20, ("id",))]) if source.rows \
        else pl.Series(values=[], dtype=pl.String)
    if ids.dtype in (pl.Categorical, pl.Enum):
        ids = ids.cast(pl.String)
    if ids.dtype != pl.String:  # no text id: no record is any worker's
        ids = pl.Series(values=[None] * len(ids), dtype=pl.String)
    hashes = ids.hash(seed=SEED).to_numpy()
    by_hash = np.argsort(hashes)
    hashes = hashes[by_hash]
    # Equal hashes are a repeated id (or, rarely, two ids that share one): null ids all
    # hash alike, so they are left out of the lookup first.
    named = ids.is_not_null().to_numpy()[by_hash]
    by_hash, hashes = by_hash[named], hashes[named]
    if (hashes[1:] == hashes[:-1]).any():
        return None
    trainer = open_table(training, "training", TRAINING_COLUMNS, ("worker", "training"))
    try:
        trainer.text_column("worker")
        per_worker = np.zeros(max(1, source.rows), np.int32)
        unused: list[pl.DataFrame] = []
        anonymous, first_anonymous = 0, None
        last, line = 0, trainer.first_line
        for column in trainer.frames(max(rows, 1 << 20), ("worker",)):
            worker = column["worker"].cast(pl.String)
            starts = run_starts(worker)
            heads = worker.gather(starts)
            length = np.diff(starts, append=len(worker))
            row, found = _lookup(heads, ids, hashes, by_hash)
            matched = row[found]
            if len(matched) and (matched[0] < last or (np.diff(matched) < 0).any()):
                return None
            nameless = np.repeat(heads.is_null().to_numpy(), length)
            lost = np.repeat(~found, length) & ~nameless
            lines = np.arange(line, line + len(worker))
            line += len(worker)
            if nameless.any():
                anonymous += int(nameless.sum())
                first_anonymous = first_anonymous or int(lines[nameless][0])
            if lost.any():
                unused.append(pl.DataFrame({"worker": worker.filter(pl.Series(lost)),
                                            "_line": lines[lost]}))
            # A record of no worker goes with the worker of the run before it.
            row = np.maximum.accumulate(np.concatenate([[last], np.where(found, row, -1)]))
            last = int(row[-1])
            np.add.at(per_worker, row[1:], length.astype(np.int32))
        return Order(per_worker, unused, (anonymous, first_anonymous))
    finally:
        trainer.close()


def run_starts(values: pl.Series) -> npt.NDArray[np.int64]:
    """Where each run of equal values (nulls equal to nulls) starts."""
    # Each value against the one before: half the work of `rle_id`.
    changed = values.ne_missing(values.shift(1)).to_numpy().copy()
    changed[:1] = True  # the first value starts a run, whatever it holds
    return np.flatnonzero(changed)


def _lookup(heads: pl.Series, ids: pl.Series, hashes: npt.NDArray[np.uint64],
            by_hash: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64],
                                                     npt.NDArray[np.bool_]]:
    """(row, found): the row of `ids` whose id is each of `heads`, found by its hash in
    the sorted `hashes` (`by_hash` their rows) and then compared as text."""
    if not len(hashes):
        return np.zeros(len(heads), np.int64), np.zeros(len(heads), np.bool_)
    wanted = heads.hash(seed=SEED).to_numpy()
    # Looked up in sorted order: each search then starts near the last (6× quicker).
    order = np.argsort(wanted)
    at = np.empty(len(wanted), np.int64)
    at[order] = np.minimum(np.searchsorted(hashes, wanted[order]), len(hashes) - 1)
    row = by_hash[at]
    found = (hashes[at] == wanted) & (ids.gather(row) == heads).fill_null(False).to_numpy()
    return row, found


class Taker:
    """Rows of a stream of frames, taken `n` at a time, in order."""

    def __init__(self, frames: Iterator[pl.DataFrame]) -> None:
        self._frames = frames
        self._held: list[pl.DataFrame] = []
        self._count = 0

    def take(self, n: int) -> pl.DataFrame | None:
        """The next `n` rows (None for none), as slices of the frames read: no copy."""
        if n == 0:
            return None
        while self._count < n:
            frame = next(self._frames)
            self._held.append(frame)
            self._count += frame.height
        held = pl.concat(self._held, rechunk=False)
        self._held = [held.slice(n)]
        self._count -= n
        return held.slice(0, n)


def numbered(source: TableInput, rows: int) -> Iterator[pl.DataFrame]:
    """The file's rows, `rows` at a time, numbered in `_line` from 1."""
    first = source.first_line
    for frame in source.frames(rows):
        yield frame.with_columns(_line=pl.int_range(first, first + frame.height,
                                                    dtype=pl.Int64))
        first += frame.height
