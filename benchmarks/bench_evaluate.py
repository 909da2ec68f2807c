"""Compiled policy vs a hand-written Python function for the same rules.

    python benchmarks/bench_evaluate.py [--workers 100000] [--seed 1]

Generates a synthetic workforce (0–8 training records each), evaluates it with the
compiled `tests/fixtures/features.policy` and with `handwritten()` below — the same rules
written as fast as plain Python allows (one pass over the records, deadline dates
memoised per start date, statuses from dates compared once) — checks that both give
equal `Decision` objects, and prints both times per worker, their ratio, and the time to
load (parse, check, compile) the policy.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from policyrules import Decision, Finding, RoleAssignment, TrainingRecord, Worker  # noqa: E402
from policyrules.contract.workers import canonical_evidence  # noqa: E402
from policyrules.language.nodes import Duration  # noqa: E402
from policyrules.policy import Policy, build  # noqa: E402
from policyrules.semantics.dates import add  # noqa: E402

POLICY_FILE = ROOT / "tests" / "fixtures" / "features.policy"
AS_OF = datetime.date(2026, 11, 22)


def workforce(n: int, seed: int, policy: Policy) -> list[Worker]:
    rnd = random.Random(seed)
    trainings = [t.id for t in policy.model.trainings] + ["first-aid"]
    roles = sorted(policy.model.role_names)
    first = datetime.date(2014, 1, 1).toordinal()
    span = AS_OF.toordinal() - first
    day = lambda: datetime.date.fromordinal(first + rnd.randrange(span + 200))  # noqa: E731
    out = []
    for i in range(n):
        started = day()
        held = tuple(RoleAssignment(r, day() if rnd.random() < 0.5 else None)
                     for r in rnd.sample(roles, rnd.choice((0, 0, 0, 1, 1, 2))))
        records = tuple(TrainingRecord(rnd.choice(trainings), day(),
                                       rnd.choice(("single-agency", "inter-agency")))
                        for _ in range(rnd.randrange(9)))
        out.append(Worker(f"W{i:06d}", started, rnd.choice(("none", "occasional", "regular",
                                                            "regular", "predominant")),
                          held, records, sector=rnd.choice((None, "statutory", "voluntary",
                                                            "community", "independent")),
                          volunteer=rnd.random() < 0.15))
    return out


def handwritten(policy: Policy, as_of: datetime.date) -> Callable[[Worker], Decision]:
    """features.policy by hand. Deadlines: one memo per rule; cut-offs fixed per as_of."""
    rules = {r.id: r for r in policy.model.requirements}
    induction, refresher = rules["induction"], rules["refresher"]
    supervision, foster = rules["supervision"], rules["foster-training"]
    six, three_years = Duration(6, "months"), Duration(3, "years")
    three, one = Duration(3, "months"), Duration(1, "months")
    start_due: dict[datetime.date, datetime.date] = {}
    renew_due: dict[datetime.date, datetime.date] = {}
    role_due: dict[datetime.date, datetime.date] = {}
    frontline_levels = frozenset(("regular", "predominant"))
    community = frozenset(("community", "voluntary"))
    known = frozenset(t.id for t in policy.model.trainings)

    def evaluate(w: Worker) -> Decision:
        started = w.started
        # one pass over the records
        ind = ref = sup = joint = None
        ind_ev: list[TrainingRecord] = []
        ref_ev: list[TrainingRecord] = []
        sup_ev: list[TrainingRecord] = []
        joint_ev: list[TrainingRecord] = []
        unknown = None
        for rec in w.training:
            c = rec.completed
            if c > as_of:
                continue
            t = rec.training
            if t == "induction-course":
                if ind is None or c > ind:
                    ind, ind_ev = c, [rec]
                elif c == ind:
                    ind_ev.append(rec)
            elif t == "refresher-course":
                if ref is None or c > ref:
                    ref, ref_ev = c, [rec]
                elif c == ref:
                    ref_ev.append(rec)
            elif t == "supervision-course":
                if sup is None or c > sup:
                    sup, sup_ev = c, [rec]
                elif c == sup:
                    sup_ev.append(rec)
            elif t == "joint-course":
                if joint is None or c > joint:
                    joint, joint_ev = c, [rec]
                elif c == joint:
                    joint_ev.append(rec)
            elif t not in known:
                if unknown is None:
                    unknown = set()
                unknown.add(t)
        held = {r.role for r in w.roles if (r.since or started) <= as_of} if w.roles else ()
        contact = w.contact
        frontline = contact in frontline_levels
        volunteers = w.volunteer and w.sector in community
        groups = []
        if frontline:
            groups.append("frontline")
            if "operational-manager" in held or "senior-manager" in held:
                groups.append("leaders")
        if contact == "occasional" and w.sector != "statutory":
            groups.append("occasional-contact")
        if volunteers:
            groups.append("community-volunteers")
        findings = []
        if contact != "none":
            if ind is not None:
                findings.append(Finding(induction, "met", None, _ev(ind_ev), w, as_of))
            else:
                due = start_due.get(started) or start_due.setdefault(started, add(started, six))
                findings.append(Finding(induction, "due" if as_of <= due else "overdue", due, (),
                                        w, as_of))
        if frontline:
            last = ind if ref is None or (ind is not None and ind > ref) else ref
            if last is not None:
                ev = (ind_ev if last == ind else []) + (ref_ev if last == ref else [])
                due = renew_due.get(last) or renew_due.setdefault(last, add(last, three_years))
                if as_of <= due:
                    findings.append(Finding(refresher, "met", due, _ev(ev), w, as_of))
                else:
                    findings.append(Finding(refresher, "overdue", due, (), w, as_of))
            else:
                due = start_due.get(started) or start_due.setdefault(started, add(started, six))
                findings.append(Finding(refresher, "due" if as_of <= due else "overdue", due, (),
                                        w, as_of))
        if "supervisor" in held and not w.volunteer:
            if sup is not None:
                findings.append(Finding(supervision, "met", None, _ev(sup_ev), w, as_of))
            else:
                since = min(r.since or started for r in w.roles if r.role == "supervisor")
                due = role_due.get(since) or role_due.setdefault(
                    since, add(add(since, three), one))
                findings.append(Finding(supervision, "due" if as_of <= due else "overdue", due,
                                        (), w, as_of))
        if "foster-carer" in held or volunteers:
            if joint is not None:
                findings.append(Finding(foster, "met", None, _ev(joint_ev), w, as_of))
            else:
                findings.append(Finding(foster, "overdue", None, (), w, as_of))
        return Decision(w.id, policy.id, as_of, tuple(groups), tuple(findings),
                        tuple(sorted(unknown)) if unknown else ())

    return evaluate


def _ev(records: list[TrainingRecord]) -> tuple[TrainingRecord, ...]:
    return (records[0],) if len(records) == 1 else canonical_evidence(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    text = POLICY_FILE.read_text()
    load_times = []
    for _ in range(7):
        t0 = time.perf_counter()
        policy, _ = build(text, str(POLICY_FILE))
        load_times.append(time.perf_counter() - t0)
    workers = workforce(args.workers, args.seed, policy)
    compiled = policy.evaluate_checked
    hand = handwritten(policy, AS_OF)

    mismatches = sum(compiled(w, AS_OF) != hand(w) for w in workers)
    if mismatches:
        sys.exit(f"the two evaluators disagree on {mismatches} workers")

    def run(fn: Callable[[Worker], object]) -> float:
        t0 = time.perf_counter()
        for w in workers:
            fn(w)
        return time.perf_counter() - t0

    c_times, h_times = [], []
    for _ in range(args.repeat):  # interleaved, so drift hits both alike
        c_times.append(run(lambda w: compiled(w, AS_OF)))
        h_times.append(run(hand))
    c, h = statistics.median(c_times), statistics.median(h_times)
    n = len(workers)
    print(f"workers: {n}, records: {sum(len(w.training) for w in workers)}, decisions equal: yes")
    print(f"policy load (parse+check+compile), median of 7: "
          f"{statistics.median(load_times) * 1000:.1f} ms (first: {load_times[0] * 1000:.1f} ms)")
    print(f"compiled policy: {c:.3f} s = {c / n * 1e6:.2f} us/worker")
    print(f"hand-written:    {h:.3f} s = {h / n * 1e6:.2f} us/worker")
    print(f"ratio compiled/hand-written: {c / h:.2f}")


if __name__ == "__main__":
    main()
