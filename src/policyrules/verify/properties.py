"""The six properties checked on workers that hypothesis generates (and shrinks to the
smallest counterexample); properties 4 and 5 take their per-profile proof along."""

from __future__ import annotations

import datetime
import json
import time

import attrs
from hypothesis import strategies as st

from ..contract.workers import TrainingRecord, Worker
from ..engines.interpret import held_roles
from ..semantics import model as m
from ..testing import REFERENCE_DATE, _day, _years
from .context import DAY, _Found, _result, _Run
from .exhaustive import _Exhaustive
from .oracles import _dishonest, _make_compliant, _probes
from .report import PropertyResult
from .views import _difference, _finding_view, _plus, _show_finding, _show_record, _view

# 1. determinism ---------------------------------------------------------------------------


@attrs.frozen
class _DeterminismCase:
    worker: Worker
    as_of: datetime.date
    order: tuple[int, ...]
    other: Worker
    unknown: tuple[TrainingRecord, ...]  # trainings the policy does not know
    later: tuple[TrainingRecord, ...]  # completed after as_of
    known: tuple[TrainingRecord, ...]  # candidates: kept if no finding lists them


def _records(run: _Run, days: st.SearchStrategy[datetime.date],
             most: int) -> st.SearchStrategy[list[TrainingRecord]]:
    ids = tuple(run.trainings)
    if not ids:
        return st.just([])
    return st.lists(st.builds(TrainingRecord, st.sampled_from(ids), days), max_size=most)


@st.composite
def _determinism_case(draw: st.DrawFn, run: _Run) -> _DeterminismCase:
    worker = draw(run.workers)
    day = draw(run.dates)
    order = tuple(draw(st.permutations(range(len(worker.training)))))
    before = _day(day, _years(day, -10), day)
    unknown = draw(st.lists(st.builds(
        TrainingRecord, st.sampled_from(_unknown_ids(run)), before), max_size=2))
    later = draw(_records(run, _day(day + DAY, day + DAY, _years(day, 5)), 2))
    known = draw(_records(run, before, 3))
    return _DeterminismCase(worker, day, order, draw(run.workers), tuple(unknown),
                            tuple(later), tuple(known))


def _unknown_ids(run: _Run) -> tuple[str, ...]:
    return tuple(f"not-in-catalogue-{i}" for i in range(1, 4)
                 if f"not-in-catalogue-{i}" not in run.trainings)


def _check_determinism(run: _Run, case: _DeterminismCase) -> None:
    w, day = case.worker, case.as_of
    first = run.evaluate(w, day)
    view = _view(first)
    again = _view(run.evaluate(w, day))
    if again != view:
        raise _Found(w, day, "evaluated twice, the decisions differ: "
                     + _difference(view, again))
    run.evaluate(case.other, day)
    after = _view(run.evaluate(w, day))
    if after != view:
        raise _Found(w, day, f"after evaluating worker {case.other.id} "
                     f"({json.dumps(case.other.to_dict())}), the decision differs: "
                     + _difference(view, after))
    n = len(w.training)
    for order in (tuple(range(n - 1, -1, -1)), case.order):
        shuffled = attrs.evolve(w, training=tuple(w.training[i] for i in order))
        moved = _view(run.evaluate(shuffled, day))
        if moved != view:
            listed = ", ".join(str(i + 1) for i in order)
            raise _Found(w, day, f"listing the same records in the order {listed} changes "
                         "the decision: " + _difference(view, moved))
    related = {t for f in first.findings for t in f.rule.satisfied_by} | run.events
    unrelated = [*case.unknown, *case.later,
                 *(r for r in case.known if r.training not in related)]
    if not unrelated:
        return
    padded = _plus(w, unrelated)
    expected = (*view[:3], tuple(sorted(set(view[3]) | {r.training for r in case.unknown})))
    got = _view(run.evaluate(padded, day))
    if got != expected:
        added = ", ".join(_show_record(r) for r in unrelated)
        raise _Found(w, day, f"adding unrelated records ({added}) changes the decision: "
                     + _difference(expected, got))


def _determinism(run: _Run) -> PropertyResult:
    began = time.perf_counter()
    found, n = run.given(_determinism_case(run), lambda c: _check_determinism(run, c))
    return _result(1, found, n, time.perf_counter() - began)


# 2. monotonic in records ------------------------------------------------------------------


