"""The quick path of training-record validation (contract/validation.py `_record`, and the
records it keeps for workers who share one) against the full path, on good and bad records
alike: the same record, or the same problems, every time."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from policyrules.contract.validation import _full_record, _record
from policyrules.errors import Problem

_TEXT = st.sampled_from(["in-house", "level 2", "", "é", "\ud800", "x\u2028"])
_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 1.0, -1.5, math.nan,
                                                                   math.inf, 1e400, 10**7]),
    _TEXT, st.lists(st.integers(0, 2), max_size=2), st.just({"a": 1}))
_DATES = st.sampled_from(["2024-02-29", "2025-02-30", "9999-12-31", "10000-01-01",
                          "2025-01-01T10:00:00", "2025-1-1", "", "2025-06-01"])
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "training": st.sampled_from(["safeguarding-induction", "level-3", "", "é-course",
                                     "\ud800"]) | _VALUE,
        "completed": _DATES | _VALUE,
        "delivery": st.sampled_from(["single-agency", "inter-agency", "interagency", ""])
        | _VALUE,
        "provider": _TEXT | _VALUE,
        "level": _TEXT | _VALUE,
        "hours": _VALUE,
        "notes": _TEXT | _VALUE,  # an unknown field: kept
    })


def _full(item: Any) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    return _full_record(item, 0, problems), problems


def _same(a: object, b: object) -> bool:
    # A record's `extra` is not part of its equality: compare it too.
    return a == b and getattr(a, "extra", None) == getattr(b, "extra", None) and (
        repr(getattr(a, "hours", None)) == repr(getattr(b, "hours", None)))


@given(st.lists(RECORDS | _VALUE, min_size=1, max_size=6), st.data())
def test_the_quick_path_is_the_full_path(items: list[Any], data: st.DataObject) -> None:
    # Each record twice or more, in a drawn order, so that records kept from an earlier
    # one are used for a later equal one (or must not be, for one that differs).
    order = data.draw(st.lists(st.sampled_from(items), min_size=len(items),
                               max_size=3 * len(items)))
    # And good records that differ from one another in the type of their hours alone.
    good = {"training": "level-3", "completed": "2025-06-01", "provider": "in-house"}
    alike = [{**good, "hours": h}
             for h in data.draw(st.permutations([1, 1.0, True, 0, False, 0.0]))]
    for item in [*items, *order, *alike]:
        expected, expected_problems = _full(item)
        problems: list[Problem] = []
        got = _record(item, 0, problems)
        assert _same(got, expected), (item, got, expected)
        assert repr(problems) == repr(expected_problems)  # NaN is not equal to itself


def test_an_unknown_field_in_place_of_a_null_is_kept() -> None:
    # The same length and the same known values as a record seen before, but a field that
    # is not known where that one had a null: not the record kept for it.
    first = {"training": "level-3", "completed": "2025-06-01", "provider": None}
    second = {"training": "level-3", "completed": "2025-06-01", "notes": "n"}
    assert _record(first, 0, []) is not None
    record = _record(second, 0, [])
    assert record is not None and record.extra == {"notes": "n"}
