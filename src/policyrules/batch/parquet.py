"""`evaluate --format parquet`: decided through the columnar backend in bounded batches
where the input allows it, else through the row path's stages (render/parquet.py gives
the table either way, and the two are the same rows: tests/test_parquet_cli.py).

The columnar route takes a Parquet worker file and, optionally, a Parquet training file,
and decides at most `rows` workers at a time with `Policy.evaluate_frame`. Without a
training file it reads the workers a batch at a time (`ParquetFile.iter_batches`), in
file order. A training file may be in any order, so a worker and its records are first
brought together: both files are read a batch at a time and spilled into partitions (one
temporary Parquet file each, about `rows` workers a partition) by a hash of the worker id;
each partition is read back whole and decided, `rows` workers at a time, into a partition
of output rows; and the partitions' rows, each in input order, are merged by line into
the output. Nothing holds the whole workforce or the whole training file: memory is set
by the batch and the partitions (docs/cli.md has the measured figures).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..contract.log import DecisionLog
from ..engines.columnar import arrays
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
THREADS = 2  # batches decided at once on the columnar route
SPILL_GROUP = 65_536  # rows per row group of a spilled partition of workers or records

Progress = Callable[[int], None]
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
        source = ParquetInput(self.workers, "worker", WORKER_COLUMNS, REQUIRED_COLUMNS)
        counts = Counts()
        out = _out(self.policy, self.as_of, stream)
        try:
            if self.training is None:  # nothing to bring together: batches in file order
                self._pipelined(((frame, None) for frame in _frames(source, self.rows)),
                                out, counts, progress)
            else:
                order = _in_order(source, self.training, self.rows)
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

    def _ordered(self, source: ParquetInput, training: str, order: _Order,
                 out: ParquetOut, counts: Counts, progress: Progress) -> None:
        """Both files read once, side by side: each batch of workers with the run of
        records that `order` found to be theirs."""
        trainer = ParquetInput(training, "training", TRAINING_COLUMNS, ("worker", "training"))

        def work() -> Iterator[tuple[pl.DataFrame, pl.DataFrame | None]]:
            records = _Taker(_frames(trainer, self.rows))
            for frame in _frames(source, self.rows):
                first = int(frame["_line"][0]) - 1
                taken = records.take(int(order.records[first:first + frame.height].sum()))
                yield frame, None if taken is None else taken.with_columns(
                    pl.col("worker").cast(pl.String))

        try:
            self._pipelined(work(), out, counts, progress)
        finally:
            trainer.close()
        self._warn_unused(order.unused, order.anonymous, source.path)

    def _pipelined(self, work: Iterator[tuple[pl.DataFrame, pl.DataFrame | None]],
                   out: ParquetOut, counts: Counts, progress: Progress) -> None:
        """Each (workers, records) of `work` decided, `threads` at once, and written in
        order; at most `threads` + 1 batches are held."""
        with ThreadPoolExecutor(self.threads, thread_name_prefix="policyrules") as pool:
            pending: deque[Future[pa.Table]] = deque()

            def put() -> None:
                part = pending.popleft().result()
                counts.add(_counts(part))
                out.write(part)
                progress(counts.total)

            for frame, records in work:
                self.largest = max(self.largest, frame.height)
                pending.append(pool.submit(self._decide, frame, records))
                if len(pending) > self.threads:
                    put()
            while pending:
                put()

    def _partitioned(self, source: ParquetInput, training: str, spill: str,
                     out: ParquetOut, counts: Counts, progress: Progress) -> None:
        """Workers and records spilled into partitions by a hash of the worker id, each
        partition decided on its own, and the partitions' rows merged back by line."""
        parts = max(1, -(-source.rows // self.rows))
        # Partitions are read whole, except the decided rows: those are merged, reading
        # ahead a row group of each partition, so their groups share about 4 batches.
        workers = _Spill(spill, "w", parts, SPILL_GROUP)
        records = _Spill(spill, "t", parts, SPILL_GROUP)
        for frame in _frames(source, self.rows):
            workers.add(frame.with_columns(_p=_partition(frame, "id", parts)))
        trainer = ParquetInput(training, "training", TRAINING_COLUMNS, ("worker", "training"))
        anonymous, first_anonymous = 0, None
        try:
            trainer.text_column("worker")
            for frame in _frames(trainer, self.rows):
                frame = frame.with_columns(pl.col("worker").cast(pl.String))
                nameless = frame.filter(pl.col("worker").is_null())
                if nameless.height:
                    anonymous += nameless.height
                    first_anonymous = first_anonymous or int(nameless["_line"][0])
                named = frame.filter(pl.col("worker").is_not_null())
                records.add(named.with_columns(_p=_partition(named, "worker", parts)))
        finally:
            trainer.close()
        workers.close()
        records.close()
        decided = _Spill(spill, "o", parts, max(1024, 4 * self.rows // parts))
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
        for part in decided.merged(self.rows, source.rows):
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
                self._frame(nth.filter(pl.col("_k") == k).drop("_k"), records)
                for k in range(int(nth.select(pl.col("_k").max()).item()) + 1)
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
        again, through the row path's own `validate`."""
        if records is None or records.height == 0:
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


def _counts(part: pa.Table) -> tuple[int, int, int]:
    """(compliant, not compliant, rejected) of the records in one batch's rows."""
    # A record's rows are together: its first is where the line changes.
    per_record = pl.DataFrame(part.select(["line", "compliant", "error"])).filter(
        pl.col("line").diff().fill_null(1) != 0)
    return (per_record.filter(pl.col("compliant")).height,
            per_record.filter(~pl.col("compliant")).height,
            per_record.filter(pl.col("error").is_not_null()).height)



@attrs.frozen
class _Order:
    """The records of a training file that lists them in the workers' order: how many
    records go with each batch of workers, and those no worker uses."""

    records: npt.NDArray[np.int32]  # records to read with each worker, in file order
    unused: list[pl.DataFrame]  # `worker` and `_line` of records of no worker
    anonymous: tuple[int, int | None]  # records without a worker id, and the first's line


def _in_order(source: ParquetInput, training: str, rows: int) -> _Order | None:
    """The `_Order` of the training file, or None when its records do not follow the
    workers' order (or an id repeats among the workers), for the partitioned route.

    One pass over the worker ids and the records' `worker` column only: each run of
    records of one worker is looked up once, by a 64-bit hash of its id in the sorted
    hashes of the ids and then by its text, and the worker rows so found must never go
    back. The ids and a count a worker are held while it runs (about 20 MB a million
    workers); the records only a batch at a time.
    """
    ids = pl.concat([f["id"] for f in source.frames(1 << 20, ("id",))]) if source.rows \
        else pl.Series(values=[], dtype=pl.String)
    if ids.dtype in (pl.Categorical, pl.Enum):
        ids = ids.cast(pl.String)
    if ids.dtype != pl.String:  # no text id: no record is any worker's
        ids = pl.Series(values=[None] * len(ids), dtype=pl.String)
    hashes = ids.hash(seed=_SEED).to_numpy()
    by_hash = np.argsort(hashes)
    hashes = hashes[by_hash]
    # Equal hashes are a repeated id (or, rarely, two ids that share one): null ids all
    # hash alike, so they are left out of the lookup first.
    named = ids.is_not_null().to_numpy()[by_hash]
    by_hash, hashes = by_hash[named], hashes[named]
    if (hashes[1:] == hashes[:-1]).any():
        return None
    trainer = ParquetInput(training, "training", TRAINING_COLUMNS, ("worker", "training"))
    try:
        trainer.text_column("worker")
        per_worker = np.zeros(max(1, source.rows), np.int32)
        unused: list[pl.DataFrame] = []
        anonymous, first_anonymous = 0, None
        last, line = 0, 1
        for column in trainer.frames(max(rows, 1 << 20), ("worker",)):
            worker = column["worker"].cast(pl.String)
            starts = np.flatnonzero(np.diff(worker.rle_id().to_numpy(), prepend=-1))
            heads = worker.gather(starts)
            length = np.diff(starts, append=len(worker))
            row, found = _lookup(heads, ids, hashes, by_hash)
            matched = row[found]
            if len(matched) and (matched[0] < last or (np.diff(matched) < 0).any()):
                return None
            nameless = np.repeat(heads.is_null().to_numpy(), length)
            lost = np.repeat(~found, length) & ~nameless
            lines = np.arange(line, line + len(worker))
            line += len(worker)
            if nameless.any():
                anonymous += int(nameless.sum())
                first_anonymous = first_anonymous or int(lines[nameless][0])
            if lost.any():
                unused.append(pl.DataFrame({"worker": worker.filter(pl.Series(lost)),
                                            "_line": lines[lost]}))
            # A record of no worker goes with the worker of the run before it.
            row = np.maximum.accumulate(np.concatenate([[last], np.where(found, row, -1)]))
            last = int(row[-1])
            np.add.at(per_worker, row[1:], length.astype(np.int32))
        return _Order(per_worker, unused, (anonymous, first_anonymous))
    finally:
        trainer.close()


def _lookup(heads: pl.Series, ids: pl.Series, hashes: npt.NDArray[np.uint64],
            by_hash: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64],
                                                     npt.NDArray[np.bool_]]:
    """(row, found): the row of `ids` whose id is each of `heads`, found by its hash in
    the sorted `hashes` (`by_hash` their rows) and then compared as text."""
    if not len(hashes):
        return np.zeros(len(heads), np.int64), np.zeros(len(heads), np.bool_)
    wanted = heads.hash(seed=_SEED).to_numpy()
    # Looked up in sorted order: each search then starts near the last (6× quicker).
    order = np.argsort(wanted)
    at = np.empty(len(wanted), np.int64)
    at[order] = np.minimum(np.searchsorted(hashes, wanted[order]), len(hashes) - 1)
    row = by_hash[at]
    found = (hashes[at] == wanted) & (ids.gather(row) == heads).fill_null(False).to_numpy()
    return row, found


class _Taker:
    """Rows of a stream of frames, taken `n` at a time, in order."""

    def __init__(self, frames: Iterator[pl.DataFrame]) -> None:
        self._frames = frames
        self._held: list[pl.DataFrame] = []
        self._count = 0

    def take(self, n: int) -> pl.DataFrame | None:
        """The next `n` rows (None for none), as slices of the frames read: no copy."""
        if n == 0:
            return None
        while self._count < n:
            frame = next(self._frames)
            self._held.append(frame)
            self._count += frame.height
        held = pl.concat(self._held, rechunk=False)
        self._held = [held.slice(n)]
        self._count -= n
        return held.slice(0, n)


def _frames(source: ParquetInput, rows: int) -> Iterator[pl.DataFrame]:
    """The file's rows, `rows` at a time, numbered in `_line` from 1."""
    first = 1
    for frame in source.frames(rows):
        yield frame.with_columns(_line=pl.int_range(first, first + frame.height,
                                                    dtype=pl.Int64))
        first += frame.height


def _partition(frame: pl.DataFrame, column: str, parts: int) -> pl.Expr:
    """Each row's partition: by a hash of its worker id, so that a worker and its records
    meet in one; a row without a text id (it has no records) by its line."""
    by_line = (pl.col("_line") % parts).cast(pl.UInt32)
    if frame.schema[column] not in (pl.String, pl.Categorical):
        return by_line
    key = pl.col(column).cast(pl.String)
    return pl.when(key.is_null()).then(by_line).otherwise(
        (key.hash(seed=_SEED) % parts).cast(pl.UInt32))


_SEED = 0x5AFE  # one seed for both files of a run: the same id, the same partition


class _Spill:
    """Frames written to one temporary Parquet file per partition (`_p`), in the order
    they come; a partition read back whole, or all of them merged by line."""

    def __init__(self, folder: str, name: str, parts: int, group: int) -> None:
        """`group`: rows per row group; what a merge reads ahead from each partition."""
        self.paths = [os.path.join(folder, f"{name}{p}.parquet") for p in range(parts)]
        self.group = group
        self._writers: dict[int, pq.ParquetWriter] = {}

    def add(self, frame: pl.DataFrame) -> None:
        for key, piece in frame.partition_by("_p", as_dict=True,
                                             include_key=False).items():
            p = int(key[0])
            table = piece.to_arrow()
            writer = self._writers.get(p)
            if writer is None:
                writer = pq.ParquetWriter(self.paths[p], table.schema, compression="lz4")
                self._writers[p] = writer
            writer.write_table(table.cast(writer.schema), row_group_size=self.group)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def read(self, p: int) -> pl.DataFrame | None:
        if p not in self._writers:
            return None
        frame = pl.read_parquet(self.paths[p])
        return frame

    def merged(self, rows: int, lines: int) -> Iterator[pl.DataFrame]:
        """Every partition's rows in line order, `rows` lines at a time: each partition
        is in line order, so a window of lines is a prefix of each."""
        # One thread and no pre-buffering per reader: there is a reader per partition.
        streams = [pq.ParquetFile(self.paths[p], pre_buffer=False).iter_batches(
                       batch_size=self.group, use_threads=False)
                   for p in sorted(self._writers)]
        empty = pl.DataFrame(pl.from_arrow(SCHEMA.empty_table()))
        held = [empty for _ in streams]
        ended = [False for _ in streams]
        end = 1
        while end <= lines:
            end += rows
            taken = []
            for i, stream in enumerate(streams):
                while not ended[i] and (held[i].height == 0 or held[i]["line"][-1] < end):
                    batch = next(stream, None)
                    if batch is None:
                        ended[i] = True
                    else:
                        held[i] = pl.concat([held[i], _numbered_free(batch)])
                taken.append(held[i].filter(pl.col("line") < end))
                held[i] = held[i].filter(pl.col("line") >= end)
            yield pl.concat(taken).sort("line", maintain_order=True)


def _numbered_free(batch: pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_batches([batch]))
    assert isinstance(frame, pl.DataFrame)
    return frame
