"""Properties 4 and 5 proved for every profile (contact level × roles held × sector ×
volunteer, as profiles.py enumerates it), and which profiles no requirement covers."""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence

import attrs

from ..contract.decision import Decision
from ..contract.workers import RoleAssignment, TrainingRecord, Worker
from ..policy import Policy
from ..semantics import model as m
from ..semantics.profiles import Profile, conditions, mentioned_roles, space
from .context import _Found, _Run
from .oracles import _dishonest, _make_compliant, _probes

# Profile workers start on a day that makes month arithmetic clip (+ 6 months = 29 Feb) and
# take the roles that deadlines count from later, so "start" and "role start" differ.
_PROFILE_STARTED = datetime.date(2023, 2, 28)
_PROFILE_ROLE_SINCE = datetime.date(2023, 8, 31)


# The profile space ------------------------------------------------------------------------


def profiles(policy: Policy | m.PolicyModel) -> tuple[tuple[Profile, ...], str]:
    """Every profile the policy can tell apart, and how the space is made up."""
    model = policy.model if isinstance(policy, Policy) else policy
    return space(conditions(model), mentioned_roles(model))


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

    # A rule in force only from a later day is reached on that day.
    revised = sorted({r.in_force_from for r in run.model.requirements
                      if r.in_force_from is not None and r.in_force_from > day0})
    for i, profile in enumerate(space, 1):
        done = tuple(TrainingRecord(t, _PROFILE_STARTED, run.trainings[t].delivery)
                     for t in profile.done)  # the courses `completed` conditions ask about
        bare = Worker(
            f"profile-{i}", _PROFILE_STARTED, profile.contact,
            tuple(RoleAssignment(r, day0 if r in anchors else None) for r in profile.roles),
            done, sector=profile.sector, volunteer=profile.volunteer)
        for day in revised:
            later = run.evaluate(bare, day)
            reached.update(f.requirement for f in later.findings)
            check_honest(profile, bare, day, later)
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
