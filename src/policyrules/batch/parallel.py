"""`--jobs`: chunks of records decided in worker processes, written in input order.

Each worker process runs the stages of `stages.py` on a task's records and sends back its
counts (and decision log entries). Where it can, the parent does next to nothing else:

- a JSON Lines worker file that is a regular file is cut into blocks of whole lines, and a
  worker gets the block's first line number, offset and length, and reads it itself
  (stdin, a pipe, and the other formats go as bytes or as raw records, read here);
- with an output that has a file descriptor (a file, stdout), the workers write the
  decisions themselves, in input order, each task in its turn (`turns.py`); otherwise
  (an in-memory stream, or no fork) they send the text back and the parent writes it;
- with both, and no decision log, the parent hands out nothing at all (`_run_alone`):
  each worker takes the next block of the file itself (`read.Spans`), decides it, writes
  it in its turn and takes another, and sends the parent its counts once, at the end.
  No process pool, no task or result crosses a pipe: the parent only waits, and shows
  progress.

The checked policy goes to the workers once, when they start (inherited with `fork`,
pickled by its model otherwise: `Policy.__reduce__`): workers never read or check the
policy file again.

The workers end with the parent. A failure or a signal in the parent (the CLI turns
SIGTERM and SIGHUP into an exception) terminates them before it goes on; on Linux each
worker also asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), which
covers a parent killed outright. Workers ignore SIGINT: an interrupt at the terminal
goes to the whole process group, and the parent alone decides what it means.
"""

from __future__ import annotations

import contextlib
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
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import Any

from ..contract.log import DecisionLog, Entry
from ..errors import WorkerProcessError
from ..policy import Policy
from ..records import Raw, WorkerFileError, WorkerInput
from ..records.jsonl import read_span
from ..render import MACHINE_FORMATS, OutputFormat
from .read import Spans, chunks, split_block_partly, whole_blocks
from .stages import Counts, Job, decide_lines, process
from .threads import main_thread_signals, unblock
from .turns import Turns
from .write import Writer, reported, utf8

# A chunk's text (empty when the worker wrote it), its counts, and its decision log
# entries (empty without a log).
Result = tuple[bytes, tuple[int, int, int], list[Entry]]
Progress = Callable[[int], None]

# How often the parent, waiting for the last tasks to be written, looks whether a worker
# process has died (with no task left to fail, nothing else would tell it).
_LOOK = 0.1
# How long a stopped pool's manager thread is waited for (`_terminate`).
_JOIN = 5.0

_DIED = "a worker process stopped unexpectedly; try again with fewer --jobs"

# How long a worker process's deciding thread keeps the GIL from its writer thread (Python's
# default is 5 ms). The turn to write passes from process to process through the writer
# threads (turns.py), and each pass waits for a writer to get its process's GIL, twice:
# to see that its turn has come, and to pass it on after writing. At 5 ms a pass, the
# other worker's blocks waited their turn for as long as a block took to decide, and two
# workers kept 1.4-1.6 of the two cores busy; at 0.5 ms, 1.7-1.8 (docs/cli.md, `--jobs N`).
# One process alone has no turns to pass: its own interval is left as it is.
SWITCH_INTERVAL = 0.0005


class _Worker:
    """What a worker process keeps for the run, set once by `start_worker`: the job, its
    format, the worker file (a descriptor to read blocks from, and its name) and the
    output's turns (None when the parent writes)."""

    __slots__ = ("fmt", "job", "name", "source", "turns")

    def __init__(self, job: Job, fmt: OutputFormat, source: int | None, name: str,
                 turns: Turns | None) -> None:
        self.job, self.fmt, self.source, self.name, self.turns = job, fmt, source, name, turns


_WORKER: list[_Worker] = []


class PartlyRead(Exception):
    """A block that stops at a line that is not UTF-8, as a worker process raises it: the
    file error, and what the records before that line came to, as `_decided` gives it
    (their text, empty if the worker wrote it, counts and decision log entries). One
    process writes those records before it stops (`read.chunks`), and so does a run with
    `--jobs`: the parent writes the text (`collect`) or the worker has
    (`Turns.put_last`), and their log entries, then the file error is raised."""

    def __init__(self, failure: WorkerFileError, data: bytes,
                 counts: tuple[int, int, int], entries: list[Entry]) -> None:
        super().__init__(failure, data, counts, entries)  # the arguments, for pickling
        self.failure, self.data, self.counts, self.entries = failure, data, counts, entries


