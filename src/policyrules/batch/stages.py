"""The stages a chunk of records goes through between reading and writing, in order.

    read → validate → decide → log → encode → write

`read` (read.py) yields chunks of raw records; each chunk then passes through the
functions of `STAGES`, in the order of that tuple, as sqlglot runs its optimiser passes;
`write` (write.py) puts the result out. The same `process` runs in this process and in
`--jobs` worker processes, so a chunk decided in either is the same bytes.
`Policy.evaluate_many` runs `DECIDE` (the stages before `encode`) on chunks of the
caller's records. `log` adds nothing to a record: when the run keeps a decision log
(log.py), it makes each record's log entry, which the caller takes with `Job.take_log`.

Every stage takes the `Job` (what does not change during a run) and a list, and returns a
list: one call per chunk, a list comprehension per record, so that splitting the work
into stages costs next to nothing per record.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, cast

from ..contract.decision import Decision
from ..contract.log import Entry, entry
from ..contract.shape import NotUsual, each_as_read
from ..contract.validation import date_range_error
from ..contract.workers import Worker
from ..errors import WorkerError
from ..policy import Policy
from ..records import Raw
from ..records import validate as validate_record
from ..records.jsonl import split_lines
from ..records.raw import WithTraining
from ..render.formats import OutputFormat
from ..render.keep import raw_values
from ..semantics.dates import OutsideCalendar


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

    __slots__ = ("as_of", "counts", "fused", "keep", "log", "logged", "policy", "rows",
                 "stages")

    def __init__(self, policy: Policy, as_of: datetime.date, rows: Rows | None = None,
                 keep: Sequence[str] = (), *, log: str | None = None) -> None:
        """`rows` encodes each record (not needed by `DECIDE`); `keep` names input columns
        carried into the output (`evaluate --keep`); `log` names the position in the log
        entries ("line" in a file, "index" in `evaluate_many`), None for no log."""
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.counts = Counts()
        self.keep = tuple(keep)
        self.log = log
        self.logged: list[Entry] = []
        # A format whose text the compiled evaluator's text form writes, when nothing else
        # needs the Decision (a log entry is made from it): then `decide_encode` does both.
        self.fused = (rows if isinstance(rows, OutputFormat) and rows.fuses and log is None
                      else None)
        self.stages = STAGES if self.fused is None else FUSED

    def take_log(self) -> list[Entry]:
        """The log entries made since the last call, in input order."""
        entries, self.logged = self.logged, []
        return entries


# Each record keeps its raw form beside it (a reference, no copy) for the log stage.
Validated = tuple[int, Raw, Worker | WorkerError]
Decided = tuple[int, Raw, Worker | WorkerError, Decision | None]


def validate(job: Job, chunk: Sequence[tuple[int, Raw]]) -> list[Validated]:
    """Raw records → workers (CONTRACT §1), or the WorkerError that says what is wrong."""
    policy = job.policy
    return [(line, raw, validate_record(policy, line, raw)[2]) for line, raw in chunk]


def decide(job: Job, chunk: Sequence[Validated]) -> list[Decided]:
    """Each worker's decision on the day of the run, counted; a rejected record stays one."""
    evaluate, as_of, counts = job.policy.evaluate_checked, job.as_of, job.counts
    out: list[Decided] = []
    for line, raw, w in chunk:
        if isinstance(w, WorkerError):
            counts.rejected += 1
            out.append((line, raw, w, None))
            continue
        try:
            d = evaluate(w, as_of)
        except WorkerError as exc:  # a deadline after 9999-12-31 (DateRangeError)
            counts.rejected += 1
            out.append((line, raw, exc, None))
            continue
        if d.compliant:
            counts.compliant += 1
        else:
            counts.not_compliant += 1
        out.append((line, raw, w, d))
    return out


def decide_encode(job: Job, chunk: Sequence[Validated]) -> list[Any]:
    """`decide` then `encode` in one step, for a format whose text the compiled
    evaluator's text form writes (`OutputFormat.fuses`): the same text and counts,
    without making a `Decision` for each worker."""
    return _decide_text(job, ((line, w) for line, _, w in chunk))


