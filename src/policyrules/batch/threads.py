"""Signals for the main thread only.

The kernel hands a signal sent to the process to any one of its threads that does not
block it. Python runs its handlers in the main thread, but only once that thread runs
again: if the signal lands on a helper thread (the output writer, the process pool's
manager) while the main thread waits in a system call (reading a quiet stdin, waiting for
a chunk), nothing happens until that call returns, which may be never. So the helper
threads block SIGINT, SIGTERM and SIGHUP, and the main thread gets them, in time.

A thread starts with the signal mask of the thread that starts it, and a process forked
from a thread with that thread's: `main_thread_signals()` wraps the code that starts
threads (and, for `--jobs`, forks workers, which unblock them again: `unblock()`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

SIGNALS = frozenset(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None))
                    if s is not None)
_CAN_MASK = hasattr(signal, "pthread_sigmask")  # not on Windows


@contextlib.contextmanager
def main_thread_signals() -> Iterator[None]:
    """Threads (and processes) started inside the block do not take SIGINT, SIGTERM or
    SIGHUP; a signal that comes meanwhile waits, and reaches this thread after it."""
    if not _CAN_MASK:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def helper_thread(run: Callable[[], None], name: str) -> threading.Thread:
    """A daemon thread running `run`, started without the three signals (above)."""
    thread = threading.Thread(target=run, name=name, daemon=True)
    with main_thread_signals():
        thread.start()
    return thread


def unblock() -> None:
    """In a worker process forked inside `main_thread_signals`: take the signals again."""
    if _CAN_MASK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
