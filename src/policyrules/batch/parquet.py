"""`evaluate --format parquet`: decided through the columnar backend in bounded batches
where the input allows it, else through the row path's stages (render/parquet.py gives
the table either way, and the two are the same rows: tests/test_parquet_cli.py).

The columnar route takes a Parquet worker file and, optionally, a Parquet training file.
It reads `rows` workers at a time (`ParquetFile.iter_batches`) and decides each batch with
`Policy.evaluate_frame`, so deciding holds one batch, not the workforce. A training file
may be in any order, so a batch's records cannot be read beside it; they are first
spilled, in one pass, to a temporary Parquet file sorted by the batch their worker falls
in (a join of the records with the workers' ids and batch numbers), and each batch then
reads only its own row groups (a pushdown filter on the batch number).

That pass is what memory grows with: Polars holds the ids and sorts the joined records in
memory (about 300 MB a million workers with 4 records each, measured), so the peak is not
yet flat in the number of workers. Partitioning both files by a hash of the worker id
into spill files, deciding each partition, and merging the partitions' outputs by line
would make it flat; that is the next step (docs/cli.md).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import polars as pl
import pyarrow as pa

from ..contract.log import DecisionLog
from ..engines.columnar.inputs import to_frame
from ..errors import WorkerError
from ..policy import Policy
from ..records import TRAINING_COLUMNS, WORKER_COLUMNS, WithTraining, WorkerInput, validate
from ..records.csv import REQUIRED_COLUMNS
from ..records.parquet import ParquetInput, parquet_training, parquet_worker
from ..records.training_index import orphan_warnings
from ..render.parquet import SCHEMA, ParquetOut, ParquetRows, metadata, table
from .read import chunks
from .stages import Counts, Job, process
from .write import OutputError

ROWS = 131_072  # workers per batch on the columnar route
SPILL_GROUP = 65_536  # training records per row group of the spill file

Progress = Callable[[int], None]
_SPILL = ("worker", "_batch", "_line")  # spill columns that are not the record's


class _Output(ParquetOut):
    """The Parquet file of a run: a failure to write it (a full disk) is an OutputError,
    as it is for the text formats (write.py)."""

    def __init__(self, policy: Policy, as_of: datetime.date, stream: IO[bytes]) -> None:
        with self._failing():
            super().__init__(stream, metadata(policy.id, as_of, policy.fingerprint))

    @staticmethod
    @contextlib.contextmanager
    def _failing() -> Iterator[None]:
        try:
            yield
        except (OSError, pa.ArrowException) as exc:
            raise OutputError(f"cannot write the output: {exc}") from exc

    def write(self, part: pa.Table) -> None:
        with self._failing():
            super().write(part)

    def close(self) -> None:
        with self._failing():
            super().close()


def _out(policy: Policy, as_of: datetime.date, stream: IO[bytes]) -> ParquetOut:
    return _Output(policy, as_of, stream)


def run_rows(policy: Policy, source: WorkerInput, as_of: datetime.date, stream: IO[bytes],
             progress: Progress, log: DecisionLog | None = None, chunk: int = 4096
             ) -> Counts:
    """The row path: any worker file, any option; a row group per `chunk` records."""
    out = _out(policy, as_of, stream)
    job = Job(policy, as_of, ParquetRows(), log=None if log is None else "line")
    try:
        for records in chunks(source, chunk):
            out.write(table([row for rows in process(job, records) for row in rows]))
            if log is not None:
                log.write(job.take_log())
            progress(job.counts.total)
    except BaseException:
        out.abandon()
        raise
    out.close()
    return job.counts


def columnar_input(workers: str, training: str | None) -> bool:
    """Whether the columnar route can read these files: Parquet workers without a
    `training` column of their own (records inline are the row path's), and no training
    file or a Parquet one."""
    if not workers.lower().endswith(".parquet"):
        return False
    if training is not None and not training.lower().endswith(".parquet"):
        return False
    source = ParquetInput(workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
    try:
        return "training" not in source.columns
    finally:
        source.close()


class Columnar:
    """The columnar route: a Parquet worker file (and training file) to the parquet
    format, `rows` workers at a time. `warnings` after `run`: as the row path's."""

    def __init__(self, policy: Policy, workers: str, training: str | None,
                 as_of: datetime.date, rows: int = ROWS) -> None:
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.workers = workers
        self.training = training
        self.warnings: list[str] = []
        self.largest = 0  # the most worker rows decided at once (tests bound it by `rows`)

    def run(self, stream: IO[bytes], progress: Progress) -> Counts:
        source = ParquetInput(self.workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
        counts = Counts()
        out = _out(self.policy, self.as_of, stream)
        try:
            with tempfile.TemporaryDirectory(prefix="policyrules-") as spill_dir:
                records = self._spill(source, os.path.join(spill_dir, "training.parquet"))
                for k, batch in enumerate(source.batches(self.rows)):
                    part = self._decide(batch, k * self.rows + 1, records(k))
                    counts.add(_counts(part))
                    out.write(part)
                    progress(counts.total)
        except BaseException:
            out.abandon()
            raise
        finally:
            source.close()
        out.close()
        return counts

    def _spill(self, source: ParquetInput, path: str
               ) -> Callable[[int], pa.Table | None]:
        """The training records sorted into `path` by batch; a reader of one batch's."""
        if self.training is None:
            return lambda k: None
        trainer = ParquetInput(self.training, "training", TRAINING_COLUMNS,
                               ("worker", "training"))
        try:
            trainer.text_column("worker")
            names = dict(zip(trainer.file.schema_arrow.names, trainer.columns, strict=True))
        finally:
            trainer.close()  # its columns are known; Polars reads the file itself
        recs = (pl.scan_parquet(self.training).rename(names)
                .with_row_index("_line", offset=1)
                .with_columns(pl.col("worker").cast(pl.String)))
        id_name = source.file.schema_arrow.names[source.columns.index("id")]
        ids = pl.scan_parquet(self.workers).select(_id=pl.col(id_name))
        if ids.collect_schema()["_id"] in (pl.String, pl.Categorical):
            # The one thing held for the whole file: each id and the batch it falls in.
            known = (ids.with_columns(pl.col("_id").cast(pl.String)).with_row_index("_n")
                     .select("_id", _batch=(pl.col("_n") // self.rows).cast(pl.UInt32))
                     .drop_nulls().unique().collect())
        else:  # ids that are not text match no record (their rows are rejected)
            known = pl.DataFrame(schema={"_id": pl.String, "_batch": pl.UInt32})
        # One pass over the records: each with its batch, or none (a worker not in the
        # file). A stable sort on the batch alone keeps each worker's records in file
        # order; the spill is compressed for speed, not size (it is read once).
        joined = recs.join(known.lazy(), left_on="worker", right_on="_id", how="left",
                           maintain_order="left")
        _, unused, anonymous = pl.collect_all([
            joined.filter(pl.col("_batch").is_not_null()).sort("_batch", maintain_order=True)
            .sink_parquet(path, row_group_size=SPILL_GROUP, compression="lz4", lazy=True),
            joined.filter(pl.col("worker").is_not_null() & pl.col("_batch").is_null())
            .select(pl.len().alias("n"), pl.col("worker").n_unique().alias("w"),
                    pl.col("worker").first().alias("first"),
                    pl.col("_line").first().alias("line")),
            recs.filter(pl.col("worker").is_null())
            .select(pl.len().alias("n"), pl.col("_line").min().alias("line")),
        ])
        # The row path's warnings about records no worker used, counted in columns.
        u, a = unused.row(0, named=True), anonymous.row(0, named=True)
        self.warnings += orphan_warnings(
            self.training, source.path,
            (u["n"], u["w"], u["first"], u["line"]) if u["n"] else None,
            (a["n"], a["line"]) if a["n"] else None)

        def read(k: int) -> pa.Table:
            return (pl.scan_parquet(path).filter(pl.col("_batch") == k).drop("_batch")
                    .collect().to_arrow())
        return read

    def _decide(self, batch: pa.RecordBatch, first: int,
                records: pa.Table | None) -> pa.Table:
        """One batch's rows of `SCHEMA`. A decided worker's findings are joined to its
        row by id, so ids that repeat within the batch are decided in separate frames
        (the first of each id, the second, …): within one, an id names one row."""
        frame = pl.from_arrow(pa.Table.from_batches([batch]))
        assert isinstance(frame, pl.DataFrame)
        self.largest = max(self.largest, frame.height)
        frame = frame.with_columns(_line=pl.int_range(first, first + frame.height,
                                                      dtype=pl.Int64))
        repeats = frame.schema["id"] in (pl.String, pl.Categorical) and frame.select(
            pl.col("id").drop_nulls().is_duplicated().any()).item()
        if not repeats:
            rows = self._frame(frame, records)
        else:
            # Rows without an id are rejected (no findings): all in the first frame.
            nth = frame.with_columns(_k=pl.when(pl.col("id").is_null()).then(0).otherwise(
                pl.int_range(pl.len()).over(pl.col("id").cast(pl.String))))
            rows = pl.concat([
                self._frame(nth.filter(pl.col("_k") == k).drop("_k"), records)
                for k in range(int(nth.select(pl.col("_k").max()).item()) + 1)
            ]).sort("_line", "_f", maintain_order=True)
        rows = self._row_errors(rows, frame, records)
        return rows.drop("_f").rename({"_line": "line"}).to_arrow().select(
            SCHEMA.names).cast(SCHEMA)

    def _row_errors(self, rows: pl.DataFrame, frame: pl.DataFrame,
                    records: pa.Table | None) -> pl.DataFrame:
        """Rejected rows' error text as the row path words it for the same files: a bad
        record of the training file names its line there (`(training.parquet line 7)`),
        which a table of records cannot. Only rejected workers with records are read
        again, through the row path's own `validate`."""
        if records is None or records.num_rows == 0:
            return rows
        rejected = rows.filter(pl.col("error").is_not_null()).select("_line", "worker")
        recs = pl.DataFrame(records).filter(pl.col("worker").is_in(rejected["worker"]
                                                                    .implode()))
        if recs.height == 0:
            return rows
        by_worker: dict[str, list[dict[str, Any]]] = {}
        for rec in recs.to_dicts():
            by_worker.setdefault(rec["worker"], []).append(rec)
        lines = rejected.filter(pl.col("worker").is_in(list(by_worker)))["_line"]
        subset = frame.filter(pl.col("_line").is_in(lines.implode()))
        texts: dict[int, str] = {}
        values = to_frame(subset.drop("_line").to_arrow(), self.workers).to_dicts()
        for line, row in zip(subset["_line"].to_list(), values, strict=True):
            raw = parquet_worker({k: v for k, v in row.items() if v is not None})
            if isinstance(raw, dict) and raw.get("id") in by_worker:
                own = by_worker[raw["id"]]
                raw["training"] = [parquet_training(
                    {k: v for k, v in r.items() if v is not None and k not in _SPILL})
                    for r in own]
                raw = WithTraining(raw, self.training or "", 0,
                                   tuple(r["_line"] for r in own))
            found = validate(self.policy, line, raw)[2]
            if isinstance(found, WorkerError):
                texts[line] = str(found)
        fixed = pl.DataFrame({"_line": list(texts), "_error": list(texts.values())},
                             schema={"_line": pl.Int64, "_error": pl.String})
        return (rows.join(fixed, on="_line", how="left", maintain_order="left")
                .with_columns(error=pl.coalesce("_error", "error")).drop("_error"))

    def _frame(self, frame: pl.DataFrame, records: pa.Table | None) -> pl.DataFrame:
        lines = frame["_line"]
        result = self.policy.evaluate_frame(frame.drop("_line"), records, as_of=self.as_of)
        decisions = pl.DataFrame(result.decisions).with_columns(_line=lines)
        # Within one frame an id names one row (see `_decide`), and a null id none.
        findings = pl.DataFrame(result.findings).with_row_index("_f")
        return decisions.join(findings, on="worker", how="left", maintain_order="left_right")


def _counts(part: pa.Table) -> tuple[int, int, int]:
    """(compliant, not compliant, rejected) of the records in one batch's rows."""
    per_record = pl.DataFrame(part.select(["line", "compliant", "error"])).unique(
        "line", keep="first")
    return (per_record.filter(pl.col("compliant")).height,
            per_record.filter(~pl.col("compliant")).height,
            per_record.filter(pl.col("error").is_not_null()).height)

