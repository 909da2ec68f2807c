"""Hypothesis strategies for the inputs of a policy: workers, training records, dates.

Public API, for people who write property-based tests against a policy (docs/testing.md)::

    from hypothesis import given
    from policyrules.testing import as_of_dates, workers

    @given(workers(policy), as_of_dates())
    def test_never_crashes(worker, as_of):
        policy.evaluate(worker, as_of=as_of)

Every strategy draws only valid input (CONTRACT §1): what it generates passes
`Policy.worker` unchanged. Every field can be fixed, with a value or with a strategy of
your own. Draws shrink towards a small, readable worker: id `W0001`, contact `none`, no
roles, no records, every date on the `as_of` it was generated around.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection, Iterable
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from ..contract.vocabulary import CONTACT_LEVELS, DELIVERIES, ROLES, SECTORS
from ..contract.workers import RoleAssignment, TrainingRecord, Worker
from ..errors import UsageError
from ..policy import Policy
from .fixed import (
    fixed_or,
    need_bool,
    need_contact,
    need_date,
    need_delivery,
    need_id,
    need_role,
    need_sector,
    need_text,
    record_tuple,
    role_tuple,
)

__all__ = [
    "REFERENCE_DATE",
    "as_of_dates",
    "respecting_prerequisites",
    "training_records",
    "workers",
]

#: The date strategies centre on when none is given (the contract's example date).
REFERENCE_DATE = datetime.date(2026, 11, 22)

T = TypeVar("T")
Strategy = st.SearchStrategy

_PROVIDERS = ("in-house", "local authority", "safeguarding partnership")
# Tenths that floats cannot add exactly (0.7 + 0.2 + 0.1 < 1.0) beside whole hours.
_HOURS = (0.1, 0.2, 0.7, 1.0, 2.5, 3.0, 6.0)
_LEVELS = ("1", "2", "3")


# Dates -------------------------------------------------------------------------------------


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _draw_day(draw: st.DrawFn, around: datetime.date, lo: datetime.date,
              hi: datetime.date) -> datetime.date:
    """A day in [lo, hi]; one in four is the last day of a month (28, 29, 30 or 31), where
    calendar arithmetic clips. Shrinks towards `around`. (A function, not a strategy: it
    is called inside other draws with bounds that change every time.)"""
    around = min(max(around, lo), hi)
    if draw(st.integers(0, 3)) == 3:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month
        first = (lo.year - around.year) * 12 + lo.month - around.month
        shift = draw(st.integers(first, first + months))
        end = _month_end(around.replace(day=1) + relativedelta(months=shift))
        return min(max(end, lo), hi)
    offset = draw(st.integers((lo - around).days, (hi - around).days))
    return around + datetime.timedelta(days=offset)


@st.composite
def _day(draw: st.DrawFn, around: datetime.date, lo: datetime.date,
         hi: datetime.date) -> datetime.date:
    return _draw_day(draw, around, lo, hi)


def _years(day: datetime.date, years: int) -> datetime.date:
    result: datetime.date = day + relativedelta(years=years)
    return result


def as_of_dates(
    *,
    around: datetime.date = REFERENCE_DATE,
    min_value: datetime.date | None = None,
    max_value: datetime.date | None = None,
) -> Strategy[datetime.date]:
    """Evaluation dates between `min_value` and `max_value` (default: `around` ± 5 years).

    A quarter of them fall on the last day of a month (29 February included), where
    deadlines clip. They shrink towards `around`.
    """
    lo = min_value if min_value is not None else _years(around, -5)
    hi = max_value if max_value is not None else _years(around, 5)
    need_date(around, "around")
    need_date(lo, "min_value")
    need_date(hi, "max_value")
    if lo > hi:
        raise UsageError(f"as_of_dates: min_value {lo} is after max_value {hi}")
    return _day(around, lo, hi)


# Training records --------------------------------------------------------------------------


def _catalogue(policy: Policy, trainings: Collection[str] | None, what: str) -> tuple[str, ...]:
    known = tuple(t.id for t in policy.model.trainings)
    if trainings is None:
        return known
    chosen = tuple(dict.fromkeys(trainings))
    for t in chosen:
        if t not in known:
            policy.training(t)  # raises UnknownTrainingError with a "did you mean"
    if not chosen:
        raise UsageError(f"{what}: give at least one training id")
    return chosen


@st.composite
def _record(
    draw: st.DrawFn,
    policy: Policy,
    ids: tuple[str, ...],
    completed: Strategy[datetime.date],
    delivery: Strategy[str] | None,
    details: bool,
) -> TrainingRecord:
    training = draw(st.sampled_from(ids))
    day = draw(completed)
    if delivery is not None:
        how = draw(delivery)
    else:  # mostly as the catalogue delivers it; sometimes the other way
        usual = policy.training(training).delivery
        other = next(d for d in DELIVERIES if d != usual)
        how = other if draw(st.integers(0, 3)) == 3 else usual
    if not details:
        return TrainingRecord(training, day, how)
    # The providers the policy names (`provided by`) too, so that such rules can be met.
    named = tuple(r.provider for r in policy.model.requirements if r.provider is not None)
    provider = draw(st.none() | st.sampled_from(_PROVIDERS + named))
    hours = draw(st.none() | st.sampled_from(_HOURS))
    level = draw(st.none() | st.sampled_from(_LEVELS))
    return TrainingRecord(training, day, how, provider, hours, level)


def training_records(
    policy: Policy,
    *,
    as_of: datetime.date = REFERENCE_DATE,
    trainings: Collection[str] | None = None,
    completed: datetime.date | Strategy[datetime.date] | None = None,
    delivery: str | Strategy[str] | None = None,
    details: bool = False,
) -> Strategy[TrainingRecord]:
    """Training records for trainings in the policy's catalogue.

    `trainings` limits the ids drawn from. `completed` defaults to a day from 15 years
    before `as_of` to a year after it (records after the evaluation date are valid input
    and must be ignored). `delivery` defaults to the catalogue's, sometimes the other.
    `details=True` also draws `provider`, `hours` and `level`.
    """
    ids = _catalogue(policy, trainings, "training_records")
    if not ids:
        raise UsageError(f"training_records: policy {policy.id!r} has no training catalogue")
    need_date(as_of, "as_of")
    days = fixed_or(completed, _day(as_of, _years(as_of, -15), _years(as_of, 1)), need_date,
                     "completed")
    how = None if delivery is None else fixed_or(delivery, st.nothing(), need_delivery,
                                                  "delivery")
    return _record(policy, ids, days, how, details)


def respecting_prerequisites(policy: Policy,
                             records: Iterable[TrainingRecord]) -> tuple[TrainingRecord, ...]:
    """The records a worker could really have: each training's `requires` clauses met by
    records completed on or before its own day. Others are dropped; input order is kept.
    Records of trainings outside the catalogue are kept as they are."""
    records = tuple(records)
    catalogue = {t.id: t for t in policy.model.trainings}
    kept: set[int] = set()
    changed = True
    while changed:  # a fixed point: a prerequisite may come later in the input
        changed = False
        for i, r in enumerate(records):
            if i in kept:
                continue
            t = catalogue.get(r.training)
            if t is None or all(
                any(records[j].training in alt and records[j].completed <= r.completed
                    for j in kept)
                for alt in t.requires
            ):
                kept.add(i)
                changed = True
    return tuple(r for i, r in enumerate(records) if i in kept)


# Workers -----------------------------------------------------------------------------------


@st.composite
def _roles(
    draw: st.DrawFn, pool: tuple[str, ...], started: datetime.date, as_of: datetime.date,
    max_roles: int,
) -> tuple[RoleAssignment, ...]:
    if not pool or max_roles == 0:
        return ()
    # Not `unique=True`: hypothesis shrinks a unique list less well (to two roles where one
    # would do); repeats are dropped instead.
    names = dict.fromkeys(draw(st.lists(st.sampled_from(pool), max_size=max_roles)))
    earliest, latest = _years(started, -2), _years(max(started, as_of), 1)
    return tuple(
        RoleAssignment(name, _draw_day(draw, started, earliest, latest)
                       if draw(st.booleans()) else None)
        for name in names)


@st.composite
def _worker(
    draw: st.DrawFn,
    policy: Policy,
    as_of: datetime.date,
    ids: Strategy[str],
    started: Strategy[datetime.date] | None,
    contact: Strategy[str],
    roles: Strategy[tuple[RoleAssignment, ...]] | None,
    training: Strategy[tuple[TrainingRecord, ...]] | None,
    sector: Strategy[str | None],
    volunteer: Strategy[bool],
    agency: Strategy[str | None],
    pool: tuple[str, ...],
    catalogue: tuple[str, ...],
    max_roles: int,
    max_records: int,
    prerequisites: bool,
    details: bool,
) -> Worker:
    wid = draw(ids)
    start = (draw(started) if started is not None
             else _draw_day(draw, as_of, _years(as_of, -20), as_of + datetime.timedelta(days=90)))
    level = draw(contact)
    held = draw(roles) if roles is not None else draw(_roles(pool, start, as_of, max_roles))
    if training is not None:
        records = draw(training)
    elif catalogue and max_records:
        days = _day(as_of, min(_years(start, -3), as_of), _years(as_of, 1))
        records = tuple(draw(st.lists(_record(policy, catalogue, days, None, details),
                                      max_size=max_records)))
    else:
        records = ()
    if prerequisites:
        records = respecting_prerequisites(policy, records)
    return Worker(wid, start, level, held, records, draw(agency), draw(sector),
                  draw(volunteer))


def workers(
    policy: Policy,
    *,
    as_of: datetime.date = REFERENCE_DATE,
    id: str | Strategy[str] | None = None,  # the field's name in the contract
    started: datetime.date | Strategy[datetime.date] | None = None,
    contact: str | Strategy[str] | None = None,
    roles: Iterable[str | RoleAssignment] | Strategy[Iterable[str | RoleAssignment]]
    | None = None,
    training: Iterable[TrainingRecord] | Strategy[Iterable[TrainingRecord]] | None = None,
    sector: str | Strategy[str | None] | None = None,
    volunteer: bool | Strategy[bool] | None = None,
    agency: str | Strategy[str | None] | None = None,
    roles_from: Collection[str] | None = None,
    trainings_from: Collection[str] | None = None,
    max_roles: int = 4,
    max_records: int = 6,
    prerequisites: bool = False,
    details: bool = False,
) -> Strategy[Worker]:
    """Valid worker records (`policyrules.Worker`) for a compiled policy.

    Drawn by default: an id `W0001`…`W9999`; `started` up to 20 years before `as_of` (or
    up to 90 days after: a new starter); a contact level; up to `max_roles` roles from the
    policy's vocabulary (the contract's and its own), each held from `started` or from a
    `since` date; up to `max_records` training records from the catalogue, completed from
    three years before `started` to a year after `as_of`; a sector or none; volunteer or
    not. No agency.

    Fix a field by passing a value (`contact="regular"`, `roles=["supervisor"]`,
    `sector="voluntary"`, `training=[]`) or draw it from your own strategy
    (`contact=st.sampled_from(["regular", "predominant"])`; `sector=st.none()` for no
    sector). `roles_from` and `trainings_from` narrow what roles and records are drawn
    from. `prerequisites=True` keeps only records whose prerequisites were completed on or
    before their day. `details=True` also draws `provider`, `hours` and `level`.
    """
    need_date(as_of, "as_of")
    if max_roles < 0 or max_records < 0:
        raise UsageError("workers: max_roles and max_records must not be negative")
    known_roles = policy.model.role_names
    vocabulary = [r for r in ROLES if r in known_roles] + sorted(known_roles - set(ROLES))
    if roles_from is None:
        pool = tuple(vocabulary)
    else:
        pool = tuple(dict.fromkeys(roles_from))
        for r in pool:
            need_role(r, known_roles)
    catalogue = _catalogue(policy, trainings_from, "workers(trainings_from=…)")

    def fixed_roles(value: object) -> tuple[RoleAssignment, ...]:
        return role_tuple(value, known_roles)

    ids = fixed_or(id, st.integers(1, 9999).map(lambda n: f"W{n:04d}"), need_id, "id")
    return _worker(
        policy,
        as_of,
        ids,
        None if started is None else fixed_or(started, st.nothing(), need_date, "started"),
        fixed_or(contact, st.sampled_from(CONTACT_LEVELS), need_contact, "contact"),
        None if roles is None else fixed_or(roles, st.nothing(), None, "roles",
                                             convert=fixed_roles),
        None if training is None else fixed_or(training, st.nothing(), None, "training",
                                                convert=record_tuple),
        fixed_or(sector, st.none() | st.sampled_from(SECTORS), need_sector, "sector"),
        fixed_or(volunteer, st.booleans(), need_bool, "volunteer"),
        fixed_or(agency, st.none(), need_text, "agency"),
        pool,
        catalogue,
        max_roles,
        max_records,
        prerequisites,
        details,
    )
