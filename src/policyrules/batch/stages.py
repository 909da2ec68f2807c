"""The stages a chunk of records goes through between reading and writing, in order.

    read → validate → decide → encode → write

`read` (read.py) yields chunks of raw records; each chunk then passes through the
functions of `STAGES`, in the order of that tuple, as sqlglot runs its optimiser passes;
`write` (write.py) puts the result out. The same `process` runs in this process and in
`--jobs` worker processes, so a chunk decided in either is the same bytes.

Every stage takes the `Job` (what does not change during a run) and a list, and returns a
list: one call per chunk, a list comprehension per record, so that splitting the work
into stages costs next to nothing per record.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..contract.decision import Decision
from ..contract.workers import Worker
from ..errors import WorkerError
from ..policy import Policy
from ..records import Raw
from ..records import validate as validate_record
from ..render.keep import raw_values


class Counts:
    """How many records of a run were compliant, not compliant and rejected."""

    __slots__ = ("compliant", "not_compliant", "rejected")

    def __init__(self, compliant: int = 0, not_compliant: int = 0, rejected: int = 0) -> None:
        self.compliant = compliant
        self.not_compliant = not_compliant
        self.rejected = rejected

    @property
    def total(self) -> int:
        return self.compliant + self.not_compliant + self.rejected

    def add(self, other: tuple[int, int, int]) -> None:
        self.compliant += other[0]
        self.not_compliant += other[1]
        self.rejected += other[2]

    def as_tuple(self) -> tuple[int, int, int]:
        return self.compliant, self.not_compliant, self.rejected


class Rows(Protocol):
    """What an encoder turns one record into (a format's text, or a table's rows)."""

    def decision(self, line: int, worker: Worker, d: Decision) -> Any: ...

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> Any: ...


class Job:
    """What every chunk of one run shares: the checked policy, the day, the encoder, and
    the counts so far. Built once per process (in each `--jobs` worker, from the policy the
    parent sends it)."""

    __slots__ = ("as_of", "counts", "keep", "kept", "policy", "rows")

    def __init__(self, policy: Policy, as_of: datetime.date, rows: Rows,
                 keep: Sequence[str] = ()) -> None:
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.counts = Counts()
        self.keep = tuple(keep)  # `evaluate --keep`: input columns carried into the output
        # The kept columns of the chunk's rejected records, by line, from `validate` to
        # `encode`: a rejected record has no Worker to read them from.
        self.kept: dict[int, list[Any]] = {}


Validated = tuple[int, Worker | WorkerError]
Decided = tuple[int, Worker | WorkerError, Decision | None]


def validate(job: Job, chunk: Sequence[tuple[int, Raw]]) -> list[Validated]:
    """Raw records → workers (CONTRACT §1), or the WorkerError that says what is wrong."""
    policy = job.policy
    if not job.keep:
        return [(line, validate_record(policy, line, raw)[2]) for line, raw in chunk]
    out: list[Validated] = []
    for line, raw in chunk:
        w = validate_record(policy, line, raw)[2]
        if isinstance(w, WorkerError):
            job.kept[line] = raw_values(raw, job.keep)
        out.append((line, w))
    return out


def decide(job: Job, chunk: Sequence[Validated]) -> list[Decided]:
    """Each worker's decision on the day of the run, counted; a rejected record stays one."""
    evaluate, as_of, counts = job.policy.evaluate_checked, job.as_of, job.counts
    out: list[Decided] = []
    for line, w in chunk:
        if isinstance(w, WorkerError):
            counts.rejected += 1
            out.append((line, w, None))
            continue
        try:
            d = evaluate(w, as_of)
        except WorkerError as exc:  # a deadline after 9999-12-31 (DateRangeError)
            counts.rejected += 1
            out.append((line, exc, None))
            continue
        if d.compliant:
            counts.compliant += 1
        else:
            counts.not_compliant += 1
        out.append((line, w, d))
    return out


def encode(job: Job, chunk: Sequence[Decided]) -> list[Any]:
    """Each record in the run's format (text for a machine format, rows for a table)."""
    decision, error = job.rows.decision, job.rows.error
    if job.keep:
        kept = job.kept
        return [decision(line, w, d) if d is not None  # type: ignore[arg-type]
                else error(line, w, kept.pop(line, ()))  # type: ignore[arg-type]
                for line, w, d in chunk]
    return [decision(line, w, d) if d is not None else error(line, w)  # type: ignore[arg-type]
            for line, w, d in chunk]


Stage = Callable[[Job, Any], list[Any]]
STAGES: tuple[Stage, ...] = (validate, decide, encode)


def process(job: Job, chunk: Sequence[tuple[int, Raw]]) -> list[Any]:
    """A chunk of raw records through every stage: what each record becomes, in order."""
    items: Any = chunk
    for stage in STAGES:
        items = stage(job, items)
    return items  # type: ignore[no-any-return]
