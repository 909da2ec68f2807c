"""The columnar route's reading and batching, whatever it writes (issue #13): which files
it can read (`columnar_input`), and `ColumnarRoute`, which brings a worker file's batches
together with their training records and decides them a few at a time, putting each
batch out in input order. Its subclasses decide and write a batch: parquet.py
(`--format parquet`) and columnar_text.py (`--format jsonl|json`).

A batch holds at most `rows` workers. Without a training file the workers are read a batch
at a time, in file order. When the training records follow the workers' order
(`colocate`), both files are read side by side, each batch of workers with its run of
records. (Any other order is the Parquet route's to spill: parquet.py.)
"""

from __future__ import annotations

import datetime
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import polars as pl

from ..engines.columnar.inputs import to_frame
from ..policy import Policy
from ..records import TRAINING_COLUMNS, WORKER_COLUMNS, WithTraining
from ..records.csv import REQUIRED_COLUMNS
from ..records.csv_table import TableInput, open_table, plain_csv
from ..records.jsonl_table import JsonlTable
from ..records.parquet import parquet_training, parquet_worker
from ..records.raw import Raw
from ..records.training_index import orphan_warnings
from .colocate import Owners, Records, WorkerIds, numbered
from .stages import Counts
from .threads import helper_thread, main_thread_signals

ROWS = 131_072  # workers per batch on the columnar route
THREADS = 2  # batches decided at once on the columnar route

Progress = Callable[[int], None]
# A batch to decide: workers (numbered in `_line`), their training records, and lines of
# the same stretch of the file that the row path decides (JSON Lines only).
Work = tuple[pl.DataFrame, pl.DataFrame | None, Sequence[tuple[int, Raw]]]
# Writes one decided batch's part and gives its (compliant, not compliant, rejected).
Put = Callable[[Any], tuple[int, int, int]]
_SPILL = ("worker", "_p", "_line")  # spill columns that are not the record's


def columnar_input(workers: str, training: str | None) -> bool:
    """Whether the columnar route can read these files: Parquet or plain CSV workers
    (records/csv_table.py) without a `training` column of their own (records inline are
    the row path's), and no training file or a Parquet or plain CSV one; or a JSON Lines
    worker file (records/jsonl_table.py) without a training file."""
    if is_jsonl(workers):
        if training is not None:
            return False
        JsonlTable(workers)  # the row path's error for a file that cannot be opened
        return True
    if not _table_file(workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS):
        return False
    if training is not None and not _table_file(training, "training", TRAINING_COLUMNS,
                                                ("worker", "training")):
        return False
    source = open_table(workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
    try:
        return "training" not in source.columns
    finally:
        source.close()

class ColumnarRoute:
    """What every columnar route shares; a subclass decides a batch (`_batch`) and gives
    `_pipelined` the function that puts a decided batch out (`Put`)."""

    def __init__(self, policy: Policy, workers: str, training: str | None,
                 as_of: datetime.date, rows: int = ROWS, threads: int = THREADS) -> None:
        """`threads`: batches decided at once, while the next is read and the last
        written (NumPy, Polars and Parquet's codecs let go of the interpreter's lock)."""
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.threads = threads
        # Batches held at once at most, whether being read, decided, waiting or being
        # written: one more than are decided at once. A second more lets the next batch
        # be read while the last is written, but measured no quicker on two cores, for a
        # higher peak (docs/cli.md).
        self.held = threads + 1
        self.workers = workers
        self.training = training
        self.warnings: list[str] = []
        self.largest = 0  # the most worker rows decided at once (tests bound it by `rows`)
        # Whether the records came in the workers' order (no id twice among the workers).
        self.ordered = False

    def _ordered(self, source: TableInput, training: str, ids: WorkerIds,
                 out: Put, counts: Counts, progress: Progress) -> None:
        """Both files read once, side by side: each batch of workers with the run of
        records that follows it (`Records`); raises OutOfOrder at a record out of the
        workers' order (`ids`: theirs, `colocate.WorkerIds`)."""
        trainer = open_table(training, "training", TRAINING_COLUMNS, ("worker", "training"))
        owners = Owners(ids, training, trainer.first_line)

        def work() -> Iterator[Work]:
            records = Records(numbered(trainer, self.rows), owners)
            for frame in numbered(source, self.rows):
                taken = records.take(frame, int(frame["_line"][0]) - source.first_line)
                yield frame, None if taken is None else taken.with_columns(
                    pl.col("worker").cast(pl.String)), ()
            records.finish()

        try:
            trainer.text_column("worker")
            self._pipelined(work(), out, counts, progress)
        finally:
            trainer.close()
        self._warn_unused(owners.unused, owners.anonymous, source.path)

    def _pipelined(self, work: Iterator[Work], out: Put, counts: Counts,
                   progress: Progress) -> None:
        """Each batch of `work` decided (`_batch`), `threads` at once, and put out in
        order by a thread of its own (`InOrder`: `out` writes a batch's part and gives
        its counts) while this thread reads the next. At most `held` batches are held at
        once, whether being read, decided, waiting or being written."""
        slots = threading.Semaphore(self.held)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="policyrules") as pool:
            writer = InOrder(out, counts, slots)
            try:
                while True:
                    slots.acquire()  # given back by the writer once a batch is out
                    batch = next(work, None)
                    if batch is None:
                        break
                    self.largest = max(self.largest, batch[0].height + len(batch[2]))
                    with main_thread_signals():  # the pool starts its threads in `submit`
                        writer.put(pool.submit(self._batch, *batch))
                    del batch  # held by the pool until decided, and no longer
                    progress(counts.total)
            except BaseException:
                writer.abandon()
                raise
            writer.close()
        progress(counts.total)

    def _warn_unused(self, unused: list[pl.DataFrame], anonymous: tuple[int, int | None],
                     workers_name: str) -> None:
        """The row path's warnings about records no worker used, counted in columns."""
        found = pl.concat(unused) if unused else pl.DataFrame(
            schema={"worker": pl.String, "_line": pl.Int64})
        head = found.sort("_line").head(1)
        self.warnings += orphan_warnings(
            self.training or "", workers_name,
            (found.height, found["worker"].n_unique(), head["worker"][0], head["_line"][0])
            if found.height else None,
            (anonymous[0], anonymous[1] or 0) if anonymous[0] else None)

    def _batch(self, frame: pl.DataFrame, records: pl.DataFrame | None,
               rest: Sequence[tuple[int, Raw]]) -> Any:
        """A batch decided: what the subclass's `Put` takes."""
        raise NotImplementedError

    def _raws(self, subset: pl.DataFrame, by_worker: dict[str, list[dict[str, Any]]]
              ) -> list[tuple[int, Raw]]:
        """Rows of workers (numbered in `_line`) as the row path reads those records,
        with their records of the training file (`by_worker`: each with its `_line`)."""
        out: list[tuple[int, Raw]] = []
        values = to_frame(subset.drop("_line").to_arrow(), self.workers).to_dicts()
        for line, row in zip(subset["_line"].to_list(), values, strict=True):
            raw: Raw = parquet_worker({k: v for k, v in row.items() if v is not None})
            if isinstance(raw, dict) and raw.get("id") in by_worker:
                own = by_worker[raw["id"]]
                raw["training"] = [parquet_training(
                    {k: v for k, v in r.items() if v is not None and k not in _SPILL})
                    for r in own]
                raw = WithTraining(raw, self.training or "", 0,
                                   tuple(r["_line"] for r in own))
            out.append((line, raw))
        return out


