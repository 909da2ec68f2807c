"""What a finding rests on: the records that count, the latest of them, the anchor date.

Computed here once, by the one function the interpreter decides with; a finding carries
them (`Finding.facts`), and explanations, rendering and `verify`'s oracles only read them.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple

import attrs

from ..contract.workers import TrainingRecord, evidence_key, latest_record
from .dates import add
from .units import from_units

if TYPE_CHECKING:
    from ..contract.workers import Worker
    from .model import FromCompletion, Requirement


@attrs.frozen(slots=True)
class Facts:
    """The facts of one requirement for one worker on one day."""

    # The day the worker took the role the deadline counts from (`of role R`); None when
    # the deadline counts from the start, or the worker has never held the role.
    role_since: datetime.date | None
    # The day the deadline counts from: `role_since`, else the start of employment.
    anchor: datetime.date
    # The worker's records of a training that satisfies the requirement, completed on or
    # before the day, in the worker's order.
    counted: tuple[TrainingRecord, ...]
    # The latest of `counted` (of several that day, the canonical first), or None.
    latest: TrainingRecord | None
    # Records of a satisfying training dated after the day: on file, but not counted.
    later: tuple[TrainingRecord, ...]
    # The deadline for doing it at all: `due within` from the anchor (with grace), brought
    # forward to the first `due before first` course; None when there is none (yet).
    deadline: datetime.date | None = None
    # For an hours target: the hours the counted records still in the window add up to.
    hours: float | None = None
    # Records of a satisfying training by the day that do not count: another delivery or
    # provider than the requirement asks for (`delivered`, `provided by`).
    excluded: tuple[TrainingRecord, ...] = ()
    # The first record of the `due before first` course, when its day is the deadline.
    deadline_record: TrainingRecord | None = None


class Records(NamedTuple):
    """The worker's records of a training that satisfies the requirement, by where they
    stand on the day: the part of the facts that one pass over the records gives, and all
    that most explanations need (a tuple: made for every finding of a batch run)."""

    counted: tuple[TrainingRecord, ...]
    later: tuple[TrainingRecord, ...]
    excluded: tuple[TrainingRecord, ...]
    latest: TrainingRecord | None


def facts(rule: Requirement, worker: Worker, as_of: datetime.date,
          known: Records | None = None) -> Facts:
    """All the facts; `known` is `records(rule, worker, as_of)` when already computed."""
    rec = records(rule, worker, as_of) if known is None else known
    since = rule.role_since(worker)
    anchor = rule.anchor(worker, as_of)
    due, first = first_deadline(rule, worker, anchor, as_of)
    return Facts(since, anchor, rec.counted, rec.latest, rec.later, due,
                 _hours(rule, rec.counted, as_of), rec.excluded, first)


def records(rule: Requirement, worker: Worker, as_of: datetime.date) -> Records:
    """The worker's records of a satisfying training: counted (on or before the day), later
    ones, those of the day that a delivery or provider rule leaves out, and the latest
    counted."""
    training = worker.training
    if not training:
        return NO_RECORDS
    satisfied_by = rule.satisfied_by
    mine = [r for r in training if r.training in satisfied_by]
    if not mine:
        return NO_RECORDS
    delivery, provider = rule.delivery, rule.provider
    excluded: list[TrainingRecord] = []
    if delivery is not None or provider is not None:
        kept = []
        for r in mine:
            if (delivery is None or r.delivery == delivery) and (
                    provider is None or r.provider == provider):
                kept.append(r)
            elif r.completed <= as_of:
                excluded.append(r)
        mine = kept
    counted = [r for r in mine if r.completed <= as_of]
    later = () if len(counted) == len(mine) else tuple(r for r in mine if r.completed > as_of)
    return Records(tuple(counted), later, tuple(excluded), latest_record(counted))


NO_RECORDS = Records((), (), (), None)
"""The records of a worker with none of a satisfying training, on file or later: what
the compiled evaluator gives an unmet finding when it knows, so that its explanation
does not go through the records again."""


def first_deadline(rule: Requirement, worker: Worker, anchor: datetime.date,
                   as_of: datetime.date
                   ) -> tuple[datetime.date | None, TrainingRecord | None]:
    """The deadline for doing it at all, and the record of the `due before first` course
    when that record's day is the deadline."""
    due = None
    if rule.within is not None:
        due = add(anchor, rule.within)
        if rule.grace is not None:
            due = add(due, rule.grace)
    if rule.before_first is not None:
        first = first_record(rule.before_first, worker, as_of)
        if first is not None and (due is None or first.completed < due):
            return first.completed, first
    return due, None


def first_record(anchor: FromCompletion, worker: Worker,
                 as_of: datetime.date) -> TrainingRecord | None:
    """The earliest record of the course (or one counting as it) by as_of; of several that
    day the canonical first, so that the choice does not depend on the records' order."""
    done = [r for r in worker.training if r.training in anchor.trainings and r.completed <= as_of]
    return min(done, key=lambda r: (r.completed, evidence_key(r))) if done else None


def _hours(rule: Requirement, counted: tuple[TrainingRecord, ...],
           as_of: datetime.date) -> float | None:
    target = rule.hours
    if target is None:
        return None
    window = target.window
    return from_units(sum(target.units_of(r.training, r.hours) for r in counted
                          if window is None or as_of <= add(r.completed, window)))
