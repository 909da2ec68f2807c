"""The checked decision form: what the compiler and the interpreter both run.

Groups are inlined into conditions, durations are periods, names are plain strings.
Spans survive, so findings and tracebacks can point back at the policy line.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Literal, assert_never

import attrs

from ..contract.vocabulary import CONTACT_LEVELS, ROLES
from ..diagnostics import Span
from ..language.nodes import Duration

if TYPE_CHECKING:
    from ..contract.workers import TrainingRecord, Worker

# Conditions over a worker, after groups are inlined --------------------------


@attrs.frozen
class Always:
    pass


@attrs.frozen
class ContactIn:
    levels: frozenset[str]


@attrs.frozen
class RoleHeld:
    role: str


@attrs.frozen
class SectorIn:
    sectors: frozenset[str]


@attrs.frozen
class IsVolunteer:
    pass


@attrs.frozen
class Negation:
    operand: Condition


@attrs.frozen
class Conjunction:
    operands: tuple[Condition, ...]


@attrs.frozen
class Disjunction:
    operands: tuple[Condition, ...]


@attrs.frozen
class Completed:
    """A record of `name`, or of a course that counts as it (all in `trainings`), by as_of."""

    name: str
    trainings: frozenset[str]


Condition = (
    Always | ContactIn | RoleHeld | SectorIn | IsVolunteer | Negation | Conjunction | Disjunction
    | Completed
)


# Where a deadline counts from ------------------------------------------------


@attrs.frozen
class FromStart:
    pass


@attrs.frozen
class FromRole:
    role: str


@attrs.frozen
class FromCompletion:
    """The first completion of `name` (or of a course counting as it) on or before as_of."""

    name: str
    trainings: frozenset[str]


Anchor = FromStart | FromRole | FromCompletion


@attrs.frozen
class Hours:
    """`at least N hours [within PERIOD]`. Without a window every record counts."""

    target: float
    window: Duration | None
    # The hours a record counts when it gives none: its course's declared hours, else 0.
    defaults: tuple[tuple[str, float], ...] = ()

    def of(self, training: str, given: float | None) -> float:
        if given is not None:
            return given
        for course, hours in self.defaults:
            if course == training:
                return hours
        return 0.0


@attrs.frozen
class Role:
    id: str
    title: str
    cites: tuple[str, ...]


@attrs.frozen
class Group:
    id: str
    title: str
    condition: Condition
    cites: tuple[str, ...]
    span: Span


@attrs.frozen
class Training:
    id: str
    title: str
    delivery: str
    topics: tuple[str, ...]
    requires: tuple[tuple[str, ...], ...]  # all clauses; any one name within a clause
    cites: tuple[str, ...]
    span: Span
    hours: float | None = None  # what a record of it counts when it gives no hours
    counts_as: tuple[str, ...] = ()  # as written; lowering expands `satisfied by` with it


@attrs.frozen
class Requirement:
    id: str
    title: str
    condition: Condition
    satisfied_by: tuple[str, ...]
    within: Duration | None  # None: no deadline (or only `due before first`)
    renew: Duration | None
    grace: Duration | None
    cites: tuple[str, ...]
    explain: str
    span: Span
    # Language v2. `satisfied_by` above already holds every course that counts as one
    # written in the policy (`counts as`, transitively); `declared` keeps what was written.
    declared: tuple[str, ...] = ()
    deadline_from: Anchor = FromStart()
    before_first: FromCompletion | None = None  # `due before first TRAINING`
    hours: Hours | None = None
    delivery: str | None = None  # only records delivered this way count
    provider: str | None = None  # only records from this provider count
    in_force_from: datetime.date | None = None
    in_force_until: datetime.date | None = None
    regular_updates: bool = False  # `renew regularly`: the document asks, without a period

    @property
    def anchor_role(self) -> str | None:
        """The role whose taking starts the deadline (`of role R`), else None."""
        return self.deadline_from.role if isinstance(self.deadline_from, FromRole) else None

    def in_force(self, as_of: datetime.date) -> bool:
        return ((self.in_force_from is None or self.in_force_from <= as_of)
                and (self.in_force_until is None or as_of <= self.in_force_until))

    def anchor(self, worker: Worker, as_of: datetime.date | None = None) -> datetime.date:
        """The day the deadline counts from: taking the role (`of role R`), completing a
        course (`of completing T`, on or before as_of), else the start."""
        match self.deadline_from:
            case FromStart():
                return worker.started
            case FromRole(role):
                sinces = [r.since or worker.started for r in worker.roles if r.role == role]
                return min(sinces) if sinces else worker.started
            case FromCompletion():
                done = first_completion(self.deadline_from, worker, as_of)
                # The check makes such a requirement apply only once the course is done.
                return done if done is not None else worker.started
        assert_never(self.deadline_from)

    def counts(self, record: TrainingRecord, as_of: datetime.date) -> bool:
        """Whether a record counts towards this requirement on as_of."""
        return (record.training in self.satisfied_by and record.completed <= as_of
                and (self.delivery is None or record.delivery == self.delivery)
                and (self.provider is None or record.provider == self.provider))


def first_completion(anchor: FromCompletion, worker: Worker,
                     as_of: datetime.date | None) -> datetime.date | None:
    days = [r.completed for r in worker.training
            if r.training in anchor.trainings and (as_of is None or r.completed <= as_of)]
    return min(days) if days else None


def condition_text(c: Condition) -> str:
    """A decision-form condition in the policy language's own words."""
    if isinstance(c, Always):
        return "everyone"
    if isinstance(c, ContactIn):
        levels = [lv for lv in CONTACT_LEVELS if lv in c.levels]
        return f"contact {levels[0]}" if len(levels) == 1 else f"contact in {', '.join(levels)}"
    if isinstance(c, RoleHeld):
        return f"role {c.role}"
    if isinstance(c, SectorIn):
        sectors = sorted(c.sectors)
        return f"sector {sectors[0]}" if len(sectors) == 1 else f"sector in {', '.join(sectors)}"
    if isinstance(c, IsVolunteer):
        return "volunteer"
    if isinstance(c, Completed):
        return f"completed {c.name}"
    if isinstance(c, Negation):
        inner = condition_text(c.operand)
        return f"not ({inner})" if isinstance(c.operand, (Conjunction, Disjunction)) \
            else f"not {inner}"
    joiner = " and " if isinstance(c, Conjunction) else " or "
    parts = []
    for o in c.operands:
        s = condition_text(o)
        if isinstance(c, Conjunction) and isinstance(o, Disjunction):
            s = f"({s})"
        parts.append(s)
    return joiner.join(parts)