class InOrder:
    """Decided batches put out from a thread of their own, in the order they were read,
    so that writing one (pyarrow and the kernel let go of the interpreter's lock) overlaps
    reading and deciding the next. An error in putting a batch out (a full disk: an
    `OutputError`) or in deciding it stops the putting and is raised to the reading thread
    at its next `put`, or at `close`; the batches after it are dropped, not put out."""

    def __init__(self, out: Put, counts: Counts, slots: threading.Semaphore) -> None:
        """`slots`: released once for each batch taken off the queue (put out or not)."""
        self._out = out
        self._counts = counts
        self._slots = slots
        self._queue: queue.SimpleQueue[Future[Any] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = helper_thread(self._run, "policyrules-parts")

    def _run(self) -> None:
        while (future := self._queue.get()) is not None:
            try:
                if self._error is None:
                    part = future.result()
                    if self._error is None:  # not abandoned while it was decided
                        self._counts.add(self._out(part))
            except BaseException as exc:  # raised again in the reading thread
                self._error = exc
            finally:
                # The batch's part is let go before the next is waited for.
                future = part = None
                self._slots.release()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def put(self, future: Future[Any]) -> None:
        """A batch being decided, to put out after those put before it."""
        self._raise()
        self._queue.put(future)

    def close(self) -> None:
        """Wait until every batch is out; raise the first error met."""
        self._stop()
        self._raise()

    def abandon(self) -> None:
        """After a failure elsewhere: batches not yet started are cancelled, the rest
        dropped unwritten once decided, and any error of putting out forgotten."""
        self._error = self._error or _Dropped()
        while True:  # the writer drops what it has not taken (`_error` is set)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item.cancel()
                self._slots.release()
        self._stop()
        self._error = None

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class _Dropped(Exception):
    """Marks a writer that puts nothing more out (its batches are dropped)."""


def distinct_ids(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """The rows of `frame` in frames within which no id repeats (the first row of each
    id, the second, …; rows without an id, which are rejected, in the first), each in
    input order; `[frame]` when none repeats."""
    repeats = frame.schema["id"] in (pl.String, pl.Categorical) and frame.select(
        pl.col("id").drop_nulls().is_duplicated().any()).item()
    if not repeats:
        return [frame]
    nth = frame.with_columns(_k=pl.when(pl.col("id").is_null()).then(0).otherwise(
        pl.int_range(pl.len()).over(pl.col("id").cast(pl.String))))
    return [nth.filter(pl.col("_k") == k).drop("_k")
            for k in range(int(nth.select(pl.col("_k").max()).item()) + 1)]


def owned(records: pl.DataFrame | None, frame: pl.DataFrame) -> pl.DataFrame | None:
    """The records of the rows of `frame`: for a JSON Lines batch (whose records have a
    `_position`), those on the rows' lines, as ids may repeat from line to line; a
    training file's records go by id."""
    if records is None or "_position" not in records.columns:
        return records
    return records.filter(pl.col("_line").is_in(frame["_line"].implode()))


def is_jsonl(path: str) -> bool:
    return path.lower().endswith((".jsonl", ".ndjson"))


def _table_file(path: str, what: str, known: tuple[str, ...],
                required: tuple[str, ...]) -> bool:
    """Whether the columnar route reads this file: Parquet, or a plain CSV file."""
    name = path.lower()
    return name.endswith(".parquet") or (
        name.endswith(".csv") and plain_csv(path, what, known, required) is not None)
