"""Batch evaluation (`policyrules evaluate`): every record of a worker file decided, and
written in input order, in this process or in `--jobs` worker processes.

A record that breaks CONTRACT §1 becomes an error record in the output and the run goes
on; the counts say how many were compliant, not compliant and rejected. The CLI parses the
arguments, opens the input, shows progress and prints the summary; this module does the
work in between. The job functions run in worker processes, so they are top-level
functions of this importable module.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any, Protocol, TypeVar

from rich.console import Console
from rich.text import Text

from .. import render as r
from ..contract.decision import Decision
from ..contract.workers import Worker
from ..errors import PolicyError, WorkerError
from ..policy import Policy, load
from ..records import Raw, WorkerInput, block_lines, validate

BATCH = 512  # records per write
CHUNK = 1000  # records per task with --jobs
BLOCK = 1 << 20  # bytes of JSON Lines per task with --jobs

Progress = Callable[[int], None]  # told how many records have come in so far
T_co = TypeVar("T_co", covariant=True)
Task = Callable[..., tuple[bytes, tuple[int, int, int]]]


class WorkerProcessError(PolicyError):
    """A `--jobs` worker process stopped unexpectedly; the run cannot go on."""


class Counts:
    __slots__ = ("compliant", "not_compliant", "rejected")

    def __init__(self) -> None:
        self.compliant = self.not_compliant = self.rejected = 0

    @property
    def total(self) -> int:
        return self.compliant + self.not_compliant + self.rejected

    def add(self, other: tuple[int, int, int]) -> None:
        self.compliant += other[0]
        self.not_compliant += other[1]
        self.rejected += other[2]

    def as_tuple(self) -> tuple[int, int, int]:
        return self.compliant, self.not_compliant, self.rejected


class _Rows(Protocol[T_co]):
    """What one record becomes: a machine format's text or a table's rows."""

    def decision(self, line: int, worker: Worker, d: Decision) -> T_co: ...

    def error(self, line: int, exc: WorkerError) -> T_co: ...


def _decide(policy: Policy, items: Iterable[tuple[int, Raw]], as_of: datetime.date,
            rows: _Rows[Any], add: Callable[[Any], None], counts: Counts,
            progress: Progress | None = None) -> None:
    """Validate and evaluate each record, `add` what it becomes, and count it."""
    evaluate = policy.evaluate_checked
    decision, error = rows.decision, rows.error  # bound once, not once per record
    for n, (line, raw) in enumerate(items, 1):
        w = validate(policy, line, raw)[2]
        if not isinstance(w, WorkerError):
            try:
                d = evaluate(w, as_of)
            except WorkerError as exc:  # a deadline after 9999-12-31 (DateRangeError)
                w = exc
        if isinstance(w, WorkerError):
            counts.rejected += 1
            add(error(line, w))
        else:
            if d.compliant:
                counts.compliant += 1
            else:
                counts.not_compliant += 1
            add(decision(line, w, d))
        if progress is not None and not n & 1023:
            progress(n)


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """Fewer garbage collections in a batch run: it makes many short-lived objects."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class _Sink:
    """A binary stream written from a background thread.

    Writing a whole workforce's decisions is mostly the kernel copying bytes (a gigabyte
    and more for a million workers, seconds of system time on a slow disk). `write`
    releases the GIL, so with the system calls in a thread of their own they overlap with
    the evaluation instead of stopping it; still one process, and what the thread runs in
    Python is a few lines per chunk. At most `depth` chunks wait, so memory stays flat and
    a slow reader of stdout slows the run down rather than filling memory. An error in the
    thread (a closed pipe, a full disk) is raised in the caller at its next write or close.
    """

    def __init__(self, stream: IO[bytes], depth: int = 4) -> None:
        self.stream = stream
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="policyrules-writer",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:  # after an error, the rest is dropped, not written
                try:
                    self.stream.write(data)
                except BaseException as exc:  # raised again in the caller
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(self, data: bytes) -> None:
        self._raise()
        self._queue.put(data)

    def close(self) -> None:
        """Wait for every chunk to be written, then flush the stream."""
        self._stop()
        self._raise()
        self.stream.flush()

    def abandon(self) -> None:
        """After a failure elsewhere: what is queued is written, and errors are dropped."""
        self._stop()
        self._error = None
        with contextlib.suppress(Exception):
            self.stream.flush()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class Writer:
    """Record texts joined by the format's separator, written to a stream in batches (by
    a background thread: `_Sink`)."""

    def __init__(self, fmt: r.OutputFormat, stream: IO[bytes]) -> None:
        self.fmt = fmt
        self.stream = _Sink(stream)
        self.pieces: list[str] = []
        self.wrote = False
        self.stream.write(fmt.header.encode())

    def add(self, text: str) -> None:
        self.pieces.append(text)
        if len(self.pieces) >= BATCH:
            self.flush()

    def add_chunk(self, data: bytes) -> None:
        """Text already joined (by a --jobs worker)."""
        if not data:
            return
        self.flush()
        if self.wrote and self.fmt.separator:
            self.stream.write(self.fmt.separator.encode())
        self.stream.write(data)
        self.wrote = True

    def flush(self) -> None:
        if self.pieces:
            text = self.fmt.separator.join(self.pieces)
            if self.wrote:
                text = self.fmt.separator + text
            self.stream.write(text.encode())
            self.pieces.clear()
            self.wrote = True

    def close(self) -> None:
        self.flush()
        self.stream.write((self.fmt.footer if self.wrote else self.fmt.empty_footer).encode())
        self.stream.close()

    def abandon(self) -> None:
        """The run failed: write the records decided so far (no footer), then stop."""
        with contextlib.suppress(Exception):
            self.flush()
        self.stream.abandon()


