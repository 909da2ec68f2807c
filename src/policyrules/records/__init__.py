"""Reading worker records from files (CONTRACT §1, §1.4): JSON, JSON Lines, CSV, stdin.

Two layers, so that `evaluate --jobs N` can parse in worker processes:

* `WorkerInput` opens a file and yields *raw* records, `(line, raw)`, where `raw` is a
  JSON Lines text (not yet parsed), a mapping in the CONTRACT §1 shape, or a
  `WorkerError` found while reading (a CSV cell that is not `ID@DATE`, say).
* `validate(policy, line, raw)` turns one raw record into `(line, worker id, Worker)` or
  `(line, worker id or None, WorkerError)`.

`read_workers(path, policy)` puts the two together. Reading streams: one record is held
at a time, for every format (a `.json` array is decoded element by element), so memory
stays flat however many workers come in. The one exception is a separate training file
(`--training`): it may be in any order, so it is indexed by worker id before the workers
are read, and its size (not the workers') sets the memory used.

Problems with a whole file (missing, not UTF-8, not JSON, a CSV without an `id` column)
raise `WorkerFileError`; problems with one record become a `WorkerError` for that record,
and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

import msgspec

from ..diagnostics import closest
from ..errors import PolicyError, WorkerError

if TYPE_CHECKING:
    from ..contract.workers import Worker
    from ..policy import Policy

Raw = str | Mapping[str, Any] | WorkerError
"""A record as read: JSON Lines text, a §1 mapping, or an error found while reading."""

Item = tuple[int, "str | None", "Worker | WorkerError"]
"""A validated record: (line or row number, worker id or None, Worker or WorkerError)."""

FORMATS: dict[str, str] = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
                           ".csv": "csv"}
WORKER_COLUMNS = ("id", "started", "contact", "roles", "training", "agency", "sector",
                  "volunteer")
REQUIRED_COLUMNS = ("id", "started", "contact")
TRAINING_COLUMNS = ("worker", "training", "completed", "delivery", "provider", "hours",
                    "level")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_CHUNK = 1 << 20
_MAX_ELEMENT = 16 << 20  # a JSON array element bigger than this is taken as broken JSON
_WS = re.compile(r"[ \t\n\r]*")
_TOO_DEEP = "nested too deeply to read (lists or objects inside one another)"
_ID_IN_TEXT = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
_BOM = "\ufeff"


class WorkerFileError(PolicyError):
    """A worker or training file cannot be read as a whole (missing, not UTF-8, malformed)."""


def input_format(path: str) -> str:
    """`json`, `jsonl` or `csv` from the file name; `-` (stdin) is JSON Lines."""
    if path == "-":
        return "jsonl"
    ext = os.path.splitext(path)[1].lower()
    try:
        return FORMATS[ext]
    except KeyError:
        raise WorkerFileError(
            f"{path}: cannot tell the format from the name; worker files end in .json, "
            ".jsonl (or .ndjson) or .csv, and `-` reads JSON Lines from stdin") from None


def _open(path: str, what: str) -> IO[bytes]:
    try:
        return open(path, "rb")  # closed by the WorkerInput that owns it
    except FileNotFoundError:
        raise WorkerFileError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise WorkerFileError(f"{path}: is a directory, not a {what} file") from None
    except OSError as exc:
        raise WorkerFileError(f"{path}: cannot read: {exc.strerror}") from None


def _not_utf8(path: str, line: int, byte: int, value: int) -> WorkerFileError:
    """`byte` counts from 1 within the line."""
    return WorkerFileError(f"{path}:{line}: not UTF-8 text (byte {byte} of the line is "
                           f"{value:#04x}); save the file as UTF-8")


# Text decoded with errors="surrogateescape" keeps each byte that is not UTF-8 as one
# character in this range, so a reader can go on up to it and then say where it is.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _escaped_error(path: str, line: int, before: str, bad: str,
                   prefix: int = 0) -> WorkerFileError:
    """A byte that is not UTF-8, kept as `bad`, after `prefix` bytes and then the text
    `before` on its line."""
    return _not_utf8(path, line, prefix + len(before.encode("utf-8", "surrogateescape")) + 1,
                     ord(bad) - 0xDC00)


def _utf8_lines(raw: IO[bytes], path: str) -> Iterator[str]:
    """The lines of a UTF-8 text file, line ends kept (as `csv` wants them).

    A line that is not UTF-8 raises WorkerFileError naming the line and the byte, when
    it is reached: every line before it has been read first.
    """
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    for n, line in enumerate(text, 1):
        if not line.isascii() and (m := _ESCAPED.search(line)):
            raise _escaped_error(path, n, line[:m.start()], m.group())
        yield line


class WorkerInput:
    """One worker file (or stdin), read as a stream of raw records.

    `position` and `size` (bytes; `size` is None for a pipe) let a caller show progress.
    After iteration, `warnings` lists what was odd but not wrong (for example training
    records for workers that are not in the worker file).
    """

    def __init__(self, path: str, *, training: str | None = None,
                 stdin: IO[bytes] | None = None) -> None:
        self.path = path
        self.format = input_format(path)
        self.training_path = training
        self.warnings: list[str] = []
        self.position = 0
        self.size: int | None = None
        self._index: _TrainingIndex | None = None
        if path == "-":
            self._file = stdin if stdin is not None else sys.stdin.buffer
            self._owned = False
        else:
            self._file = _open(path, "worker")
            self._owned = True
            try:
                self.size = os.fstat(self._file.fileno()).st_size or None
            except (OSError, ValueError):
                self.size = None
        if training is not None:
            try:
                self._index = _TrainingIndex.read(training)
            except BaseException:
                self.close()
                raise

    @property
    def name(self) -> str:
        return "<stdin>" if self.path == "-" else self.path

    def close(self) -> None:
        if self._owned:
            self._file.close()

    def __enter__(self) -> WorkerInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[int, Raw]]:
        return self.raw()

    def raw(self) -> Iterator[tuple[int, Raw]]:
        """(line, raw record) in file order."""
        reader = {"jsonl": self._jsonl, "json": self._json, "csv": self._csv}[self.format]
        records = reader()
        if self._index is None:
            yield from records
        else:
            index = self._index
            for line, raw in records:
                yield line, index.attach(raw)
            self.warnings.extend(index.orphans(self.name))

    def workers(self, policy: Policy) -> Iterator[Item]:
        """Validated records: (line, worker id or None, Worker or WorkerError)."""
        for line, raw in self.raw():
            yield validate(policy, line, raw)

    # JSON Lines --------------------------------------------------------------------------
    def blocks(self, size: int = 1 << 16) -> Iterator[tuple[int, bytes]]:
        """JSON Lines read in blocks of whole lines: (line number of the first, bytes).

        `evaluate --jobs` hands whole blocks to worker processes, which split and decode
        them with `block_lines`, so the parent does next to nothing per record.
        """
        f = self._file
        first = 1
        while True:
            block = f.read(size)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += f.readline()
            self.position += len(block)
            yield first, block
            first += block.count(b"\n")

    def _jsonl(self) -> Iterator[tuple[int, Raw]]:
        for first, block in self.blocks():
            yield from block_lines(first, block, self.name)

    # JSON (one object or an array of objects), streamed element by element ---------------
    def _json(self) -> Iterator[tuple[int, Raw]]:
        yield from _JsonArrayReader(self).items()

    # CSV -------------------------------------------------------------------------------
    def _csv(self) -> Iterator[tuple[int, Raw]]:
        name = self.name
        counter = _Counting(self._file, self)
        rows = csv.reader(_utf8_lines(io.BufferedReader(counter), name))
        try:
            header = next(rows, None)
            while header is not None and not any(cell.strip() for cell in header):
                header = next(rows, None)  # blank lines before the header
        except csv.Error as exc:
            raise WorkerFileError(f"{name}:{rows.line_num}: not a CSV header: {exc}") from None
        if header is None:
            return
        columns = _header(header, name, WORKER_COLUMNS, REQUIRED_COLUMNS, "worker")
        width = len(columns)
        previous_end = rows.line_num
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                raise WorkerFileError(f"{name}:{previous_end + 1}: not valid CSV: {exc}") from None
            line = previous_end + 1
            previous_end = rows.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            yield line, _csv_worker(row, columns, width)


def block_lines(first: int, block: bytes, name: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON Lines block, decoded: (line number, text)."""
    # The whole block decoded at once is faster, and the same lines (a newline byte is never
    # inside a UTF-8 sequence). A block that is not UTF-8 is done line by line below, so
    # the lines before the bad one still come out and the error names its line.
    try:
        lines = block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        pass
    else:
        if first == 1 and lines[0].startswith(_BOM):
            lines[0] = lines[0][1:]
        for n, text in enumerate(lines, first):
            if text and not text.isspace():
                yield n, text
        return
    for n, data in enumerate(block.split(b"\n"), first):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(name, n, exc.start + 1, data[exc.start]) from None
        if n == 1 and text.startswith(_BOM):
            text = text[1:]
        if text and not text.isspace():
            yield n, text


