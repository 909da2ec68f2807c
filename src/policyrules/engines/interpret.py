"""The reference interpreter: the executable definition of what a policy decides.

Written for clarity, not speed. The compiled evaluator (compile.py) must agree with it on
every worker and date; a hypothesis test checks that they do.
"""

from __future__ import annotations

import datetime

from ..contract.decision import Decision, Eligibility, Finding
from ..contract.workers import TrainingRecord, Worker, canonical_evidence, evidence_key
from ..language.nodes import Duration
from ..semantics import model as m
from ..semantics.dates import add


def held_roles(worker: Worker, on: datetime.date) -> frozenset[str]:
    """Roles held on a day: from `since`, or from the start of employment."""
    return frozenset(r.role for r in worker.roles if (r.since or worker.started) <= on)


def completed_courses(worker: Worker, as_of: datetime.date) -> frozenset[str]:
    """The courses the worker has a record of, completed on or before as_of."""
    return frozenset(r.training for r in worker.training if r.completed <= as_of)


def holds(cond: m.Condition, worker: Worker, roles: frozenset[str],
          done: frozenset[str] = frozenset()) -> bool:
    """Whether a condition holds, given the roles held and the courses `done` that day."""
    if isinstance(cond, m.Completed):
        return not cond.trainings.isdisjoint(done)
    if isinstance(cond, m.Always):
        return True
    if isinstance(cond, m.ContactIn):
        return worker.contact in cond.levels
    if isinstance(cond, m.RoleHeld):
        return cond.role in roles
    if isinstance(cond, m.SectorIn):
        return worker.sector in cond.sectors
    if isinstance(cond, m.IsVolunteer):
        return worker.volunteer
    if isinstance(cond, m.Negation):
        return not holds(cond.operand, worker, roles, done)
    if isinstance(cond, m.Conjunction):
        return all(holds(c, worker, roles, done) for c in cond.operands)
    return any(holds(c, worker, roles, done) for c in cond.operands)


def _plus(day: datetime.date, *durations: Duration | None) -> datetime.date:
    for d in durations:
        if d is not None:
            day = add(day, d)
    return day


def anchor(rule: m.Requirement, worker: Worker,
           as_of: datetime.date | None = None) -> datetime.date:
    """The day a requirement's deadline counts from."""
    return rule.anchor(worker, as_of)


def first_deadline(rule: m.Requirement, worker: Worker,
                   as_of: datetime.date) -> datetime.date | None:
    """The deadline for doing it at all: `due within` from its anchor (with grace), brought
    forward to the day the worker first took the `due before first` course."""
    due = None
    if rule.within is not None:
        due = _plus(anchor(rule, worker, as_of), rule.within, rule.grace)
    if rule.before_first is not None:
        first = m.first_completion(rule.before_first, worker, as_of)
        if first is not None and (due is None or first < due):
            due = first
    return due


def finding(rule: m.Requirement, worker: Worker, as_of: datetime.date) -> Finding:
    records = [r for r in worker.training if rule.counts(r, as_of)]
    if rule.hours is not None:
        return _hours_finding(rule, rule.hours, worker, as_of, records)
    if records:
        last = max(r.completed for r in records)
        evidence = canonical_evidence([r for r in records if r.completed == last])
        if rule.renew is None:
            return Finding(rule, "met", None, evidence, worker, as_of)
        due = _plus(last, rule.renew, rule.grace)
        if as_of <= due:
            return Finding(rule, "met", due, evidence, worker, as_of)
        return Finding(rule, "overdue", due, (), worker, as_of)
    return _not_met(rule, worker, as_of)


def _not_met(rule: m.Requirement, worker: Worker, as_of: datetime.date) -> Finding:
    due = first_deadline(rule, worker, as_of)
    if due is None:
        # Only `due before first T`, and T not yet taken: not needed until then.
        pending = rule.before_first is not None and rule.within is None
        return Finding(rule, "due" if pending else "overdue", None, (), worker, as_of)
    return Finding(rule, "due" if as_of <= due else "overdue", due, (), worker, as_of)


def _hours_finding(rule: m.Requirement, hours: m.Hours, worker: Worker, as_of: datetime.date,
                   records: list[TrainingRecord]) -> Finding:
    """`at least N hours [within P]`: a record counts from its day to its day + P
    (inclusive); met while the newest records reach N, `due` the day the oldest of them
    leaves the window."""
    window = hours.window
    live = records if window is None else [r for r in records if as_of <= add(r.completed, window)]
    newest_first = sorted(live, key=lambda r: (-r.completed.toordinal(), evidence_key(r)))
    total, used = 0.0, []
    for r in newest_first:
        total += hours.of(r.training, r.hours)
        used.append(r)
        if total >= hours.target and window is not None:
            return Finding(rule, "met", add(r.completed, window), tuple(used), worker, as_of)
    if total >= hours.target:
        return Finding(rule, "met", None, tuple(used), worker, as_of)
    found = _not_met(rule, worker, as_of)
    lapsed = _lapsed(hours, records)
    if found.status == "overdue" and lapsed is not None and (
            found.due is None or lapsed > found.due):
        # It was met and has lapsed: the day it lapsed is the deadline that was missed.
        return Finding(rule, "overdue", lapsed, (), worker, as_of)
    return found


def _lapsed(hours: m.Hours, records: list[TrainingRecord]) -> datetime.date | None:
    """The last day before as_of on which the records reached the target, if any (the
    total only falls on a day after some record's last day, so those are the candidates)."""
    window = hours.window
    if window is None:
        return None
    best = None
    for r in records:
        day = add(r.completed, window)
        total = sum(hours.of(x.training, x.hours) for x in records
                    if x.completed <= day <= add(x.completed, window))
        if total >= hours.target and (best is None or day > best):
            best = day
    return best


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
    return Decision(worker.id, policy.id, as_of, groups, findings, unrecognised)


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
    return Eligibility(ok, training.id, on, tuple(reasons), cites)
