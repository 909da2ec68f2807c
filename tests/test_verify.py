"""policyrules.verify: the six consistency properties, and mutation tests for each.

Each property has a deliberately broken policy in tests/fixtures/broken/ (its header says
how it is broken). Where no policy text that checks can break a property, the fixture is
paired with a broken evaluator (or eligibility function) built here: `engine()` is a small
re-implementation of docs/language.md with one switch per mistake, and the unmutated
engine is shown to pass, so each mutant is the only difference.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import policyrules
from policyrules import Decision, Eligibility, Finding, Policy, TrainingRecord, Worker
from policyrules.contract.workers import canonical_evidence
from policyrules.engines import interpret
from policyrules.language.assemble import assemble
from policyrules.language.nodes import Duration
from policyrules.language.parser import parse
from policyrules.pipeline import resolve as _resolve
from policyrules.policy import build
from policyrules.semantics.dates import add
from policyrules.semantics.lower import lower
from policyrules.semantics.model import Requirement
from policyrules.verify import PROPERTIES, Counterexample, Profile, Report, profiles, verify

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "fixtures" / "broken"
SHIPPED = [ROOT / "policies" / "durham.policy", ROOT / "policies" / "pan_lancashire.policy",
           ROOT / "policies" / "local" / "pan_lancashire_3yr.policy"]
SUMMARY = re.compile(r"proved (\d+) propert(?:y|ies) over (\d+) profiles? in \d+\.\d s")
# Mutation runs: repeatable, and enough examples for hypothesis to find each mistake.
FAST = {"max_examples": 100, "derandomize": True}


def broken(name: str) -> Path:
    return BROKEN / f"{name}.policy"


def unchecked(path: Path) -> Policy:
    """The policy as lowered and compiled *without* the checker (what the checker guards)."""
    top = parse(path.read_text(), str(path))
    program, _ = assemble(top, lambda p, _span: parse(Path(p).read_text(), p), _resolve)
    return Policy(lower(program))


# A small evaluator with switches for mistakes ---------------------------------------------

Pick = Callable[[list[TrainingRecord]], datetime.date]


def latest(records: list[TrainingRecord]) -> datetime.date:
    return max(r.completed for r in records)


def earliest(records: list[TrainingRecord]) -> datetime.date:
    """Mistake: the first course ever taken is the evidence, not the latest."""
    return min(r.completed for r in records)


def last_in_input_order(records: list[TrainingRecord]) -> datetime.date:
    """Mistake: 'the latest record' read as the last one listed."""
    return records[-1].completed


def engine(
    policy: Policy,
    *,
    pick: Pick = latest,
    same_day_counts: bool = True,
    inclusive: bool = True,
) -> Callable[[Worker, datetime.date], Decision]:
    model = policy.model

    def shift(day: datetime.date, rule: Requirement, first: Duration | None) -> datetime.date:
        for d in (first, rule.grace):
            if d is not None:
                day = add(day, d)
        return day

    def on_time(as_of: datetime.date, due: datetime.date) -> bool:
        return as_of <= due if inclusive else as_of < due

    def evaluate(worker: Worker, as_of: datetime.date) -> Decision:
        roles = interpret.held_roles(worker, as_of)
        groups = tuple(g.id for g in model.groups
                       if interpret.holds(g.condition, worker, roles))
        findings = []
        for rule in model.requirements:
            if not interpret.holds(rule.condition, worker, roles):
                continue
            records = [r for r in worker.training if r.training in rule.satisfied_by and (
                r.completed <= as_of if same_day_counts else r.completed < as_of)]
            due: datetime.date | None = None
            if records:
                day = pick(records)
                evidence = canonical_evidence([r for r in records if r.completed == day])
                status = "met"
                if rule.renew is not None:
                    due = shift(day, rule, rule.renew)
                    if not on_time(as_of, due):
                        status, evidence = "overdue", ()
            else:
                evidence = ()
                status = "overdue"
                if rule.within is not None:
                    due = shift(interpret.anchor(rule, worker), rule, rule.within)
                    status = "due" if on_time(as_of, due) else "overdue"
            findings.append(Finding(rule, status, due, evidence, worker, as_of))
        known = {t.id for t in model.trainings}
        unknown = tuple(sorted({r.training for r in worker.training
                                if r.training not in known and r.completed <= as_of}))
        return Decision(worker.id, model.id, as_of, groups, tuple(findings), unknown)

    return evaluate


def strict_prerequisites(policy: Policy) -> Callable[[Worker, str, datetime.date], Eligibility]:
    """Mistake: a prerequisite completed on the day itself does not count."""
    def eligible(worker: Worker, training: str, on: datetime.date) -> Eligibility:
        return policy.eligible(worker, training, on=on - datetime.timedelta(days=1))
    return eligible


def every_alternative(policy: Policy) -> Callable[[Worker, str, datetime.date], Eligibility]:
    """Mistake: `requires a or b` read as needing both a and b."""
    def eligible(worker: Worker, training: str, on: datetime.date) -> Eligibility:
        t = policy.training(training)
        done = {r.training for r in worker.training if r.completed <= on}
        ok = all(a in done for alt in t.requires for a in alt)
        return Eligibility(ok, training, on, (), t.cites)
    return eligible


# Helpers ----------------------------------------------------------------------------------


def failure(report: Report, number: int) -> Counterexample:
    """The counterexample for one property, checked to name a valid worker and its record."""
    result = next(r for r in report.results if r.number == number)
    assert not result.ok, report.render()
    assert not report.ok
    cx = result.counterexample
    assert cx is not None and cx in report.counterexamples
    assert cx.number == number and cx.name == PROPERTIES[number - 1][1]
    record = json.loads(cx.record())
    assert record["id"] == cx.worker_id == cx.worker.id
    text = report.render()
    assert f"worker {cx.worker_id}," in text and cx.record() in text
    assert "FAILED" in text
    last = text.splitlines()[-1]
    assert SUMMARY.match(last) and f"{number} {cx.name}" in last
    return cx


def run(policy: Policy | Path, number: int, **kwargs: object) -> Report:
    return verify(policy if isinstance(policy, Policy) else policyrules.load(policy),
                  properties=[number], **{**FAST, **kwargs})  # type: ignore[arg-type]


# Shipped policies and the report ----------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_policies_verify(path: Path) -> None:
    report = verify(path, max_examples=15, seed=1)
    assert report.ok, report.render()
    assert [r.number for r in report.results] == [1, 2, 3, 4, 5, 6]
    assert report.profiles == len(profiles(policyrules.load(path))[0]) > 0
    assert report.counterexamples == ()
    match = SUMMARY.fullmatch(report.render().splitlines()[-1])
    assert match and match.group(1) == "6" and int(match.group(2)) == report.profiles


def test_report_lists_each_property_with_its_result() -> None:
    report = verify(broken("determinism"), max_examples=10, seed=3)
    lines = report.render().splitlines()
    assert lines[0] == f"verify broken-determinism ({broken('determinism')})"
    for number, name, _ in PROPERTIES:
        line = next(x for x in lines if x.startswith(f"  {number} {name} "))
        assert " ok " in line and "10 examples" in line
    assert "4 profiles" in next(x for x in lines if x.startswith("  4 "))
    assert lines[-1].startswith("proved 6 properties over 4 profiles in ")


def test_a_path_or_a_policy_gives_the_same_checks() -> None:
    by_path = verify(str(broken("eligibility")), max_examples=5, seed=2, properties=[6])
    by_policy = verify(policyrules.load(broken("eligibility")), max_examples=5, seed=2,
                       properties=["eligibility"])
    assert by_path.ok and by_policy.ok
    assert [r.name for r in by_path.results] == ["eligibility"]
    assert by_path.results[0].detail == by_policy.results[0].detail


def test_unknown_property_is_a_usage_error() -> None:
    with pytest.raises(policyrules.UsageError, match="no property 7"):
        verify(broken("eligibility"), properties=[7])
    with pytest.raises(policyrules.UsageError, match="no property 'speed'"):
        verify(broken("eligibility"), properties=["speed"])


# The profile space ------------------------------------------------------------------------

READS_EVERYTHING = """
policy reads-everything
  title "Reads contact, two roles, sector and volunteer"
  source "Fixture document" paragraphs 1.1 to 1.2

