"""How a command ends when it is stopped from outside: by a signal, an interrupt, or a
reader of stdout that has gone.

Exit status (docs/cli.md): 130 for an interrupt (Ctrl-C, SIGINT); 128 + N for SIGTERM
(143) and SIGHUP (129); 141 (128 + SIGPIPE, what a shell shows for a command killed by a
closed pipe) when the reader of stdout goes away, as with `| head -1`, silently. None of
them is 1, which means "records rejected".
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from ..batch.threads import helper_thread

INTERRUPTED = 130  # 128 + SIGINT
BROKEN_PIPE = 141  # 128 + SIGPIPE

# SIGHUP does not exist on Windows.
CAUGHT = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)
_RETRY = 0.2  # seconds before a signal the main thread has not acted on is sent to it again


class Stopped(BaseException):
    """A signal asked the process to stop (a BaseException, as KeyboardInterrupt is, so
    that no `except Exception` swallows it on the way out)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _Watch:
    """Makes sure the main thread acts on a signal, even when it arrived at a bad moment.

    Python runs a signal's handler in the main thread at its next bytecode. A signal that
    comes while that thread is in C code just before a blocking read (of a stdin that
    stays open and quiet), or that lands on another thread, is noted, but the read does
    not return and the handler never runs. Python also writes each signal to a wakeup
    pipe (`signal.set_wakeup_fd`); this thread reads it and, while the handler has not
    run, sends the signal to the main thread again, which interrupts the read.
    """

    def __init__(self) -> None:
        self.handled = threading.Event()
        self.main = threading.main_thread().ident or 0
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._thread = helper_thread(self._run, "policyrules-signals")

    def _run(self) -> None:
        while True:
            data = os.read(self._read, 64)
            if not data or 0 in data:  # 0: `close` asks the thread to end
                return
            signum = data[-1]
            while not self.handled.wait(_RETRY):
                try:
                    signal.pthread_kill(self.main, signum)
                except OSError:  # the main thread has ended
                    return

    def close(self) -> None:
        self.handled.set()  # no more retries, whatever comes now
        signal.set_wakeup_fd(self._previous)
        with contextlib.suppress(OSError):
            os.write(self._write, b"\0")
        self._thread.join(1)
        os.close(self._read)
        os.close(self._write)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped`, SIGINT KeyboardInterrupt, in the main thread
    while the block runs, so that what was started (worker processes, a writer thread) is
    ended on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield  # an embedding program's thread: leave its signals alone
        return
    watch = _Watch() if hasattr(signal, "pthread_kill") else None

    def stop(signum: int, frame: FrameType | None) -> None:
        if watch is not None:
            watch.handled.set()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (*CAUGHT, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if watch is not None:
            watch.close()