def start_worker(policy: Policy, as_of: datetime.date, fmt_name: str, keep: tuple[str, ...],
                 explain: bool, parent: int, log: str | None = None,
                 source: int | None = None, name: str = "",
                 turns: Turns | None = None) -> None:
    """Set up a worker process: die with the parent, leave SIGINT to it, build the job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:  # the parent's handlers were inherited with fork
            signal.signal(sig, signal.SIG_DFL)
    unblock()  # forked inside `main_thread_signals`
    _die_with_parent(parent)
    fmt = MACHINE_FORMATS[fmt_name](as_of, keep=keep, explain=explain)
    _WORKER[:] = [_Worker(Job(policy, as_of, fmt, keep, log=log), fmt, source, name, turns)]
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    sys.setswitchinterval(SWITCH_INTERVAL)


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


def decide_chunk(chunk: list[tuple[int, Raw]], task: int | None = None) -> Result:
    """A chunk of raw records decided in a worker: their texts joined, and their counts.
    With `task` (its number in input order), the worker writes the text in its turn."""
    worker = _WORKER[0]
    worker.job.counts = Counts()
    return _decided(worker, process(worker.job, chunk), task)


def decide_block(first: int, block: bytes | memoryview, name: str,
                 task: int | None = None, lines: list[bytes] | None = None) -> Result:
    """A block of JSON Lines, split (unless `lines` are given) and decoded in the worker
    process, then decided: in one step when every line is of the usual shape
    (`stages.decide_lines`). A line that is not UTF-8 raises PartlyRead."""
    worker = _WORKER[0]
    job = worker.job
    job.counts = Counts()
    texts = decide_lines(job, first, block, lines)
    if texts is not None:
        return _decided(worker, texts, task)
    records, failure = split_block_partly(first, block, name)
    texts = process(job, records)
    if failure is None:
        return _decided(worker, texts, task)
    raise PartlyRead(failure, *_decided(worker, texts, task, last=True))


def _decided(worker: _Worker, texts: list[Any], task: int | None,
             last: bool = False) -> Result:
    """A task's texts joined, written in the task's turn when it has a number (`last`: as
    the last text of the run, the turn kept)."""
    job = worker.job
    data = utf8(worker.fmt.separator.join(texts))
    if task is not None:
        assert worker.turns is not None, "a numbered task is written by the worker"
        if last:
            worker.turns.put_last(task, data)
        else:
            worker.turns.put(task, data)
        data = b""
    return data, job.counts.as_tuple(), job.take_log()


def decide_span(first: int, offset: int, length: int, task: int | None = None) -> Result:
    """A block of the worker file (`WorkerInput.spans`), read by the worker itself."""
    worker = _WORKER[0]
    assert worker.source is not None, "spans are read from the worker file"
    return decide_block(first, read_span(worker.source, offset, length), worker.name, task)


def run(policy: Policy, jobs: int, source: WorkerInput, as_of: datetime.date, writer: Writer,
        progress: Progress, *, chunk: int, block: int,
        log: DecisionLog | None = None) -> Counts:
    """Chunks of records decided in `jobs` processes; output in input order.

    JSON Lines go to the workers as blocks of about `block` bytes (they split, decode and
    parse them; from a regular file they read them too); other inputs as lists of `chunk`
    raw records (a WorkerError among them pickles). At most 3 × jobs tasks are in flight
    from the parent, and a worker that writes its own output holds at most three tasks'
    text, so memory stays flat. A worker process that dies ends the run
    (WorkerProcessError) instead of hanging it.
    """
    forking = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if forking else None)
    # Descriptors are inherited with fork only: without it the parent reads and writes.
    handed = writer.hand_over() if forking else None
    turns = (None if handed is None
             else Turns(ctx, handed[0], handed[1], writer.fmt.separator.encode()))
    regular = source.regular_file() if forking and whole_blocks(source) else None
    if regular is not None and turns is not None and log is None:
        return _run_alone(policy, jobs, source, Spans(ctx, regular, block), as_of, writer,
                          turns, progress, ctx)
    tasks: Iterator[tuple[Callable[..., Result], tuple[Any, ...]]]
    if regular is not None:
        tasks = ((decide_span, span) for span in source.spans(block))
    elif whole_blocks(source):
        tasks = ((decide_block, (first, data, source.name))
                 for first, data in source.blocks(block))
    else:
        tasks = ((decide_chunk, (records,)) for records in chunks(source, chunk))
    counts = Counts()
    pending: deque[Future[Result]] = deque()
    collected = 0

    def collect() -> None:
        nonlocal collected
        future = pending.popleft()
        try:
            data, c, entries = future.result()
        except BrokenProcessPool:
            raise
        except PartlyRead as part:  # the records before the bad line, then its error
            if turns is None:
                writer.add_chunk(part.data)
            else:
                _settle(pool, turns, collected)
                _raise_failure(turns)
            if log is not None:
                log.write(part.entries)
            raise part.failure from None
        except Exception:
            if turns is not None:  # what came before the task that failed goes out first
                _settle(pool, turns, collected)
                _raise_failure(turns)
            raise
        collected += 1
        if turns is None:
            writer.add_chunk(data)
        else:
            _raise_failure(turns)
        if log is not None:
            log.write(entries)
        counts.add(c)
        progress(counts.total)

    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=start_worker,
                               initargs=(policy, as_of, writer.fmt.name, writer.fmt.keep,
                                         writer.fmt.explain, os.getpid(),
                                         None if log is None else "line", regular,
                                         source.name, turns))
    try:
        for task, (fn, args) in enumerate(tasks):
            with main_thread_signals():  # submit starts the pool's threads and processes
                pending.append(pool.submit(fn, *args, *(() if turns is None else (task,))))
            while len(pending) >= jobs * 3:
                collect()
        while pending:
            collect()
        if turns is not None:
            _settle(pool, turns, collected)
            _raise_failure(turns)
    except BrokenProcessPool:  # from a result, or from submit once the pool knows
        _terminate(pool, turns)
        raise WorkerProcessError(_DIED) from None
    except BaseException:
        _terminate(pool, turns)
        raise
    pool.shutdown()
    if turns is not None:
        writer.take_back(*turns.ended())
    return counts


# What a worker of `_run_alone` sends the parent when it ends: its counts, and, if a task
# failed, the task's number and the exception.
Ending = tuple[tuple[int, int, int], int, BaseException | None]


def work_alone(spans: Spans, conn: Connection, *start: Any) -> None:
    """A worker process of `_run_alone` (after `start_worker(*start)`): blocks taken,
    decided and written in their turn until the file or the run ends."""
    start_worker(*start)
    worker = _WORKER[0]
    turns = worker.turns
    assert turns is not None, "a worker that takes its own blocks writes them"
    counts = Counts()
    ending: Ending
    done, task = 0, -1
    try:
        # After a failed write nothing more is written: the rest is not decided either.
        while turns.failure() is None and (taken := spans.take(done)) is not None:
            task, first, data, lines = taken
            _, decided, _ = decide_block(first, data, worker.name, task, lines)
            task = -1
            counts.add(decided)
            done = sum(decided)
        ending = counts.as_tuple(), -1, None
    except Exception as exc:  # raised by the parent, once the tasks before are written
        spans.stop()
        # Failed in taking a block: as the block after the last one taken.
        ending = counts.as_tuple(), spans.taken if task < 0 else task, exc
    turns.drain()
    if ending[2] is not None:
        # The parent raises the failure once it hears of it: the tasks before go out first.
        while not turns.wait(ending[1], _LOOK):
            pass
    try:
        conn.send(ending)
    except Exception as exc:  # an exception that does not pickle: said as the parent can
        conn.send((ending[0], ending[1], RuntimeError(f"{type(exc).__name__}: {exc}")))


def _run_alone(policy: Policy, jobs: int, source: WorkerInput, spans: Spans,
               as_of: datetime.date, writer: Writer, turns: Turns, progress: Progress,
               ctx: BaseContext) -> Counts:
    """`jobs` processes that take, decide and write the blocks of a regular JSON Lines
    file themselves, with no decision log; the parent waits for their counts."""
    fmt = writer.fmt
    start = (policy, as_of, fmt.name, fmt.keep, fmt.explain, os.getpid(), None, spans.fd,
             source.name, turns)
    processes: list[multiprocessing.process.BaseProcess] = []
    ends: list[Connection] = []
    try:
        for _ in range(jobs):
            receive, send = ctx.Pipe(duplex=False)
            worker = ctx.Process(target=work_alone, args=(spans, send, *start),  # type: ignore[attr-defined]
                                 name="policyrules-worker", daemon=True)
            with main_thread_signals():  # the worker unblocks them (`start_worker`)
                worker.start()
            send.close()
            processes.append(worker)
            ends.append(receive)
        endings = _wait_alone(processes, ends, spans, source, progress)
        _raise_failure(turns)
        for _, _, exc in endings:
            if exc is not None:
                raise exc.failure if isinstance(exc, PartlyRead) else exc
        counts = Counts()
        for decided, _, _ in endings:
            counts.add(decided)
        source.position = spans.read
        progress(counts.total)
    except BaseException:
        _stop(processes)
        turns.cut_back()
        raise
    for p in processes:
        p.join()
    writer.take_back(*turns.ended())
    return counts


def _wait_alone(processes: list[multiprocessing.process.BaseProcess], ends: list[Connection],
                spans: Spans, source: WorkerInput, progress: Progress) -> list[Ending]:
    """The workers' endings, showing progress meanwhile: all of them, or the first that
    says a task failed (sent once the tasks before it were written: so no earlier task
    failed; the workers that hold tasks after it would wait for ever); a worker that ends
    without one (killed) raises WorkerProcessError."""
    endings: dict[int, Ending] = {}
    exited: set[int] = set()
    shown = 0
    while len(exited) < len(processes):
        if any(exc is not None for _, _, exc in endings.values()):
            break
        waiting: dict[Any, int] = {ends[i]: i for i in range(len(ends)) if i not in endings}
        waiting |= {p.sentinel: i for i, p in enumerate(processes) if i not in exited}
        for ready in wait(list(waiting), _LOOK):
            i = waiting[ready]
            if ready is ends[i] or ends[i].poll():
                with contextlib.suppress(EOFError):
                    endings[i] = ends[i].recv()
            if ready is not ends[i]:
                exited.add(i)
                if i not in endings:
                    raise WorkerProcessError(_DIED)
        if (done := spans.done) != shown:
            shown, source.position = done, spans.read
            progress(done)
    return list(endings.values())


def _stop(processes: list[multiprocessing.process.BaseProcess]) -> None:
    """Worker processes terminated, and waited for (a while)."""
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(5)


def _settle(pool: ProcessPoolExecutor, turns: Turns, tasks: int) -> None:
    """Wait until the workers have written the first `tasks` tasks (or failed to)."""
    while not turns.wait(tasks, _LOOK):
        if not all(p.is_alive() for p in _processes(pool)):
            raise BrokenProcessPool("a worker process died")


def _raise_failure(turns: Turns) -> None:
    """A worker's failed write, raised here as one process raises it (`write.reported`)."""
    error = turns.failure()
    if error is not None:
        raise reported(error)