training awareness "Awareness"
  delivery single-agency
  cites 1.1

requirement awareness "Awareness"
  applies to (role trainer and sector voluntary) or (role supervisor and not volunteer)
  satisfied by awareness
  no deadline
  cites 1.1
  explain "Trainers in the voluntary sector and supervisors who are employees"

requirement never "Applies to no one"
  applies to role trainer and not role trainer
  satisfied by awareness
  no deadline
  cites 1.2
  explain "No one"
"""


def test_profiles_cover_exactly_what_the_policy_reads() -> None:
    policy, _ = build(READS_EVERYTHING, "reads-everything.policy")
    space, dims = profiles(policy)
    assert len(space) == 4 * 2**2 * 5 * 2
    assert len(set(space)) == len(space)
    assert dims == "contact 4 × roles 2^2 × sector 5 (none or one of 4) × volunteer 2"
    assert {p.roles for p in space} == {(), ("supervisor",), ("trainer",),
                                         ("supervisor", "trainer")}
    assert {p.sector for p in space} == {None, "statutory", "voluntary", "community",
                                         "independent"}


def test_uncovered_profiles_and_unreached_requirements_are_reported() -> None:
    policy, warnings = build(READS_EVERYTHING, "reads-everything.policy")
    assert any(w.code == "unreachable" for w in warnings)
    report = verify(policy, max_examples=5, seed=0, properties=[4, 5])
    assert report.ok
    assert report.unreached == ("never",)
    covered = {p for p in profiles(policy)[0] if p not in report.uncovered}
    assert covered == {p for p in profiles(policy)[0]
                       if ("trainer" in p.roles and p.sector == "voluntary")
                       or ("supervisor" in p.roles and not p.volunteer)}
    text = report.render()
    assert "requirements that no profile reaches: never" in text
    assert f"profiles that no requirement covers: {len(report.uncovered)}, e.g. " in text
    assert Profile("none", (), None, False) in report.uncovered


def test_profile_description() -> None:
    assert Profile("regular", ("supervisor", "trainer"), "voluntary", True).describe() == (
        "contact regular; roles supervisor, trainer; sector voluntary; volunteer")
    assert Profile("none", (), None, False).describe() == "contact none; no roles"


NOTHING_TO_DO = """
policy nothing-to-do
  title "Nothing but background"
  source "Fixture document" paragraphs 1.1 to 1.1

