"""CSV worker files (CONTRACT §1.4): the header, and each row as a §1 mapping."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..diagnostics import closest
from ..errors import WorkerError
from .date_format import DateFormat
from .raw import Raw, RowError

if TYPE_CHECKING:
    from .mapping import FileMap
from .text import Counting, WorkerFileError, utf8_lines

WORKER_COLUMNS = ("id", "started", "contact", "roles", "training", "agency", "sector",
                  "volunteer")
REQUIRED_COLUMNS = ("id", "started", "contact")
# The words a `volunteer` cell may hold (§1.4); the columnar backend reads them too.
TRUE_CELLS = frozenset({"true", "yes", "1"})
FALSE_CELLS = frozenset({"false", "no", "0", ""})


def read_csv(counter: Counting, name: str, dates: DateFormat | None = None,
             fmap: FileMap | None = None) -> Iterator[tuple[int, Raw]]:
    """(line, raw record) for each non-blank row after the header; `dates` reads dates
    written in another order (`--date-format`), `fmap` maps column names and values
    (`--map`)."""
    rows = csv.reader(utf8_lines(io.BufferedReader(counter), name))
    try:
        header = next(rows, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(rows, None)  # blank lines before the header
    except csv.Error as exc:
        raise WorkerFileError(f"{name}:{rows.line_num}: not a CSV header: {exc}") from None
    if header is None:
        return
    if fmap is not None:
        header = fmap.header(header, name)
    columns = header_columns(header, name, WORKER_COLUMNS, REQUIRED_COLUMNS, "worker")
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
        yield line, row_worker(row, columns, width, dates, fmap)


def header_columns(cells: list[str], name: str, known: tuple[str, ...],
                   required: tuple[str, ...], what: str, kind: str = "CSV") -> list[str]:
    """Column names: known ones matched without regard to case or surrounding spaces.
    `kind` names the file's format in an error (a worker CSV, a worker Parquet file)."""
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
            f"{name}: a {what} {kind} needs the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(hints)}; its columns are: {', '.join(c for c in columns if c)}")
    return columns


def row_cells(row: list[str], columns: list[str]) -> dict[str, str]:
    """The row's non-empty cells (stripped) by column name; empty cells are absent."""
    data: dict[str, str] = {}
    for col, cell in zip(columns, row, strict=False):
        value = cell.strip()
        if value and col:
            data[col] = value
    return data


def row_worker(row: list[str], columns: list[str], width: int,
               dates: DateFormat | None = None, fmap: FileMap | None = None) -> Raw:
    """One row of text cells (CSV, or an xlsx sheet) → a §1 mapping, or the error in it."""
    data: dict[str, Any] = dict(row_cells(row, columns))
    if fmap is not None:
        fmap.cells(data)
    wid = data.get("id")
    cells = dict(data)  # as read, before the cells below are taken apart
    if len(row) > width and any(c.strip() for c in row[width:]):
        return RowError.carrying(WorkerError(
            f"the row has {len(row)} cells but the header has {width} columns",
            worker=wid, field="(row)", value=len(row),
            allowed=f"at most {width} cells, one per column"), cells)
    try:
        if "roles" in data:
            data["roles"] = roles_cell(data["roles"])
        if "training" in data:
            data["training"] = _training_cell(data["training"], wid)
        if "volunteer" in data:
            data["volunteer"] = volunteer_cell(data["volunteer"], wid)
        if dates is not None:
            dates.record(data, wid)
    except WorkerError as exc:
        return RowError.carrying(exc, cells)
    return data


def roles_cell(cell: str) -> list[Any]:
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
    if value in TRUE_CELLS:
        return True
    if value in FALSE_CELLS:
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
