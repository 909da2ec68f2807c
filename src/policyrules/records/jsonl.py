"""JSON Lines: blocks of whole lines, split and decoded, and one line parsed."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import IO, Any

import msgspec

from ..errors import WorkerError
from .text import BOM, TOO_DEEP, not_utf8

_ID_IN_TEXT = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"')


def read_blocks(f: IO[bytes], size: int,
                on_read: Callable[[int], None]) -> Iterator[tuple[int, bytes]]:
    """JSON Lines read in blocks of whole lines: (line number of the first, bytes)."""
    first = 1
    for block in _whole_blocks(f, size, on_read):
        yield first, block
        first += block.count(b"\n")


def read_line_blocks(f: IO[bytes], size: int, on_read: Callable[[int], None]
                     ) -> Iterator[tuple[int, bytes, list[bytes]]]:
    """`read_blocks`, each block with its lines (`split_lines`): a block is split where
    its lines would be counted, for a reader that splits it anyway."""
    first = 1
    for block in _whole_blocks(f, size, on_read):
        lines = split_lines(block)
        yield first, block, lines
        first += len(lines)  # the last block's last line may lack its newline: no matter


def _whole_blocks(f: IO[bytes], size: int, on_read: Callable[[int], None]) -> Iterator[bytes]:
    while True:
        block = f.read(size)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += f.readline()
        on_read(len(block))
        yield block


def split_lines(data: bytes) -> list[bytes]:
    """The lines of `data` (a block of whole lines), each with its newline: as many lines
    as newlines, and the file's last line, which may have none, after the last.

    For the usual lane alone (`batch.stages.decide_lines`), whose JSON reader takes the
    newline as the whitespace after a value, as it takes a `\\r` before it. `readlines`
    finds each newline with `memchr`; `bytes.split` tests the bytes one at a time, about
    5% of the instructions a worker of `evaluate` (docs/cli.md)."""
    return BytesIO(data).readlines()


def block_spans(fd: int, size: int,
                on_read: Callable[[int], None]) -> Iterator[tuple[int, int, int]]:
    """JSON Lines in a regular file, cut into blocks of whole lines of about `size` bytes
    without handing the bytes on: (line number of the first line, offset, length).

    `evaluate --jobs` sends these three numbers to a worker process, which reads its
    block itself (`read_span`). The lines are counted here, since a block's records carry
    their line numbers; each block is read once for that and then dropped.
    """
    first, offset = 1, 0
    while True:
        end, lines, _ = next_span(fd, size, offset)
        if not end:
            return
        on_read(end)
        yield first, offset, end
        first += lines
        offset += end


def next_span(fd: int, size: int, offset: int) -> tuple[int, int, bytes | memoryview]:
    """The block of whole lines of about `size` bytes at `offset` of a regular file: its
    length, its number of newlines, and its bytes when they were read whole on the way
    (else b"": a line longer than a block, to be read with `read_span`). (0, 0, b"") at
    the end of the file."""
    end, newlines, data = _span(fd, size, offset)
    if newlines < 0:
        # A view, not a copy: `block_lines` decodes it as it is (a copy of 256 KiB cost
        # about as much as the decoding, its pages new to the process).
        return (end, data.count(b"\n", 0, end),
                data if end == len(data) else memoryview(data)[:end])
    return end, newlines, data


def next_lines(fd: int, size: int, offset: int
               ) -> tuple[int, int, bytes | memoryview, list[bytes] | None]:
    """`next_span`, and the block's lines (`split_lines`) when its bytes were read whole on
    the way (else None): the block split where its lines would be counted, for a reader
    that splits it anyway."""
    end, newlines, data = _span(fd, size, offset)
    if newlines < 0:
        lines = split_lines(data)
        if end < len(data):
            lines.pop()  # the next line's start, after the block's last newline
        return end, len(lines), data if end == len(data) else memoryview(data)[:end], lines
    return end, newlines, data, None


def _span(fd: int, size: int, offset: int) -> tuple[int, int, bytes]:
    """`next_span`'s length and bytes, its number of newlines -1 when the block ends within
    the bytes read (not counted yet)."""
    data = os.pread(fd, size, offset)
    end = data.rfind(b"\n") + 1
    if end:
        return end, -1, data
    # A line longer than a block, or the file's last line without a newline.
    end = len(data)
    while more := os.pread(fd, size, offset + end):
        newline = more.find(b"\n")
        if newline >= 0:
            return end + newline + 1, 1, b""
        end += len(more)
    return end, 0, data if end == len(data) else b""


def read_span(fd: int, offset: int, length: int) -> bytes:
    """The `length` bytes of a regular file at `offset` (fewer if it has been cut short)."""
    data = os.pread(fd, length, offset)
    while len(data) < length and (more := os.pread(fd, length - len(data),
                                                   offset + len(data))):
        data += more
    return data


def block_lines(first: int, block: bytes | memoryview,
                name: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON Lines block, decoded: (line number, text)."""
    # The whole block decoded at once is faster, and the same lines (a newline byte is never
    # inside a UTF-8 sequence). A block that is not UTF-8 is done line by line below, so
    # the lines before the bad one still come out and the error names its line.
    try:
        lines = str(block, "utf-8").split("\n")
    except UnicodeDecodeError:
        pass
    else:
        if first == 1 and lines[0].startswith(BOM):
            lines[0] = lines[0][1:]
        for n, text in enumerate(lines, first):
            if text and not text.isspace():
                yield n, text
        return
    for n, data in enumerate(bytes(block).split(b"\n"), first):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise not_utf8(name, n, exc.start + 1, data[exc.start]) from None
        if n == 1 and text.startswith(BOM):
            text = text[1:]
        if text and not text.isspace():
            yield n, text


def id_in_text(text: str) -> str | None:
    """The `"id"` of a record as it shows in JSON text, without parsing the text.

    For records that cannot be parsed (an error record still names its worker) and for
    skipping quickly over records that are not the one looked for.
    """
    m = _ID_IN_TEXT.search(text)
    if m is None:
        return None
    try:
        found = json.loads(f'"{m.group(1)}"')
    except ValueError:
        return None
    return found if isinstance(found, str) else None


def json_error(text: str, exc: ValueError | RecursionError) -> WorkerError:
    """A JSON Lines line that is not JSON: an error record (naming the id if one shows)."""
    if isinstance(exc, RecursionError):
        message = TOO_DEEP
    else:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
    column = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
    shown = text.strip()
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return WorkerError(f"is not valid JSON: {message}{column}", worker=id_in_text(text),
                       field="(record)", value=shown, allowed="one JSON object per line")


# msgspec decodes a line about twice as fast as `json.loads`, to the same objects (big
# integers stay integers, duplicate keys keep the last value). What msgspec refuses (NaN,
# a number out of range, a lone surrogate, every malformed line) goes to `json.loads`,
# so the result, or the error and its message, is always exactly that of `json.loads`.
_decode: Callable[[str], Any] = msgspec.json.Decoder().decode


def parse_line(text: str) -> Any:
    """One JSON Lines line: the value it holds, or a WorkerError saying why it is not JSON."""
    try:
        return _decode(text)
    except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):
        pass
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        return json_error(text, exc)
