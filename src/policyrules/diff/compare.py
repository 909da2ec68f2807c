"""Where two policies decide differently, with an example worker for each difference.

Without workers the comparison runs over the finite space that can tell the policies
apart, as Cedar's equivalence check does, and returns a counterexample per difference:

- every profile (contact × roles held × sector × volunteer) that either policy's
  conditions read, enumerated by `semantics/profiles.py` and `verify/exhaustive.py`;
- the dates that matter: a finding changes only when a deadline or a renewal date passes,
  and those are a worker's start, role or completion date plus one of the policies'
  periods. So, with `as_of` fixed, workers start, take their roles and complete each
  course on the day that puts each period's end on `as_of`, the day before and the day
  after, and long ago.

Findings depend on the profile only through which requirements apply and which roles a
deadline counts from, so the dated workers run once per distinct pattern of those, and
each difference lists every profile that shares the pattern (for whom). For the example
worker the comparison also finds the first day on which the two policies part (from when).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from ..contract.decision import Decision
from ..contract.vocabulary import CONTACT_RANK
from ..contract.workers import RoleAssignment, TrainingRecord, Worker
from ..errors import UsageError, WorkerError
from ..language.nodes import Duration
from ..policy import Policy, WorkerLike, load
from ..semantics import model as m
from ..semantics.dates import add, is_plain_date
from ..semantics.profiles import Profile, conditions, mentioned_roles, space

_DAY = datetime.timedelta(days=1)
_LONG_AGO = relativedelta(years=40)  # before every deadline either policy can set

Status = str | None  # a finding's status, or None: the requirement does not apply


@attrs.frozen
class Difference:
    """One way the two policies decide differently, with a worker that shows it."""

    worker: str  # the example worker's id (a real one when workers were given)
    requirement: str
    old: Status
    new: Status
    example: Worker = attrs.field(repr=False)
    as_of: datetime.date
    old_due: datetime.date | None = None
    new_due: datetime.date | None = None
    since: datetime.date | None = None  # the first day the policies part for the example
    profiles: tuple[Profile, ...] = ()  # for whom (profile comparison only)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "worker": self.worker, "requirement": self.requirement,
            "old": self.old, "new": self.new, "example": self.example.to_dict(),
            "as_of": self.as_of.isoformat(),
            "old_due": _iso(self.old_due), "new_due": _iso(self.new_due),
        }
        if self.since is not None:
            out["from"] = self.since.isoformat()
        if self.profiles:
            out["profiles"] = [p.describe() for p in self.profiles]
        return out


@attrs.frozen
class ComplianceChange:
    worker: str
    old: bool
    new: bool


@attrs.frozen
class Comparison:
    """The result of `policyrules.diff`: equivalent, or every difference found."""

    old: Policy = attrs.field(repr=False)
    new: Policy = attrs.field(repr=False)
    as_of: datetime.date
    differences: tuple[Difference, ...]
    profiles: int  # profiles compared (0 when workers were given)
    workers: int  # workers compared (the generated ones for a profile comparison)
    compliance: tuple[ComplianceChange, ...] = ()  # workers whose compliance changes
    errors: tuple[tuple[int, WorkerError], ...] = ()  # (index in the input, why)

    @property
    def equivalent(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent,
            "differences": [d.to_dict() for d in self.differences],
            "old": {"policy": self.old.id, "fingerprint": self.old.fingerprint},
            "new": {"policy": self.new.id, "fingerprint": self.new.fingerprint},
            "as_of": self.as_of.isoformat(),
            "profiles": self.profiles,
            "workers": self.workers,
            "compliance": [{"worker": c.worker, "old": c.old, "new": c.new}
                           for c in self.compliance],
            "errors": [{"index": i} | e.to_dict() for i, e in self.errors],
        }


def diff(old: Policy | str | os.PathLike[str], new: Policy | str | os.PathLike[str],
         workers: Iterable[WorkerLike] | None = None, *,
         as_of: datetime.date) -> Comparison:
    """Where `new` decides differently from `old` on `as_of`.

    Without `workers`: over every profile and the dates that matter, one example worker per
    difference (requirement, old status, new status). With `workers`: each worker whose
    findings (status or due date) or compliance change; a record that is not valid for
    both policies is listed in `errors` with its index, and the rest are still compared.
    """
    if not is_plain_date(as_of):
        raise UsageError(f"as_of must be a datetime.date (not a date-time or text), "
                         f"got {as_of!r}")
    a, b = _policy(old), _policy(new)
    if workers is None:
        return _over_profiles(a, b, as_of)
    return _over_workers(a, b, workers, as_of)


def _policy(p: Policy | str | os.PathLike[str]) -> Policy:
    return p if isinstance(p, Policy) else load(p)


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _findings(d: Decision) -> dict[str, tuple[str, datetime.date | None]]:
    return {f.requirement: (f.status, f.due) for f in d.findings}


def _requirement_ids(a: Policy, b: Policy) -> list[str]:
    """Both policies' requirements: the old order, then those only the new one has."""
    ids = [r.id for r in a.model.requirements]
    return ids + [r.id for r in b.model.requirements if r.id not in ids]


