"""The last stage: decided records written out, whole records only, from a thread.

Writing a whole workforce's decisions is mostly the kernel copying bytes (a gigabyte and
more for a million workers, seconds of system time on a slow disk). `os.write` releases
the GIL, so with the system calls in a thread of their own they overlap with the
evaluation instead of stopping it. At most `depth` chunks wait, so memory stays flat and a
slow reader of stdout slows the run down rather than filling memory.

Each chunk is a run of whole records. When writing fails (a full disk, a file too big)
the file is cut back to the end of the last chunk written whole, so that a regular file
never ends in half a line; the error comes back to the caller at its next write or close,
as an `OutputError` (a closed pipe as the `BrokenPipeError` it is: the caller decides
what a reader that has gone means).
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
from typing import IO

from ..errors import PolicyError
from ..render import OutputFormat
from .threads import helper_thread


class OutputError(PolicyError):
    """The output cannot be written (a full disk, a file too large, a closed stream)."""


def utf8(text: str) -> bytes:
    """Text as UTF-8. A lone surrogate (text that was never valid Unicode, read from a
    worker file) is written as the escape `\\udXXX`: in JSON that is the same character,
    and it is no reason to lose the rest of the chunk."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def write_all(fd: int, data: bytes) -> None:
    """All of `data` to `fd`, however many writes that takes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def framed(separator: bytes, wrote: bool, data: bytes) -> bytes:
    """A chunk of records as it goes out: after the separator when records went before."""
    return separator + data if wrote and separator and data else data


def reported(error: BaseException) -> BaseException:
    """What a failed write raises in the caller: an OSError as an OutputError that says
    why, a closed pipe as the BrokenPipeError it is (the caller decides what a reader that
    has gone means)."""
    if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
        output_error = OutputError(f"cannot write the output: {error.strerror or error}")
        output_error.__cause__ = error
        return output_error
    return error


def _file_descriptor(stream: IO[bytes]) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None  # an in-memory stream: written with its own `write`


class Sink:
    """A binary stream written from a background thread, a whole chunk at a time."""

    def __init__(self, stream: IO[bytes], depth: int = 4) -> None:
        self.stream = stream
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._fd = _file_descriptor(stream)
        self._regular = False
        self._good = 0  # the offset after the last chunk written whole
        if self._fd is not None:
            stream.flush()  # anything written before goes first; from here on, os.write
            try:
                info = os.fstat(self._fd)
            except OSError:
                info = None
            if info is not None and stat.S_ISREG(info.st_mode):
                self._regular = True
                appending = _appending(self._fd)
                self._good = info.st_size if appending else os.lseek(self._fd, 0, os.SEEK_CUR)
        self._thread = helper_thread(self._run, "policyrules-writer")

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:  # after an error, the rest is dropped, not written
                try:
                    self._write(data)
                except BaseException as exc:  # raised again in the caller
                    self._error = exc
                    self._cut_back()
            self._queue.task_done()

    def _write(self, data: bytes) -> None:
        fd = self._fd
        if fd is None:
            self.stream.write(data)
            return
        write_all(fd, data)
        self._good += len(data)

    def _cut_back(self) -> None:
        """After a failed write: the file ends where the last whole chunk did."""
        if self._regular and self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._good)
                os.lseek(self._fd, self._good, os.SEEK_SET)

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise reported(error)

    def write(self, data: bytes) -> None:
        self._raise()
        self._queue.put(data)

    def hand_over(self) -> tuple[int, int | None] | None:
        """Wait until every chunk so far is written, for other processes to write to the
        stream's file descriptor next (`take_back` after them): the descriptor, and the
        offset of the output's end in a regular file (None for a pipe or a terminal).
        None when the stream has no file descriptor: it is written here or not at all."""
        if self._fd is None:
            return None
        self._queue.join()
        self._raise()
        return self._fd, self._good if self._regular else None

    def take_back(self, end: int | None) -> None:
        """After `hand_over`: the others wrote the output up to `end` (a regular file's)."""
        if end is not None:
            self._good = end

    def close(self) -> None:
        """Wait for every chunk to be written, then flush the stream."""
        self._stop()
        self._raise()
        if self._fd is None:
            self.stream.flush()

    def abandon(self, wait: bool = True) -> None:
        """After a failure elsewhere: stop, and drop any error of writing.

        With `wait`, what is queued is written first; without (an interrupt), nothing more
        is, and only a write to a regular file that is under way is waited for (it
        finishes promptly; a pipe whose reader has stopped might never take it).
        """
        if wait:
            self._stop()
        else:
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
            self._error = self._error or _Dropped()
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
            if self._regular:
                self._thread.join()
        self._error = None
        if self._fd is None:
            with contextlib.suppress(Exception):
                self.stream.flush()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class _Dropped(Exception):
    """Marks a sink that takes no more writes (its chunks are dropped unwritten)."""


def _appending(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # not on Windows: no O_APPEND to find out about
        return False
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)


class Writer:
    """A machine format's header, its records joined by its separator, and its footer,
    written chunk by chunk through a `Sink`."""

    def __init__(self, fmt: OutputFormat, stream: IO[bytes]) -> None:
        self.fmt = fmt
        self.sink = Sink(stream)
        self.wrote = False
        self._separator = fmt.separator.encode()
        self.sink.write(fmt.header.encode())

    def add(self, texts: list[str]) -> None:
        """The texts of a chunk of records."""
        if texts:
            self.add_chunk(utf8(self.fmt.separator.join(texts)))

    def add_chunk(self, data: bytes) -> None:
        """A chunk already joined and encoded (by a --jobs worker)."""
        if not data:
            return
        self.sink.write(framed(self._separator, self.wrote, data))
        self.wrote = True

    def hand_over(self) -> tuple[int, int | None] | None:
        """The header written, the records are others' to write (`Sink.hand_over`)."""
        return self.sink.hand_over()

    def take_back(self, wrote: bool, end: int | None) -> None:
        """After `hand_over`: whether the others wrote records, and where they ended."""
        self.sink.take_back(end)
        self.wrote = self.wrote or wrote

    def close(self) -> None:
        self.sink.write((self.fmt.footer if self.wrote else self.fmt.empty_footer).encode())
        self.sink.close()

    def abandon(self, wait: bool = True) -> None:
        """The run failed: the records decided so far are written (no footer), then stop."""
        self.sink.abandon(wait)