def decide_lines(job: Job, first: int, block: bytes | memoryview,
                 lines: list[bytes] | None = None) -> list[Any] | None:
    """A block of JSON Lines whose first line is line `first`, validated, decided and
    encoded in one step, when the job's format fuses (`decide_encode`) and every line of
    the block is a worker of the usual shape with no problem (`shape.usual_lines`): the
    same text and counts as `process` on its lines. Else None: the caller reads the block
    the general way (`read.split_block`), which words each line's problem. `lines`: the
    block's lines (`records.jsonl.split_lines`), when the reader has split it already.

    Such a block is never decoded to text nor split into records, and its lines do not
    pass from stage to stage: about 5% of the instructions a worker of `evaluate`'s
    JSON Lines (docs/cli.md). Nor is a `Worker` or a training record built: the text form
    reads each line as msgspec decoded it (`shape.each_as_read`), each written before the
    next is decoded. A line found not usual part way drops the texts made so far; the
    job's counts are added to only once the block is done."""
    if job.fused is None:
        return None
    if lines is None:
        lines = split_lines(block if type(block) is bytes else bytes(block))
    try:
        return _decide_text(job, zip(itertools.count(first),
                                     each_as_read(lines, job.policy.model.role_names)))
    except NotUsual:
        return None


def _decide_text(job: Job, items: Iterable[tuple[int, Worker | WorkerError]]) -> list[Any]:
    """Each (line, worker or its error) decided and written in the job's fused format.
    The job's counts are added to at the end: an exception from `items` leaves them as
    they were."""
    fmt = job.fused
    assert fmt is not None, "a fused job has a format that fuses"
    write, as_of = job.policy.text_writer(), job.as_of
    kit, error = fmt.kit(job.policy.model), fmt.error
    out: list[Any] = []
    met = rejected = 0
    for line, w in items:
        if isinstance(w, WorkerError):
            rejected += 1
            out.append(error(line, w))
            continue
        try:
            text, compliant = write(w, as_of, kit)  # `Policy.evaluate_text`, without a call
        except OutsideCalendar as exc:  # a deadline after 9999-12-31
            rejected += 1
            out.append(error(line, date_range_error(w, exc)))
            continue
        if compliant:
            met += 1
        out.append(text)
    job.counts.add((met, len(out) - met - rejected, rejected))
    return out


def log(job: Job, chunk: Sequence[Decided]) -> Sequence[Decided]:
    """Each record's decision log entry, kept in the job, when the run keeps a log."""
    if job.log is not None:
        key, policy, as_of = job.log, job.policy, job.as_of
        # No decision means `w` is the record's WorkerError (see `decide`). A record with
        # a training file's records added is hashed with them, as it was decided.
        job.logged.extend(entry(policy, as_of, key, line,
                                raw.record if isinstance(raw, WithTraining) else raw,
                                d if d is not None else cast(WorkerError, w))
                          for line, raw, w, d in chunk)
    return chunk


def encode(job: Job, chunk: Sequence[Decided]) -> list[Any]:
    """Each record in the run's format (text for a machine format, rows for a table)."""
    assert job.rows is not None, "a job that encodes has rows"
    decision, error = job.rows.decision, job.rows.error
    if job.keep:
        # A rejected record has no Worker to read kept columns from: its raw form has them.
        keep = job.keep
        return [decision(line, w, d) if d is not None  # type: ignore[arg-type]
                else error(line, w, raw_values(raw, keep))  # type: ignore[arg-type]
                for line, raw, w, d in chunk]
    return [decision(line, w, d) if d is not None else error(line, w)  # type: ignore[arg-type]
            for line, _, w, d in chunk]


Stage = Callable[[Job, Any], Sequence[Any]]
DECIDE: tuple[Stage, ...] = (validate, decide, log)
STAGES: tuple[Stage, ...] = (*DECIDE, encode)
# The same, when no stage but `encode` reads a Decision (Job.fused).
FUSED: tuple[Stage, ...] = (validate, decide_encode)


def process(job: Job, chunk: Sequence[tuple[int, Raw]],
            stages: tuple[Stage, ...] | None = None) -> list[Any]:
    """A chunk of raw records through `stages` (the job's own by default: `STAGES`, or
    `FUSED`): what each record becomes, in order."""
    items: Any = chunk
    for stage in job.stages if stages is None else stages:
        items = stage(job, items)
    return items  # type: ignore[no-any-return]
