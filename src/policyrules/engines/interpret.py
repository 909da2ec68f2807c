"""The reference interpreter: the executable definition of what a policy decides.

Written for clarity, not speed. The compiled evaluator (compiled.py) must agree with it on
every worker and date; a hypothesis test checks that they do.
"""

from __future__ import annotations

import datetime
from typing import assert_never

from ..contract.decision import Decision, Eligibility, Finding
from ..contract.workers import Worker, canonical_evidence
from ..language.nodes import Duration
from ..semantics import model as m
from ..semantics.dates import shift
from ..semantics.facts import Facts
from ..semantics.facts import facts as finding_facts
from ..semantics.hours import lapsed, reach


def held_roles(worker: Worker, on: datetime.date) -> frozenset[str]:
    """Roles held on a day: from `since`, or from the start of employment."""
    return frozenset(r.role for r in worker.roles if (r.since or worker.started) <= on)


def completed_courses(worker: Worker, as_of: datetime.date) -> frozenset[str]:
    """The courses the worker has a record of, completed on or before as_of."""
    return frozenset(r.training for r in worker.training if r.completed <= as_of)


def holds(cond: m.Condition, worker: Worker, roles: frozenset[str],
          done: frozenset[str] = frozenset()) -> bool:
    """Whether a condition holds, given the roles held and the courses `done` that day."""
    match cond:
        case m.Always():
            return True
        case m.ContactIn(levels=levels):
            return worker.contact in levels
        case m.RoleHeld(role=role):
            return role in roles
        case m.SectorIn(sectors=sectors):
            return worker.sector in sectors
        case m.IsVolunteer():
            return worker.volunteer
        case m.Completed(trainings=trainings):
            return not trainings.isdisjoint(done)
        case m.Negation(operand=operand):
            return not holds(operand, worker, roles, done)
        case m.Conjunction(operands=operands):
            return all(holds(c, worker, roles, done) for c in operands)
        case m.Disjunction(operands=operands):
            return any(holds(c, worker, roles, done) for c in operands)
        case _:
            assert_never(cond)


def _plus(day: datetime.date, *durations: Duration | None) -> datetime.date:
    return shift(day, tuple(d for d in durations if d is not None))


def anchor(rule: m.Requirement, worker: Worker,
           as_of: datetime.date | None = None) -> datetime.date:
    """The day a requirement's deadline counts from."""
    return rule.anchor(worker, as_of)


def finding(rule: m.Requirement, worker: Worker, as_of: datetime.date) -> Finding:
    facts = finding_facts(rule, worker, as_of)
    if rule.hours is not None:
        return _hours_finding(rule, rule.hours, worker, as_of, facts)
    latest = facts.latest
    if latest is not None:
        last = latest.completed
        evidence = canonical_evidence([r for r in facts.counted if r.completed == last])
        if rule.renew is None:
            return Finding(rule, "met", None, evidence, worker, as_of, facts)
        due = _plus(last, rule.renew, rule.grace)
        if as_of <= due:
            return Finding(rule, "met", due, evidence, worker, as_of, facts)
        return Finding(rule, "overdue", due, (), worker, as_of, facts)
    return _not_met(rule, worker, as_of, facts)


def _not_met(rule: m.Requirement, worker: Worker, as_of: datetime.date,
             facts: Facts) -> Finding:
    due = facts.deadline
    if due is None:
        # Only `due before first T`, and T not yet taken: not needed until then.
        pending = rule.before_first is not None and rule.within is None
        return Finding(rule, "due" if pending else "overdue", None, (), worker, as_of, facts)
    return Finding(rule, "due" if as_of <= due else "overdue", due, (), worker, as_of, facts)


def _hours_finding(rule: m.Requirement, hours: m.Hours, worker: Worker, as_of: datetime.date,
                   facts: Facts) -> Finding:
    met, due, used = reach(hours, facts.counted, as_of)
    if met:
        return Finding(rule, "met", due, used, worker, as_of, facts)
    found = _not_met(rule, worker, as_of, facts)
    last_met = lapsed(hours, facts.counted)
    if found.status == "overdue" and last_met is not None and (
            found.due is None or last_met > found.due):
        # It was met and has lapsed: the day it lapsed is the deadline that was missed.
        return Finding(rule, "overdue", last_met, (), worker, as_of, facts)
    return found


def evaluate(policy: m.PolicyModel, worker: Worker, as_of: datetime.date) -> Decision:
    roles = held_roles(worker, as_of)
    done = completed_courses(worker, as_of)
    groups = tuple(g.id for g in policy.groups if holds(g.condition, worker, roles, done))
    findings = tuple(
        finding(rule, worker, as_of)
        for rule in policy.requirements
        if rule.in_force(as_of) and holds(rule.condition, worker, roles, done)
    )
    known = {t.id for t in policy.trainings}
    unrecognised = tuple(sorted({r.training for r in worker.training
                                 if r.training not in known and r.completed <= as_of}))
    return Decision(worker.id, policy.id, as_of, groups, findings, unrecognised, policy, worker)


def eligible(policy: m.PolicyModel, worker: Worker, training: m.Training,
             on: datetime.date) -> Eligibility:
    """Every `requires` clause needs one of its trainings completed on or before `on`."""
    done: dict[str, datetime.date] = {}
    for r in worker.training:
        if r.completed <= on and (r.training not in done or r.completed < done[r.training]):
            done[r.training] = r.completed
    reasons: list[str] = []
    ok = True
    cites = training.cites or ()
    for alternatives in training.requires:
        met = sorted((done[t], t) for t in alternatives if t in done)
        names = " or ".join(alternatives)
        if met:
            day, name = met[0]
            reasons.append(f"{worker.id} completed {name} on {day.isoformat()}, which "
                           f"{training.id} requires first")
        else:
            ok = False
            reasons.append(f"{training.id} requires {names} first, and {worker.id} has not "
                           f"completed it by {on.isoformat()}")
    if not training.requires:
        reasons.append(f"{training.id} has no prerequisites")
    return Eligibility(ok, training.id, on, tuple(reasons), cites, worker.id)
