"""How a command ends when it is stopped from outside: by a signal, an interrupt, or a
reader of stdout that has gone.

Exit status (docs/cli.md): 130 for an interrupt (Ctrl-C, SIGINT); 128 + N for SIGTERM
(143) and SIGHUP (129); 141 (128 + SIGPIPE, what a shell shows for a command killed by a
closed pipe) when the reader of stdout goes away, as with `| head -1`, silently. None of
them is 1, which means "records rejected".
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

INTERRUPTED = 130  # 128 + SIGINT
BROKEN_PIPE = 141  # 128 + SIGPIPE

# SIGHUP does not exist on Windows.
CAUGHT = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Stopped(BaseException):
    """A signal asked the process to stop (a BaseException, as KeyboardInterrupt is, so
    that no `except Exception` swallows it on the way out)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped` in the main thread while the block runs, so that
    what was started (worker processes, a writer thread) is ended on the way out."""
    previous = {}
    try:
        for sig in CAUGHT:
            previous[sig] = signal.signal(sig, _raise)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
