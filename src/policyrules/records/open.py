"""Opening a worker file (or stdin) as a stream of raw records, in the reader its name
calls for, with training from a separate file attached."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

import attrs

from ..diagnostics import closest
from ..errors import WorkerError
from .csv import read_csv
from .date_format import DateFormat
from .json_array import JsonArrayReader
from .jsonl import block_lines, block_spans, id_in_text, read_blocks, read_line_blocks
from .mapping import ColumnMapping, FileMap, load_mapping
from .parquet import read_parquet
from .raw import Raw
from .text import Counting, WorkerFileError, open_file
from .training_index import TrainingIndex
from .validate import Item, validate
from .xlsx import read_xlsx

if TYPE_CHECKING:
    from ..contract.workers import Worker
    from ..policy import Policy

FORMATS: dict[str, str] = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
                           ".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_SUGGEST_FROM = 100_000  # ids kept for a "did you mean" when a worker is not found


class WorkerNotFoundError(WorkerFileError):
    """`find_worker`: no record in the file has the id asked for."""


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
            ".jsonl (or .ndjson), .csv, .xlsx or .parquet, and `-` reads JSON Lines from stdin"
        ) from None


class WorkerInput:
    """One worker file (or stdin), read as a stream of raw records.

    `position` and `size` (bytes; `size` is None for a pipe) let a caller show progress.
    `sheet` names the sheet of an xlsx file (default: the first); `date_format` (one of
    `DATE_FORMATS`) reads the dates of CSV and xlsx files written in that order; `mapping`
    (a `--map` TOML file, records/mapping.py) maps their column names and values.
    After iteration, `warnings` lists what was odd but not wrong (for example training
    records for workers that are not in the worker file).
    """

    def __init__(self, path: str, *, training: str | None = None,
                 stdin: IO[bytes] | None = None, sheet: str | None = None,
                 date_format: str | None = None, mapping: str | None = None) -> None:
        self.path = path
        self.format = input_format(path)
        columns = load_mapping(mapping) if mapping is not None else ColumnMapping()
        if columns.date_format is not None:
            if date_format is not None and date_format != columns.date_format:
                raise WorkerFileError(
                    f"the date format {date_format!r} differs from the mapping file's "
                    f"{columns.date_format!r} ({mapping}); give one of them")
            date_format = columns.date_format
        if self.format in ("json", "jsonl", "parquet") and columns.workers != FileMap():
            raise WorkerFileError(f"{mapping}: [workers] maps the columns of CSV and xlsx "
                                  f"files; {path} is {self.format.upper()}, whose fields are "
                                  "named as CONTRACT §1 names them")
        self.columns = columns
        if sheet is not None and self.format != "xlsx":
            raise WorkerFileError(f"{path}: a sheet ({sheet!r}) can only be chosen in an "
                                  ".xlsx worker file")
        self.sheet = sheet
        self.dates = None if date_format is None else DateFormat(date_format)
        self.training_path = training
        self.warnings: list[str] = []
        self.position = 0
        self.size: int | None = None
        self._index: TrainingIndex | None = None
        self._file: IO[bytes]
        if path == "-":
            self._file = stdin if stdin is not None else sys.stdin.buffer
            self._owned = False
        else:
            self._file = open_file(path, "worker")
            self._owned = True
            try:
                # xlsx and Parquet files are read through their libraries: no byte
                # position to show progress by.
                self.size = (None if self.format in ("xlsx", "parquet")
                             else os.fstat(self._file.fileno()).st_size or None)
            except (OSError, ValueError):
                self.size = None
        if training is not None:
            try:
                self._index = TrainingIndex.read(training, self.dates,
                                                 self.columns.training)
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

    def _advance(self, n: int) -> None:
        self.position += n

    def raw(self) -> Iterator[tuple[int, Raw]]:
        """(line, raw record) in file order."""
        records: Iterator[tuple[int, Raw]]
        if self.format == "jsonl":
            records = (item for first, block in self.blocks()
                       for item in block_lines(first, block, self.name))
        elif self.format == "json":
            records = JsonArrayReader(self._file, self.name, self._advance).items()
        elif self.format == "parquet":
            records = read_parquet(self._file, self.name)
        elif self.format == "xlsx":
            records = read_xlsx(self._file, self.name, self.sheet, self.dates,
                                self.columns.workers)
        else:
            records = read_csv(Counting(self._file, self._advance), self.name, self.dates,
                               self.columns.workers)
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

    def blocks(self, size: int = 1 << 16) -> Iterator[tuple[int, bytes]]:
        """JSON Lines read in blocks of whole lines: (line number of the first, bytes).

        `evaluate --jobs` hands whole blocks to worker processes, which split and decode
        them with `block_lines`, so the parent does next to nothing per record.
        """
        return read_blocks(self._file, size, self._advance)

    def line_blocks(self, size: int = 1 << 16) -> Iterator[tuple[int, bytes, list[bytes]]]:
        """`blocks`, each with its lines (`jsonl.read_line_blocks`)."""
        return read_line_blocks(self._file, size, self._advance)

    def regular_file(self) -> int | None:
        """The file descriptor of a worker file that is a regular file, which can be read
        at any offset (by `--jobs` worker processes too); None for stdin and pipes."""
        if not self._owned:
            return None
        try:
            fd = self._file.fileno()
            return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except (OSError, ValueError):
            return None

    def spans(self, size: int) -> Iterator[tuple[int, int, int]]:
        """A regular JSON Lines file (`regular_file`) cut into blocks of whole lines:
        (line number of the first line, offset, length). Nothing is read through the
        stream: its position stays at the start."""
        fd = self.regular_file()
        assert fd is not None, "spans are cut from a regular file"
        return block_spans(fd, size, self._advance)


def read_workers(path: str, policy: Policy, *, training: str | None = None,
                 stdin: IO[bytes] | None = None, sheet: str | None = None,
                 date_format: str | None = None, mapping: str | None = None) -> Iterator[Item]:
    """Every record of a worker file, validated, in file order (a generator).

    Yields `(line, worker id or None, Worker | WorkerError)`; raises `WorkerFileError`
    when the file as a whole cannot be read. `sheet`, `date_format` and `mapping` as
    `WorkerInput`.
    """
    with WorkerInput(path, training=training, stdin=stdin, sheet=sheet,
                     date_format=date_format, mapping=mapping) as source:
        yield from source.workers(policy)


@attrs.frozen
class Found:
    """`find_worker`'s answer: where the record is, and what it validates to."""

    source: str  # the file's name as errors show it (`<stdin>` for `-`)
    line: int
    worker: Worker | WorkerError


def find_worker(path: str, policy: Policy, wid: str, *, training: str | None = None,
                stdin: IO[bytes] | None = None) -> Found:
    """The first record of a worker file whose id is `wid`, validated.

    Raises WorkerNotFoundError (with a "did you mean" among the ids seen) when no record
    has that id, and WorkerFileError when the file cannot be read.
    """
    ids: list[str] = []
    with WorkerInput(path, training=training, stdin=stdin) as source:
        for line, raw in source.raw():
            # A JSON Lines text without the id, and without escapes that could spell
            # it, is not the record: skipped without parsing it.
            if isinstance(raw, str) and "\\" not in raw and wid not in raw:
                if len(ids) < _SUGGEST_FROM and (seen := id_in_text(raw)):
                    ids.append(seen)
                continue
            _, found, w = validate(policy, line, raw)
            if found == wid:
                return Found(source.name, line, w)
            if found and len(ids) < _SUGGEST_FROM:
                ids.append(found)
        name = source.name
    guess = closest(wid, ids)
    hint = f" (did you mean {guess!r}?)" if guess else ""
    raise WorkerNotFoundError(f"{name}: no worker with id {wid!r}{hint}")
