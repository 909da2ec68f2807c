"""CSV worker and training files read as tables (CONTRACT §1.4), for the columnar route.

Polars' CSV reader reads the file in batches of whole lines, every column as text, so each cell
is validated by the columnar backend's own column checks, as a text cell of a Parquet
file is. A file is read this way only when a first pass over its bytes finds that it is
plain: one record a line, so that a record's `line` (the row path's, counting blank lines
before the header) is the header's line plus its row. Anything Polars cannot read exactly
as `records/csv.py` reads it — a quoted cell holding a line end, a ragged row, a blank
line between rows, bytes that are not UTF-8, a lone carriage return, a control character,
a quote inside an unquoted cell, a header the row path refuses — makes the file not plain,
and the caller takes the row path for it, which gives that file's exact lines and errors.
The first pass reads the file a chunk at a time and looks at each line with NumPy; only
lines with a quote, or beginning with a comma, a space or a byte that is not ASCII (which
may be blank), are looked at in Python.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Iterator

import attrs
import numpy as np
import polars as pl

from .csv import header_columns
from .parquet import ParquetInput
from .text import BOM, WorkerFileError

CHUNK = 1 << 23  # bytes looked at at a time by the first pass
BLOCK = 1 << 24  # bytes read at a time for a batch of records (fewer records if longer)

# A line of cells each either unquoted (no quote, no comma) or wholly quoted with quotes
# doubled inside: where Python's `csv` and Polars read a line alike.
_CELL = r'(?:"(?:[^"]|"")*"|[^",]*)'
_STRICT = re.compile(rf"{_CELL}(?:,{_CELL})*")
_COMMA, _QUOTE, _LF = ord(","), ord('"'), ord("\n")
_NOT_CONTROL = bytes(range(0x20, 0x100))


@attrs.frozen
class _Plan:
    """What the first pass found in a plain CSV file."""

    columns: list[str]  # the header's names, matched as `header_columns` matches them
    skip: int  # blank lines before the header
    rows: int  # records: the lines from the one after the header to the last not blank


class CsvTable:
    """A plain CSV file (see the module's doc) opened for the columnar route, with the
    interface of `ParquetInput` that the route uses. Opened by `open_table`."""

    def __init__(self, path: str, plan: _Plan) -> None:
        self.path = path
        self.columns = plan.columns
        self.rows = plan.rows
        self.first_line = plan.skip + 2  # the line of the first record
        self._skip = plan.skip
        # Columns without a name are the row path's to ignore: read under names no
        # header cell has, and left out.
        self._names: list[str] = []
        for name in self.columns:
            if not name:
                name = "_unnamed"
                while name in self.columns or name in self._names:
                    name += "_"
            self._names.append(name)

    def text_column(self, name: str) -> None:
        """Every CSV cell is text: the training file's `worker` ids always are."""

    def close(self) -> None:
        """Nothing is held open between reads."""

    def frames(self, size: int, columns: tuple[str, ...] | None = None
               ) -> Iterator[pl.DataFrame]:
        """The file's records (the `columns`, or all named ones), at most `size` at a
        time, as Polars frames of text: each cell stripped, an empty cell null, as
        `records.csv.row_cells` reads a cell.

        Each batch of whole lines is handed to Polars' CSV reader as bytes: a plain
        file has no line end inside a cell, so any line end is a record's. (Polars' own
        streaming scan reads ahead of a slow consumer without bound.)"""
        wanted = set(self.columns if columns is None else columns)
        cells = [_cell(n).alias(c) for n, c in zip(self._names, self.columns, strict=True)
                 if c and c in wanted]
        try:
            for lines, count in self._lines(size):
                frame = pl.read_csv(lines, has_header=False, new_columns=self._names,
                                    infer_schema=False, quote_char='"',
                                    raise_if_empty=False).select(cells).rechunk()
                # rechunk: each column in one compact chunk, not the reader's pieces, which
                # slices of a batch held by the route kept alive (peak 940 MB at 400,000
                # workers and their records without it, 795 MB with it).
                if frame.height != count:  # the file changed since the first pass
                    raise WorkerFileError(f"{self.path}: the file changed while it was read")
                yield frame
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise WorkerFileError(f"{self.path}: cannot read the CSV file ({exc})") from None

    def _lines(self, size: int) -> Iterator[tuple[bytes, int]]:
        """(bytes, how many records) of the records' lines, at most `size` lines and
        about BLOCK bytes at a time, after the header and before any blank lines that
        end the file."""
        left, skip = self.rows, self._skip + 1  # the lines before the first record
        held, ended = b"", False
        with open(self.path, "rb") as f:
            while left:
                ends = np.flatnonzero(np.frombuffer(held, np.uint8) == _LF)
                want = skip or min(size, left)
                if len(ends) < want and not ended and (skip or len(held) < BLOCK
                                                       or not len(ends)):
                    more = f.read(BLOCK)
                    ended = not more
                    held += more
                    continue
                if skip:
                    if len(ends) < skip:
                        return  # the file changed since the first pass: no records
                    held, skip = held[ends[skip - 1] + 1:], 0
                    continue
                if len(ends) >= want:
                    count, cut = want, int(ends[want - 1]) + 1
                elif ended:  # the last record, without a line end
                    count, cut = len(ends) + (not held.endswith(b"\n")), len(held)
                else:
                    count, cut = len(ends), int(ends[-1]) + 1
                if not count:
                    return
                yield held[:cut], count
                held = held[cut:]
                left -= count


TableInput = CsvTable | ParquetInput  # what the columnar route reads


def _cell(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars()
    return pl.when(text != "").then(text)


def open_table(path: str, what: str, known: tuple[str, ...], required: tuple[str, ...]
               ) -> TableInput:
    """A worker or training file for the columnar route: a plain CSV file, or Parquet.
    Raises WorkerFileError for a CSV file that is not plain (`columnar_csv` says first)."""
    if not path.lower().endswith(".csv"):
        return ParquetInput(path, what, known, required)
    plan = plain_csv(path, what, known, required)
    if plan is None:
        raise WorkerFileError(f"{path}: not a plain CSV file for the columnar route")
    return CsvTable(path, plan)


def plain_csv(path: str, what: str, known: tuple[str, ...], required: tuple[str, ...]
              ) -> _Plan | None:
    """What the first pass finds in the CSV file at `path`, or None when the row path
    must read it (its lines, its errors, or the file itself are beyond a plain read)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None  # the row path names the trouble
    return _scan(path, what, known, required, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)  # asked once to choose the route and once to read
def _scan(path: str, what: str, known: tuple[str, ...], required: tuple[str, ...],
          size: int, mtime: int) -> _Plan | None:
    scan = _Scan(path, what, known, required)
    try:
        with open(path, "rb") as f:
            rest = b""
            first = True
            while True:
                chunk = f.read(CHUNK)
                data = rest + chunk
                if first and data.startswith(BOM.encode()):
                    data = data[len(BOM.encode()):]
                first = False
                if not chunk:
                    if data and not scan.lines(data):
                        return None
                    break
                end = data.rfind(b"\n") + 1
                rest = data[end:]
                if end and not scan.lines(data[:end]):
                    return None
    except OSError:
        return None
    return scan.plan()


class _Scan:
    """The first pass's state: whole lines fed in order, `lines` False once the file
    is found not plain."""

    def __init__(self, path: str, what: str, known: tuple[str, ...],
                 required: tuple[str, ...]) -> None:
        self.path, self.what, self.known, self.required = path, what, known, required
        self.line = 0  # lines seen
        self.columns: list[str] | None = None
        self.width = 0
        self.skip = 0
        self.last = 0  # the last line that is not blank
        self.blank_after = False  # a blank line after the header, after `last`

    def lines(self, data: bytes) -> bool:
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return False  # the row path names the line and the byte
        if data.translate(None, _NOT_CONTROL).translate(None, b"\t\r\n"):
            return False  # Python's and Polars' ideas of space differ on some of these
        if data.count(b"\r") != data.count(b"\r\n"):
            return False  # a lone carriage return ends a line for Python only
        b = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(b == _LF)
        if not len(ends) or ends[-1] != len(b) - 1:
            ends = np.append(ends, len(b))  # the last line, without a line end
        starts = np.concatenate([[0], ends[:-1] + 1])
        # Per line (each segment runs from its start through its line end): its commas;
        # whether it has a quote; and whether it may be blank, looked at in Python below,
        # which a line whose first byte is not a comma or a space (ASCII) cannot be.
        commas = np.add.reduceat(b == _COMMA, starts, dtype=np.int64)
        quotes = np.logical_or.reduceat(b == _QUOTE, starts) if b'"' in data \
            else np.zeros(len(starts), np.bool_)
        lead = b[starts]
        solid = (lead > 0x20) & (lead < 0x80) & (lead != _COMMA)
        cells = commas + 1
        blank = np.zeros(len(ends), np.bool_)
        for i in np.flatnonzero(quotes | ~solid):
            text = data[starts[i]:ends[i]].decode("utf-8").removesuffix("\r")
            if quotes[i]:
                if not _STRICT.fullmatch(text):
                    return False
                row = next(csv.reader([text]))
            else:
                row = text.split(",")
            cells[i] = len(row)
            blank[i] = not any(cell.strip() for cell in row)
        first = 0
        if self.columns is None:
            if self.what == "training" and self.line == 0 and blank[0]:
                return False  # the row path reads a blank first line as the header
            heads = np.flatnonzero(~blank)
            if not len(heads):
                self.line += len(ends)
                return True
            first = int(heads[0])
            text = data[starts[first]:ends[first]].decode("utf-8").removesuffix("\r")
            header = next(csv.reader([text]))
            try:
                self.columns = header_columns(header, self.path, self.known, self.required,
                                              self.what)
            except WorkerFileError:
                return False  # the row path refuses the header in its own words
            self.skip = self.line + first
            self.width = len(header)
            self.last = self.skip + 1
            first += 1
        full = np.flatnonzero(~blank[first:])
        if len(full):
            if self.blank_after or blank[first:first + int(full[-1])].any():
                return False  # a blank line between records moves the lines on
            if (cells[first:][full] != self.width).any():
                return False  # a ragged row: the row path's error, or its missing cells
            self.last = self.line + first + int(full[-1]) + 1
        self.blank_after = self.blank_after or bool(blank[first + (int(full[-1]) + 1
                                                                   if len(full) else 0):]
                                                    .any())
        self.line += len(ends)
        return True

    def plan(self) -> _Plan | None:
        if self.columns is None:
            return None  # no header: the row path's empty file
        return _Plan(self.columns, self.skip, self.last - self.skip - 1)

