"""Date arithmetic: relativedelta with month ends clipped (CONTRACT §2)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from policyrules.language.nodes import Duration
from policyrules.semantics.dates import add, parse_iso_date

D = datetime.date


@pytest.mark.parametrize("day, duration, expected", [
    (D(2025, 8, 31), Duration(6, "months"), D(2026, 2, 28)),
    (D(2024, 2, 29), Duration(3, "years"), D(2027, 2, 28)),
    (D(2024, 2, 29), Duration(4, "years"), D(2028, 2, 29)),
    (D(2026, 1, 31), Duration(1, "months"), D(2026, 2, 28)),
    (D(2026, 12, 25), Duration(2, "weeks"), D(2027, 1, 8)),
    (D(2026, 12, 31), Duration(1, "days"), D(2027, 1, 1)),
])
def test_known_cases(day: datetime.date, duration: Duration, expected: datetime.date) -> None:
    assert add(day, duration) == expected


@given(st.dates(D(1990, 1, 1), D(2090, 12, 31)), st.integers(1, 60),
       st.sampled_from(["days", "weeks", "months", "years"]))
def test_add_is_relativedelta(day: datetime.date, amount: int, unit: str) -> None:
    assert add(day, Duration(amount, unit)) == day + relativedelta(**{unit: amount})


@given(st.dates(D(1990, 1, 1), D(2090, 12, 31)), st.integers(1, 36))
def test_month_addition_never_overflows_the_month(day: datetime.date, months: int) -> None:
    result = add(day, Duration(months, "months"))
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or result.day < day.day


@pytest.mark.parametrize("text", ["2026-1-1", "2026-01-01T00:00", "20260101", "2026-W01-1",
                                  " 2026-01-01", "2026-02-30"])
def test_strict_iso_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_date(text)
