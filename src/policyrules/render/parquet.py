"""`evaluate --format parquet`: the findings table of CONTRACT §6, the decision columns
repeated on each of a worker's findings.

Every input record gives at least one row, so that a reader recovers every worker and
every rejected record from the file alone:

* a decided worker: one row per finding (requirements as declared), or, with no finding
  at all, one row whose finding columns are null;
* a rejected record: one row with `compliant` and `groups` null, `error` the error's text
  (`str(WorkerError)`: worker, field, value and what is allowed) and null finding columns.

`line` is the record's line (CSV, JSON Lines) or row (Parquet, counting from 1) in the
input, as in a JSON error record; rows come in input order. The file's key-value metadata
`policyrules` holds `{"policy", "as_of", "fingerprint"}` as JSON.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Sequence
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..contract.decision import Decision
from ..contract.workers import Worker
from ..errors import WorkerError

SCHEMA = pa.schema([
    ("line", pa.int64()), ("worker", pa.string()), ("compliant", pa.bool_()),
    ("groups", pa.list_(pa.string())), ("error", pa.string()),
    ("requirement", pa.string()), ("status", pa.string()), ("due", pa.date32()),
    ("cites", pa.list_(pa.string())),
])

# A list column's values are its leaf's (`groups.list.element`): named by the column
# alone, the setting passes them by (dictionary pages make them a quarter smaller, for
# the same writing time).
_REPEATED = ("groups.list.element", "error", "requirement", "status", "due",
             "cites.list.element")
_STATISTICS = ("line", "compliant", "status", "due")

Row = tuple[int, str | None, bool | None, list[str] | None, str | None, str | None,
            str | None, datetime.date | None, list[str] | None]


def metadata(policy: str, as_of: datetime.date, fingerprint: str) -> dict[bytes, bytes]:
    about = {"policy": policy, "as_of": as_of.isoformat(), "fingerprint": fingerprint}
    return {b"policyrules": json.dumps(about).encode()}


class ParquetRows:
    """The row path's encoder: each record as its rows of `SCHEMA`."""

    def decision(self, line: int, worker: Worker, d: Decision) -> list[Row]:
        groups = list(d.groups)
        if not d.findings:
            return [(line, d.worker, d.compliant, groups, None, None, None, None, None)]
        return [(line, d.worker, d.compliant, groups, None, f.requirement, f.status, f.due,
                 list(f.cites)) for f in d.findings]

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> list[Row]:
        return [(line, exc.worker, None, None, str(exc), None, None, None, None)]


def table(rows: Sequence[Row]) -> pa.Table:
    """Rows of `SCHEMA` as a pyarrow Table."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    return pa.Table.from_arrays(
        [pa.array(list(values), type=field.type) for values, field in zip(columns, SCHEMA,
                                                                          strict=True)],
        schema=SCHEMA)


class ParquetOut:
    """A Parquet file of `SCHEMA` written a table (a row group) at a time."""

    def __init__(self, stream: IO[bytes], about: dict[bytes, bytes]) -> None:
        # Dictionary pages only where few values repeat: ids and lines would not shrink.
        # Snappy, Parquet's default, that every reader reads (LZ4 and no compression
        # write no quicker here; zstd is a third of the size at twice the time).
        # Statistics (min and max per page) where a reader would filter on them: on the
        # ids, requirements and lists they cost a fifth of the writing time.
        self._writer = pq.ParquetWriter(stream, SCHEMA.with_metadata(about),
                                        use_dictionary=list(_REPEATED),
                                        compression="snappy",
                                        write_statistics=list(_STATISTICS))

    def write(self, part: pa.Table) -> None:
        if part.num_rows:
            self._writer.write_table(part.cast(self._writer.schema))

    def close(self) -> None:
        self._writer.close()

    def abandon(self) -> None:
        """The run failed: end the file (what is written stays readable), quietly."""
        with contextlib.suppress(Exception):
            self._writer.close()
