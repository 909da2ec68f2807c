"""What a finding rests on: the records that count, the latest of them, the anchor date.

Computed here once, by the one function the interpreter decides with; a finding carries
them (`Finding.facts`), and explanations, rendering and `verify`'s oracles only read them.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import attrs

from ..contract.workers import TrainingRecord, latest_record

if TYPE_CHECKING:
    from ..contract.workers import Worker
    from .model import Requirement


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


def facts(rule: Requirement, worker: Worker, as_of: datetime.date) -> Facts:
    counted: list[TrainingRecord] = []
    later: list[TrainingRecord] = []
    for r in worker.training:
        if r.training in rule.satisfied_by:
            (counted if r.completed <= as_of else later).append(r)
    since = rule.role_since(worker)
    return Facts(since, since or worker.started, tuple(counted), latest_record(counted),
                 tuple(later))