# With workers -----------------------------------------------------------------------------

def _over_workers(a: Policy, b: Policy, workers: Iterable[WorkerLike],
                  as_of: datetime.date) -> Comparison:
    ids = _requirement_ids(a, b)
    differences: list[Difference] = []
    compliance: list[ComplianceChange] = []
    errors: list[tuple[int, WorkerError]] = []
    count = 0
    for index, data in enumerate(workers):
        if isinstance(data, WorkerError):  # a reader's verdict on a record it could not read
            errors.append((index, data))
            continue
        try:
            worker = a.worker(data)
            b.worker(worker)  # its roles must be known to the new policy too
        except WorkerError as exc:
            errors.append((index, exc))
            continue
        count += 1
        da, db = a.evaluate_checked(worker, as_of), b.evaluate_checked(worker, as_of)
        fa, fb = _findings(da), _findings(db)
        for rid in ids:
            (sa, ua), (sb, ub) = fa.get(rid, (None, None)), fb.get(rid, (None, None))
            if (sa, ua) != (sb, ub):
                differences.append(Difference(worker.id, rid, sa, sb, worker, as_of, ua, ub))
        if da.compliant != db.compliant:
            compliance.append(ComplianceChange(worker.id, da.compliant, db.compliant))
    return Comparison(a, b, as_of, tuple(differences), 0, count, tuple(compliance),
                      tuple(errors))


# Over every profile -----------------------------------------------------------------------

Period = tuple[Duration, ...]  # durations added one after the other (within, then grace)


def _periods(*models: m.PolicyModel) -> list[Period]:
    """Every span after which some deadline or renewal falls due, in either policy."""
    out: list[Period] = []
    for model in models:
        for r in model.requirements:
            window = r.hours.window if r.hours is not None else None
            for first in (r.within, r.renew, window):
                if first is not None:
                    p = (first,) if r.grace is None else (first, r.grace)
                    for q in (p, (first,)):
                        if q not in out:
                            out.append(q)
    return out


def _back(day: datetime.date, period: Period) -> datetime.date:
    for d in reversed(period):
        day = day - relativedelta(**{d.unit: d.amount})  # type: ignore[arg-type]
    return day


def _forward(day: datetime.date, period: Period) -> datetime.date:
    for d in period:
        day = add(day, d)
    return day


def _candidates(as_of: datetime.date, periods: list[Period]) -> list[datetime.date]:
    """Days that put the end of each period on `as_of`, the day before and after; long ago;
    and `as_of` itself. Month ends clip, so a period's end is near, not always on, as_of."""
    days = {as_of, as_of - _LONG_AGO}
    for p in periods:
        x = _back(as_of, p)
        days.update((x - _DAY, x, x + _DAY))
    return sorted(d for d in days if d <= as_of)


@attrs.frozen
class _Pattern:
    """What a profile decides beyond dates: the requirements that apply under each policy,
    and the roles it holds that some deadline counts from."""

    old: frozenset[str]
    new: frozenset[str]
    anchors: tuple[str, ...]


def _over_profiles(a: Policy, b: Policy, as_of: datetime.date) -> Comparison:
    ma, mb = a.model, b.model
    roles = list(mentioned_roles(ma))
    roles += [r for r in mentioned_roles(mb) if r not in roles]
    profiles, _ = space(conditions(ma) + conditions(mb), roles)
    anchor_roles = {r.anchor_role for r in ma.requirements + mb.requirements
                    if r.anchor_role is not None}
    long_ago = as_of - _LONG_AGO

    patterns: dict[_Pattern, list[Profile]] = {}
    for i, profile in enumerate(profiles, 1):
        bare = _worker(f"profile-{i}", profile, long_ago, None, ())
        pattern = _Pattern(frozenset(_findings(a.evaluate_checked(bare, as_of))),
                           frozenset(_findings(b.evaluate_checked(bare, as_of))),
                           tuple(r for r in profile.roles if r in anchor_roles))
        patterns.setdefault(pattern, []).append(profile)
    for members in patterns.values():
        members.sort(key=_plainness)

    periods = _periods(ma, mb)
    days = _candidates(as_of, periods)
    deliveries = {t.id: t.delivery for t in (*mb.trainings, *ma.trainings)}
    trainings = _named_trainings(ma, mb)
    variants = _record_variants(ma, mb)
    ids = _requirement_ids(a, b)
    found: dict[tuple[str, Status, Status], Difference] = {}
    whom: dict[tuple[str, Status, Status], list[Profile]] = {}
    count = 0
    # The simplest profile of each pattern stands for it, and the simplest patterns go
    # first, so that each example is the plainest worker that shows its difference.
    for pattern, members in sorted(patterns.items(), key=lambda kv: _plainness(kv[1][0])):
        seen: set[tuple[str, Status, Status]] = set()
        for worker in _dated_workers(members[0], pattern, days, long_ago, trainings,
                                     deliveries, variants):
            count += 1
            fa = _findings(a.evaluate_checked(worker, as_of))
            fb = _findings(b.evaluate_checked(worker, as_of))
            for rid in ids:
                (sa, ua), (sb, ub) = fa.get(rid, (None, None)), fb.get(rid, (None, None))
                if sa == sb:
                    continue
                key = (rid, sa, sb)
                if key not in found:
                    since = _parted(a, b, worker, rid, as_of, periods)
                    found[key] = Difference(f"example-{len(found) + 1}", rid, sa, sb,
                                            attrs.evolve(worker, id=f"example-{len(found) + 1}"),
                                            as_of, ua, ub, since)
                if key not in seen:
                    seen.add(key)
                    whom.setdefault(key, []).extend(members)
    differences = tuple(attrs.evolve(d, profiles=tuple(sorted(whom[k], key=_order)))
                        for k, d in found.items())
    return Comparison(a, b, as_of, differences, len(profiles), count)


