"""Gathering a workforce for a report, and deciding it as whole tables.

Records arrive one at a time from a reader (or any iterable): the builder keeps of each
validated worker only the columns a decision reads and the `by` values the report groups
by, and decides them a chunk at a time through `Policy.evaluate_frame` (CONTRACT §6:
equal to `Policy.evaluate` row for row). `tally.py` then counts the decision and finding
tables with Polars group-bys. Memory holds the chunk's workers, and a few columns per
worker and per finding for the whole run.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from ..contract.workers import Worker
from ..errors import UsageError, WorkerError, encodable
from ..policy import Policy, WorkerLike
from ..semantics.dates import is_plain_date
from .model import MULTI_COLUMNS, NO_ROLE, NOT_GIVEN, WORKER_COLUMNS, Rejection, Report
from .tally import Decided, Spec, tally

# Workers decided per call of evaluate_frame: large enough that per-call costs vanish,
# small enough that the chunk's Worker objects (kept to word a rare row error) stay small.
CHUNK = 1 << 16

_WORKER_SCHEMA = {"id": pl.String, "started": pl.Date, "contact": pl.String,
                  "roles": pl.String, "agency": pl.String, "sector": pl.String,
                  "volunteer": pl.Boolean}
_TRAINING_SCHEMA = {"_owner": pl.UInt32, "training": pl.String, "completed": pl.Date,
                    "delivery": pl.String, "provider": pl.String, "hours": pl.Float64,
                    "level": pl.String}


class ReportBuilder:
    """Accumulates validated workers (and rejected records) into a `Report`.

    `add` takes each worker once, `reject` each record that broke CONTRACT §1; `finish`
    decides what is left and returns the frozen report.
    """

    def __init__(self, policy: Policy, as_of: datetime.date, *, by: Sequence[str] = (),
                 horizon: int = 90, keep_findings: bool = True) -> None:
        if not is_plain_date(as_of):
            raise UsageError(f"as_of must be a datetime.date (not a date-time or text), "
                             f"got {as_of!r}")
        if isinstance(by, str):
            raise UsageError(f"by must be a list of column names, not the text {by!r}")
        by = tuple(by)
        for column in by:
            if not isinstance(column, str) or not column:
                raise UsageError(f"by: a column name must be non-empty text, got {column!r}")
            if column == "id":
                raise UsageError("by: 'id' gives one row per worker; allowed: group, role, "
                                 + ", ".join(WORKER_COLUMNS) + ", or a column of the input")
        if len(set(by)) != len(by):
            raise UsageError(f"by: a column is given twice: {', '.join(by)}")
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
            raise UsageError(f"horizon must be a whole number of days, 0 or more, "
                             f"got {horizon!r}")
        self.policy = policy
        self.spec = Spec(policy.model, as_of, by, horizon, keep_findings)
        self._rejected: list[Rejection] = []
        self._extra_seen: set[str] = set()
        # Whole run, one entry per worker added: its id, record number and `by` values.
        self._ids: list[str] = []
        self._records: list[int] = []
        self._keys: list[list[list[str]]] = [[] for _ in by]
        self._decided: list[Decided] = []
        self._chunk: list[Worker] = []

    def reject(self, error: WorkerError, record: int) -> None:
        self._rejected.append(Rejection.of(record, error))

    def add(self, worker: Worker, record: int) -> None:
        """A validated worker, from record `record` (its line, or position from 1)."""
        if worker.extra:
            self._extra_seen.update(worker.extra)
        wid = worker.id
        # Polars holds UTF-8 only: an id with a lone surrogate is shown escaped, as its
        # error record would show it.
        self._ids.append(wid if wid.isascii() else encodable(wid))
        self._records.append(record)
        for column, keys in zip(self.spec.by, self._keys, strict=True):
            if column != "group":  # from the decision, once decided
                keys.append(_values(column, worker))
        self._chunk.append(worker)
        if len(self._chunk) >= CHUNK:
            self._decide()

    def finish(self) -> Report:
        self._decide()
        self._check_columns()
        workers = pl.DataFrame({
            "_pos": pl.int_range(len(self._ids), dtype=pl.UInt32, eager=True),
            "id": pl.Series(self._ids, dtype=pl.String),
            **{f"_k{j}": pl.Series(keys, dtype=pl.List(pl.String))
               for j, keys in enumerate(self._keys) if self.spec.by[j] != "group"}})
        rejected = sorted(self._rejected, key=lambda r: r.record)
        return tally(self.spec, workers, self._decided, tuple(rejected))

    def _decide(self) -> None:
        """The chunk's workers through evaluate_frame, under their position in the run."""
        chunk, self._chunk = self._chunk, []
        if not chunk:
            return
        offset = len(self._ids) - len(chunk)
        records = _training(chunk)
        result = self.policy.evaluate_frame(_workers(chunk), records.select(
            pl.col("_owner").cast(pl.String).alias("worker"), pl.exclude("_owner")),
            as_of=self.spec.as_of)
        decisions = pl.DataFrame(result.decisions).with_columns(
            _pos=pl.int_range(pl.len(), dtype=pl.UInt32) + offset)
        for pos, error in decisions.filter(pl.col("error").is_not_null()).select(
                "_pos", "error").iter_rows():
            self._rejected.append(self._row_error(chunk[pos - offset], self._records[pos],
                                                  error))
        findings = pl.DataFrame(result.findings).with_columns(
            _pos=pl.col("worker").cast(pl.UInt32) + offset)
        self._decided.append(Decided(
            decisions.filter(pl.col("error").is_null()).select("_pos", "compliant", "groups"),
            findings.select("_pos", "requirement", "status", "due"),
            records.with_columns(pl.col("_owner") + offset)))

    def _row_error(self, worker: Worker, record: int, error: str) -> Rejection:
        # The frame words its errors with the position it was given as the id: the row
        # path words the same error with the worker's own (only a deadline after
        # 9999-12-31 can reject a worker that validated).
        try:
            self.policy.evaluate_checked(worker, self.spec.as_of)
        except WorkerError as exc:
            return Rejection.of(record, exc)
        raise AssertionError(f"evaluate_frame rejected a worker evaluate decides: {error}")

    def _check_columns(self) -> None:
        """A `by` column that no worker has is a mistake (a typo), not a row "(not given)"."""
        from ..diagnostics import did_you_mean

        if not self._ids:
            return
        known = {*MULTI_COLUMNS, *WORKER_COLUMNS, *self._extra_seen}
        for column in self.spec.by:
            if column not in known:
                hint = did_you_mean(column, sorted(known))
                allowed = ", ".join([*MULTI_COLUMNS, *WORKER_COLUMNS, *sorted(self._extra_seen)])
                raise UsageError(f"by: no worker has a column {column!r}"
                                 + (f"; {hint}" if hint else "") + f"; allowed: {allowed}")


