"""Hours targets: which records reach `at least N hours [within P]`, and until when.

A record counts from the day it was completed to that day + P, inclusive (docs/language.md
says why this and not `as_of − P`). Hours are added as whole units (`units.units`), so a
total never depends on the order it was added in. Both row engines call these; the columnar engine
computes the same in whole columns, and the differential test holds them together.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ..contract.workers import TrainingRecord, evidence_key
from .dates import add
from .model import Hours


def reach(hours: Hours, counted: Iterable[TrainingRecord], as_of: datetime.date
          ) -> tuple[bool, datetime.date | None, tuple[TrainingRecord, ...]]:
    """Whether the target is met on as_of; if so, until when (None: no window) and the
    records that reach it, newest first."""
    window = hours.window
    live = [r for r in counted if window is None or as_of <= add(r.completed, window)]
    live.sort(key=lambda r: (-r.completed.toordinal(), evidence_key(r)))
    total, target = 0, hours.target_units
    for i, r in enumerate(live):
        total += hours.units_of(r.training, r.hours)
        if total >= target and window is not None:
            return True, add(r.completed, window), tuple(live[:i + 1])
    if total >= target:
        return True, None, tuple(live)
    return False, None, ()


def lapsed(hours: Hours, counted: Iterable[TrainingRecord]) -> datetime.date | None:
    """The last day on which the records reached the target (before as_of, when it is not
    met on as_of), if ever: the total only falls after some record's last day, so those
    are the candidates."""
    window = hours.window
    if window is None:
        return None
    records = list(counted)
    best = None
    for r in records:
        day = add(r.completed, window)
        total = sum(hours.units_of(x.training, x.hours) for x in records
                    if x.completed <= day <= add(x.completed, window))
        if total >= hours.target_units and (best is None or day > best):
            best = day
    return best
