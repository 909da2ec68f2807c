"""Batch evaluation (`policyrules evaluate`): every record of a worker file decided, and
written in input order, in this process or in `--jobs` worker processes.

    read.py      the worker file as chunks of raw records
    stages.py    validate → decide → encode, run on each chunk in the order of `STAGES`
    write.py     whole records written from a thread; a failed write cut back
    parallel.py  the same stages in worker processes, output kept in input order
    turns.py     --jobs workers writing their own output, each task in its turn
    many.py      `Policy.evaluate_many`: the same stages on a Python iterable
    parquet.py   `--format parquet`: the columnar backend in bounded batches, or the stages
    columnar_text.py  `jsonl`/`json` of a plain CSV: the same batches, written by
                 render/bulk_json.py (rows it does not word: the stages)

A record that breaks CONTRACT §1 becomes an error record in the output and the run goes
on; the counts say how many were compliant, not compliant and rejected. The CLI parses the
arguments, opens the input, shows progress and prints the summary; this package does the
work in between.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from rich.console import Console
from rich.text import Text

from ..contract.decision import Decision
from ..contract.log import DecisionLog
from ..contract.workers import Worker
from ..errors import WorkerError
from ..errors import WorkerProcessError as WorkerProcessError
from ..policy import Policy
from ..records import WorkerInput, block_lines
from ..render import MACHINE_FORMATS, Table
from .read import chunks, whole_blocks
from .stages import STAGES as STAGES
from .stages import Counts as Counts
from .stages import Job, decide_lines, process
from .write import OutputError as OutputError
from .write import Writer

BATCH = 512  # records per chunk in one process (and per write)
CHUNK = 1000  # records per task with --jobs
# Bytes of JSON Lines per task with --jobs. A worker process holds a block's lines, its
# decisions and its output text (about 2.7 times the input) at once, and up to two more
# blocks' text waiting for their turn to be written (batch/turns.py). With the workers
# reading and writing their own blocks, 256 KiB took 0.85x the CPU of 512 KiB and the
# largest process of `--jobs 2` on bench_cli.py's 200,000 workers peaked at 41 against
# 47 MiB; 1 MiB took 1.04x, 57 MiB (docs/cli.md, `--jobs N`).
BLOCK = 1 << 18

Progress = Callable[[int], None]  # told how many records have come in so far


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


def run(policy: Policy, source: WorkerInput, as_of: datetime.date, fmt: str, *, jobs: int,
        stdout: IO[bytes], console: Console, progress: Progress, chunk: int = CHUNK,
        block: int = BLOCK, log: DecisionLog | None = None, keep: Sequence[str] = (),
        explain: bool = True) -> Counts:
    """Evaluate every record of `source`: as a table on `console`, or in a machine format
    on `stdout`, in `jobs` processes if more than one (`chunk` records or `block` bytes
    of JSON Lines per task). With `log`, each record's entry goes to it, in input order,
    from this process. `keep` names input columns to carry into each record of a machine
    format (`render/keep.py`); `explain=False` leaves out findings' explanations."""
    with batch_gc():
        if fmt == "table":
            return run_table(policy, source, as_of, console, progress, log)
        if fmt == "parquet":
            from . import parquet  # pyarrow and Polars load only for this format

            return parquet.run_rows(policy, source, as_of, stdout, progress, log)
        writer = Writer(MACHINE_FORMATS[fmt](as_of, keep=keep, explain=explain), stdout)
        try:
            if jobs > 1:
                # multiprocessing and its executor load only for --jobs
                from . import parallel

                counts = parallel.run(policy, jobs, source, as_of, writer, progress,
                                      chunk=chunk, block=block, log=log)
            else:
                counts = run_serial(policy, source, as_of, writer, progress, log)
        except Exception:
            writer.abandon()
            raise
        except BaseException:
            # An interrupt or a signal: at once, without waiting on a reader of stdout
            # that may have stopped reading.
            writer.abandon(wait=False)
            raise
        writer.close()
        return counts


def run_serial(policy: Policy, source: WorkerInput, as_of: datetime.date, writer: Writer,
               progress: Progress, log: DecisionLog | None = None) -> Counts:
    job = Job(policy, as_of, writer.fmt, writer.fmt.keep, log=None if log is None else "line")
    if job.fused is not None and whole_blocks(source):
        # JSON Lines a block at a time, each decided in one step when its lines are all
        # of the usual shape; any other block's lines through the stages, `BATCH` at a
        # time, those before a line that is not UTF-8 written before its error. Blocks of
        # 64 KiB, as this process read them before: each block's text is one write, and
        # a write that fails (a full disk) loses no more than one such block's records
        # from the output, which ends at the last whole record written.
        for first, block, lines in source.line_blocks():
            texts = decide_lines(job, first, block, lines)
            if texts is not None:
                writer.add(texts)
                progress(job.counts.total)
                continue
            for records in chunks(block_lines(first, block, source.name), BATCH):
                writer.add(process(job, records))
                progress(job.counts.total)
        return job.counts
    for records in chunks(source, BATCH):
        writer.add(process(job, records))
        if log is not None:
            log.write(job.take_log())
        progress(job.counts.total)
    return job.counts


class _TableRows:
    def __init__(self, table: Table) -> None:
        self.table = table

    def decision(self, line: int, worker: Worker, d: Decision) -> Text:
        return self.table.decision(d)

    def error(self, line: int, exc: WorkerError, kept: Sequence[object] = ()) -> Text:
        return self.table.error(line, exc)


def run_table(policy: Policy, source: WorkerInput, as_of: datetime.date, console: Console,
              progress: Progress, log: DecisionLog | None = None) -> Counts:
    table = Table(policy)
    console.print(table.header())
    job = Job(policy, as_of, _TableRows(table), log=None if log is None else "line")
    for records in chunks(source, BATCH):
        for row in process(job, records):
            console.print(row)
        if log is not None:
            log.write(job.take_log())
        progress(job.counts.total)
    return job.counts