@st.composite
def _record_case(draw: st.DrawFn, run: _Run) -> tuple[Worker, datetime.date, st.DataObject]:
    """A worker with some recent records too (so that findings are met), a day, and the
    means to draw the record to add once the decision is known."""
    day = draw(run.dates)
    worker = draw(run.workers)
    if not draw(st.booleans()):  # only recent records: most findings met
        worker = attrs.evolve(worker, training=())
    recent = draw(_records(run, _day(day, _years(day, -3), day), 3))
    return _plus(worker, recent), day, draw(st.data())


def _check_monotonic_records(run: _Run,
                             case: tuple[Worker, datetime.date, st.DataObject]) -> None:
    w, day, data = case
    before = run.evaluate(w, day)
    # Half the time, a training that meets a met finding: that is where it could go wrong.
    meeting = sorted({t for f in before.findings if f.status == "met"
                      for t in f.rule.satisfied_by if t in run.trainings})
    targeted: bool = bool(meeting) and data.draw(st.booleans())
    ids = meeting if targeted else list(run.trainings)
    record = TrainingRecord(data.draw(st.sampled_from(ids)),
                            data.draw(_day(day, _years(day, -15), day)))
    after = run.evaluate(_plus(w, [record]), day)
    for f in before.findings:
        if f.status != "met":
            continue
        g = after.finding(f.requirement)
        if g is None or g.status != "met":
            raise _Found(w, day, f"`{f.requirement}` is {_show_finding(_finding_view(f))}; "
                         f"after adding the completed training {_show_record(record)} it "
                         + ("no longer applies" if g is None
                            else f"is {_show_finding(_finding_view(g))}"))


def _monotonic_records(run: _Run) -> PropertyResult:
    began = time.perf_counter()
    if not run.trainings:
        return _result(2, None, 0, 0.0, detail="nothing to add: the policy has no training")
    found, n = run.given(_record_case(run), lambda c: _check_monotonic_records(run, c))
    return _result(2, found, n, time.perf_counter() - began)


# 3. monotonic in time ---------------------------------------------------------------------


@st.composite
def _time_case(draw: st.DrawFn, run: _Run) -> tuple[Worker, datetime.date, datetime.date]:
    """Two days, often just before and just after something happens to the worker (a start,
    a role taken, a course): that is when a finding could change."""
    worker = draw(run.workers)
    events = sorted({worker.started, *(r.since for r in worker.roles if r.since),
                     *(r.completed for r in worker.training)})
    if draw(st.booleans()):
        day = draw(run.dates)
    else:
        day = draw(st.sampled_from(events)) - DAY * draw(st.integers(0, 31))
    after = [e for e in events if e > day]
    towards_event: bool = bool(after) and draw(st.booleans())
    if towards_event:
        later = draw(st.sampled_from(after)) + DAY * draw(st.integers(0, 31))
    else:
        later = day + DAY * draw(st.integers(1, 20 * 366))
    return worker, day, later


def _check_monotonic_time(run: _Run, case: tuple[Worker, datetime.date, datetime.date]) -> None:
    w, day, later = case
    # No new records: what was completed after `day` is taken away.
    w = attrs.evolve(w, training=tuple(r for r in w.training if r.completed <= day))
    now = run.evaluate(w, day)
    then = run.evaluate(w, later)
    for f in now.findings:
        if f.status == "overdue":
            must = "overdue"
        elif f.status == "met" and f.rule.renew is None and (
                f.rule.hours is None or f.rule.hours.window is None):
            must = "met"
        else:
            continue
        g = then.finding(f.requirement)
        if g is None and not f.rule.in_force(later):
            continue  # a procedure revised on a date: the rule is no longer in force
        if g is None or g.status != must:
            became = ("it no longer applies" if g is None
                      else f"it is {_show_finding(_finding_view(g))}")
            why = " (with no renewal period)" if must == "met" else ""
            roles_now, roles_then = held_roles(w, day), held_roles(w, later)
            if roles_now != roles_then:
                became += (f" (roles held: {', '.join(sorted(roles_now)) or 'none'} on "
                           f"{day.isoformat()}; {', '.join(sorted(roles_then))} on "
                           f"{later.isoformat()})")
            raise _Found(w, day, f"`{f.requirement}` is {_show_finding(_finding_view(f))}"
                         f"{why} on {day.isoformat()}; with no new records, on "
                         f"{later.isoformat()} {became}")


def _monotonic_time(run: _Run) -> PropertyResult:
    began = time.perf_counter()
    found, n = run.given(_time_case(run), lambda c: _check_monotonic_time(run, c))
    return _result(3, found, n, time.perf_counter() - began)


# 4. honest statuses -----------------------------------------------------------------------