def build_report(policy: Policy, workers: Iterable[WorkerLike], as_of: datetime.date, *,
                 by: Sequence[str] = (), horizon: int = 90,
                 keep_findings: bool = True) -> Report:
    """The CONTRACT §8 report of `workers` (§1 mappings or `Worker`s) on `as_of`.

    A record that breaks CONTRACT §1 is counted as rejected, with its error, and every other
    record is still reported. Raises UsageError for a bad `as_of`, `by` or `horizon`.
    """
    builder = ReportBuilder(policy, as_of, by=by, horizon=horizon, keep_findings=keep_findings)
    for n, data in enumerate(workers, 1):
        try:
            worker = policy.worker(data)
        except WorkerError as exc:
            builder.reject(exc, n)
            continue
        builder.add(worker, n)
    return builder.finish()


def _workers(chunk: list[Worker]) -> pl.DataFrame:
    """Validated workers as a §6 table, each worker's id its position in the chunk (ids
    may repeat in an input; positions do not)."""
    return pl.DataFrame({
        "id": [str(n) for n in range(len(chunk))],
        "started": [w.started for w in chunk],
        "contact": [w.contact for w in chunk],
        "roles": [";".join(r.role if r.since is None else f"{r.role}@{r.since.isoformat()}"
                           for r in w.roles) or None for w in chunk],
        "agency": [w.agency for w in chunk],
        "sector": [w.sector for w in chunk],
        "volunteer": [w.volunteer for w in chunk],
    }, schema=_WORKER_SCHEMA)


def _training(chunk: list[Worker]) -> pl.DataFrame:
    """Every training record of the chunk, `_owner` its worker's position in the chunk."""
    owner: list[int] = []
    columns: tuple[list[Any], ...] = ([], [], [], [], [], [])
    training, completed, delivery, provider, hours, level = columns
    for n, w in enumerate(chunk):
        for r in w.training:
            owner.append(n)
            training.append(r.training)
            completed.append(r.completed)
            delivery.append(r.delivery)
            provider.append(r.provider)
            hours.append(r.hours)
            level.append(r.level)
    return pl.DataFrame(dict(zip(_TRAINING_SCHEMA, (owner, *columns), strict=True)),
                        schema=_TRAINING_SCHEMA)


def _values(column: str, worker: Worker) -> list[str]:
    """The worker's keys under a `by` column other than `group` (role: each role held)."""
    if column == "role":
        return list(dict.fromkeys(r.role for r in worker.roles)) or [NO_ROLE]
    value: Any
    if column in WORKER_COLUMNS:
        value = getattr(worker, column)
        if column == "volunteer":
            value = "volunteer" if value else "not a volunteer"
    else:
        value = worker.extra.get(column)
    if value is None or value == "":
        return [NOT_GIVEN]
    if isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        # Other JSON values as JSON spells them (true, 3, ["a"]), not as Python does.
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return [text if text.isascii() else encodable(text)]
