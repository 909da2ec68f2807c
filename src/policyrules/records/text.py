"""What every reader of worker files shares: the file error, opening, and UTF-8 text."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import PolicyError

BOM = "\ufeff"
TOO_DEEP = "nested too deeply to read (lists or objects inside one another)"

# Text decoded with errors="surrogateescape" keeps each byte that is not UTF-8 as one
# character in this range, so a reader can go on up to it and then say where it is.
ESCAPED = re.compile("[\udc80-\udcff]")


class WorkerFileError(PolicyError):
    """A worker or training file cannot be read as a whole (missing, not UTF-8, malformed)."""


def open_file(path: str, what: str) -> IO[bytes]:
    """`path` opened for reading bytes; the caller closes it."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise WorkerFileError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise WorkerFileError(f"{path}: is a directory, not a {what} file") from None
    except OSError as exc:
        raise WorkerFileError(f"{path}: cannot read: {exc.strerror}") from None


def not_utf8(path: str, line: int, byte: int, value: int) -> WorkerFileError:
    """`byte` counts from 1 within the line."""
    return WorkerFileError(f"{path}:{line}: not UTF-8 text (byte {byte} of the line is "
                           f"{value:#04x}); save the file as UTF-8")


def escaped_error(path: str, line: int, before: str, bad: str,
                  prefix: int = 0) -> WorkerFileError:
    """A byte that is not UTF-8, kept as `bad`, after `prefix` bytes and then the text
    `before` on its line."""
    return not_utf8(path, line, prefix + len(before.encode("utf-8", "surrogateescape")) + 1,
                    ord(bad) - 0xDC00)


def utf8_lines(raw: IO[bytes], path: str) -> Iterator[str]:
    """The lines of a UTF-8 text file, line ends kept (as `csv` wants them).

    A line that is not UTF-8 raises WorkerFileError naming the line and the byte, when
    it is reached: every line before it has been read first.
    """
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    for n, line in enumerate(text, 1):
        if not line.isascii() and (m := ESCAPED.search(line)):
            raise escaped_error(path, n, line[:m.start()], m.group())
        yield line


class Counting(io.RawIOBase):
    """A binary reader that tells `on_read` how many bytes it hands on (for progress)."""

    def __init__(self, f: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._f = f
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._f.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._on_read(n)
        return n

    def close(self) -> None:  # the file belongs to whoever opened it
        pass