class _Counting(io.RawIOBase):
    """A binary reader that adds the bytes it hands on to `owner.position`."""

    def __init__(self, f: IO[bytes], owner: WorkerInput) -> None:
        self._f = f
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._f.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._owner.position += n
        return n

    def close(self) -> None:  # the WorkerInput owns the file
        pass


def _header(cells: list[str], name: str, known: tuple[str, ...], required: tuple[str, ...],
            what: str) -> list[str]:
    """Column names: known ones matched without regard to case or surrounding spaces."""
    lookup = {k: k for k in known}
    columns = []
    for cell in cells:
        key = cell.strip()
        columns.append(lookup.get(key.lower(), key))
    seen: set[str] = set()
    for col in columns:
        if col in seen and col:
            raise WorkerFileError(f"{name}: the column {col!r} appears twice in the header")
        seen.add(col)
    missing = [c for c in required if c not in seen]
    if missing:
        hints = []
        for c in missing:
            guess = closest(c, [x for x in columns if x not in known])
            hints.append(f"{c!r}" + (f" (is {guess!r} meant to be {c!r}?)" if guess else ""))
        raise WorkerFileError(
            f"{name}: a {what} CSV needs the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(hints)}; its columns are: {', '.join(c for c in columns if c)}")
    return columns


def _csv_worker(row: list[str], columns: list[str], width: int) -> Raw:
    """One CSV row → a §1 mapping (empty cells are absent), or the error in it."""
    data: dict[str, Any] = {}
    for col, cell in zip(columns, row, strict=False):
        value = cell.strip()
        if value and col:
            data[col] = value
    wid = data.get("id")
    if len(row) > width and any(c.strip() for c in row[width:]):
        return WorkerError(f"the row has {len(row)} cells but the header has {width} columns",
                           worker=wid, field="(row)", value=len(row),
                           allowed=f"at most {width} cells, one per column")
    try:
        if "roles" in data:
            data["roles"] = _roles_cell(data["roles"])
        if "training" in data:
            data["training"] = _training_cell(data["training"], wid)
        if "volunteer" in data:
            data["volunteer"] = volunteer_cell(data["volunteer"], wid)
    except WorkerError as exc:
        return exc
    return data


