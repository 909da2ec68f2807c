"""Prove a policy consistent: six properties, checked with hypothesis and, where the input
space is finite, exhaustively (`policyrules verify POLICY`; docs/testing.md).

1. determinism: the same worker and date give the same decision; record order, unrelated
   records and other workers evaluated in between change nothing;
2. monotonic in records: adding a completed training never turns a met finding unmet;
3. monotonic in time: without new records an overdue finding stays overdue, and a met
   finding with no renewal period stays met, as the date moves on;
4. honest statuses: `compliant` exactly when nothing is overdue, each status agrees with
   its `due` date and its evidence, no `due` date before the relevant start, every cite is
   a paragraph of the source or a declared `local:` id;
5. achievable: for every worker a training history that respects the prerequisites makes
   the worker fully compliant (it is constructed and evaluated);
6. eligibility agrees with the prerequisites (`Policy.eligible`).

Which requirements apply depends only on a finite profile: contact level × roles held
(only those the policy mentions) × sector × volunteer (where the policy reads them).
Properties 4 and 5 are also proved for every profile, at every deadline and the day after.

`verify` can be pointed at another evaluator or eligibility function (`evaluate=`,
`eligible=`): that is how the tests show that it catches a broken engine.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from . import model as m
from .decision import Decision, Eligibility, Finding
from .errors import UsageError
from .interpret import held_roles
from .policy import Policy, load
from .profiles import Profile, atoms, space
from .testing import REFERENCE_DATE, _day, _years, workers
from .vocabulary import ROLES, STATUSES
from .workers import RoleAssignment, TrainingRecord, Worker

__all__ = [
    "PROPERTIES",
    "Counterexample",
    "Profile",
    "PropertyResult",
    "Report",
    "profiles",
    "verify",
]

Evaluator = Callable[[Worker, datetime.date], Decision]
EligibleFn = Callable[[Worker, str, datetime.date], Eligibility]

#: number, short name, what it says
PROPERTIES: tuple[tuple[int, str, str], ...] = (
    (1, "determinism", "the same worker and date give the same decision"),
    (2, "monotonic in records", "adding a completed training never turns a met finding unmet"),
    (3, "monotonic in time", "without new records, overdue stays overdue and met without "
        "renewal stays met"),
    (4, "honest statuses", "compliant exactly when nothing is overdue; statuses, due dates, "
        "evidence and cites are true"),
    (5, "achievable", "every worker has a training history under which they are compliant"),
    (6, "eligibility", "eligible exactly when every prerequisite was completed by the day"),
)
DEFAULT_MAX_EXAMPLES = 200
DAY = datetime.timedelta(days=1)
# Profile workers start on a day that makes month arithmetic clip (+ 6 months = 29 Feb) and
# take the roles that deadlines count from later, so "start" and "role start" differ.
_PROFILE_STARTED = datetime.date(2023, 2, 28)
_PROFILE_ROLE_SINCE = datetime.date(2023, 8, 31)


# Results ----------------------------------------------------------------------------------


@attrs.frozen
class Counterexample:
    """One worker (and date) for which a property fails, smallest hypothesis could find."""

    number: int  # of the property, 1 to 6
    name: str  # of the property
    worker: Worker
    as_of: datetime.date
    message: str

    @property
    def worker_id(self) -> str:
        return self.worker.id

    def record(self) -> str:
        """The worker as a CONTRACT §1 JSON record, ready to paste into a test."""
        return json.dumps(self.worker.to_dict(), ensure_ascii=False)

    def render(self) -> str:
        return (f"worker {self.worker.id}, as of {self.as_of.isoformat()}: {self.message}\n"
                f"record: {self.record()}")


@attrs.frozen
class PropertyResult:
    number: int
    name: str
    statement: str
    counterexample: Counterexample | None
    examples: int  # hypothesis examples run
    profiles: int  # profiles it was proved for (properties 4 and 5), else 0
    seconds: float
    detail: str = ""  # what else was checked, e.g. "114688 decisions"

    @property
    def ok(self) -> bool:
        return self.counterexample is None


@attrs.frozen
class Report:
    policy: str
    path: str
    results: tuple[PropertyResult, ...]
    profiles: int
    dimensions: str  # how the profile space is made up, e.g. "contact 4 × roles 2^4"
    uncovered: tuple[Profile, ...]  # profiles no requirement applies to
    unreached: tuple[str, ...]  # requirements that apply to no profile
    seconds: float

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        return tuple(r.counterexample for r in self.results if r.counterexample is not None)

    @property
    def proved(self) -> int:
        return sum(r.ok for r in self.results)

    def summary(self) -> str:
        line = (f"proved {self.proved} {_plural(self.proved, 'property', 'properties')} over "
                f"{self.profiles} {_plural(self.profiles, 'profile', 'profiles')} in "
                f"{self.seconds:.1f} s")
        failed = [r for r in self.results if not r.ok]
        if failed:
            line += f"; {len(failed)} failed: " + ", ".join(
                f"{r.number} {r.name}" for r in failed)
        return line

    def render(self) -> str:
        out = [f"verify {self.policy} ({self.path})"]
        width = max(len(r.name) for r in self.results) + 6
        for r in self.results:
            label = f"  {r.number} {r.name} ".ljust(width, ".")
            if r.ok:
                counts = [f"{r.examples} examples"]
                if r.profiles:
                    counts.append(f"{r.profiles} {_plural(r.profiles, 'profile', 'profiles')}")
                if r.detail:
                    counts.append(r.detail)
                out.append(f"{label} ok      {', '.join(counts)}")
            else:
                out.append(f"{label} FAILED  {r.statement}")
                assert r.counterexample is not None
                out.extend("      " + line for line in r.counterexample.render().splitlines())
        if not self.profiles:
            out.append(f"profiles ({self.dimensions}): not enumerated; only properties 4 "
                       "and 5 are proved over them")
        else:
            out.append(f"profiles: {self.profiles} ({self.dimensions})")
            out.extend(self._coverage())
        out.append(self.summary())
        return "\n".join(out)

    def _coverage(self) -> list[str]:
        out = ["  requirements that no profile reaches: "
               + (", ".join(self.unreached) if self.unreached else "none")]
        if self.uncovered:
            shown = "; ".join(f"[{p.describe()}]" for p in self.uncovered[:3])
            more = f" and {len(self.uncovered) - 3} more" if len(self.uncovered) > 3 else ""
            out.append(f"  profiles that no requirement covers: {len(self.uncovered)}, "
                       f"e.g. {shown}{more}")
        else:
            out.append("  profiles that no requirement covers: none")
        return out


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


# The profile space ------------------------------------------------------------------------


def _conditions(model: m.PolicyModel) -> list[m.Condition]:
    return [r.condition for r in model.requirements] + [g.condition for g in model.groups]


def mentioned_roles(model: m.PolicyModel) -> tuple[str, ...]:
    """Roles that a condition reads or a deadline counts from, in vocabulary order."""
    named = {a.role for c in _conditions(model) for a in atoms(c) if isinstance(a, m.RoleHeld)}
    named |= {r.anchor_role for r in model.requirements if r.anchor_role is not None}
    declared = [r.id for r in model.roles]
    return tuple(r for r in [*ROLES, *declared] if r in named)


def profiles(policy: Policy | m.PolicyModel) -> tuple[tuple[Profile, ...], str]:
    """Every profile the policy can tell apart, and how the space is made up."""
    model = policy.model if isinstance(policy, Policy) else policy
    return space(_conditions(model), mentioned_roles(model))


# The run ----------------------------------------------------------------------------------


class _Found(Exception):
    """A property fails for this worker; raised inside a hypothesis test so that it shrinks."""

    def __init__(self, worker: Worker, as_of: datetime.date, message: str) -> None:
        super().__init__(f"{worker.id}: {message}")
        self.worker = worker
        self.as_of = as_of
        self.message = message


@attrs.define
class _Run:
    policy: Policy
    model: m.PolicyModel
    evaluate_fn: Evaluator
    eligible_fn: EligibleFn
    settings: settings
    seed: int | None
    workers: st.SearchStrategy[Worker]
    dates: st.SearchStrategy[datetime.date]
    citable: frozenset[str]
    trainings: dict[str, m.Training]
    depth: dict[str, int]  # attainable trainings: how many prerequisite steps deep

    def evaluate(self, worker: Worker, day: datetime.date) -> Decision:
        try:
            return self.evaluate_fn(worker, day)
        except Exception as exc:
            raise _Found(worker, day, f"evaluating raised {type(exc).__name__}: {exc}") from exc

    def eligible(self, worker: Worker, training: str, day: datetime.date) -> Eligibility:
        try:
            return self.eligible_fn(worker, training, day)
        except Exception as exc:
            raise _Found(worker, day, f"eligible({training!r}) raised "
                                      f"{type(exc).__name__}: {exc}") from exc

    def given(self, strategy: st.SearchStrategy[Any],
              check: Callable[[Any], None]) -> tuple[_Found | None, int]:
        """Run `check` on examples of `strategy`; the shrunk failure, and examples run."""
        runs = 0

        def test(case: Any) -> None:
            nonlocal runs
            check(case)
            runs += 1  # after: an example that overran the data does not count

        run = self.settings(given(strategy)(test))
        if self.seed is not None:
            run = hypothesis_seed(self.seed)(run)
        try:
            run()
        except _Found as found:
            return found, runs
        except BaseExceptionGroup as group:  # e.g. hypothesis' FlakyFailure
            inner = _first_found(group)
            if inner is None:
                raise
            return _Found(inner.worker, inner.as_of, inner.message + " (and not reproducibly: "
                          "the same input failed once and passed once)"), runs
        return None, runs


def _first_found(group: BaseExceptionGroup[Any]) -> _Found | None:
    for exc in group.exceptions:
        if isinstance(exc, _Found):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_found(exc)
            if found is not None:
                return found
    return None


def verify(
    policy: Policy | str | os.PathLike[str],
    *,
    max_examples: int | None = None,
    seed: int | None = None,
    derandomize: bool = False,
    evaluate: Evaluator | None = None,
    eligible: EligibleFn | None = None,
    exhaustive: bool = True,
    properties: Collection[int | str] | None = None,
) -> Report:
    """Check the six consistency properties of a policy; see the module docstring.

    `max_examples` hypothesis examples per property (default 200); `seed` or
    `derandomize=True` make the run repeatable. `evaluate(worker, as_of)` and
    `eligible(worker, training_id, on)` default to the policy's own (compiled evaluator,
    `Policy.eligible`); give others to verify them instead. `exhaustive=False` skips the
    profile enumeration. `properties` runs only some of them, by number or name
    (`properties=[3]` or `["monotonic in time"]`).
    """
    began = time.perf_counter()
    loaded = policy if isinstance(policy, Policy) else load(policy)
    model = loaded.model

    def default_eligible(worker: Worker, training: str, day: datetime.date) -> Eligibility:
        return loaded.eligible(worker, training, on=day)

    run = _Run(
        policy=loaded,
        model=model,
        evaluate_fn=evaluate or loaded.evaluate_checked,
        eligible_fn=eligible or default_eligible,
        settings=settings(
            max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples,
            deadline=None,
            database=None,
            derandomize=derandomize,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            print_blob=False,
        ),
        seed=seed,
        workers=_worker_strategy(loaded),
        dates=_day(REFERENCE_DATE, _years(REFERENCE_DATE, -4), _years(REFERENCE_DATE, 4)),
        citable=frozenset(model.paragraphs) | {k for k, _ in model.local_ids},
        trainings={t.id: t for t in model.trainings},
        depth=_attainable(model),
    )
    space, dimensions = profiles(model)
    wanted = _selected(properties)
    if not exhaustive or not wanted & {4, 5}:
        space = ()
    proof = _exhaustive(run, space)
    steps: tuple[Callable[[], PropertyResult], ...] = (
        lambda: _determinism(run),
        lambda: _monotonic_records(run),
        lambda: _monotonic_time(run),
        lambda: _honest_statuses(run, proof),
        lambda: _achievable(run, proof),
        lambda: _eligibility(run),
    )
    results = [step() for number, step in enumerate(steps, 1) if number in wanted]
    unreached = tuple(r.id for r in model.requirements if r.id not in proof.reached) if (
        space) else ()
    return Report(model.id, model.path, tuple(results), len(space), dimensions,
                  proof.uncovered, unreached, time.perf_counter() - began)


def _selected(properties: Collection[int | str] | None) -> set[int]:
    if properties is None:
        return {number for number, _, _ in PROPERTIES}
    by_name = {name: number for number, name, _ in PROPERTIES}
    wanted = set()
    for p in properties:
        if isinstance(p, int) and 1 <= p <= len(PROPERTIES):
            wanted.add(p)
        elif isinstance(p, str) and p in by_name:
            wanted.add(by_name[p])
        else:
            raise UsageError(f"no property {p!r}; the properties are "
                             + ", ".join(f"{n} ({name})" for n, name, _ in PROPERTIES))
    if not wanted:
        raise UsageError("properties: choose at least one property")
    return wanted


def _worker_strategy(policy: Policy) -> st.SearchStrategy[Worker]:
    """Workers whose roles are those the policy reads, and one it does not (if any)."""
    model = policy.model
    mentioned = mentioned_roles(model)
    others = [r for r in (*ROLES, *(r.id for r in model.roles)) if r not in mentioned]
    pool = mentioned + tuple(others[:1])
    return workers(policy, as_of=REFERENCE_DATE, roles_from=pool,
                   max_roles=min(4, len(pool)), max_records=6)


def _result(number: int, found: _Found | None, examples: int, seconds: float,
            profiles: int = 0, detail: str = "") -> PropertyResult:
    _, name, statement = PROPERTIES[number - 1]
    cx = (None if found is None
          else Counterexample(number, name, found.worker, found.as_of, found.message))
    return PropertyResult(number, name, statement, cx, examples, profiles, seconds, detail)


# Describing decisions ---------------------------------------------------------------------

FindingView = tuple[str, str, datetime.date | None, tuple[tuple[Any, ...], ...], tuple[str, ...]]
DecisionView = tuple[bool, tuple[str, ...], tuple[FindingView, ...], tuple[str, ...]]


def _finding_view(f: Finding) -> FindingView:
    evidence = tuple((r.training, r.completed, r.delivery, r.provider, r.hours, r.level)
                     for r in f.evidence)
    return (f.requirement, f.status, f.due, evidence, tuple(f.cites))


def _view(d: Decision) -> DecisionView:
    """What CONTRACT §2 calls the decision (explanations are derived from it)."""
    return (d.compliant, tuple(d.groups), tuple(_finding_view(f) for f in d.findings),
            tuple(d.unrecognised_training))


def _show_finding(v: FindingView | None) -> str:
    if v is None:
        return "does not apply"
    _, status, due, evidence, _ = v
    text = status
    text += f" (due {due.isoformat()})" if due else " (no due date)"
    if evidence:
        text += ", evidence " + ", ".join(f"{e[0]} on {e[1].isoformat()}" for e in evidence)
    return text


def _difference(a: DecisionView, b: DecisionView) -> str:
    """The first way two decisions differ, in words."""
    if a[1] != b[1]:
        return f"groups {list(a[1])} became {list(b[1])}"
    first = {v[0]: v for v in a[2]}
    second = {v[0]: v for v in b[2]}
    for rid in dict.fromkeys([*first, *second]):
        if first.get(rid) != second.get(rid):
            return (f"`{rid}` was {_show_finding(first.get(rid))} and became "
                    f"{_show_finding(second.get(rid))}")
    if [v[0] for v in a[2]] != [v[0] for v in b[2]]:
        return "the findings came in a different order"
    if a[3] != b[3]:
        return f"unrecognised training {list(a[3])} became {list(b[3])}"
    return f"compliant was {a[0]} and became {b[0]}"


def _show_record(r: TrainingRecord) -> str:
    return json.dumps(r.to_dict())


def _plus(worker: Worker, records: Iterable[TrainingRecord]) -> Worker:
    return attrs.evolve(worker, training=worker.training + tuple(records))


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
    related = {t for f in first.findings for t in f.rule.satisfied_by}
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
        elif f.status == "met" and f.rule.renew is None:
            must = "met"
        else:
            continue
        g = then.finding(f.requirement)
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


def _start(rule: m.Requirement, worker: Worker) -> datetime.date:
    """docs/language.md: `of role R` counts from when the worker took R, else from start."""
    if rule.anchor_role is not None:
        sinces = [r.since or worker.started for r in worker.roles if r.role == rule.anchor_role]
        if sinces:
            return min(sinces)
    return worker.started


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
    counted = [r for r in w.training if r.training in rule.satisfied_by and r.completed <= day]
    for e in f.evidence:
        if e not in counted:
            return (f"{where()}, but its evidence {_show_record(e)} is not one of the "
                    f"worker's records of {' or '.join(rule.satisfied_by)} completed by "
                    f"{day.isoformat()}")
    start = max(r.completed for r in counted) if counted else _start(rule, w)
    if due is not None and due < start:
        if counted:
            what = f"the latest record that counts ({start.isoformat()})"
        elif rule.anchor_role is not None and start != w.started:
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
    if counted and rule.renew is None:
        return (f"{where()}, though {w.id} completed {counted[-1].training} on "
                f"{counted[-1].completed.isoformat()} and it has no renewal period")
    if status == "due" and (due is None or day > due):
        return (f"{where()} on {day.isoformat()}: "
                + ("`due` needs a deadline" if due is None else "its deadline has passed"))
    if status == "overdue" and due is not None and day <= due:
        return (f"{where()} on {day.isoformat()}, but a deadline is inclusive: it is not "
                "overdue until the day after")
    return None


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


def _history(run: _Run, plan: list[str], day: datetime.date) -> tuple[TrainingRecord, ...]:
    """Every planned training completed on `day`: a prerequisite counts on the same day."""
    return tuple(TrainingRecord(t, day, run.trainings[t].delivery) for t in plan)


def _make_compliant(run: _Run, worker: Worker, day: datetime.date) -> tuple[Worker, Decision]:
    """Give the worker a constructed history and evaluate it; raise _Found if that fails."""
    bare = attrs.evolve(worker, training=())
    rules = [f.rule for f in run.evaluate(bare, day).findings]
    for _ in range(3):  # records never change what applies, but an engine might think so
        plan = _plan(run, rules)
        if isinstance(plan, str):
            raise _Found(bare, day, plan)
        trained = attrs.evolve(worker, training=_history(run, plan, day))
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


# 4 and 5 over every profile ---------------------------------------------------------------


@attrs.frozen
class _Exhaustive:
    honest: _Found | None
    achievable: _Found | None
    uncovered: tuple[Profile, ...]
    reached: frozenset[str]
    profiles: int
    decisions: int
    seconds: float


def _exhaustive(run: _Run, space: Sequence[Profile]) -> _Exhaustive:
    """Properties 4 and 5 for every profile, on the day of the roles, at every deadline and
    renewal date the decisions give and the day after each. Also which profiles no
    requirement covers and which requirements some profile reaches."""
    began = time.perf_counter()
    anchors = {r.anchor_role for r in run.model.requirements if r.anchor_role is not None}
    honest: _Found | None = None
    achievable: _Found | None = None
    uncovered: list[Profile] = []
    reached: set[str] = set()
    cases = 0
    day0 = _PROFILE_ROLE_SINCE

    def check_honest(profile: Profile, w: Worker, day: datetime.date,
                     d: Decision | None = None) -> None:
        nonlocal honest, cases
        cases += 1
        if honest is not None:
            return
        try:
            decision = d if d is not None else run.evaluate(w, day)
            problem = _dishonest(run, w, day, decision)
        except _Found as found:
            honest = found
            return
        if problem is not None:
            honest = _Found(w, day, f"{problem} [{profile.describe()}]")

    for i, profile in enumerate(space, 1):
        bare = Worker(
            f"profile-{i}", _PROFILE_STARTED, profile.contact,
            tuple(RoleAssignment(r, day0 if r in anchors else None) for r in profile.roles),
            sector=profile.sector, volunteer=profile.volunteer)
        try:
            first = run.evaluate(bare, day0)
        except _Found as found:
            honest = honest or found
            achievable = achievable or found
            continue
        if first.findings:
            reached.update(f.requirement for f in first.findings)
        else:
            uncovered.append(profile)
        check_honest(profile, bare, day0, first)
        for day in _probes(first, day0):
            check_honest(profile, bare, day)
        try:
            trained, met = _make_compliant(run, bare, day0)
        except _Found as found:
            if achievable is None:
                achievable = _Found(found.worker, found.as_of,
                                    f"{found.message} [{profile.describe()}]")
            continue
        check_honest(profile, trained, day0, met)
        for day in _probes(met, day0):
            check_honest(profile, trained, day)
    return _Exhaustive(honest, achievable, tuple(uncovered), frozenset(reached), len(space),
                       cases, time.perf_counter() - began)


def _probes(d: Decision, day0: datetime.date) -> list[datetime.date]:
    """Each due date in the decision and the day after it, and a day fifty years on."""
    days = {f.due + k * DAY for f in d.findings if f.due is not None for k in (0, 1)}
    days.add(_years(day0, 50))
    return sorted(days)


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
