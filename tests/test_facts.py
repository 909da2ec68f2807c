"""A finding's facts (semantics/facts.py): computed once, the same from either engine, and
what explanations, rendering and verify's oracles read."""

import datetime
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import FIXTURES
from policyrules.contract.decision import Finding
from policyrules.contract.workers import TrainingRecord
from policyrules.semantics.facts import NO_RECORDS, Facts
from strategies import DAYS, worker_dicts

POLICY = policyrules.load(FIXTURES / "features.policy")
ROLES = sorted(POLICY.model.role_names)
TRAININGS = [t.id for t in POLICY.model.trainings]


def test_facts_of_a_role_deadline_with_records_before_and_after(
        features: policyrules.Policy) -> None:
    worker = {"id": "S1", "started": "2024-02-01", "contact": "regular",
              "roles": [{"role": "supervisor", "since": "2025-03-10"},
                        {"role": "supervisor", "since": "2025-01-20"}],
              "training": [{"training": "supervision-course", "completed": "2025-04-02"},
                           {"training": "induction-course", "completed": "2024-03-01"},
                           {"training": "supervision-course", "completed": "2025-02-14"},
                           {"training": "supervision-course", "completed": "2026-01-09"}]}
    f = features.evaluate(worker, as_of=datetime.date(2025, 6, 1)).finding("supervision")
    assert f is not None
    facts = f.facts
    assert facts.role_since == datetime.date(2025, 1, 20)  # the earliest assignment
    assert facts.anchor == datetime.date(2025, 1, 20)
    assert [r.completed.isoformat() for r in facts.counted] == ["2025-04-02", "2025-02-14"]
    assert facts.latest == TrainingRecord("supervision-course", datetime.date(2025, 4, 2))
    assert [r.completed.isoformat() for r in facts.later] == ["2026-01-09"]


def test_facts_without_the_anchor_role_count_from_the_start(features: policyrules.Policy
                                                            ) -> None:
    worker = {"id": "W1", "started": "2025-05-31", "contact": "regular"}
    f = features.evaluate(worker, as_of=datetime.date(2025, 6, 1)).finding("induction")
    assert f is not None
    assert (f.facts.role_since, f.facts.anchor) == (None, datetime.date(2025, 5, 31))
    assert f.facts.counted == f.facts.later == ()
    assert f.facts.latest is None
    supervision = features.model.requirements[2]
    assert supervision.anchor_role == "supervisor"
    # A requirement anchored on a role the worker does not hold falls back to the start.
    lone = Finding(supervision, "due", None, (), features.worker(worker),
                   datetime.date(2025, 6, 1))
    assert (lone.facts.role_since, lone.facts.anchor) == (None, datetime.date(2025, 5, 31))


@settings(max_examples=300)
@given(worker_dicts(ROLES, TRAININGS), DAYS)
def test_both_engines_give_the_same_true_facts(data: dict[str, object], as_of: datetime.date
                                               ) -> None:
    worker = POLICY.worker(data)
    compiled = POLICY.evaluate(worker, as_of=as_of)
    interpreted = POLICY.interpret(worker, as_of=as_of)
    for f, g in zip(compiled.findings, interpreted.findings, strict=True):
        assert f.facts == g.facts
        rule, facts = f.rule, f.facts
        relevant = [r for r in worker.training if r.training in rule.satisfied_by]
        assert list(facts.counted) == [r for r in relevant if r.completed <= as_of]
        assert list(facts.later) == [r for r in relevant if r.completed > as_of]
        if facts.counted:
            assert facts.latest is not None
            assert facts.latest.completed == max(r.completed for r in facts.counted)
        else:
            assert facts.latest is None
        if f.evidence:  # the evidence leads with the latest record that counted
            assert f.evidence[0] == facts.latest
        held = [r.since or worker.started for r in worker.roles if r.role == rule.anchor_role]
        assert facts.role_since == (min(held) if held else None)
        assert facts.anchor == (min(held) if held else worker.started)


@given(worker_dicts(ROLES, TRAININGS), DAYS, st.booleans())
def test_facts_leave_equality_and_the_contract_shape_alone(
        data: dict[str, object], as_of: datetime.date, read_first: bool) -> None:
    d = POLICY.evaluate(data, as_of=as_of)
    before = d.to_dict()
    if read_first:  # reading facts (a cache) changes nothing a caller can see
        for f in d.findings:
            assert f.facts is f.facts
    assert d.to_dict() == before
    assert d == POLICY.interpret(data, as_of=as_of)
    for finding in before["findings"]:  # facts are not part of CONTRACT §2
        assert list(finding) == ["requirement", "title", "status", "compliant", "due",
                                 "satisfied_by", "evidence", "cites", "explanation"]
    again = pickle.loads(pickle.dumps(d))
    assert again == d and again.to_dict() == before


@given(worker_dicts(ROLES, TRAININGS), DAYS)
def test_latest_alone_is_the_latest_of_the_facts(data: dict[str, object],
                                                 as_of: datetime.date) -> None:
    # A batch run explains every compiled finding from `Finding.latest`, without the
    # other facts: it must be the same record the interpreter's facts name.
    compiled = POLICY.evaluate(data, as_of=as_of)
    interpreted = POLICY.interpret(data, as_of=as_of)
    for f, g in zip(compiled.findings, interpreted.findings, strict=True):
        assert f.latest == g.facts.latest == g.latest
        # Reading it computed the record facts alone, not the dates.
        assert not isinstance(f._facts, Facts)
        assert f.explanation == g.explanation
        assert f.records == g.records  # alone, and taken from the interpreter's facts
        assert f.latest == f.facts.latest  # and once the facts are known, from them


@given(worker_dicts(ROLES, TRAININGS), DAYS)
def test_an_unmet_finding_without_records_carries_them(data: dict[str, object],
                                                        as_of: datetime.date) -> None:
    # The compiled evaluator knows when a worker has no record of a rule's courses at
    # all: the finding then carries those (empty) record facts, and its explanation reads
    # them instead of going through the records again. They must be the interpreter's.
    worker = POLICY.worker(data)
    compiled = POLICY.evaluate(worker, as_of=as_of)
    interpreted = POLICY.interpret(worker, as_of=as_of)
    later = any(r.completed > as_of for r in worker.training)
    for f, g in zip(compiled.findings, interpreted.findings, strict=True):
        rule = f.rule
        if f._facts is NO_RECORDS:
            assert g.records == NO_RECORDS and f.status != "met"
        elif (f.status != "met" and not later and g.records == NO_RECORDS
              and rule.hours is None and rule.delivery is None and rule.provider is None):
            raise AssertionError(f"{rule.id}: the record facts were known, not handed on")
        assert f.explanation == g.explanation
