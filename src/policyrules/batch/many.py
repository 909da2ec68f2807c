"""`Policy.evaluate_many`: the stages of a batch run (validate → decide → log) on the
caller's records, each record's Decision or WorkerError given back in input order."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, cast

from ..contract.decision import Decision
from ..contract.log import DecisionLog, Entry
from ..errors import WorkerError
from ..records import Raw
from .stages import DECIDE, Job, process

if TYPE_CHECKING:
    from ..policy import Policy, WorkerLike

# Records read ahead of the first decision given back: enough that the per-chunk cost of
# the stages vanishes, few enough that a slow source is not kept waiting long.
CHUNK = 256

LogTarget = DecisionLog | str | os.PathLike[str] | IO[str] | Callable[[Entry], None]


def evaluate_many(policy: Policy, records: Iterable[WorkerLike], as_of: datetime.date,
                  log: LogTarget | None = None) -> Iterator[Decision | WorkerError]:
    """Each record of `records` decided on `as_of` (already checked to be a date), lazily,
    `CHUNK` records at a time. A WorkerError gets the record's 0-based `index`."""
    owned = log is not None and not isinstance(log, DecisionLog)
    sink = None if log is None else log if isinstance(log, DecisionLog) else DecisionLog(log)
    job = Job(policy, as_of, log="index" if sink is not None else None)
    items = iter(enumerate(records))
    try:
        while chunk := [(i, _raw(policy, r)) for i, r in islice(items, CHUNK)]:
            decided = process(job, chunk, DECIDE)
            # An entry is logged as its record is given back: a caller that stops early
            # (islice) leaves no entry for a decision it never received.
            entries = job.take_log()  # empty without a log
            for n, (index, _, w, d) in enumerate(decided):
                if sink is not None:
                    sink.add(entries[n])
                if d is not None:
                    yield d
                else:
                    error = cast(WorkerError, w)
                    error.index = index
                    yield error
            if sink is not None:
                sink.flush()
    finally:
        if sink is not None:
            sink.flush()
            if owned:
                sink.close()


def _raw(policy: Policy, record: Any) -> Raw:
    """A record as the validate stage takes it. Text is refused here: the stage would read
    it as a line of JSON, and a caller's string is not a worker record."""
    if isinstance(record, str):
        try:
            policy.worker(record)  # type: ignore[arg-type]  # raises: not an object
        except WorkerError as exc:
            return exc
    # A `Worker` goes on as it is: validate hands it to `Policy.worker`, which checks it.
    return cast(Raw, record)