background all "All of it"
  cites 1.1
"""


def test_a_policy_with_no_training_and_no_requirement_verifies() -> None:
    policy, _ = build(NOTHING_TO_DO, "nothing.policy")
    report = verify(policy, max_examples=5, seed=0)
    assert report.ok and report.proved == 6
    assert [r.examples for r in report.results][1::4] == [0, 0]  # properties 2 and 6
    assert "nothing to add: the policy has no training" in report.render()
    assert len(report.uncovered) == report.profiles == 4


# The reference-like engine is a fair control ----------------------------------------------


def test_unmutated_engine_passes() -> None:
    for name in ("determinism", "monotonic_records", "eligibility"):
        policy = policyrules.load(broken(name))
        report = verify(policy, evaluate=engine(policy), max_examples=25, seed=5)
        assert report.ok, report.render()


# 1. determinism ---------------------------------------------------------------------------


def test_determinism_mutant_is_rejected() -> None:
    policy = policyrules.load(broken("determinism"))
    report = run(policy, 1, evaluate=engine(policy, pick=last_in_input_order))
    cx = failure(report, 1)
    assert "listing the same records in the order 2, 1 changes the decision" in cx.message
    assert len(cx.worker.training) == 2  # shrunk to the two records whose order matters


def test_evaluator_that_remembers_the_previous_worker_is_rejected() -> None:
    policy = policyrules.load(broken("determinism"))
    state: dict[str, Decision] = {}

    def leaky(worker: Worker, as_of: datetime.date) -> Decision:
        decision = policy.evaluate_checked(worker, as_of)
        previous = state.get("last")
        state["last"] = decision
        if previous is not None and previous.compliant != decision.compliant:
            return previous  # a stale result from the last worker in the batch
        return decision

    cx = failure(run(policy, 1, evaluate=leaky), 1)
    assert cx.worker_id in cx.render()


# 2. monotonic in records ------------------------------------------------------------------


def test_monotonic_records_mutant_is_rejected() -> None:
    policy = policyrules.load(broken("monotonic_records"))
    cx = failure(run(policy, 2, evaluate=engine(policy, pick=earliest)), 2)
    assert "after adding the completed training" in cx.message
    assert "`awareness-current` is met" in cx.message


# 3. monotonic in time ---------------------------------------------------------------------


def test_monotonic_time_is_broken_by_the_policy_text_itself() -> None:
    path = broken("monotonic_time")
    _, warnings = build(path.read_text(), str(path))  # the checker accepts it
    assert not [w for w in warnings if w.is_error]
    report = verify(path, max_examples=50, derandomize=True)
    cx = failure(report, 3)
    assert [r.number for r in report.results if not r.ok] == [3]
    assert "no longer applies" in cx.message and "trainer" in cx.message
    # The counterexample reproduces: overdue on its date, and a trainer later.
    policy = policyrules.load(path)
    finding = policy.evaluate(cx.worker, as_of=cx.as_of).finding("awareness-for-non-trainers")
    assert finding is not None and finding.status == "overdue"
    assert any(r.role == "trainer" for r in cx.worker.roles)


# 4. honest statuses -----------------------------------------------------------------------


def test_unknown_cite_is_refused_by_the_checker_and_by_verify() -> None:
    path = broken("honest_statuses")
    with pytest.raises(policyrules.PolicyCheckError, match=r"paragraph 9\.9 is not in the source"):
        policyrules.load(path)
    cx = failure(run(unchecked(path), 4), 4)
    assert "cites 9.9" in cx.message
    assert cx.worker_id.startswith("profile-")  # found by the exhaustive profile search


def test_deadline_counted_as_exclusive_is_rejected() -> None:
    policy = policyrules.load(broken("determinism"))
    cx = failure(run(policy, 4, evaluate=engine(policy, inclusive=False)), 4)
    assert "a deadline is inclusive" in cx.message


def test_dishonest_compliance_is_rejected_by_hypothesis_alone() -> None:
    policy = policyrules.load(broken("determinism"))

    def hides_overdue(worker: Worker, as_of: datetime.date) -> Decision:
        d = policy.evaluate_checked(worker, as_of)
        if worker.training:  # a worker with any record is reported as never overdue
            return Decision(d.worker, d.policy, d.as_of, d.groups,
                            tuple(f for f in d.findings if f.status != "overdue")
                            + tuple(Finding(f.rule, "met", f.due, f.evidence, worker, as_of)
                                    for f in d.findings if f.status == "overdue"),
                            d.unrecognised_training)
        return d

    cx = failure(run(policy, 4, evaluate=hides_overdue, exhaustive=False), 4)
    assert "is met" in cx.message


# 5. achievable ----------------------------------------------------------------------------


def test_unattainable_requirement_is_refused_by_the_checker_and_by_verify() -> None:
    path = broken("achievable")
    with pytest.raises(policyrules.PolicyCheckError) as caught:
        policyrules.load(path)
    assert {d.code for d in caught.value.diagnostics} == {"prerequisite-cycle", "unsatisfiable"}
    cx = failure(run(unchecked(path), 5), 5)
    assert "no training history can meet `inter-agency`" in cx.message
    assert "contact regular" in cx.message or "contact predominant" in cx.message


def test_records_on_the_evaluation_day_not_counting_is_rejected() -> None:
    policy = policyrules.load(broken("determinism"))
    cx = failure(run(policy, 5, evaluate=engine(policy, same_day_counts=False)), 5)
    assert "constructed history" in cx.message
    assert all(r.completed == cx.as_of for r in cx.worker.training)


def test_achievable_by_hypothesis_when_profiles_are_skipped() -> None:
    policy = policyrules.load(broken("determinism"))
    cx = failure(run(policy, 5, evaluate=engine(policy, same_day_counts=False),
                     exhaustive=False), 5)
    assert re.fullmatch(r"W\d{4}", cx.worker_id)


# 6. eligibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("mutant", [strict_prerequisites, every_alternative])
def test_eligibility_mutants_are_rejected(
        mutant: Callable[[Policy], Callable[[Worker, str, datetime.date], Eligibility]]) -> None:
    policy = policyrules.load(broken("eligibility"))
    cx = failure(run(policy, 6, eligible=mutant(policy)), 6)
    assert "but eligible says" in cx.message
    assert cx.worker_id in cx.render()


# Failing engines and repeatability --------------------------------------------------------


def test_an_evaluator_that_raises_is_a_counterexample() -> None:
    policy = policyrules.load(broken("determinism"))

    def crashes(worker: Worker, as_of: datetime.date) -> Decision:
        if worker.roles:
            raise ZeroDivisionError("boom")
        return policy.evaluate_checked(worker, as_of)

    cx = failure(run(policy, 1, evaluate=crashes), 1)
    assert "raised ZeroDivisionError: boom" in cx.message
    assert len(cx.worker.roles) == 1  # shrunk to one role


def test_a_seed_makes_the_counterexample_repeatable() -> None:
    policy = policyrules.load(broken("determinism"))
    mutant = engine(policy, pick=last_in_input_order)
    first = verify(policy, evaluate=mutant, properties=[1], max_examples=30, seed=7)
    second = verify(policy, evaluate=mutant, properties=[1], max_examples=30, seed=7)
    assert first.counterexamples and first.counterexamples == second.counterexamples
