"""`--jobs`: chunks of records decided in worker processes, written in input order.

The parent reads; each worker process runs the stages of `stages.py` on a chunk and sends
back the chunk's text and counts; the parent writes them in the order it read them. The
checked policy goes to the workers once, when the pool starts (inherited with `fork`,
pickled by its model otherwise: `Policy.__reduce__`): workers never read or check the
policy file again.

The workers end with the parent. A failure or a signal in the parent (the CLI turns
SIGTERM and SIGHUP into an exception) terminates them before it goes on; on Linux each
worker also asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), which
covers a parent killed outright. Workers ignore SIGINT: an interrupt at the terminal
goes to the whole process group, and the parent alone decides what it means.
"""

from __future__ import annotations

import datetime
import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..contract.log import DecisionLog, Entry
from ..errors import WorkerProcessError
from ..policy import Policy
from ..records import Raw, WorkerInput
from ..render import MACHINE_FORMATS, OutputFormat
from .read import chunks, split_block, whole_blocks
from .stages import Counts, Job, process
from .threads import main_thread_signals, unblock
from .write import Writer, utf8

# A chunk's text, its counts, and its decision log entries (empty without a log).
Result = tuple[bytes, tuple[int, int, int], list[Entry]]
Progress = Callable[[int], None]


# In each worker process: the run's job and its format, set once by `start_worker`.
_JOB: list[tuple[Job, OutputFormat]] = []


def start_worker(policy: Policy, as_of: datetime.date, fmt_name: str, keep: tuple[str, ...],
                 explain: bool, parent: int, log: str | None = None) -> None:
    """Set up a worker process: die with the parent, leave SIGINT to it, build the job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:  # the parent's handlers were inherited with fork
            signal.signal(sig, signal.SIG_DFL)
    unblock()  # forked inside `main_thread_signals`
    _die_with_parent(parent)
    fmt = MACHINE_FORMATS[fmt_name](as_of, keep=keep, explain=explain)
    _JOB[:] = [(Job(policy, as_of, fmt, keep, log=log), fmt)]
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the parent still terminates its workers on every way out it sees
    if os.getppid() != parent:  # the parent died before the request above was made
        os._exit(1)


def decide_chunk(chunk: list[tuple[int, Raw]]) -> Result:
    """A chunk of raw records decided in a worker: their texts joined, and their counts."""
    job, fmt = _JOB[0]
    job.counts = Counts()
    texts = process(job, chunk)
    return utf8(fmt.separator.join(texts)), job.counts.as_tuple(), job.take_log()


def decide_block(first: int, block: bytes, name: str) -> Result:
    """A block of JSON Lines, split and decoded in the worker process, then decided."""
    return decide_chunk(split_block(first, block, name))


def run(policy: Policy, jobs: int, source: WorkerInput, as_of: datetime.date, writer: Writer,
        progress: Progress, *, chunk: int, block: int,
        log: DecisionLog | None = None) -> Counts:
    """Chunks of records decided in `jobs` processes; output in input order.

    JSON Lines go to the workers as blocks of `block` bytes (they split, decode and parse
    them); other inputs as lists of `chunk` raw records (a WorkerError among them
    pickles). At most 3 × jobs chunks are in flight, so memory stays flat. A worker
    process that dies ends the run (WorkerProcessError) instead of hanging it.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    tasks: Iterator[tuple[Callable[..., Result], tuple[Any, ...]]]
    if whole_blocks(source):
        tasks = ((decide_block, (first, data, source.name))
                 for first, data in source.blocks(block))
    else:
        tasks = ((decide_chunk, (records,)) for records in chunks(source, chunk))
    counts = Counts()
    pending: deque[Future[Result]] = deque()

    def collect() -> None:
        data, c, entries = pending.popleft().result()
        writer.add_chunk(data)
        if log is not None:
            log.write(entries)
        counts.add(c)
        progress(counts.total)

    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=start_worker,
                               initargs=(policy, as_of, writer.fmt.name, writer.fmt.keep,
                                         writer.fmt.explain, os.getpid(),
                                         None if log is None else "line"))
    try:
        for fn, args in tasks:
            with main_thread_signals():  # submit starts the pool's threads and processes
                pending.append(pool.submit(fn, *args))
            while len(pending) >= jobs * 3:
                collect()
        while pending:
            collect()
    except BrokenProcessPool:  # from a result, or from submit once the pool knows
        _terminate(pool)
        raise WorkerProcessError("a worker process stopped unexpectedly; try again with "
                                 "fewer --jobs") from None
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown()
    return counts


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now, not after the chunks they have in hand."""
    # ProcessPoolExecutor has no public way to do this before Python 3.14
    # (`terminate_workers`); its process table is the only handle on them, and shutdown
    # clears it: take it first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    calls, results = getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(5)
    # A worker killed while sending a result leaves half a message in the result pipe, and
    # the pool's manager thread waits for the rest, which the pipe's write end, still open
    # here, could yet send: interpreter exit joins that thread and never ends. With the
    # workers gone, closing this copy of the write end makes the read end instead. And a
    # chunk half written to the task pipe must not hold the exit either.
    if calls is not None:
        calls.cancel_join_thread()
    if results is not None and not any(p.is_alive() for p in processes):
        results._writer.close()
