"""`evaluate --format parquet`: decided through the columnar backend in bounded batches
where the input allows it, else through the row path's stages (render/parquet.py gives
the table either way, and the two are the same rows: tests/test_parquet_cli.py,
tests/test_csv_columnar.py).

The columnar route (`Columnar`) takes a Parquet or plain CSV worker file
(records/csv_table.py says which CSV is plain) or a JSON Lines one and, optionally, a
training file of either table kind, and decides at most `rows` workers at a time with
`Policy.evaluate_frame` (columnar.py reads and batches them). Training records in any
other order than the workers' are spilled into partitions by a hash of the worker id
(`spill.Spill`), each partition decided on its own and the partitions' rows merged back
by line; when that order is found broken only after batches were written (colocate.py
finds it as it reads), the output is cut back and written again that way. Nothing holds
the whole workforce or the whole training file: memory is set by the batch and the
partitions (docs/cli.md has the measured figures).
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ..contract.log import DecisionLog
from ..engines.columnar import arrays
from ..errors import WorkerError
from ..policy import Policy
from ..records import TRAINING_COLUMNS, WORKER_COLUMNS, WorkerInput, validate
from ..records.csv import REQUIRED_COLUMNS
from ..records.csv_table import TableInput, open_table
from ..records.jsonl_table import JsonlTable
from ..records.raw import Raw
from ..render.parquet import SCHEMA, ParquetOut, ParquetRows, metadata, table
from .colocate import OutOfOrder, WorkerIds, in_order, numbered, worker_ids
from .columnar import ColumnarRoute, Progress, Put, distinct_ids, is_jsonl, owned
from .read import chunks
from .spill import Spill, partition
from .stages import Counts, Job, process
from .write import OutputError

SPILL_GROUP = 65_536  # rows per row group of a spilled partition of workers or records


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

class Columnar(ColumnarRoute):
    """The columnar route to the parquet format: a Parquet, plain CSV or JSON Lines
    worker file (and a table training file), `rows` workers at a time. `warnings` after
    `run`: as the row path's."""

    def run(self, stream: IO[bytes], progress: Progress) -> Counts:
        source: TableInput | JsonlTable
        if is_jsonl(self.workers):
            source = JsonlTable(self.workers)
        else:
            source = open_table(self.workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
        counts = Counts()
        start = stream.tell() if stream.seekable() else None
        out = _out(self.policy, self.as_of, stream)
        try:
            if isinstance(source, JsonlTable):  # each line with its own records
                self._pipelined(((b.workers, b.training, b.rest)
                                 for b in source.batches(self.rows)), self._put(out), counts,
                                progress)
            elif self.training is None:  # nothing to bring together: batches in file order
                self._pipelined(((frame, None, ()) for frame in numbered(source, self.rows)),
                                self._put(out), counts, progress)
            else:
                counts, out = self._together(source, self.training, stream, start, out,
                                             progress)
        except BaseException:
            out.abandon()
            raise
        finally:
            source.close()
        out.close()
        return counts

    def _together(self, source: TableInput, training: str, stream: IO[bytes],
                  start: int | None, out: ParquetOut, progress: Progress
                  ) -> tuple[Counts, ParquetOut]:
        """Workers and their records: read side by side while the records follow the
        workers' order, else partitioned. Into a stream that can be written again from
        `start`, the records' order is found as they are read, and a record out of order
        starts the output again on the partitioned route; into any other, a first pass
        over the ids finds it (`colocate.in_order`). The counts and the output written."""
        counts = Counts()
        ids = WorkerIds(worker_ids(source)) if start is not None \
            else in_order(source, training, self.rows)
        if ids is not None and ids.distinct:
            self.ordered = True
            try:
                self._ordered(source, training, ids, self._put(out), counts, progress)
                return counts, out
            except OutOfOrder:
                if start is None:
                    raise  # the file changed since the first pass
            # What was written is of no use now: the output starts again.
            self.ordered, self.warnings, counts = False, [], Counts()
            out.abandon()
            stream.seek(start)
            stream.truncate()
            out = _out(self.policy, self.as_of, stream)
            try:
                self._spilled(source, training, out, counts, progress)
            except BaseException:
                out.abandon()
                raise
            return counts, out
        self._spilled(source, training, out, counts, progress)
        return counts, out

    def _spilled(self, source: TableInput, training: str, out: ParquetOut, counts: Counts,
                 progress: Progress) -> None:
        with tempfile.TemporaryDirectory(prefix="policyrules-") as spill:
            self._partitioned(source, training, spill, out, counts, progress)

    @staticmethod
    def _put(out: ParquetOut) -> Put:
        def put(part: Any) -> tuple[int, int, int]:
            out.write(part)
            return _counts(part)
        return put

    def _partitioned(self, source: TableInput, training: str, spill: str,
                     out: ParquetOut, counts: Counts, progress: Progress) -> None:
        """Workers and records spilled into partitions by a hash of the worker id, each
        partition decided on its own, and the partitions' rows merged back by line."""
        parts = max(1, -(-source.rows // self.rows))
        # Partitions are read whole, except the decided rows: those are merged, reading
        # ahead a row group of each partition, so their groups share about 4 batches.
        workers = Spill(spill, "w", parts, SPILL_GROUP)
        records = Spill(spill, "t", parts, SPILL_GROUP)
        for frame in numbered(source, self.rows):
            workers.add(frame.with_columns(_p=partition(frame, "id", parts)))
        trainer = open_table(training, "training", TRAINING_COLUMNS, ("worker", "training"))
        anonymous, first_anonymous = 0, None
        try:
            trainer.text_column("worker")
            for frame in numbered(trainer, self.rows):
                frame = frame.with_columns(pl.col("worker").cast(pl.String))
                nameless = frame.filter(pl.col("worker").is_null())
                if nameless.height:
                    anonymous += nameless.height
                    first_anonymous = first_anonymous or int(nameless["_line"][0])
                named = frame.filter(pl.col("worker").is_not_null())
                records.add(named.with_columns(_p=partition(named, "worker", parts)))
        finally:
            trainer.close()
        workers.close()
        records.close()
        decided = Spill(spill, "o", parts, max(1024, 4 * self.rows // parts))
        unused: list[pl.DataFrame] = []
        for p in range(parts):
            own, recs = workers.read(p), records.read(p)
            if recs is not None and own is not None and own.schema["id"] == pl.String:
                ids = own.select(pl.col("id").drop_nulls().unique())
                unused.append(recs.join(ids, left_on="worker", right_on="id", how="anti"))
            elif recs is not None:
                unused.append(recs)
            if own is None:
                continue
            table_of = recs
            for start in range(0, own.height, self.rows):
                self.largest = max(self.largest, min(self.rows, own.height - start))
                part = self._decide(own.slice(start, self.rows), table_of)
                counts.add(_counts(part))
                decided.add(pl.DataFrame(part).with_columns(_p=pl.lit(p)))
                progress(counts.total)
        decided.close()
        self._warn_unused(unused, (anonymous, first_anonymous), source.path)
        for part in decided.merged(self.rows, source.first_line + source.rows - 1):
            out.write(part.to_arrow().cast(SCHEMA))

    def _batch(self, frame: pl.DataFrame, records: pl.DataFrame | None,
               rest: Sequence[tuple[int, Raw]]) -> pa.Table:
        """A batch's rows of `SCHEMA`: its frame's, and its `rest` decided by the row path,
        merged by line (each record's rows stay together, in order)."""
        parts = [self._decide(frame, records)] if frame.height else []
        if not rest:
            return parts[0] if parts else table([])
        job = Job(self.policy, self.as_of, ParquetRows())
        rows = pa.concat_tables([*parts, table([row for rows in process(job, rest)
                                               for row in rows])])
        return rows.take(np.argsort(rows["line"].to_numpy(), kind="stable"))

    def _decide(self, frame: pl.DataFrame, records: pl.DataFrame | None) -> pa.Table:
        """Rows of workers (numbered in `_line`) as rows of `SCHEMA`. A decided worker's
        findings are joined to its row by id, so ids that repeat among them are decided
        in separate frames (the first of each id, the second, …): within one, an id
        names one row."""
        # Records read in the workers' order: no id is twice in the file (`WorkerIds`).
        frames = [frame] if self.ordered else distinct_ids(frame)
        if len(frames) == 1:
            rows = self._frame(frame, records)
        else:
            rows = pa.concat_tables([self._frame(part, owned(records, part))
                                     for part in frames]) \
                .sort_by([("_line", "ascending"), ("_f", "ascending")])
        rows = self._row_errors(rows, frame, records)
        return rows.drop_columns(["_f"]).rename_columns(
            ["line" if c == "_line" else c for c in rows.column_names if c != "_f"]) \
            .select(SCHEMA.names).cast(SCHEMA)

    def _row_errors(self, rows: pa.Table, frame: pl.DataFrame,
                    records: pl.DataFrame | None) -> pa.Table:
        """Rejected rows' error text as the row path words it for the same files: a bad
        record of the training file names its line there (`(training.parquet line 7)`),
        which a table of records cannot. Only rejected workers with records are read
        again, through the row path's own `validate`. (Records of a JSON Lines line are
        its own, named as `evaluate_frame` names them: nothing to do.)"""
        if records is None or records.height == 0 or self.training is None:
            return rows
        if rows["error"].null_count == rows.num_rows:
            return rows  # none rejected: the records need not be looked through
        rejected = pl.DataFrame(rows.select(["_line", "worker", "error"])).filter(
            pl.col("error").is_not_null())
        recs = records.filter(pl.col("worker").is_in(rejected["worker"].implode()))
        if recs.height == 0:
            return rows
        by_worker: dict[str, list[dict[str, Any]]] = {}
        for rec in recs.to_dicts():
            by_worker.setdefault(rec["worker"], []).append(rec)
        lines = rejected.filter(pl.col("worker").is_in(list(by_worker)))["_line"]
        subset = frame.filter(pl.col("_line").is_in(lines.implode()))
        texts: dict[int, str] = {}
        for line, raw in self._raws(subset, by_worker):
            found = validate(self.policy, line, raw)[2]
            if isinstance(found, WorkerError):
                texts[line] = str(found)
        fixed = pl.DataFrame({"_line": list(texts), "_error": list(texts.values())},
                             schema={"_line": pl.Int64, "_error": pl.String})
        error = (pl.DataFrame(rows.select(["_line", "error"]))
                 .join(fixed, on="_line", how="left", maintain_order="left")
                 .select(pl.coalesce("_error", "error"))).to_series().to_arrow()
        return rows.set_column(rows.column_names.index("error"), "error", error)

    def _frame(self, frame: pl.DataFrame, records: pl.DataFrame | None) -> pa.Table:
        lines = frame["_line"].to_numpy()
        result = self.policy.evaluate_frame(frame.drop("_line"), records, as_of=self.as_of)
        return _rows(result.decisions, result.findings, lines)


def _rows(decisions: pa.Table, findings: pa.Table, lines: npt.NDArray[np.int64]
          ) -> pa.Table:
    """The rows of `SCHEMA` (with `_line` for `line`, and `_f`: the finding's position)
    of one frame's result, whose ids are distinct: each decision once per finding, or once
    with null finding columns.

    A worker's findings are one run of its id in `findings`, in the decisions' order, so
    with distinct ids the k-th decision whose id has a run is the k-th run: each row's
    count of findings comes from the runs, without a join on the ids.
    """
    n = decisions.num_rows
    runs = pl.Series(findings["worker"]).rle()
    has = pl.Series(decisions["worker"]).is_in(runs.struct.field("value").implode()) \
        .fill_null(False).to_numpy()
    count = np.zeros(n, np.int64)
    count[has] = runs.struct.field("len").to_numpy()
    copies = np.maximum(count, 1)
    row = np.repeat(np.arange(n), copies)
    found = np.repeat(count > 0, copies)
    at = np.full(len(row), -1, np.int64)
    at[found] = np.arange(findings.num_rows)
    take, each = arrays.arrow(at, pa.int64(), found), arrays.indices(row)
    columns = {"_line": arrays.arrow(lines[row], pa.int64()),
               **{c: decisions[c].take(each) for c in ("worker", "compliant", "groups",
                                                       "error")},
               **{c: findings[c].take(take) for c in ("requirement", "status", "due",
                                                      "cites")},
               "_f": arrays.arrow(at, pa.int64())}
    return pa.table(columns)


def _counts(part: pa.Table) -> tuple[int, int, int]:
    """(compliant, not compliant, rejected) of the records in one batch's rows."""
    # A record's rows are together: its first is where the line changes.
    per_record = pl.DataFrame(part.select(["line", "compliant", "error"])).filter(
        pl.col("line").diff().fill_null(1) != 0)
    return (per_record.filter(pl.col("compliant")).height,
            per_record.filter(~pl.col("compliant")).height,
            per_record.filter(pl.col("error").is_not_null()).height)
