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
from policyrules.render import DecisionJson
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
    assert _record_js(f.rule, record) == expected


def test_a_course_s_hours_fill_in_for_a_record_without_any() -> None:
    rule = RULES[1]
    assert rule.hours is not None and rule.hours.defaults
    course, hours = rule.hours.defaults[0]
    record = TrainingRecord(course, datetime.date(2025, 1, 2))
    f = Finding(rule, "met", None, (record,), WORKER, datetime.date(2026, 11, 22))
    assert json.loads(_record_js(f.rule, record))["hours"] == hours


# Workers who share a record (the same fields) share one validated TrainingRecord, whose
# evidence text is encoded once per encoder. Records drawn from a small pool, so that they
# repeat across workers, with hours of every JSON kind (1, 1.0 and true are equal keys).
_POOL_HOURS = st.sampled_from([None, 1, 1.0, 2, 2.5, True, -1, 0])
_POOL = st.lists(st.fixed_dictionaries(
    {"training": st.sampled_from(TRAININGS[:6]),
     "completed": st.sampled_from(["2024-02-29", "2025-06-01", "2026-01-31", "2025-02-30"])},
    optional={"hours": _POOL_HOURS, "provider": st.sampled_from(["in-house", "é"]),
              "level": st.sampled_from(["level 1", "level 2"]),
              "delivery": st.sampled_from(["single-agency", "inter-agency", "x"])}),
    min_size=1, max_size=5)


@given(st.sampled_from([DURHAM, FRAMEWORK]), _POOL,
       st.lists(st.lists(st.integers(0, 4), max_size=4), min_size=1, max_size=6))
def test_workers_sharing_records_get_the_text_json_writes(
        policy: policyrules.Policy, pool: list[dict[str, object]],
        picks: list[list[int]]) -> None:
    from policyrules.render import DecisionJson

    encode = DecisionJson()  # one encoder for the run, as `evaluate` has
    for n, pick in enumerate(picks):
        record = {"id": f"W{n}", "started": "2023-01-01", "contact": "predominant",
                  "training": [dict(pool[i % len(pool)]) for i in pick]}
        try:
            decision = policy.evaluate(record, as_of=datetime.date(2026, 11, 22))
        except policyrules.WorkerError as exc:  # the same record must fail every time
            with_copy = {**record, "training": [dict(t) for t in record["training"]]}
            try:
                policy.evaluate(with_copy, as_of=datetime.date(2026, 11, 22))
            except policyrules.WorkerError as again:
                assert str(again) == str(exc)
            else:
                raise AssertionError("an invalid record was accepted the second time")
            continue
        assert encode.text(decision, "") == json.dumps(decision.to_dict(), ensure_ascii=False)


def test_equal_hours_of_another_type_are_not_taken_for_each_other() -> None:
    def hours_shown(hours: object) -> object:
        record = {"id": "W1", "started": "2023-01-01", "contact": "predominant",
                  "training": [{"training": "safeguarding-induction",
                                "completed": "2023-02-01", "hours": hours}]}
        return DURHAM.worker(record).training[0].hours

    assert repr(hours_shown(1)) == "1"
    assert repr(hours_shown(1.0)) == "1.0"  # not the record with int hours read before
    try:
        hours_shown(True)
    except policyrules.WorkerError as exc:
        assert exc.field == "training[0].hours" and "not True" in exc.message
    else:
        raise AssertionError("hours: true was accepted")


# The usual met finding is written from parts kept per rule and record, with the worker's
# id put into its explanation each time (render/contract_json.py `_Rule`):
# ids that JSON must escape, for workers who share every record, in one encoder.
@given(st.lists(TEXT.filter(lambda s: s.strip() != ""), min_size=2, max_size=5),
       st.booleans())
def test_a_kept_met_finding_names_each_worker(ids: list[str], explain: bool) -> None:
    from policyrules.contract.explain import in_one_step
    from policyrules.render import DecisionJson

    encode = DecisionJson(explain=explain)
    training = [{"training": "safeguarding-induction", "completed": "2025-06-01",
                 "provider": "in-house", "hours": 3, "level": "level 1"}]
    ones = accepted = 0
    for wid in ids:
        record = {"id": wid, "started": "2025-03-01", "contact": "regular",
                  "training": training}
        try:
            decision = DURHAM.evaluate(record, as_of=datetime.date(2026, 11, 22))
        except policyrules.WorkerError:  # an id UTF-8 cannot hold
            continue
        accepted += 1
        ones += sum(in_one_step(f) for f in decision.findings)
        expected = decision.to_dict()
        if not explain:
            for f in expected["findings"]:
                del f["explanation"]
        assert encode.text(decision, "") == json.dumps(expected, ensure_ascii=False)
    assert ones >= accepted  # every worker's induction is met, and written in one step


# The usual met finding is written from its rule's parts, its record's text and the
# explanation's words (render/contract_json.py `_Rule`): with validation's kept records
# cleared as often as they can be, among findings written the general way, every
# decision is still json's text.
@given(st.sampled_from([DURHAM, FRAMEWORK]), _POOL,
       st.lists(st.lists(st.integers(0, 4), max_size=4), min_size=1, max_size=6),
       st.sampled_from([1, 2, 3]))