def _plainness(p: Profile) -> tuple[int, bool, bool]:
    return (len(p.roles), p.sector is not None, p.volunteer)


def _order(p: Profile) -> tuple[tuple[int, bool, bool], int, Profile]:
    return (_plainness(p), CONTACT_RANK[p.contact], p)


def _worker(wid: str, profile: Profile, started: datetime.date,
            since: datetime.date | None, training: tuple[TrainingRecord, ...],
            anchors: tuple[str, ...] = ()) -> Worker:
    roles = tuple(RoleAssignment(r, since if r in anchors else None) for r in profile.roles)
    # the courses `completed` conditions ask about, done on the first day
    done = tuple(TrainingRecord(t, started) for t in profile.done)
    return Worker(wid, started, profile.contact, roles, done + training, sector=profile.sector,
                  volunteer=profile.volunteer)


def _named_trainings(*models: m.PolicyModel) -> list[str]:
    """Every course a requirement counts, or counts its deadline from."""
    names: set[str] = set()
    for model in models:
        for r in model.requirements:
            names.update(r.satisfied_by)
            for anchor in (r.deadline_from, r.before_first):
                if isinstance(anchor, m.FromCompletion):
                    names.update(anchor.trainings)
    return sorted(names)


def _record_variants(*models: m.PolicyModel) -> list[tuple[str | None, str | None]]:
    """(delivery, provider) pairs a record is tried with: as the course declares, and each
    way a requirement filters records (`delivered …`, `provided by …`)."""
    out: list[tuple[str | None, str | None]] = [(None, None)]
    for model in models:
        for r in model.requirements:
            for v in ((r.delivery, None), (None, r.provider), (r.delivery, r.provider)):
                if v not in out:
                    out.append(v)
    return out


def _dated_workers(profile: Profile, pattern: _Pattern, days: list[datetime.date],
                   long_ago: datetime.date, trainings: list[str],
                   deliveries: Mapping[str, str],
                   variants: list[tuple[str | None, str | None]]) -> Iterator[Worker]:
    """Workers of one profile whose deadlines and renewals fall around `as_of`."""
    n = 0

    def make(started: datetime.date, since: datetime.date | None,
             training: tuple[TrainingRecord, ...]) -> Worker:
        nonlocal n
        n += 1
        return _worker(f"dated-{n}", profile, started, since, training, pattern.anchors)

    # The most recent days first: an example trained last year reads better than one
    # trained forty years ago.
    recent_first = days[::-1]
    for day in recent_first:
        yield make(day, None, ())  # untrained, started that day
        if pattern.anchors:
            yield make(long_ago, day, ())  # untrained, took the role that day
    for t in trainings:
        for delivery, provider in variants:
            for day in recent_first:
                record = (TrainingRecord(t, day, delivery or deliveries.get(t, "single-agency"),
                                         provider),)
                yield make(long_ago, None, record)
                yield make(day, None, record)


def _parted(a: Policy, b: Policy, worker: Worker, rid: str, as_of: datetime.date,
            periods: list[Period]) -> datetime.date:
    """The first day on which the two policies' findings on `rid` differ for `worker`.

    Findings change only on the worker's own dates, or the day after one of them plus a
    period (a deadline is inclusive), so those are the only days to try.
    """
    dates = {worker.started, *(r.since for r in worker.roles if r.since is not None),
             *(r.completed for r in worker.training)}
    days = set(dates)
    for r in a.model.requirements + b.model.requirements:  # a rule comes into or out of force
        if r.in_force_from is not None:
            days.add(r.in_force_from)
        if r.in_force_until is not None:
            days.add(r.in_force_until + _DAY)
    for d in dates:
        for p in periods:
            end = _forward(d, p)
            days.update((end, end + _DAY))
    for day in sorted(x for x in days if worker.started <= x <= as_of):
        fa = _findings(a.evaluate_checked(worker, day)).get(rid)
        fb = _findings(b.evaluate_checked(worker, day)).get(rid)
        if (fa and fa[0]) != (fb and fb[0]):
            return day
    return as_of