def _check_honest(run: _Run, case: tuple[Worker, datetime.date]) -> None:
    """On the day drawn, then on every due date that decision gives and the day after."""
    w, day = case
    decision = run.evaluate(w, day)
    problem = _dishonest(run, w, day, decision)
    if problem is not None:
        raise _Found(w, day, problem)
    for probe in _probes(decision, day):
        problem = _dishonest(run, w, probe, run.evaluate(w, probe))
        if problem is not None:
            raise _Found(w, probe, problem)


def _honest_statuses(run: _Run, proof: _Exhaustive) -> PropertyResult:
    began = time.perf_counter()
    found, n = proof.honest, 0
    if found is None:
        found, n = run.given(st.tuples(run.workers, run.dates), lambda c: _check_honest(run, c))
    detail = f"{proof.decisions} decisions" if proof.decisions else ""
    return _result(4, found, n, time.perf_counter() - began + proof.seconds / 2,
                   proof.profiles, detail)


# 5. achievable ----------------------------------------------------------------------------


def _check_achievable(run: _Run, case: tuple[Worker, datetime.date]) -> None:
    _make_compliant(run, *case)


def _achievable(run: _Run, proof: _Exhaustive) -> PropertyResult:
    began = time.perf_counter()
    found, n = proof.achievable, 0
    if found is None:
        found, n = run.given(st.tuples(run.workers, run.dates),
                             lambda c: _check_achievable(run, c))
    return _result(5, found, n, time.perf_counter() - began + proof.seconds / 2,
                   proof.profiles)


# 6. eligibility ---------------------------------------------------------------------------


def _check_eligible(run: _Run, w: Worker, t: m.Training, day: datetime.date) -> None:
    expected = all(any(r.training in alt and r.completed <= day for r in w.training)
                   for alt in t.requires)
    result = run.eligible(w, t.id, day)
    for cite in result.cites:
        if cite not in run.citable:
            raise _Found(w, day, f"eligible({t.id!r}) cites {cite}, which is not a paragraph "
                         "of the source nor a declared local id")
    if bool(result.ok) == expected:
        return
    clauses = []
    for alt in t.requires:
        options = []
        for a in alt:
            done = sorted(r.completed.isoformat() for r in w.training if r.training == a)
            options.append(f"{a} ({'completed ' + ', '.join(done) if done else 'not completed'})")
        clauses.append(" or ".join(options))
    needs = "; and ".join(clauses) if clauses else "nothing"
    raise _Found(w, day, f"{t.id} requires {needs}, so on {day.isoformat()} {w.id} "
                 f"{'is' if expected else 'is not'} eligible, but eligible says "
                 f"{'yes' if result.ok else 'no'}")


@st.composite
def _eligibility_case(draw: st.DrawFn, run: _Run) -> tuple[Worker, datetime.date, m.Training]:
    worker = draw(run.workers)
    day = draw(run.dates)
    with_prerequisites = [t for t in run.model.trainings if t.requires]
    t = draw(st.sampled_from(with_prerequisites or list(run.model.trainings)))
    near = []  # prerequisites completed around the day: where off-by-one mistakes live
    for alt in t.requires:
        for a in alt:
            if draw(st.booleans()):
                near.append(TrainingRecord(a, day + DAY * draw(st.integers(-2, 2))))
    return _plus(worker, near), day, t


def _eligibility_boundaries(run: _Run) -> int:
    """Every training's prerequisites: all met on the day (eligible), the day after (not),
    each clause by each of its alternatives alone (eligible), each clause missing (not)."""
    day = REFERENCE_DATE
    cases = 0
    for t in run.model.trainings:
        picks = [alt[0] for alt in t.requires]
        variants: list[list[str | None]] = [list(picks)]
        for i, alt in enumerate(t.requires):
            variants += [[*picks[:i], a, *picks[i + 1:]] for a in alt[1:]]
            variants.append([*picks[:i], None, *picks[i + 1:]])
        for variant in variants:
            for offset in (0, 1):
                records = tuple(TrainingRecord(a, day + DAY * offset) for a in variant if a)
                w = Worker("candidate", _years(day, -1), "regular", training=records)
                _check_eligible(run, w, t, day)
                cases += 1
    return cases


def _eligibility(run: _Run) -> PropertyResult:
    began = time.perf_counter()
    if not run.model.trainings:
        return _result(6, None, 0, 0.0, detail="nothing to check: the policy has no training")
    try:
        cases = _eligibility_boundaries(run)
    except _Found as boundary:
        return _result(6, boundary, 0, time.perf_counter() - began)
    found, n = run.given(_eligibility_case(run), lambda c: _check_eligible(run, c[0], c[2], c[1]))
    return _result(6, found, n, time.perf_counter() - began, detail=f"{cases} boundary cases")