def test_met_findings_from_their_parts_are_json_with_little_kept(
        policy: policyrules.Policy, pool: list[dict[str, object]],
        picks: list[list[int]], kept: int) -> None:
    from policyrules.contract import shape, validation
    from policyrules.render import DecisionJson

    bounds = validation.RECORDS_KEPT, shape.RECORDS_KEPT
    validation.RECORDS_KEPT = shape.RECORDS_KEPT = kept
    try:
        encode = DecisionJson()
        for n, pick in enumerate(picks):
            record = {"id": f"W\"{n}", "started": "2023-01-01", "contact": "predominant",
                      "roles": ["trainer"],
                      "training": [dict(pool[i % len(pool)]) for i in pick]}
            try:
                decision = policy.evaluate(record, as_of=datetime.date(2026, 11, 22))
            except policyrules.WorkerError:
                continue
            assert encode.text(decision, "") == json.dumps(decision.to_dict(),
                                                           ensure_ascii=False)
    finally:
        validation.RECORDS_KEPT, shape.RECORDS_KEPT = bounds


# An undated finding whose worker has no record of its rule is written from explain.py's
# own text for a stand-in id, cut where the id goes (render/contract_json.py
# `_unrecorded`): for every policy, contact and role, ids that JSON must escape,
# and records of other courses (some dated after the day, which the words then mention
# when they are the rule's own), each decision is still json's text.
FEATURES = policyrules.load(FIXTURES / "features.policy")


@given(st.sampled_from([DURHAM, FRAMEWORK, FEATURES]),
       st.lists(st.tuples(TEXT.filter(lambda s: s.strip() != ""),
                          st.sampled_from(["none", "occasional", "regular", "predominant"]),
                          st.lists(st.sampled_from(["trainer", "supervisor", "designated-lead",
                                                    "foster-carer"]), max_size=2),
                          st.lists(st.tuples(st.sampled_from(TRAININGS),
                                             st.sampled_from(["2025-06-01", "2027-01-01"])),
                                   max_size=2),
                          st.booleans()),
                min_size=1, max_size=6))
def test_unrecorded_findings_from_a_stand_in_are_json(
        policy: policyrules.Policy,
        workers: list[tuple[str, str, list[str], list[tuple[str, str]], bool]]) -> None:
    from policyrules.render import DecisionJson
    from policyrules.semantics.facts import NO_RECORDS

    encode = DecisionJson()
    made = 0
    for wid, contact, roles, records, volunteer in workers:
        record = {"id": wid, "started": "2023-01-01", "contact": contact,
                  "roles": [r for r in roles if r in policy.model.role_names],
                  "volunteer": volunteer,
                  "training": [{"training": t, "completed": day} for t, day in records]}
        try:
            decision = policy.evaluate(record, as_of=datetime.date(2026, 11, 22))
        except policyrules.WorkerError:  # an id UTF-8 cannot hold
            continue
        made += sum(f.due is None and f.rule.hours is None and f.records is NO_RECORDS
                    for f in decision.findings)
        assert encode.text(decision, "\n") == json.dumps(decision.to_dict(),
                                                         ensure_ascii=False) + "\n"
    # The stand-in's words were taken whenever such a finding was written.
    assert any(kept.unrecorded for kept in encode._rules.values()) == (made > 0)


def test_unrecorded_words_are_cut_at_the_id_alone() -> None:
    # An id that holds a stand-in's character is still written as itself; words of the
    # rule's own that held one would be written the general way.
    import attrs

    from policyrules.contract.decision import Decision
    from policyrules.render import DecisionJson
    from policyrules.semantics.facts import NO_RECORDS

    rule = next(r for r in DURHAM.model.requirements if r.id == "child-development")
    as_of = datetime.date(2026, 11, 22)
    decision = DURHAM.evaluate({"id": "W\x01\x00", "started": "2023-01-01",
                                "contact": "regular"}, as_of=as_of)
    assert decision.finding(rule.id) is not None
    encode = DecisionJson()
    assert encode.text(decision, "") == json.dumps(decision.to_dict(), ensure_ascii=False)
    assert len(encode._rule(rule).unrecorded["overdue"]) == 2  # cut at the id
    # Words that hold a marker's lead alone are a template still; words that hold a marker
    # (`\x00` then a letter, or its JSON escape written out) are written the general way.
    worker = Worker("W1", datetime.date(2023, 1, 1), "regular")
    for words, templated in (("Words with \x00 and \x01 in them", True),
                             ("Words with \x00i and \x01i in them", False),
                             ("Words with \x00d in them", False),
                             ("Words with \\u0000i in them", False)):
        odd = attrs.evolve(rule, explain=words)
        finding = Finding(odd, "overdue", None, (), worker, as_of, NO_RECORDS)
        made = Decision("W1", "durham", as_of, (), (finding,), ())
        assert encode.text(made, "") == json.dumps(made.to_dict(), ensure_ascii=False)
        assert (encode._rule(odd).unrecorded["overdue"] != ()) == templated, words


# The encoder against json itself for generated workers of every shipped policy and the
# language's features, on generated days (month ends, leap days, records after the day):
# one encoder for several workers in a row, as a run has, with and without explanations.
# Whatever it writes from parts kept per rule (render/contract_json.py `_Rule`) must be
# the text of `Decision.to_dict()`.
_POLICIES = [DURHAM, FRAMEWORK, FEATURES,
             policyrules.load(ROOT / "policies" / "pan_lancashire.policy")]


@given(st.data(), st.booleans())
def test_generated_decisions_are_the_json_of_their_dicts(data: st.DataObject,
                                                         explain: bool) -> None:
    from policyrules.testing import as_of_dates, workers

    policy = data.draw(st.sampled_from(_POLICIES))
    encode = DecisionJson(explain=explain)
    for _ in range(data.draw(st.integers(1, 4))):
        worker = data.draw(workers(policy, details=True))
        as_of = data.draw(as_of_dates())
        decision = policy.evaluate(worker, as_of=as_of)
        expected = decision.to_dict()
        if not explain:
            for f in expected["findings"]:
                del f["explanation"]
        text = encode.text(decision, "\n")
        assert text == json.dumps(expected, ensure_ascii=False) + "\n"
        assert json.loads(text) == expected