def run(policy: Policy, policy_path: str, source: WorkerInput, as_of: datetime.date,
        fmt: str, *, jobs: int, stdout: IO[bytes], console: Console, progress: Progress,
        chunk: int = CHUNK, block: int = BLOCK, block_task: Task | None = None) -> Counts:
    """Evaluate every record of `source`: as a table on `console`, or in a machine format
    on `stdout`, in `jobs` processes if more than one. `chunk`, `block` and `block_task`
    tune `run_parallel`."""
    with batch_gc():
        if fmt == "table":
            return run_table(policy, source, as_of, console, progress)
        writer = Writer(r.MACHINE_FORMATS[fmt](as_of), stdout)
        try:
            if jobs > 1:
                counts = run_parallel(policy_path, jobs, source, as_of, writer, progress,
                                      chunk=chunk, block=block, block_task=block_task)
            else:
                counts = run_serial(policy, source, as_of, writer, progress)
        except KeyboardInterrupt:
            raise  # at once: the writer thread may be held up by a reader that has stopped
        except BaseException:
            writer.abandon()
            raise
        writer.close()
        return counts


def run_serial(policy: Policy, source: WorkerInput, as_of: datetime.date, writer: Writer,
               progress: Progress) -> Counts:
    counts = Counts()
    _decide(policy, source.raw(), as_of, writer.fmt, writer.add, counts, progress)
    return counts


class _TableRows:
    def __init__(self, table: r.Table) -> None:
        self.table = table

    def decision(self, line: int, worker: Worker, d: Decision) -> Text:
        return self.table.decision(d)

    def error(self, line: int, exc: WorkerError) -> Text:
        return self.table.error(line, exc)


def run_table(policy: Policy, source: WorkerInput, as_of: datetime.date, console: Console,
              progress: Progress) -> Counts:
    counts = Counts()
    table = r.Table(policy)
    console.print(table.header())
    _decide(policy, source.raw(), as_of, _TableRows(table), console.print, counts, progress)
    return counts


# --jobs: worker processes evaluate chunks of raw records; the parent keeps input order.

_JOB: dict[str, Any] = {}


def job_init(policy_path: str, as_of: datetime.date, fmt_name: str) -> None:
    _JOB["policy"] = load(policy_path)
    _JOB["as_of"] = as_of
    _JOB["fmt"] = r.MACHINE_FORMATS[fmt_name](as_of)
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def job_run(chunk: Iterable[tuple[int, Raw]]) -> tuple[bytes, tuple[int, int, int]]:
    """Records evaluated in a worker process: their texts joined, and their counts."""
    fmt: r.OutputFormat = _JOB["fmt"]
    pieces: list[str] = []
    counts = Counts()
    _decide(_JOB["policy"], chunk, _JOB["as_of"], fmt, pieces.append, counts)
    return fmt.separator.join(pieces).encode(), counts.as_tuple()


def job_block(first: int, block: bytes, name: str) -> tuple[bytes, tuple[int, int, int]]:
    """A block of JSON Lines, split and decoded in the worker process."""
    return job_run(list(block_lines(first, block, name)))


def _chunks(source: WorkerInput, size: int) -> Iterator[list[tuple[int, Raw]]]:
    chunk: list[tuple[int, Raw]] = []
    for item in source.raw():
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_parallel(policy_path: str, jobs: int, source: WorkerInput, as_of: datetime.date,
                 writer: Writer, progress: Progress, *, chunk: int = CHUNK,
                 block: int = BLOCK, block_task: Task | None = None) -> Counts:
    """Chunks of records evaluated in `jobs` processes; output in input order.

    JSON Lines go to the workers as blocks of `block` bytes (they split, decode and parse
    them with `block_task`, by default `job_block`); other inputs as lists of `chunk` raw
    records (a WorkerError among them pickles). At most 3 × jobs chunks are in flight, so
    memory stays flat. A worker process that dies ends the run (WorkerProcessError)
    instead of hanging it.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    tasks: Iterator[tuple[Task, tuple[Any, ...]]]
    if source.format == "jsonl" and source.training_path is None:
        task = block_task or job_block
        tasks = ((task, (first, data, source.name)) for first, data in source.blocks(block))
    else:
        tasks = ((job_run, (records,)) for records in _chunks(source, chunk))
    counts = Counts()
    pending: deque[Future[tuple[bytes, tuple[int, int, int]]]] = deque()

    def collect() -> None:
        try:
            data, c = pending.popleft().result()
        except BrokenProcessPool:
            raise WorkerProcessError("a worker process stopped unexpectedly; try again with "
                                     "fewer --jobs") from None
        writer.add_chunk(data)
        counts.add(c)
        progress(counts.total)

    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=job_init,
                             initargs=(policy_path, as_of, writer.fmt.name)) as pool:
        try:
            for fn, args in tasks:
                pending.append(pool.submit(fn, *args))
                while len(pending) >= jobs * 3:
                    collect()
            while pending:
                collect()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return counts