def _roles_cell(cell: str) -> list[Any]:
    """`name;name@DATE` → role entries (a bad name or date is reported by validation)."""
    out: list[Any] = []
    for item in cell.split(";"):
        item = item.strip()
        if not item:
            continue
        name, at, since = item.partition("@")
        out.append({"role": name.strip(), "since": since.strip()} if at else name)
    return out


def _training_cell(cell: str, wid: str | None) -> list[dict[str, Any]]:
    """`id@DATE;id@DATE` → training records."""
    out: list[dict[str, Any]] = []
    for item in cell.split(";"):
        item = item.strip()
        if not item:
            continue
        training, at, completed = item.partition("@")
        if not at or not training.strip():
            raise WorkerError(f"the item {item!r} is not ID@DATE", worker=wid,
                              field=f"training[{len(out)}]", value=item,
                              allowed="training items ID@DATE separated by `;`, such as "
                              "safeguarding-induction@2024-03-01")
        out.append({"training": training.strip(), "completed": completed.strip()})
    return out


def volunteer_cell(cell: str, wid: str | None) -> bool:
    """The CSV `volunteer` cell: true/false, yes/no, 1/0 or empty (false)."""
    value = cell.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise WorkerError(f"must be true or false, not {cell!r}", worker=wid, field="volunteer",
                      value=cell, allowed="true, false, yes, no, 1, 0, or empty for false")


def hours_cell(cell: str) -> Any:
    """A number where one is given; anything else is left for validation to reject."""
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return float(cell)
    except ValueError:
        return cell


