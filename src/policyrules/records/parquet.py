"""Parquet worker and training files (CONTRACT §6): typed columns, read in row batches.

A Parquet file is read a batch of rows at a time (`ParquetFile.iter_batches`), so memory
stays flat for any number of workers. Values are read as the columnar backend reads a
table (`engines.columnar.inputs.to_frame`: categories as text, NaN as missing, a date past
9999-12-31 as its text), so the row path and the columnar path see the same record. Text
`roles`, `volunteer` and `hours` cells read as CSV cells do (§1.4). A record's number (its
`line` in an error record) is its row in the file, counting from 1. pyarrow is imported
when a Parquet file is opened, not with the package (most runs read no Parquet).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from ..errors import WorkerError
from .csv import (
    REQUIRED_COLUMNS,
    WORKER_COLUMNS,
    header_columns,
    hours_cell,
    roles_cell,
    volunteer_cell,
)
from .raw import Raw
from .text import WorkerFileError, open_file

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

BATCH_ROWS = 65_536  # rows read at a time by the row path


class ParquetInput:
    """A Parquet file opened for reading, with its column names matched as a CSV header's
    are (known names without regard to case); raises WorkerFileError for a file that is
    not Parquet or lacks a required column."""

    first_line = 1  # a row's number (`line`) is its row in the file, counting from 1

    def __init__(self, path: str, what: str, known: tuple[str, ...],
                 required: tuple[str, ...], file: IO[bytes] | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self._file = file if file is not None else open_file(path, what)
        self._owned = file is None
        try:
            self.file = pq.ParquetFile(self._file)
        except (pa.ArrowException, OSError) as exc:
            self.close()
            raise WorkerFileError(f"{path}: not a Parquet file ({exc})") from None
        names = list(self.file.schema_arrow.names)
        try:
            self.columns = header_columns(names, path, known, required, what, "Parquet file")
        except WorkerFileError:
            self.close()
            raise
        self.rows = self.file.metadata.num_rows

    def text_column(self, name: str) -> None:
        """Raise WorkerFileError unless the column `name` (matched) holds text: the
        training file's `worker` ids (a number would silently match no worker)."""
        import pyarrow as pa

        field = self.file.schema_arrow.field(self.columns.index(name))
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_string_view(kind) or pa.types.is_null(kind)):
            raise WorkerFileError(f"{self.path}: the `{name}` column must hold worker ids "
                                  f"as text, not {field.type}")

    def close(self) -> None:
        if self._owned:
            self._file.close()

    def batches(self, size: int) -> Iterator[pa.RecordBatch]:
        """The file's rows, `size` at a time, with the matched column names."""
        import pyarrow as pa

        try:
            for batch in self.file.iter_batches(batch_size=size):
                yield batch.rename_columns(self.columns)
        except (pa.ArrowException, OSError) as exc:
            raise WorkerFileError(f"{self.path}: cannot read the Parquet file ({exc})"
                                  ) from None

    def frames(self, size: int, columns: tuple[str, ...] | None = None
               ) -> Iterator[pl.DataFrame]:
        """The file's rows (the matched `columns`, or all), at most `size` at a time, as
        Polars frames with the matched column names.

        Read from the file's path by Polars' own streaming reader, which decodes Parquet
        straight into Polars' columns (a fifth of the work of pyarrow's batches and a
        conversion on text columns), a span of whole row groups at a time (`_spans`):
        over a whole file it reads further ahead the longer the file, so that a run's
        peak memory grew with the input (docs/columnar.md)."""
        import polars as pl

        real = self.file.schema_arrow.names
        named = dict(zip(real, self.columns, strict=True))
        wanted = list(real) if columns is None else [real[self.columns.index(c)]
                                                     for c in columns]
        try:
            # The path as it is: no glob patterns, no hive partitions read from its name.
            scan = pl.scan_parquet(self.path, glob=False, hive_partitioning=False
                                   ).select(wanted).rename(
                {k: v for k, v in named.items() if k in wanted})
            for start, length in self._spans(size):
                for frame in scan.slice(start, length).collect_batches(chunk_size=size):
                    for at in range(0, frame.height, size):
                        yield frame.slice(at, size)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise WorkerFileError(f"{self.path}: cannot read the Parquet file ({exc})"
                                  ) from None

    def _spans(self, size: int) -> Iterator[tuple[int, int]]:
        """(first row, rows) of each read: whole row groups, together up to `size` rows,
        so that what is read ahead is at most `size` rows or one row group (a row group
        is decoded whole: reading one in slices decodes it again for each)."""
        meta = self.file.metadata
        start = length = 0
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            if length and length + rows > size:
                yield start, length
                start, length = start + length, 0
            length += rows
            if length >= size:
                yield start, length
                start, length = start + length, 0
        if length:
            yield start, length

    def records(self, size: int = BATCH_ROWS) -> Iterator[dict[str, Any]]:
        """Each row as a mapping of its non-null values, in file order."""
        import pyarrow as pa

        from ..engines.columnar.inputs import to_frame  # Polars loads only when used

        for batch in self.batches(size):
            for row in to_frame(pa.Table.from_batches([batch]), self.path).to_dicts():
                yield {k: v for k, v in row.items() if v is not None}


def read_parquet(file: IO[bytes], name: str, size: int = BATCH_ROWS
                 ) -> Iterator[tuple[int, Raw]]:
    """(row number, raw record) for each row of a Parquet worker file."""
    source = ParquetInput(name, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS, file)
    for line, row in enumerate(source.records(size), start=1):
        yield line, parquet_worker(row)


def parquet_worker(row: dict[str, Any]) -> Raw:
    """One row → a §1 mapping: text `roles` and `volunteer` read as CSV cells are."""
    try:
        if isinstance(row.get("roles"), str):
            row["roles"] = roles_cell(row["roles"])
        if isinstance(row.get("volunteer"), str):
            wid = row.get("id")
            row["volunteer"] = volunteer_cell(row["volunteer"],
                                              wid if isinstance(wid, str) else None)
    except WorkerError as exc:
        return exc
    return row


def parquet_training(row: dict[str, Any]) -> dict[str, Any]:
    """One training record: a text `hours` read as a CSV cell is."""
    if isinstance(row.get("hours"), str):
        row["hours"] = hours_cell(row["hours"])
    return row
