"""The fast evidence encoder of render/contract_json.py against json itself, byte for byte."""

from __future__ import annotations

import datetime
import json

from hypothesis import given
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES, ROOT
from policyrules.contract.decision import Finding
from policyrules.contract.workers import TrainingRecord, Worker
from policyrules.render.contract_json import _record_js

DURHAM = policyrules.load(ROOT / "policies" / "durham.policy")
FRAMEWORK = policyrules.load(FIXTURES / "framework.policy")
# One rule without hours and one with an hours target (whose course hours fill a gap).
RULES = [DURHAM.model.requirements[0],
         next(r for r in FRAMEWORK.model.requirements if r.hours is not None)]
TRAININGS = sorted({t.id for t in DURHAM.model.trainings}
                   | {t.id for t in FRAMEWORK.model.trainings})
WORKER = Worker("W1", datetime.date(2020, 1, 1), "regular")

# Text with what JSON must escape (quotes, backslashes, controls) and what JSON Lines
# output escapes afterwards (U+2028, U+2029, U+0085), beside ordinary and astral text.
TEXT = st.text(st.sampled_from('ab "\\\n\t\x00\x1f\u2028\u2029\u0085é€😀')
               | st.characters(), max_size=12)
HOURS = (st.none() | st.integers(min_value=0, max_value=10**20)
         | st.floats(min_value=0, allow_infinity=True)
         | st.floats(allow_nan=True))


@given(st.sampled_from(RULES), st.sampled_from(TRAININGS) | TEXT,
       st.sampled_from(["single-agency", "inter-agency"]), HOURS, st.none() | TEXT,
       st.none() | TEXT)
def test_evidence_text_is_what_json_writes(rule: object, training: str, delivery: str,
                                           hours: float | None, provider: str | None,
                                           level: str | None) -> None:
    record = TrainingRecord(training, datetime.date(2024, 2, 29), delivery, provider, hours,
                            level)
    f = Finding(rule, "met", None, (record,), WORKER, datetime.date(2026, 11, 22))  # type: ignore[arg-type]
    expected = json.dumps(f.evidence_dict(record), ensure_ascii=False)
    assert _record_js(f, record) == expected


def test_a_course_s_hours_fill_in_for_a_record_without_any() -> None:
    rule = RULES[1]
    assert rule.hours is not None and rule.hours.defaults
    course, hours = rule.hours.defaults[0]
    record = TrainingRecord(course, datetime.date(2025, 1, 2))
    f = Finding(rule, "met", None, (record,), WORKER, datetime.date(2026, 11, 22))
    assert json.loads(_record_js(f, record))["hours"] == hours
