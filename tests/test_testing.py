"""policyrules.testing: the public hypothesis strategies, and the examples in docs/testing.md."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import policyrules
from policyrules import Policy, RoleAssignment, TrainingRecord, UsageError, Worker
from policyrules.contract.vocabulary import CONTACT_LEVELS, DELIVERIES, SECTORS
from policyrules.testing import (
    REFERENCE_DATE,
    as_of_dates,
    respecting_prerequisites,
    training_records,
    workers,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
POLICIES = [ROOT / "policies" / "durham.policy", ROOT / "policies" / "pan_lancashire.policy",
            ROOT / "policies" / "local" / "pan_lancashire_3yr.policy",
            FIXTURES / "features.policy", FIXTURES / "broken" / "eligibility.policy"]
FEW = settings(max_examples=60, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow])
FIND = settings(max_examples=2000, database=None, deadline=None)
YEAR = datetime.timedelta(days=366)


@pytest.fixture(scope="module", params=POLICIES, ids=lambda p: p.stem)
def policy(request: pytest.FixtureRequest) -> Policy:
    return policyrules.load(request.param)


@pytest.fixture(scope="module")
def features() -> Policy:
    return policyrules.load(FIXTURES / "features.policy")


def years(day: datetime.date, n: int) -> datetime.date:
    return day.replace(year=day.year + n) if (day.month, day.day) != (2, 29) else (
        day.replace(year=day.year + n, day=28))


# Only valid workers -----------------------------------------------------------------------


def test_workers_are_valid_records(policy: Policy) -> None:
    @FEW
    @given(workers(policy, details=True))
    def check(w: Worker) -> None:
        assert policy.worker(w) is w  # the typed object passes the policy's validation
        as_json = json.loads(json.dumps(w.to_dict()))  # and survives CONTRACT §1 JSON
        assert policy.worker(as_json) == w
        assert w.contact in CONTACT_LEVELS and w.sector in (None, *SECTORS)
        assert len({r.role for r in w.roles}) == len(w.roles) <= 4
        assert {r.role for r in w.roles} <= policy.model.role_names
        catalogue = {t.id for t in policy.model.trainings}
        assert all(r.training in catalogue and r.delivery in DELIVERIES for r in w.training)
        policy.evaluate(w, as_of=REFERENCE_DATE)

    check()


def test_dates_are_realistic_around_as_of(features: Policy) -> None:
    as_of = datetime.date(2021, 3, 31)

    @FEW
    @given(workers(features, as_of=as_of))
    def check(w: Worker) -> None:
        assert years(as_of, -20) <= w.started <= as_of + datetime.timedelta(days=90)
        for r in w.roles:
            assert r.since is None or (
                years(w.started, -2) <= r.since <= years(max(w.started, as_of), 1))
        for t in w.training:
            assert min(years(w.started, -3), as_of) <= t.completed <= years(as_of, 1)

    check()


def test_every_contact_level_and_role_is_reached(features: Policy) -> None:
    seen: dict[str, set[object]] = {k: set() for k in (
        "contact", "role", "since", "sector", "volunteer", "training", "delivery", "later")}

    @settings(max_examples=300, derandomize=True, deadline=None, database=None)
    @given(workers(features))
    def collect(w: Worker) -> None:
        seen["contact"].add(w.contact)
        seen["role"].update(r.role for r in w.roles)
        seen["since"].update(r.since is not None for r in w.roles)
        seen["sector"].add(w.sector)
        seen["volunteer"].add(w.volunteer)
        seen["training"].update(r.training for r in w.training)
        seen["delivery"].update(r.delivery for r in w.training)
        seen["later"].update(r.completed > REFERENCE_DATE for r in w.training)

    collect()
    roles = features.model.role_names
    assert "foster-carer" in roles  # declared by the policy, not in the contract
    assert seen["contact"] == set(CONTACT_LEVELS)
    assert seen["role"] == roles
    assert seen["sector"] == {None, *SECTORS}
    assert seen["training"] == {t.id for t in features.model.trainings}
    for flag in ("since", "volunteer", "later"):
        assert seen[flag] == {True, False}
    assert seen["delivery"] == set(DELIVERIES)
    only = find(workers(features), lambda w: any(r.role == "foster-carer" for r in w.roles),
                settings=FIND)
    assert only.roles == (RoleAssignment("foster-carer"),)


def test_edge_dates_are_reached(features: Policy) -> None:
    leap = find(as_of_dates(), lambda d: (d.month, d.day) == (2, 29), settings=FIND)
    # one of the two leap days within five years of REFERENCE_DATE
    assert leap in (datetime.date(2024, 2, 29), datetime.date(2028, 2, 29))
    w = find(workers(features), lambda w: w.started.day == 31, settings=FIND)
    assert w.started.isoformat().endswith("-31")
    assert find(workers(features), lambda w: w.started > REFERENCE_DATE, settings=FIND)
    assert find(workers(features), lambda w: any(t.completed > REFERENCE_DATE
                                                 for t in w.training), settings=FIND)


# Shrinking --------------------------------------------------------------------------------


def test_shrinks_to_a_small_readable_worker(features: Policy) -> None:
    assert find(workers(features), lambda w: True, settings=FIND) == Worker(
        "W0001", REFERENCE_DATE, "none")
    two = find(workers(features), lambda w: len(w.training) >= 2, settings=FIND)
    assert two.id == "W0001" and two.roles == () and two.contact == "none"
    assert [r.completed for r in two.training] == [REFERENCE_DATE, REFERENCE_DATE]
    assert two.training[0] == TrainingRecord("induction-course", REFERENCE_DATE)

    def overdue(w: Worker) -> bool:
        return not features.evaluate(w, as_of=REFERENCE_DATE).compliant

    w = find(workers(features), overdue, settings=FIND)
    # one simple reason: a role such as foster-carer (held from the start or from a date:
    # which of the two the shrinker ends on varies from run to run), volunteering in the
    # community, or contact with children and a start more than six months ago
    assert (w.id, w.training) == ("W0001", ())
    assert len(w.roles) <= 1
    findings = features.evaluate(w, as_of=REFERENCE_DATE).findings
    assert [f.status for f in findings] == ["overdue"]  # one reason, nothing else


# Fixing fields ----------------------------------------------------------------------------


def test_fixed_fields_are_kept(features: Policy) -> None:
    start = datetime.date(2024, 2, 29)
    record = TrainingRecord("induction-course", datetime.date(2024, 3, 1))

    @FEW
    @given(workers(features, id="alice", started=start, contact="regular",
                   roles=["supervisor", RoleAssignment("trainer", start)], training=[record],
                   sector="voluntary", volunteer=True, agency="Durham CC"))
    def check(w: Worker) -> None:
        assert w == Worker("alice", start, "regular",
                           (RoleAssignment("supervisor"), RoleAssignment("trainer", start)),
                           (record,), "Durham CC", "voluntary", True)

    check()


def test_fields_from_strategies(features: Policy) -> None:
    frontline = st.sampled_from(["regular", "predominant"])

    @FEW
    @given(workers(features, contact=frontline, sector=st.none(), volunteer=st.just(False),
                   roles_from=["supervisor"], trainings_from=["joint-course"],
                   prerequisites=False, max_records=2))
    def check(w: Worker) -> None:
        assert w.contact in ("regular", "predominant") and w.sector is None
        assert not w.volunteer
        assert {r.role for r in w.roles} <= {"supervisor"}
        assert {r.training for r in w.training} <= {"joint-course"} and len(w.training) <= 2

    check()
    assert find(workers(features, roles_from=["supervisor"]),
                lambda w: bool(w.roles), settings=FIND).roles == (RoleAssignment("supervisor"),)


def test_histories_can_respect_prerequisites(features: Policy) -> None:
    @FEW
    @given(workers(features, prerequisites=True, max_records=8))
    def check(w: Worker) -> None:
        for r in w.training:
            assert features.eligible(w, r.training, on=r.completed).ok, r

    check()
    w = find(workers(features, prerequisites=True),
             lambda w: any(r.training == "joint-course" for r in w.training), settings=FIND)
    assert sorted(r.training for r in w.training) == [
        "induction-course", "joint-course", "supervision-course"]


def test_respecting_prerequisites_keeps_what_could_have_happened(features: Policy) -> None:
    day = datetime.date(2025, 5, 1)
    records = [
        TrainingRecord("refresher-course", day),  # induction the same day: it counts
        TrainingRecord("induction-course", day),
        TrainingRecord("joint-course", day),  # no supervision-course before it: dropped
        TrainingRecord("supervision-course", day + datetime.timedelta(days=1)),
        TrainingRecord("not-in-catalogue", day),  # unknown to the policy: kept
    ]
    assert respecting_prerequisites(features, records) == (
        records[0], records[1], records[3], records[4])


def test_invalid_options_are_usage_errors(features: Policy) -> None:
    with pytest.raises(UsageError, match="unknown role 'wizard'"):
        workers(features, roles=["wizard"])
    with pytest.raises(UsageError, match="unknown role 'wizard'"):
        workers(features, roles_from=["wizard"])
    with pytest.raises(UsageError, match="contact must be one of"):
        workers(features, contact="sometimes")
    with pytest.raises(UsageError, match="sector must be one of"):
        workers(features, sector="private")
    with pytest.raises(UsageError, match=r"as_of must be a datetime\.date"):
        workers(features, as_of=datetime.datetime(2026, 1, 1))
    with pytest.raises(UsageError, match=r"min_value .* is after max_value"):
        as_of_dates(min_value=datetime.date(2030, 1, 1), max_value=datetime.date(2020, 1, 1))
    with pytest.raises(policyrules.UnknownTrainingError, match="induction-course"):
        training_records(features, trainings=["induction-cours"])
    with pytest.raises(UsageError, match="not a TrainingRecord"):
        workers(features, training=[{"training": "induction-course"}])  # type: ignore[list-item]
    bad_contact = workers(features, contact=st.just("sometimes"))
    with pytest.raises(UsageError, match="contact must be one of"):
        find(bad_contact, lambda w: True, settings=FIND)


# Records and dates ------------------------------------------------------------------------


def test_training_records(features: Policy) -> None:
    as_of = datetime.date(2030, 6, 30)

    @FEW
    @given(training_records(features, as_of=as_of, trainings=["joint-course", "induction-course"]))
    def check(r: TrainingRecord) -> None:
        assert r.training in ("joint-course", "induction-course")
        assert years(as_of, -15) <= r.completed <= years(as_of, 1)
        assert r.delivery in DELIVERIES and r.provider is None and r.hours is None

    check()
    usual = find(training_records(features, trainings=["joint-course"]), lambda r: True,
                 settings=FIND)
    assert usual == TrainingRecord("joint-course", REFERENCE_DATE, "inter-agency")
    assert find(training_records(features, trainings=["joint-course"]),
                lambda r: r.delivery == "single-agency", settings=FIND)
    detailed = find(training_records(features, details=True),
                    lambda r: None not in (r.provider, r.hours, r.level), settings=FIND)
    assert detailed.hours is not None and detailed.hours > 0
    fixed = find(training_records(features, completed=as_of, delivery="inter-agency"),
                 lambda r: True, settings=FIND)
    assert (fixed.completed, fixed.delivery) == (as_of, "inter-agency")


def test_as_of_dates_stay_in_bounds_and_shrink_to_around() -> None:
    lo, hi = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)

    @FEW
    @given(as_of_dates(min_value=lo, max_value=hi))
    def check(d: datetime.date) -> None:
        assert lo <= d <= hi and not isinstance(d, datetime.datetime)

    check()
    around = datetime.date(2025, 7, 14)
    assert find(as_of_dates(around=around), lambda d: True, settings=FIND) == around
    assert find(as_of_dates(min_value=lo, max_value=hi), lambda d: True,
                settings=FIND) == hi  # REFERENCE_DATE clipped into the range


# A real use: the compiled evaluator agrees with the reference interpreter -----------------


def test_compiled_evaluator_agrees_with_interpreter(policy: Policy) -> None:
    @FEW
    @given(workers(policy, details=True), as_of_dates())
    def check(w: Worker, as_of: datetime.date) -> None:
        compiled = policy.evaluate(w, as_of=as_of).to_dict()
        reference = policy.interpret(w, as_of=as_of).to_dict()
        assert compiled == reference

    check()


# docs/testing.md: every Python example runs -----------------------------------------------

FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def test_docs_examples_run(monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """The Python blocks run in order in one namespace, from the repository root; every
    `test_*` function they define is then called, as pytest would."""
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "testing.md").read_text()
    blocks = [body for kind, body in FENCE.findall(text) if kind == "python"]
    assert len(blocks) >= 5
    namespace: dict[str, Any] = {"__name__": "docs_testing"}
    for i, code in enumerate(blocks):
        before = set(namespace)
        exec(compile(code, f"docs/testing.md block {i + 1}", "exec"), namespace)
        for name in sorted(set(namespace) - before):
            if name.startswith("test_") and callable(namespace[name]):
                namespace[name]()
    out = capsys.readouterr().out
    assert "proved 6 properties over" in out
    assert "FAILED" in out and "worker W0001" in out
