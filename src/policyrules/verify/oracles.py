"""What properties 4 and 5 hold an engine to, used both on generated workers
(properties.py) and on every profile (exhaustive.py): what is untrue in a decision, and a
constructed training history under which a worker must be compliant."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import attrs

from ..contract.decision import Decision, Finding
from ..contract.vocabulary import STATUSES
from ..contract.workers import TrainingRecord, Worker
from ..semantics import model as m
from ..testing import _years
from .context import DAY, _Found, _Run
from .views import _finding_view, _show_finding, _show_record

# 4. honest statuses -----------------------------------------------------------------------


def _dishonest(run: _Run, w: Worker, day: datetime.date, d: Decision) -> str | None:
    """What is untrue in a decision, or None."""
    for f in d.findings:
        problem = _dishonest_finding(run, w, day, f)
        if problem is not None:
            return problem
    overdue = [f.requirement for f in d.findings if f.status == "overdue"]
    if d.compliant != (not overdue):
        return (f"compliant is {d.compliant}, but "
                + (f"{', '.join(overdue)} {'is' if len(overdue) == 1 else 'are'} overdue"
                   if overdue else "nothing is overdue"))
    return None


def _dishonest_finding(run: _Run, w: Worker, day: datetime.date, f: Finding) -> str | None:
    rule, status, due = f.rule, f.status, f.due

    def where() -> str:  # built only for a report: this runs for every decision
        return f"`{f.requirement}` is {_show_finding(_finding_view(f))}"

    if status not in STATUSES:
        return f"`{f.requirement}` has status {status!r}, which is none of {', '.join(STATUSES)}"
    cites = f.cites
    if not cites:
        return f"`{f.requirement}` cites no paragraph"
    for cite in cites:
        if cite not in run.citable:
            return (f"`{f.requirement}` cites {cite}, which is neither a paragraph of "
                    f"{run.model.source_name or 'the source'} nor a declared local id")
    facts = f.facts
    counted = facts.counted
    for e in f.evidence:
        if e not in counted:
            return (f"{where()}, but its evidence {_show_record(e)} is not one of the "
                    f"worker's records of {' or '.join(rule.satisfied_by)} completed by "
                    f"{day.isoformat()}")
    latest = facts.latest
    # An hours target can be unmet with records (too few hours): its deadline is the first.
    by_records = latest is not None and (rule.hours is None or status == "met")
    start = latest.completed if by_records and latest is not None else facts.anchor
    if due is not None and due < start and rule.before_first is None:
        if by_records:
            what = f"the latest record that counts ({start.isoformat()})"
        elif facts.role_since is not None and start != w.started:
            what = f"the day {w.id} took the role {rule.anchor_role} ({start.isoformat()})"
        else:
            what = f"the start of employment ({start.isoformat()})"
        return f"{where()}: the due date is before {what}"
    if status == "met":
        if not f.evidence:
            return f"{where()} with no evidence"
        if due is not None and day > due:
            return f"{where()}, but on {day.isoformat()} that date has passed"
        return None
    if f.evidence:
        return f"{where()}, yet lists evidence"
    if latest is not None and rule.renew is None and rule.hours is None:
        return (f"{where()}, though {w.id} completed {latest.training} on "
                f"{latest.completed.isoformat()} and it has no renewal period")
    pending = rule.before_first is not None and rule.within is None
    if status == "due" and ((due is None and not pending) or (due is not None and day > due)):
        return (f"{where()} on {day.isoformat()}: "
                + ("`due` needs a deadline" if due is None else "its deadline has passed"))
    if status == "overdue" and due is not None and day <= due:
        return (f"{where()} on {day.isoformat()}, but a deadline is inclusive: it is not "
                "overdue until the day after")
    return None


def _probes(d: Decision, day0: datetime.date) -> list[datetime.date]:
    """Each due date in the decision and the day after it, and a day fifty years on."""
    days = {f.due + k * DAY for f in d.findings if f.due is not None for k in (0, 1)}
    days.add(_years(day0, 50))
    return sorted(days)


# 5. achievable ----------------------------------------------------------------------------


def _attainable(model: m.PolicyModel) -> dict[str, int]:
    """Trainings a worker could ever take, with how many prerequisite steps they need."""
    depth: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for t in model.trainings:
            if t.id in depth:
                continue
            if all(any(a in depth for a in alt) for alt in t.requires):
                depth[t.id] = 1 + max((min(depth[a] for a in alt if a in depth)
                                       for alt in t.requires), default=-1)
                changed = True
    return depth


def _plan(run: _Run, rules: Sequence[m.Requirement]) -> list[str] | str:
    """Trainings to take, prerequisites first, that satisfy every rule; or why none can."""
    chosen: dict[str, None] = {}

    def take(tid: str) -> None:
        if tid in chosen:
            return
        for alt in run.trainings[tid].requires:
            if not any(a in chosen for a in alt):
                take(min((a for a in alt if a in run.depth), key=run.depth.__getitem__))
        chosen[tid] = None

    for rule in rules:
        if any(t in chosen for t in rule.satisfied_by):
            continue
        options = [t for t in rule.satisfied_by if t in run.depth]
        if not options:
            return (f"no training history can meet `{rule.id}`: none of "
                    f"{', '.join(rule.satisfied_by)} can ever be completed, because each "
                    "needs prerequisites that can never be completed first")
        take(min(options, key=run.depth.__getitem__))
    return list(chosen)


def _history(run: _Run, plan: list[str], day: datetime.date,
             rules: Sequence[m.Requirement]) -> tuple[TrainingRecord, ...]:
    """Every planned training completed on `day`: a prerequisite counts on the same day;
    each record delivered and provided as the rules it meets ask, with the hours they need."""
    out = []
    for t in plan:
        meets = [r for r in rules if t in r.satisfied_by]
        delivery = next((r.delivery for r in meets if r.delivery), run.trainings[t].delivery)
        provider = next((r.provider for r in meets if r.provider), None)
        hours = max((r.hours.target for r in meets if r.hours is not None), default=None)
        out.append(TrainingRecord(t, day, delivery, provider, hours))
    return tuple(out)


def _make_compliant(run: _Run, worker: Worker, day: datetime.date) -> tuple[Worker, Decision]:
    """Give the worker a constructed history and evaluate it; raise _Found if that fails."""
    bare = attrs.evolve(worker, training=())
    rules = [f.rule for f in run.evaluate(bare, day).findings]
    for _ in range(3):  # records never change what applies, but an engine might think so
        plan = _plan(run, rules)
        if isinstance(plan, str):
            raise _Found(bare, day, plan)
        trained = attrs.evolve(worker, training=_history(run, plan, day, rules))
        decision = run.evaluate(trained, day)
        missing = [f.rule for f in decision.findings if f.rule not in rules]
        if not missing:
            break
        rules += missing
    unmet = [f for f in decision.findings if f.status != "met"]
    if unmet or not decision.compliant:
        what = ("; ".join(f"`{f.requirement}` is {_show_finding(_finding_view(f))}"
                          for f in unmet) or f"compliant is {decision.compliant}")
        raise _Found(trained, day, f"with a constructed history that meets every requirement "
                     f"that applies ({', '.join(plan) or 'no training'}, all completed on "
                     f"{day.isoformat()}, prerequisites respected): {what}")
    return trained, decision
