"""`.json` worker files: one object or an array of them, decoded element by element."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import WorkerError
from .jsonl import id_in_text
from .raw import Raw
from .text import ESCAPED, TOO_DEEP, WorkerFileError, escaped_error

_CHUNK = 1 << 20
_MAX_ELEMENT = 16 << 20  # an element bigger than this is an error record, not decoded
_SHOWN = 1 << 16  # the start of an element that cannot be read, searched for its id
_WS = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[\s,\]}]")


class _Scan:
    """Finds where a JSON value ends without decoding it (and without recursion), in text
    that comes in pieces: strings, escapes and brackets are all it follows."""

    __slots__ = ("depth", "in_string", "scalar")

    def __init__(self, first: str) -> None:
        self.depth = 0
        self.in_string = False
        self.scalar = first not in '[{"'

    def run(self, buf: str, i: int) -> tuple[int, bool]:
        """From `buf[i]`: (the position after the value, True), or (where to go on from
        when more text has come, False)."""
        n = len(buf)
        while True:
            if self.in_string:
                m = _IN_STRING.search(buf, i)
                if m is None:
                    return n, False
                if m.group() == "\\":
                    if m.end() >= n:
                        return m.start(), False  # the escaped character comes next
                    i = m.end() + 1
                    continue
                self.in_string = False
                i = m.end()
                if self.depth == 0:
                    return i, True
            elif self.scalar:
                m = _SCALAR_END.search(buf, i)
                return (m.start(), True) if m else (n, False)
            else:
                m = _STRUCTURE.search(buf, i)
                if m is None:
                    return n, False
                c, i = m.group(), m.end()
                if c == '"':
                    self.in_string = True
                elif c in "[{":
                    self.depth += 1
                else:
                    self.depth -= 1
                    if self.depth <= 0:
                        return i, True


class JsonArrayReader:
    """A `.json` file holding one object or an array of them, decoded element by element.

    The text is held from the element being read onwards; `head` and `head_bytes` are the
    characters and bytes of the line of `buf[0]` that came before it, so that positions
    in errors are on the file's lines whatever has been let go of.
    """

    def __init__(self, f: IO[bytes], name: str, on_read: Callable[[int], None]) -> None:
        self.file = f
        self.name = name
        self.on_read = on_read
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogateescape")
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line number at self.counted
        self.counted = 0
        self.head = self.head_bytes = 0
        self.bad: WorkerFileError | None = None  # a byte that is not UTF-8 ends the text

    def fill(self) -> bool:
        """Read another chunk; False at the end of the file (or of its UTF-8 text)."""
        if self.eof:
            return False
        self._line_at(self.pos)
        dropped = self.buf[:self.pos]
        nl = dropped.rfind("\n")
        tail = dropped[nl + 1:]
        if nl >= 0:
            self.head, self.head_bytes = 0, 0
        self.head += len(tail)
        self.head_bytes += len(tail) if tail.isascii() else len(tail.encode())
        self.buf = self.buf[self.pos:]
        self.counted -= self.pos
        self.pos = 0
        chunk = self.file.read(_CHUNK)
        self.on_read(len(chunk))
        text = self.decoder.decode(chunk, final=not chunk)
        self.eof = not chunk
        if not text.isascii() and (m := ESCAPED.search(text)):
            # The elements before the bad byte are still read; reading past it raises.
            self.buf += text[:m.start()]
            self.eof = True
            at = len(self.buf)
            nl = self.buf.rfind("\n")
            self.bad = escaped_error(self.name, self._line_of(at), self.buf[nl + 1:],
                                      m.group(), 0 if nl >= 0 else self.head_bytes)
            return True
        self.buf += text
        return bool(chunk)

    def _line_at(self, pos: int) -> int:
        """The line of `pos`, for positions read in order (it counts as it goes)."""
        if pos > self.counted:
            self.line += self.buf.count("\n", self.counted, pos)
            self.counted = pos
        return self.line

    def _line_of(self, pos: int) -> int:
        """The line of any position in the text held."""
        if pos >= self.counted:
            return self.line + self.buf.count("\n", self.counted, pos)
        return self.line - self.buf.count("\n", pos, self.counted)

    def _column_at(self, pos: int) -> int:
        nl = self.buf.rfind("\n", 0, pos)
        return pos - nl if nl >= 0 else self.head + pos + 1

    def _end(self) -> None:
        """At the end of the text: if a byte that is not UTF-8 ended it, say so."""
        if self.bad is not None:
            raise self.bad

    def skip_ws(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            m = _WS.match(self.buf, self.pos)
            assert m is not None
            self.pos = m.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                self._end()
                return ""

    def fail(self, message: str, pos: int | None = None) -> WorkerFileError:
        pos = self.pos if pos is None else pos
        return WorkerFileError(f"{self.name}:{self._line_of(pos)}:"
                               f"{self._column_at(pos)}: not valid JSON: {message}")

    def element(self) -> Any:
        """The value of the element at `pos`, or a WorkerError for an element that cannot
        be read (bigger than the limit, nested too deeply, a number too long): that one
        element is passed over and reading goes on with the next."""
        while True:
            try:
                obj, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and not _Scan(self.buf[self.pos]).run(self.buf, self.pos)[1]:
                    # Not all of the element is here yet: read on, up to the limit.
                    if len(self.buf) - self.pos < _MAX_ELEMENT:
                        self.fill()
                        continue
                    return self.pass_over(_too_big())
                self._end()
                raise self.fail(exc.msg, exc.pos) from None
            except RecursionError:
                return self.pass_over(TOO_DEEP)
            except ValueError as exc:  # an integer of more digits than Python converts
                return self.pass_over(f"is not valid JSON: {exc}")
            if end == len(self.buf):
                if not self.eof:
                    self.fill()  # a number or word may go on in the next chunk (and
                    continue  # `fill` moves the text, so it is decoded again)
                if self.buf[end - 1] not in '}]"':
                    self._end()  # a number or word cut short by a byte that is not UTF-8
            if end - self.pos > _MAX_ELEMENT:  # the same limit however the text came in
                return self.pass_over(_too_big())
            self.pos = end
            return obj

    def pass_over(self, message: str) -> WorkerError:
        """The element at `pos` as an error record; `pos` moves past its end."""
        start = self.buf[self.pos:self.pos + _SHOWN]
        shown = start.strip()
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        error = WorkerError(message, worker=id_in_text(start), field="(record)", value=shown,
                            allowed=f"a worker object of at most {_limit()}")
        scan = _Scan(self.buf[self.pos])
        while True:
            self.pos, done = scan.run(self.buf, self.pos)
            if done:
                return error
            if not self.fill():
                self._end()
                raise self.fail("an element is not closed before the end of the file")

    def items(self) -> Iterator[tuple[int, Raw]]:
        first = self.skip_ws()
        if first == "":
            return
        if first == "{":
            line = self._line_at(self.pos)
            obj = self.element()
            if self.skip_ws() != "":
                raise self.fail("unexpected text after the worker object")
            yield line, obj
            return
        if first != "[":
            raise WorkerFileError(f"{self.name}: a .json worker file holds one worker "
                                  "object or an array of them")
        self.pos += 1
        if self.skip_ws() == "]":
            self.pos += 1
        else:
            while True:
                line = self._line_at(self.pos)
                if self.buf[self.pos:self.pos + 1] in ("", "]", ","):
                    raise self.fail("expected a worker object")
                yield line, self.element()
                c = self.skip_ws()
                self.pos += 1
                if c == "]":
                    break
                if c != ",":
                    raise self.fail("expected `,` or `]` after an array element"
                                    if c else "the array is not closed with `]`",
                                    self.pos - 1 if c else None)
                self.skip_ws()
        if self.skip_ws() != "":
            raise self.fail("unexpected text after the array")


def _too_big() -> str:
    return f"is bigger than {_limit()}, the most one record may hold"


def _limit() -> str:
    mb, rest = divmod(_MAX_ELEMENT, 1 << 20)
    return f"{mb} MB" if mb and not rest else f"{_MAX_ELEMENT:,} characters"