def anchor_text(a: Anchor) -> str:
    match a:
        case FromStart():
            return "start"
        case FromRole(role):
            return f"role {role}"
        case FromCompletion(name):
            return f"completing {name}"
    assert_never(a)


def deadline_text(r: Requirement) -> str:
    """When a requirement is due, in the policy language's own words."""
    parts = []
    if r.within is not None:
        parts.append(f"due within {r.within} of {anchor_text(r.deadline_from)}")
    if r.before_first is not None:
        parts.append(f"due before first {r.before_first.name}")
    return "; ".join(parts) or "no deadline"


def rule_terms(r: Requirement) -> list[str]:
    """The other clauses that shape a finding (hours, records that count, renewal, dates)."""
    out = []
    if r.hours is not None:
        hours = f"{r.hours.target:g}"
        out.append(f"at least {hours} hours" + (f" within {r.hours.window}" if r.hours.window
                                                else ""))
    if r.delivery is not None:
        out.append(f"delivered {r.delivery}")
    if r.provider is not None:
        out.append(f"provided by {r.provider}")
    if r.renew is not None:
        out.append(f"renew every {r.renew}")
    elif r.regular_updates:
        out.append("renew regularly (no period given)")
    if r.grace is not None:
        out.append(f"grace {r.grace}")
    if r.in_force_from is not None:
        out.append(f"in force from {r.in_force_from.isoformat()}")
    if r.in_force_until is not None:
        out.append(f"in force until {r.in_force_until.isoformat()}")
    return out


def condition_atoms(c: Condition) -> list[Condition]:
    """The leaves of a condition, left to right."""
    if isinstance(c, Negation):
        return condition_atoms(c.operand)
    if isinstance(c, (Conjunction, Disjunction)):
        return [a for o in c.operands for a in condition_atoms(o)]
    return [c]


NoteKind = Literal["duty", "definition", "background"]


@attrs.frozen
class Note:
    kind: NoteKind
    id: str
    title: str
    subject: str | None
    cites: tuple[str, ...]
    span: Span


@attrs.frozen
class Expect:
    """One `expect` line of an example, in plain data."""

    kind: Literal["compliant", "status", "groups", "findings", "no-finding", "eligible"]
    span: Span
    text: str  # the line as written, for reports
    flag: bool = True  # compliant / eligible: expected truth
    name: str | None = None  # requirement or training
    status: str | None = None
    deadline: datetime.date | None = None
    check_deadline: bool = False
    names: tuple[str, ...] = ()
    on: datetime.date | None = None


@attrs.frozen
class Example:
    title: str
    worker: dict[str, object]  # a CONTRACT §1 record
    as_of: datetime.date
    expectations: tuple[Expect, ...]
    span: Span


@attrs.frozen
class PolicyModel:
    id: str
    title: str
    source_name: str
    paragraphs: tuple[str, ...]
    local_ids: tuple[tuple[str, str], ...]  # (id, what was decided)
    roles: tuple[Role, ...]  # declared by the policy (the contract's are built in)
    groups: tuple[Group, ...]
    trainings: tuple[Training, ...]
    requirements: tuple[Requirement, ...]
    notes: tuple[Note, ...]
    examples: tuple[Example, ...]
    path: str
    files: tuple[str, ...]  # this file and those it extends

    @property
    def event_trainings(self) -> frozenset[str]:
        """Trainings whose records change what applies (`completed`) or when a requirement
        is due (`due before first`, `of completing`), besides meeting requirements."""
        out: set[str] = set()
        for c in [r.condition for r in self.requirements] + [g.condition for g in self.groups]:
            out.update(t for a in condition_atoms(c) if isinstance(a, Completed)
                       for t in a.trainings)
        for r in self.requirements:
            if r.before_first is not None:
                out |= r.before_first.trainings
            if isinstance(r.deadline_from, FromCompletion):
                out |= r.deadline_from.trainings
        return frozenset(out)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(ROLES) | {r.id for r in self.roles}
