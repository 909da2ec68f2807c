"""Dates: strict ISO parsing and the one helper that adds a duration (CONTRACT §2)."""

from __future__ import annotations

import datetime
import functools
import re

from dateutil.relativedelta import relativedelta

from ..errors import PolicyError
from ..language.nodes import Duration

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class OutsideCalendar(PolicyError):
    """Date arithmetic went past 9999-12-31 (or before 0001-01-01): `day` + `durations`.

    Raised while evaluating; `Policy` turns it into a `DateRangeError` naming the worker
    and the fields that hold `day`.
    """

    def __init__(self, day: datetime.date, durations: tuple[Duration, ...]) -> None:
        self.day = day
        self.durations = durations
        added = " + ".join(str(d) for d in durations)
        super().__init__(f"{day.isoformat()} + {added} is outside the calendar")


@functools.lru_cache(maxsize=1 << 16)
def add(day: datetime.date, duration: Duration) -> datetime.date:
    """`day` + `duration`, calendar arithmetic clipped to the month's end.

    relativedelta clips (2025-08-31 + 6 months = 2026-02-28). Cached: a workforce has few
    distinct start and completion dates, and both the compiled evaluator and the
    interpreter call this, so they agree by construction.
    """
    try:
        result: datetime.date = day + _step(duration)
    except (ValueError, OverflowError):  # year 10000 (or 0) is out of range
        raise OutsideCalendar(day, (duration,)) from None
    return result


@functools.cache
def _step(duration: Duration) -> relativedelta:
    """The relativedelta of a duration, made once: a policy has few durations, and each
    new day a batch run meets is added to each of them."""
    return relativedelta(**{duration.unit: duration.amount})  # type: ignore[arg-type]


def shift(day: datetime.date, durations: tuple[Duration, ...]) -> datetime.date:
    """`day` + each of `durations` in turn; past the calendar's end, the error names `day`
    itself (the worker's date), not a date computed on the way."""
    result = day
    try:
        for d in durations:
            result = add(result, d)
    except OutsideCalendar:
        raise OutsideCalendar(day, durations) from None
    return result


@functools.lru_cache(maxsize=1 << 16)
def parse_iso_date(text: str) -> datetime.date:
    """`YYYY-MM-DD` only: a date-time, a week date or a compact form is refused.

    Cached: a workforce's records repeat the same few thousand dates.
    """
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("not a date in the form YYYY-MM-DD")
    return datetime.date.fromisoformat(text)


def is_plain_date(value: object) -> bool:
    """A date and not a datetime (datetime is a subclass of date)."""
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


@functools.lru_cache(maxsize=1 << 16)
def iso(day: datetime.date) -> str:
    """`day.isoformat()`, cached: output repeats the same few thousand dates many times."""
    return day.isoformat()