def _processes(pool: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    # ProcessPoolExecutor has no public way to its processes (nor to stop them, before
    # Python 3.14's `terminate_workers`); its process table is the only handle on them.
    return list((getattr(pool, "_processes", None) or {}).values())


def _terminate(pool: ProcessPoolExecutor, turns: Turns | None = None) -> None:
    """Stop the workers now, not after the chunks they have in hand; with `turns`, cut
    off a chunk one of them left half written."""
    processes = _processes(pool)  # shutdown clears the table: taken first
    calls, results = getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    _stop(processes)
    # A worker killed while sending a result leaves half a message in the result pipe, and
    # the pool's manager thread waits for the rest, which the pipe's write end, still open
    # here, could yet send: interpreter exit joins that thread and never ends. With the
    # workers gone, closing this copy of the write end makes the read end instead. And a
    # chunk half written to the task pipe must not hold the exit either.
    if calls is not None:
        calls.cancel_join_thread()
    if results is not None and not any(p.is_alive() for p in processes):
        results._writer.close()
    # The pool's manager thread closes its wake-up pipe as it ends, while at exit the
    # interpreter writes to that pipe without the lock that guards it (CPython
    # gh-125451, Python 3.11): a pipe closed just then prints "Bad file descriptor"
    # after our one error line. Once the thread has ended, exit sees the pipe closed.
    if manager is not None:
        manager.join(_JOIN)
    if turns is not None:
        turns.cut_back()
