"""`--map mapping.toml`: an HR export's own column names and values, mapped onto
CONTRACT §1 before the records are read.

    date_format = "dd/mm/yyyy"            # optional, as --date-format

    [workers.columns]                     # the file's column → the contract's field
    "Staff ID" = "id"
    "Start Date" = "started"

    [workers.values.contact]              # per field: the file's value → the contract's
    "Regular" = "regular"

    [training.columns]
    "Course" = "training"

    [training.values.delivery]
    "Face to face" = "single-agency"

Column names match after surrounding spaces are stripped; values match whole cells, as
written. A value with no entry is passed on as it is (validation then says what is
allowed). Unknown keys, and a mapped column that the file does not have, are errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .date_format import DATE_FORMATS
from .text import WorkerFileError


@attrs.frozen
class FileMap:
    """The mapping of one kind of file (workers, or training)."""

    columns: Mapping[str, str] = attrs.field(factory=dict)
    values: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)

    def header(self, cells: list[str], name: str) -> list[str]:
        """The header with mapped column names. Raises WorkerFileError when a mapped
        column is not in it."""
        stripped = [c.strip() for c in cells]
        for source, field in self.columns.items():
            if source not in stripped:
                raise WorkerFileError(
                    f"{name}: the mapping maps the column {source!r} to {field!r}, but the "
                    f"file has no column {source!r}; its columns are: "
                    f"{', '.join(repr(c) for c in stripped if c)}")
        return [self.columns.get(c, c) for c in stripped]

    def cells(self, data: dict[str, Any]) -> None:
        """The row's mapped values, in place."""
        for field, table in self.values.items():
            value = data.get(field)
            if isinstance(value, str) and value in table:
                data[field] = table[value]


@attrs.frozen
class ColumnMapping:
    """A whole mapping file: workers, training, and the date format."""

    workers: FileMap = FileMap()
    training: FileMap = FileMap()
    date_format: str | None = None


def _table(value: object, where: str, path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise WorkerFileError(f"{path}: {where} must be a table of names, not {value!r}")
    for k, v in value.items():
        if not isinstance(v, str):
            raise WorkerFileError(f"{path}: {where}.{k!r} must be text, not {v!r}")
    return dict(value)


def _unknown(found: Mapping[str, Any], allowed: tuple[str, ...], where: str,
             path: str) -> None:
    extra = [k for k in found if k not in allowed]
    if extra:
        raise WorkerFileError(f"{path}: unknown key {extra[0]!r} in {where}; the keys "
                              f"are: {', '.join(allowed)}")


def _file_map(value: object, where: str, path: str) -> FileMap:
    if not isinstance(value, dict):
        raise WorkerFileError(f"{path}: [{where}] must be a table, not {value!r}")
    _unknown(value, ("columns", "values"), f"[{where}]", path)
    values = value.get("values", {})
    if not isinstance(values, dict):
        raise WorkerFileError(f"{path}: [{where}.values] must be a table, not {values!r}")
    return FileMap(_table(value.get("columns", {}), f"[{where}.columns]", path),
                   {field: _table(t, f"[{where}.values.{field}]", path)
                    for field, t in values.items()})


def load_mapping(path: str) -> ColumnMapping:
    """Read a mapping file. Raises WorkerFileError naming what is wrong in it."""
    import tomllib  # only for --map: not a cost of every run

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise WorkerFileError(f"{path}: no such mapping file") from None
    except OSError as exc:
        raise WorkerFileError(f"{path}: cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkerFileError(f"{path}: not a TOML mapping file: {exc}") from None
    _unknown(data, ("date_format", "workers", "training"), "the mapping file", path)
    date_format = data.get("date_format")
    if date_format is not None and date_format not in DATE_FORMATS:
        raise WorkerFileError(f"{path}: unknown date_format {date_format!r}; the formats "
                              f"are: {', '.join(DATE_FORMATS)}")
    return ColumnMapping(_file_map(data.get("workers", {}), "workers", path),
                         _file_map(data.get("training", {}), "training", path),
                         date_format)
