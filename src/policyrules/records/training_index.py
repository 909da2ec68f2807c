"""A separate training file (`--training`, CONTRACT §1.4), indexed by worker id."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any

from ..errors import WorkerError
from .csv import header_columns, hours_cell, row_cells
from .date_format import DateFormat
from .jsonl import parse_line
from .mapping import FileMap
from .parquet import ParquetInput, parquet_training
from .raw import Raw, RowError, WithTraining
from .text import WorkerFileError, open_file, utf8_lines
from .xlsx import sheet_rows

TRAINING_COLUMNS = ("worker", "training", "completed", "delivery", "provider", "hours",
                    "level")


class TrainingIndex:
    """Training records from a `--training` CSV, indexed by worker id.

    The file may be in any order, so it is read whole before the workers; each entry
    keeps the line it came from, so an error in it can name that line.
    """

    def __init__(self, path: str, dates: DateFormat | None = None,
                 fmap: FileMap | None = None) -> None:
        self.path = path
        self.fmap = fmap  # `--map`: the file's own column names and values
        self.dates = dates  # `--date-format`: applied as records are attached
        self.by_worker: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.used: set[str] = set()
        self.anonymous: list[int] = []

    @classmethod
    def read(cls, path: str, dates: DateFormat | None = None,
             fmap: FileMap | None = None) -> TrainingIndex:
        index = cls(path, dates, fmap)
        if path.lower().endswith(".xlsx"):
            return index._read_xlsx()
        if path.lower().endswith(".parquet"):
            return index._read_parquet()
        with open_file(path, "training") as raw:
            rows = csv.reader(utf8_lines(raw, path))
            line = 1
            try:
                header = next(rows, None)
                if header is None:
                    return index
                if fmap is not None:
                    header = fmap.header(header, path)
                columns = header_columns(header, path, TRAINING_COLUMNS,
                                         ("worker", "training"), "training")
                previous_end = rows.line_num
                for row in rows:
                    line = previous_end + 1
                    previous_end = rows.line_num
                    index._add(line, row, columns)
            except csv.Error as exc:
                raise WorkerFileError(f"{path}:{line}: not valid CSV: {exc}") from None
        return index

    def _read_xlsx(self) -> TrainingIndex:
        """The first sheet of an xlsx training file, read as the CSV is. A date-time cell
        with a time of day stays a date-time, which rejects its worker naming the row."""
        with open_file(self.path, "training") as raw:
            title, rows = sheet_rows(raw, self.path, None)
            columns: list[str] | None = None
            for number, cells, _ in rows:
                if columns is None:
                    if any(c.strip() for c in cells):
                        name = f"{self.path} (sheet {title!r})"
                        if self.fmap is not None:
                            cells = self.fmap.header(cells, name)
                        columns = header_columns(cells, name,
                                                 TRAINING_COLUMNS, ("worker", "training"),
                                                 "training")
                    continue
                self._add(number, cells, columns)
        return self

    def _read_parquet(self) -> TrainingIndex:
        """A Parquet training file, typed: each row's non-null values, numbered from 1."""
        source = ParquetInput(self.path, "training", TRAINING_COLUMNS,
                              ("worker", "training"))
        try:
            source.text_column("worker")
            for line, record in enumerate(source.records(), start=1):
                self._add_record(line, parquet_training(record))
        finally:
            source.close()
        return self

    def _add(self, line: int, row: list[str], columns: list[str]) -> None:
        record: dict[str, Any] = dict(row_cells(row, columns))
        if not record:
            return
        if self.fmap is not None:
            self.fmap.cells(record)
        if "hours" in record:
            record["hours"] = hours_cell(record["hours"])
        self._add_record(line, record)

    def _add_record(self, line: int, record: dict[str, Any]) -> None:
        worker = record.pop("worker", None)
        if worker is None:
            self.anonymous.append(line)
            return
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
        if isinstance(raw, WithTraining):
            return raw  # attached already
        wid = raw.get("id")
        if not isinstance(wid, str) or wid not in self.by_worker:
            return raw
        self.used.add(wid)
        entries = self.by_worker[wid]
        inline = raw.get("training")
        if inline is None:
            inline = []
        if not isinstance(inline, list):
            return raw  # validation reports the wrong type
        data = dict(raw)
        added = [dict(r) for _, r in entries]
        if self.dates is not None:
            for n, ((line, _), record) in enumerate(zip(entries, added, strict=True)):
                completed = record.get("completed")
                if isinstance(completed, str):
                    try:
                        record["completed"] = self.dates.iso(
                            completed, wid, f"training[{len(inline) + n}].completed")
                    except WorkerError as exc:
                        return RowError.carrying(WorkerError(
                            f"{exc.message} ({self.path} line {line})", worker=wid,
                            field=exc.field, value=exc.value, allowed=exc.allowed), raw)
        data["training"] = list(inline) + added
        return WithTraining(data, self.path, len(inline), tuple(n for n, _ in entries))

    def orphans(self, workers_name: str) -> list[str]:
        unused = [w for w in self.by_worker if w not in self.used]
        count = sum(len(self.by_worker[w]) for w in unused)
        return orphan_warnings(
            self.path, workers_name,
            (count, len(unused), unused[0], self.by_worker[unused[0]][0][0]) if unused
            else None,
            (len(self.anonymous), self.anonymous[0]) if self.anonymous else None)


def orphan_warnings(path: str, workers_name: str,
                    unused: tuple[int, int, object, int] | None,
                    anonymous: tuple[int, int] | None) -> list[str]:
    """The warnings about training records not used: `unused` is (records, workers, the
    first such worker's id, its first line), `anonymous` (records with no worker id,
    the first one's line). The columnar route counts them in columns and words them here."""
    out = []
    if unused is not None:
        count, workers, first_id, first = unused
        out.append(f"{path}: {count} training record{'s' if count > 1 else ''} "
                   f"for {workers} worker{'s' if workers > 1 else ''} not in "
                   f"{workers_name} (first: {first_id!r} on line {first}); not used")
    if anonymous is not None:
        count, first = anonymous
        out.append(f"{path}: {count} training record{'s' if count > 1 else ''} "
                   f"with no worker id (first on line {first}); not used")
    return out
