"""`--jobs` output written by the worker processes themselves, in input order.

Each task of a run has a number, in input order. A worker process that has decided a
task's records hands their bytes to a thread of its own, which waits for the task's turn,
writes them to the output and passes the turn on; the worker meanwhile decides its next
task, so it never waits for another worker to write. The output's file descriptor comes
with fork: every process holds the same open file description, and so the same file
offset, and with one writer at a time the chunks land one after another, in order,
whole. The parent sends tasks and gets counts back: the decisions' bytes never pass
through it.

At most one task's bytes wait in a worker's queue, one more in its thread waiting for its
turn, and one is being decided: memory stays flat however far one worker gets ahead.

A write that fails (a full disk, a file too big, a reader that has gone) stops all
writing: the file is cut back to the end of the last chunk written whole, the error's
number is kept for the parent, which raises it as one process would (`reported`), and the
chunks still waiting are dropped. A worker process that dies mid-write leaves half a chunk,
which the parent cuts off once it has stopped the workers (`cut_back`).
"""

from __future__ import annotations

import contextlib
import os
import queue
from multiprocessing.context import BaseContext
from typing import Any

from .threads import helper_thread
from .write import framed, write_all

# The slots of the shared state.
_NEXT = 0  # the number of the task whose turn it is
_WROTE = 1  # 1 once a chunk with records has been written (the next one needs a separator)
_ERRNO = 2  # the errno of the first write that failed; 0 while none has
_END = 3  # a regular file: the offset after the last chunk written whole; else -1

_NOT_OS = -1  # _ERRNO for a failure that was not an OSError (said as such, not lost)


class Turns:
    """Whose turn it is to write, shared by the parent and the workers it forks."""

    def __init__(self, ctx: BaseContext, fd: int, end: int | None, separator: bytes) -> None:
        """`fd`: the output; `end`: where the output so far ends, in a regular file (None
        for a pipe or a terminal); `separator`: the format's, between chunks."""
        self.fd = fd
        self.separator = separator
        self._changed = ctx.Condition(ctx.Lock())
        self._state: Any = ctx.RawArray("q", 4)  # written under `_changed`'s lock
        self._state[_END] = -1 if end is None else end
        self._queue: queue.Queue[tuple[int, bytes]] | None = None

    # In a worker process ------------------------------------------------------------------

    def put(self, task: int, data: bytes) -> None:
        """Task `task`'s bytes, written now if its turn has come, else in its turn by this
        worker's writer thread (started at the first call: threads do not survive fork).
        Waits while the queue is full."""
        # Read without the lock: once it says this task, only this process can change it.
        # Most tasks find their turn come (the task before, taken first, is written): a
        # write here spares the hand-over to the thread, which on a busy machine cost
        # milliseconds a task in waking one thread and then the other.
        if self._state[_NEXT] == task:
            self._write(task, data)
            return
        if self._queue is None:
            self._queue = queue.Queue(1)
            helper_thread(self._write_in_turn, "policyrules-turns")
        self._queue.put((task, data))

    def put_last(self, task: int, data: bytes) -> None:
        """Task `task`'s bytes, written in its turn by this thread (waiting for it), and
        the turn not passed on: the run stops after them (a block cut short by a file
        error), so no task after them is written. Only the parent, or a worker killed
        while waiting, ends the wait if a task before fails too."""
        self._write(task, data, last=True)

    def _write_in_turn(self) -> None:
        assert self._queue is not None
        while True:
            task, data = self._queue.get()
            try:
                self._write(task, data)
            finally:
                self._queue.task_done()

    def _write(self, task: int, data: bytes, last: bool = False) -> None:
        state, changed = self._state, self._changed
        with changed:
            changed.wait_for(lambda: state[_NEXT] == task or state[_ERRNO])
            if state[_ERRNO]:
                return  # after a failed write nothing more is written
            wrote, end = bool(state[_WROTE]), state[_END]
        # The turn is this task's alone until it is passed on: write without the lock.
        out = framed(self.separator, wrote, data)
        try:
            write_all(self.fd, out)
        except BaseException as exc:  # the parent raises it
            self._cut_back(end)
            number = exc.errno if isinstance(exc, OSError) and exc.errno else _NOT_OS
            with changed:
                state[_ERRNO] = number
                changed.notify_all()
            return
        with changed:
            if not last:
                state[_NEXT] = task + 1
            if data:
                state[_WROTE] = 1
            if end >= 0:
                state[_END] = end + len(out)
            changed.notify_all()

    def drain(self) -> None:
        """Wait until this worker's tasks are written (or dropped after a failed write):
        each waits for the tasks before it, which other workers write."""
        if self._queue is not None:
            self._queue.join()

    def _cut_back(self, end: int) -> None:
        """A regular file ends where the last chunk written whole did."""
        if end >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, end)
                os.lseek(self.fd, end, os.SEEK_SET)

    # In the parent ------------------------------------------------------------------------

    def wait(self, tasks: int, timeout: float) -> bool:
        """Whether the first `tasks` tasks are written, or a write failed (`failure`),
        waiting at most about `timeout` seconds for it. Never longer: a worker process
        killed while it held the lock (for a moment) leaves it held."""
        state, changed = self._state, self._changed
        if not changed.acquire(timeout=timeout):
            return False
        try:
            return bool(changed.wait_for(lambda: state[_NEXT] >= tasks or state[_ERRNO],
                                         timeout))
        finally:
            changed.release()

    # The slots below are read without the lock (see `wait`): one aligned 8-byte word
    # each, and read once the writing they report on is over or has failed.

    def failure(self) -> OSError | None:
        """The error of the write that failed, if one has (as an OSError to report)."""
        number = self._state[_ERRNO]
        if not number:
            return None
        if number == _NOT_OS:
            return OSError("a worker process failed to write its decisions")
        return OSError(number, os.strerror(number))

    def ended(self) -> tuple[bool, int | None]:
        """Once every task is written: whether any records were, and where a regular
        file's output ends."""
        end = self._state[_END]
        return bool(self._state[_WROTE]), None if end < 0 else end

    def cut_back(self) -> None:
        """With the workers stopped: a chunk they left half written is cut off."""
        end = self._state[_END]
        if end >= 0:
            with contextlib.suppress(OSError):
                if os.fstat(self.fd).st_size > end:
                    self._cut_back(end)
