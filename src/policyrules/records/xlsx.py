"""xlsx worker and training files, as HR and learning systems export them.

The first sheet (or the one named by `--sheet`) is read in openpyxl's read-only mode, a
row at a time, so memory stays flat. The first non-blank row holds the column names, as
in a CSV; every cell becomes text and the rows then go through the CSV reader's rules
(`csv.row_worker`). Row numbers are the sheet's, so they match what a spreadsheet shows.

A date cell becomes its ISO date; a date-time cell at midnight is a date (spreadsheets
store dates that way); a date-time with a time of day is an error naming the cell
(`Sheet1!C7`), never a date guessed from it.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from ..errors import WorkerError
from .csv import REQUIRED_COLUMNS, WORKER_COLUMNS, header_columns, row_cells, row_worker
from .date_format import DateFormat
from .mapping import FileMap
from .raw import Raw, RowError
from .text import WorkerFileError


class CellError(Exception):
    """A cell that cannot be read as text: a date-time with a time of day."""

    def __init__(self, cell: str, column: int, value: datetime.datetime) -> None:
        super().__init__(f"{cell} holds the date-time {value.isoformat(sep=' ')}; a date "
                         "is wanted (format the column as a date, or remove the time)")
        self.cell = cell
        self.column = column  # from 0
        self.value = value


Row = tuple[int, list[str], "CellError | None"]
"""(row number, its cells as text, the first cell that could not be read, if any)."""


def cell_text(value: Any, cell: str, column: int) -> str:
    """One cell as the text a CSV would hold. Raises CellError for a time of day."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):
            raise CellError(cell, column, value)
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id or a number of hours typed as 1234, stored 1234.0
    return str(value)


def sheet_rows(file: IO[bytes], path: str, sheet: str | None) -> tuple[str, Iterator[Row]]:
    """The sheet's title and its rows. Raises WorkerFileError when the file is not a
    workbook or has no such sheet."""
    # openpyxl (and numpy, which it imports when present) only when a workbook is read:
    # most runs read JSON Lines or CSV and should not pay for it at start-up.
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise WorkerFileError(f"{path}: not an xlsx workbook ({exc})") from None
    if sheet is None:
        ws = book.worksheets[0]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        book.close()
        raise WorkerFileError(f"{path}: no sheet named {sheet!r}; its sheets are: "
                              f"{', '.join(map(repr, book.sheetnames))}")
    title = ws.title

    def rows() -> Iterator[Row]:
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), 1):
                cells: list[str] = []
                problem: CellError | None = None
                for col, value in enumerate(values):
                    try:
                        cells.append(cell_text(
                            value, f"{title}!{get_column_letter(col + 1)}{number}", col))
                    except CellError as exc:
                        problem = problem or exc
                        cells.append(exc.value.isoformat())
                yield number, cells, problem
        finally:
            book.close()

    return title, rows()


def read_xlsx(file: IO[bytes], path: str, sheet: str | None,
              dates: DateFormat | None = None,
              fmap: FileMap | None = None) -> Iterator[tuple[int, Raw]]:
    """(row number, raw record) for each non-blank row after the header row."""
    title, rows = sheet_rows(file, path, sheet)
    name = f"{path} (sheet {title!r})"
    columns: list[str] | None = None
    for number, cells, problem in rows:
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            if fmap is not None:
                cells = fmap.header(cells, name)
            columns = header_columns(cells, name, WORKER_COLUMNS, REQUIRED_COLUMNS, "worker")
            continue
        if problem is not None:
            index = problem.column
            field = columns[index] if index < len(columns) else "(row)"
            data = row_cells(cells, columns)
            if fmap is not None:
                fmap.cells(data)
            yield number, RowError.carrying(WorkerError(
                str(problem), worker=data.get("id"), field=field,
                value=problem.value.isoformat(),
                allowed="a date (YYYY-MM-DD, or a date cell)"), data)
            continue
        yield number, row_worker(cells, columns, len(columns), dates, fmap)
