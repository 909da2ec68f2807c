"""`evaluate --format parquet`: decided through the columnar backend in bounded batches
where the input allows it, else through the row path's stages (render/parquet.py gives
the table either way, and the two are the same rows: tests/test_parquet_cli.py,
tests/test_csv_columnar.py).

The columnar route (`Columnar`) takes a Parquet or plain CSV worker file
(records/csv_table.py says which CSV is plain) and, optionally, a training file of either
kind, and decides at most `rows` workers at a time with `Policy.evaluate_frame`. Without a
training file the workers are read a batch at a time, in file order. When the training
records follow the workers' order (`colocate.in_order`), both files are read side by
side, each batch of workers with its run of records. Any other order is spilled into
partitions by a hash of the worker id (`spill.Spill`), each partition decided on its own
and the partitions' rows merged back by line. Nothing holds the whole workforce or the
whole training file: memory is set by the batch and the partitions (docs/cli.md has the
measured figures).
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ..contract.log import DecisionLog
from ..engines.columnar import arrays
from ..engines.columnar.inputs import to_frame
from ..errors import WorkerError
from ..policy import Policy
from ..records import TRAINING_COLUMNS, WORKER_COLUMNS, WithTraining, WorkerInput, validate
from ..records.csv import REQUIRED_COLUMNS
from ..records.csv_table import TableInput, open_table, plain_csv
from ..records.jsonl_table import JsonlTable
from ..records.parquet import parquet_training, parquet_worker
from ..records.raw import Raw
from ..records.training_index import orphan_warnings
from ..render.parquet import SCHEMA, ParquetOut, ParquetRows, metadata, table
from .colocate import Order, Taker, in_order, numbered
from .read import chunks
from .spill import Spill, partition
from .stages import Counts, Job, process
from .write import OutputError

ROWS = 131_072  # workers per batch on the columnar route
THREADS = 2  # batches decided at once on the columnar route
SPILL_GROUP = 65_536  # rows per row group of a spilled partition of workers or records

Progress = Callable[[int], None]
# A batch to decide: workers (numbered in `_line`), their training records, and lines of
# the same stretch of the file that the row path decides (JSON Lines only).
Work = tuple[pl.DataFrame, pl.DataFrame | None, Sequence[tuple[int, Raw]]]
_SPILL = ("worker", "_p", "_line")  # spill columns that are not the record's


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
    """Whether the columnar route can read these files: Parquet or plain CSV workers
    (records/csv_table.py) without a `training` column of their own (records inline are
    the row path's), and no training file or a Parquet or plain CSV one; or a JSON Lines
    worker file (records/jsonl_table.py) without a training file."""
    if _jsonl(workers):
        if training is not None:
            return False
        JsonlTable(workers)  # the row path's error for a file that cannot be opened
        return True
    if not _table_file(workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS):
        return False
    if training is not None and not _table_file(training, "training", TRAINING_COLUMNS,
                                                ("worker", "training")):
        return False
    source = open_table(workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
    try:
        return "training" not in source.columns
    finally:
        source.close()


class Columnar:
    """The columnar route: a Parquet worker file (and training file) to the parquet
    format, `rows` workers at a time. `warnings` after `run`: as the row path's."""

    def __init__(self, policy: Policy, workers: str, training: str | None,
                 as_of: datetime.date, rows: int = ROWS, threads: int = THREADS) -> None:
        """`threads`: batches decided at once, while the next is read and the last
        written (NumPy, Polars and Parquet's codecs let go of the interpreter's lock)."""
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.threads = threads
        self.workers = workers
        self.training = training
        self.warnings: list[str] = []
        self.largest = 0  # the most worker rows decided at once (tests bound it by `rows`)
        self.ordered = False  # whether the records came in the workers' order (tests)

    def run(self, stream: IO[bytes], progress: Progress) -> Counts:
        source: TableInput | JsonlTable
        if _jsonl(self.workers):
            source = JsonlTable(self.workers)
        else:
            source = open_table(self.workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
        counts = Counts()
        out = _out(self.policy, self.as_of, stream)
        try:
            if isinstance(source, JsonlTable):  # each line with its own records
                self._pipelined(((b.workers, b.training, b.rest)
                                 for b in source.batches(self.rows)), out, counts, progress)
            elif self.training is None:  # nothing to bring together: batches in file order
                self._pipelined(((frame, None, ()) for frame in numbered(source, self.rows)),
                                out, counts, progress)
            else:
                order = in_order(source, self.training, self.rows)
                if order is not None:
                    self.ordered = True
                    self._ordered(source, self.training, order, out, counts, progress)
                else:
                    with tempfile.TemporaryDirectory(prefix="policyrules-") as spill:
                        self._partitioned(source, self.training, spill, out, counts,
                                          progress)
        except BaseException:
            out.abandon()
            raise
        finally:
            source.close()
        out.close()
        return counts

    def _ordered(self, source: TableInput, training: str, order: Order,
                 out: ParquetOut, counts: Counts, progress: Progress) -> None:
        """Both files read once, side by side: each batch of workers with the run of
        records that `order` found to be theirs."""
        trainer = open_table(training, "training", TRAINING_COLUMNS, ("worker", "training"))

        def work() -> Iterator[Work]:
            records = Taker(numbered(trainer, self.rows))
            for frame in numbered(source, self.rows):
                first = int(frame["_line"][0]) - source.first_line
                taken = records.take(int(order.records[first:first + frame.height].sum()))
                yield frame, None if taken is None else taken.with_columns(
                    pl.col("worker").cast(pl.String)), ()

        try:
            self._pipelined(work(), out, counts, progress)
        finally:
            trainer.close()
        self._warn_unused(order.unused, order.anonymous, source.path)

    def _pipelined(self, work: Iterator[Work], out: ParquetOut, counts: Counts,
                   progress: Progress) -> None:
        """Each batch of `work` decided, `threads` at once, and written in order; at most
        `threads` + 1 batches are held."""
        with ThreadPoolExecutor(self.threads, thread_name_prefix="policyrules") as pool:
            pending: deque[Future[pa.Table]] = deque()

            def put() -> None:
                part = pending.popleft().result()
                counts.add(_counts(part))
                out.write(part)
                progress(counts.total)

            for frame, records, rest in work:
                self.largest = max(self.largest, frame.height + len(rest))
                pending.append(pool.submit(self._batch, frame, records, rest))
                if len(pending) > self.threads:
                    put()
            while pending:
                put()

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

    def _warn_unused(self, unused: list[pl.DataFrame], anonymous: tuple[int, int | None],
                     workers_name: str) -> None:
        """The row path's warnings about records no worker used, counted in columns."""
        found = pl.concat(unused) if unused else pl.DataFrame(
            schema={"worker": pl.String, "_line": pl.Int64})
        head = found.sort("_line").head(1)
        self.warnings += orphan_warnings(
            self.training or "", workers_name,
            (found.height, found["worker"].n_unique(), head["worker"][0], head["_line"][0])
            if found.height else None,
            (anonymous[0], anonymous[1] or 0) if anonymous[0] else None)

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
        repeats = frame.schema["id"] in (pl.String, pl.Categorical) and frame.select(
            pl.col("id").drop_nulls().is_duplicated().any()).item()
        if not repeats:
            rows = self._frame(frame, records)
        else:
            # Rows without an id are rejected (no findings): all in the first frame.
            nth = frame.with_columns(_k=pl.when(pl.col("id").is_null()).then(0).otherwise(
                pl.int_range(pl.len()).over(pl.col("id").cast(pl.String))))
            rows = pa.concat_tables([
                self._frame(part, _owned(records, part)) for part in (
                    nth.filter(pl.col("_k") == k).drop("_k")
                    for k in range(int(nth.select(pl.col("_k").max()).item()) + 1))
            ]).sort_by([("_line", "ascending"), ("_f", "ascending")])
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


def _owned(records: pl.DataFrame | None, frame: pl.DataFrame) -> pl.DataFrame | None:
    """The records of the rows of `frame`: for a JSON Lines batch (whose records have a
    `_position`), those on the rows' lines, as ids may repeat from line to line; a
    training file's records go by id."""
    if records is None or "_position" not in records.columns:
        return records
    return records.filter(pl.col("_line").is_in(frame["_line"].implode()))


def _counts(part: pa.Table) -> tuple[int, int, int]:
    """(compliant, not compliant, rejected) of the records in one batch's rows."""
    # A record's rows are together: its first is where the line changes.
    per_record = pl.DataFrame(part.select(["line", "compliant", "error"])).filter(
        pl.col("line").diff().fill_null(1) != 0)
    return (per_record.filter(pl.col("compliant")).height,
            per_record.filter(~pl.col("compliant")).height,
            per_record.filter(pl.col("error").is_not_null()).height)




def _jsonl(path: str) -> bool:
    return path.lower().endswith((".jsonl", ".ndjson"))


def _table_file(path: str, what: str, known: tuple[str, ...],
                required: tuple[str, ...]) -> bool:
    """Whether the columnar route reads this file: Parquet, or a plain CSV file."""
    name = path.lower()
    return name.endswith(".parquet") or (
        name.endswith(".csv") and plain_csv(path, what, known, required) is not None)