# A separate training file ------------------------------------------------------------------

class _TrainingIndex:
    """Training records from a `--training` CSV, indexed by worker id.

    The file may be in any order, so it is read whole before the workers; each entry
    keeps the line it came from, so an error in it can name that line.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.by_worker: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.used: set[str] = set()
        self.anonymous: list[int] = []

    @classmethod
    def read(cls, path: str) -> _TrainingIndex:
        index = cls(path)
        with _open(path, "training") as raw:
            rows = csv.reader(_utf8_lines(raw, path))
            line = 1
            try:
                header = next(rows, None)
                if header is None:
                    return index
                columns = _header(header, path, TRAINING_COLUMNS, ("worker", "training"),
                                  "training")
                previous_end = rows.line_num
                for row in rows:
                    line = previous_end + 1
                    previous_end = rows.line_num
                    index._add(line, row, columns)
            except csv.Error as exc:
                raise WorkerFileError(f"{path}:{line}: not valid CSV: {exc}") from None
        return index

    def _add(self, line: int, row: list[str], columns: list[str]) -> None:
        record: dict[str, Any] = {}
        for col, cell in zip(columns, row, strict=False):
            value = cell.strip()
            if value and col:
                record[col] = value
        if not record:
            return
        worker = record.pop("worker", None)
        if worker is None:
            self.anonymous.append(line)
            return
        if "hours" in record:
            record["hours"] = hours_cell(record["hours"])
        self.by_worker.setdefault(worker, []).append((line, record))

    def attach(self, raw: Raw) -> Raw:
        """The record with its training from this file appended (JSON text is parsed)."""
        if isinstance(raw, WorkerError):
            if raw.worker is not None:
                self.used.add(raw.worker)
            return raw
        if isinstance(raw, str):
            parsed = parse_line(raw)
            if isinstance(parsed, WorkerError):
                return parsed
            if not isinstance(parsed, Mapping):
                return raw  # validation reports that it is not an object
            raw = parsed
        wid = raw.get("id")
        if not isinstance(wid, str) or wid not in self.by_worker:
            return raw
        self.used.add(wid)
        entries = self.by_worker[wid]
        inline = raw.get("training") or []
        if not isinstance(inline, list):
            return raw  # validation reports the wrong type
        data = dict(raw)
        data["training"] = list(inline) + [dict(r) for _, r in entries]
        data[_LINES_KEY] = (len(inline), self.path, [n for n, _ in entries])
        return data

    def orphans(self, workers_name: str) -> list[str]:
        out = []
        unused = [w for w in self.by_worker if w not in self.used]
        if unused:
            count = sum(len(self.by_worker[w]) for w in unused)
            first = self.by_worker[unused[0]][0][0]
            out.append(f"{self.path}: {count} training record{'s' if count > 1 else ''} "
                       f"for {len(unused)} worker{'s' if len(unused) > 1 else ''} not in "
                       f"{workers_name} (first: {unused[0]!r} on line {first}); not used")
        if self.anonymous:
            out.append(f"{self.path}: {len(self.anonymous)} training record"
                       f"{'s' if len(self.anonymous) > 1 else ''} with no worker id "
                       f"(first on line {self.anonymous[0]}); not used")
        return out


# Set on a record by _TrainingIndex.attach: where its training records came from, so that
# an error in one of them names the training file's line. Never reaches a Worker.
_LINES_KEY = "\x00policyrules-training-lines"
_TRAINING_FIELD = re.compile(r"training\[(\d+)\]")


# JSON arrays, streamed ------------------------------------------------------------------------

class _JsonArrayReader:
    """A `.json` file holding one object or an array of them, decoded element by element.

    The text is held from the element being read onwards; `head` and `head_bytes` are the
    characters and bytes of the line of `buf[0]` that came before it, so that positions
    in errors are on the file's lines whatever has been let go of.
    """

    def __init__(self, source: WorkerInput) -> None:
        self.source = source
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
        chunk = self.source._file.read(_CHUNK)
        self.source.position += len(chunk)
        text = self.decoder.decode(chunk, final=not chunk)
        self.eof = not chunk
        if not text.isascii() and (m := _ESCAPED.search(text)):
            # The elements before the bad byte are still read; reading past it raises.
            self.buf += text[:m.start()]
            self.eof = True
            at = len(self.buf)
            nl = self.buf.rfind("\n")
            self.bad = _escaped_error(self.source.name, self._line_of(at), self.buf[nl + 1:],
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
        return WorkerFileError(f"{self.source.name}:{self._line_of(pos)}:"
                               f"{self._column_at(pos)}: not valid JSON: {message}")

    def value(self) -> Any:
        while True:
            try:
                obj, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos < _MAX_ELEMENT and not self.eof:
                    self.fill()
                    continue  # again with more text, or at the end for the error's place
                self._end()
                raise self.fail(exc.msg, exc.pos) from None
            except RecursionError:
                raise self.fail(_TOO_DEEP) from None
            if end == len(self.buf):
                if not self.eof:
                    self.fill()  # a number or word may go on in the next chunk (and
                    continue  # `fill` moves the text, so it is decoded again)
                if self.buf[end - 1] not in '}]"':
                    self._end()  # a number or word cut short by a byte that is not UTF-8
            self.pos = end
            return obj

    def items(self) -> Iterator[tuple[int, Raw]]:
        first = self.skip_ws()
        if first == "":
            return
        if first == "{":
            line = self._line_at(self.pos)
            obj = self.value()
            if self.skip_ws() != "":
                raise self.fail("unexpected text after the worker object")
            yield line, obj
            return
        if first != "[":
            raise WorkerFileError(f"{self.source.name}: a .json worker file holds one worker "
                                  "object or an array of them")
        self.pos += 1
        if self.skip_ws() == "]":
            self.pos += 1
        else:
            while True:
                line = self._line_at(self.pos)
                if self.buf[self.pos:self.pos + 1] in ("", "]", ","):
                    raise self.fail("expected a worker object")
                yield line, self.value()
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


# Validation -----------------------------------------------------------------------------------

def json_error(text: str, exc: ValueError | RecursionError) -> WorkerError:
    """A JSON Lines line that is not JSON: an error record (naming the id if one shows)."""
    m = _ID_IN_TEXT.search(text)
    wid = None
    if m:
        try:
            wid = json.loads(f'"{m.group(1)}"')
        except ValueError:
            wid = None
    if isinstance(exc, RecursionError):
        message = _TOO_DEEP
    else:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
    column = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
    shown = text.strip()
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return WorkerError(f"is not valid JSON: {message}{column}", worker=wid, field="(record)",
                       value=shown, allowed="one JSON object per line")


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


def validate(policy: Policy, line: int, raw: Raw) -> Item:
    """One raw record → (line, worker id or None, Worker or WorkerError)."""
    data: Any = raw
    if type(raw) is str or isinstance(raw, str):  # JSON Lines text, the common case first
        data = parse_line(raw)
        if type(data) is WorkerError:
            return line, data.worker, data
    elif isinstance(raw, WorkerError):
        return line, raw.worker, raw
    lines = None
    if (type(data) is dict or isinstance(data, Mapping)) and _LINES_KEY in data:
        lines = data[_LINES_KEY]
        data = {k: v for k, v in data.items() if k != _LINES_KEY}
    try:
        worker = policy.worker(data)
    except WorkerError as exc:
        if lines is not None:
            exc = _from_training_file(exc, lines)
        return line, exc.worker, exc
    return line, worker.id, worker


def _from_training_file(exc: WorkerError, lines: tuple[int, str, list[int]]) -> WorkerError:
    """An error in a record from the training file names that file and line."""
    inline, path, numbers = lines
    m = _TRAINING_FIELD.match(exc.field)
    if not m or int(m.group(1)) < inline:
        return exc
    line = numbers[int(m.group(1)) - inline]
    return WorkerError(f"{exc.message} ({path} line {line})", worker=exc.worker,
                       field=exc.field, value=exc.value, allowed=exc.allowed)


def read_workers(path: str, policy: Policy, *, training: str | None = None,
                 stdin: IO[bytes] | None = None) -> Iterator[Item]:
    """Every record of a worker file, validated, in file order (a generator).

    Yields `(line, worker id or None, Worker | WorkerError)`; raises `WorkerFileError`
    when the file as a whole cannot be read.
    """
    with WorkerInput(path, training=training, stdin=stdin) as source:
        yield from source.workers(policy)
