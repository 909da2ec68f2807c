"""Where the CLI's output goes and how it looks: colour, the two consoles, one-line
errors, the progress bar.

Nothing here is global: each command makes one `Out` from its `--color` option and the
streams it writes to, and hands it to whatever prints.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Mapping
from typing import IO, Any

import click
from rich.console import Console
from rich.text import Text

from ..batch.threads import main_thread_signals

PROGRESS_AFTER = 5000  # show a progress bar once this many records have come in


def want_color(mode: str, stream: IO[Any], environ: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal only, never with NO_COLOR set (https://no-color.org);
    FORCE_COLOR turns it on off a terminal; `--color always|never` overrides both."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def is_terminal(stream: IO[Any] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits 1 here, which means "records rejected": let the command decide.
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def _console(stream: IO[str], color: bool) -> Console:
    return _Console(file=stream, force_terminal=color, no_color=not color,
                   color_system=("auto" if is_terminal(stream) else "standard") if color
                   else None, highlight=False, emoji=False, markup=False, soft_wrap=True)


class Out:
    """The two consoles of one command: `out` (stdout, data) and `err` (stderr, messages),
    each coloured or not as `--color` and the environment say."""

    def __init__(self, mode: str, stdout: IO[str] | None = None,
                 stderr: IO[str] | None = None) -> None:
        self.mode = mode
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.out_color = want_color(mode, self.stdout)
        self.err_color = want_color(mode, self.stderr)
        self.out = _console(self.stdout, self.out_color)
        self.err = _console(self.stderr, self.err_color)

    @property
    def out_is_terminal(self) -> bool:
        return is_terminal(self.stdout)

    @property
    def err_is_terminal(self) -> bool:
        return is_terminal(self.stderr)

    def print(self, text: Text | str) -> None:
        self.out.print(text, end="" if str(text).endswith("\n") else "\n")

    def error(self, message: str) -> None:
        self.err.print(Text.assemble(("error", "bold red"), f": {message}"))

    def warning(self, message: str) -> None:
        self.err.print(Text.assemble(("warning", "bold yellow"), f": {message}"))

    def note(self, message: str) -> None:
        self.err.print(message)

    def fail(self, message: str) -> Fail:
        """An exception that shows `error: MESSAGE` on this stderr and exits 2."""
        return Fail(message, self)


class Fail(click.ClickException):
    """A one-line error on stderr and exit status 2 (a file cannot be read, and so on)."""

    exit_code = 2

    def __init__(self, message: str, out: Out) -> None:
        super().__init__(message)
        self.out = out

    def show(self, file: IO[Any] | None = None) -> None:
        self.out.error(self.message)


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null: after a reader of stdout has gone, or the
    disk has filled, nothing that is still buffered may be written (or fail) at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class ProgressBar:
    """A progress bar on stderr, only on a terminal and only for inputs of some size.

    `update(records)` is called as records come in; `size` and `position` (bytes, from
    the input) give a percentage when the input has a known size, else a count shows.
    """

    def __init__(self, out: Out, size: int | None, position: Callable[[], int],
                 enabled: bool, after: int = PROGRESS_AFTER) -> None:
        self.out = out
        self.size = size
        self.position = position
        self.enabled = enabled and out.err_is_terminal
        self.after = after
        self.bar: Any = None
        self.task: Any = None

    def update(self, records: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if records < self.after:
                return
            self._start(records)
        self.bar.update(self.task, completed=self.position() if self.size else records,
                        records=records)

    def _start(self, records: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        console = _Console(file=self.out.stderr, force_terminal=True,
                          no_color=not self.out.err_color,
                          color_system="auto" if self.out.err_color else None)
        columns: list[Any] = [TextColumn("evaluating {task.fields[records]} records")]
        if self.size:
            columns += [BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeRemainingColumn()]
        else:
            columns += [MofNCompleteColumn()]
        self.bar = Progress(*columns, console=console, transient=True)
        with main_thread_signals():  # its refresh thread
            self.bar.start()
        self.task = self.bar.add_task("evaluate", total=self.size or None, records=records)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
