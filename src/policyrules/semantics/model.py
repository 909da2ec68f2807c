"""The checked decision form: what the compiler and the interpreter both run.

Groups are inlined into conditions, durations are periods, names are plain strings.
Spans survive, so findings and tracebacks can point back at the policy line.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, TypeAlias, assert_never

import attrs

from ..contract.vocabulary import ROLES
from ..diagnostics import Span
from ..language.nodes import Duration
from .units import units

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


# A closed union: every evaluator dispatches over it with `match` and `assert_never`, so
# mypy names each place a new kind of condition must reach.
Condition: TypeAlias = (
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

    def units_of(self, training: str, given: float | None) -> int:
        """`of`, in the exact units every engine adds (`units`)."""
        return units(self.of(training, given))

    @property
    def target_units(self) -> int:
        return units(self.target)




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
    # The catalogue titles of the courses this requirement names or counts (satisfied by,
    # `due before first`, `of completing`), so that explanations name courses by title.
    course_titles: tuple[tuple[str, str], ...] = ()

    def course(self, training: str) -> str:
        """A course's title as the catalogue gives it (its id if it has none)."""
        for course, title in self.course_titles:
            if course == training:
                return title
        return training

    @property
    def anchor_role(self) -> str | None:
        """The role whose taking starts the deadline (`of role R`), else None."""
        return self.deadline_from.role if isinstance(self.deadline_from, FromRole) else None

    def role_since(self, worker: Worker) -> datetime.date | None:
        """The day the worker took the role the deadline counts from (`of role R`), or None
        when it counts from elsewhere or the worker has never held the role."""
        role = self.anchor_role
        if role is None:
            return None
        sinces = [r.since or worker.started for r in worker.roles if r.role == role]
        return min(sinces) if sinces else None

    def in_force(self, as_of: datetime.date) -> bool:
        return ((self.in_force_from is None or self.in_force_from <= as_of)
                and (self.in_force_until is None or as_of <= self.in_force_until))

    def anchor(self, worker: Worker, as_of: datetime.date | None = None) -> datetime.date:
        """The day the deadline counts from: taking the role (`of role R`), completing a
        course (`of completing T`, on or before as_of), else the start."""
        match self.deadline_from:
            case FromStart():
                return worker.started
            case FromRole():
                return self.role_since(worker) or worker.started
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


def condition_atoms(c: Condition) -> Iterator[Condition]:
    """The leaves of a condition, left to right (contact, role, sector, volunteer,
    completed, always)."""
    match c:
        case Negation(operand=operand):
            yield from condition_atoms(operand)
        case Conjunction(operands=operands) | Disjunction(operands=operands):
            for o in operands:
                yield from condition_atoms(o)
        case Always() | ContactIn() | RoleHeld() | SectorIn() | IsVolunteer() | Completed():
            yield c
        case _:
            assert_never(c)


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
    # sha256 of the library version and the texts of `files` (semantics/fingerprint.py)
    fingerprint: str = ""
    # The source document's text file (`source … text "FILE"`), resolved; read only by the
    # authoring tools, through source_text.read_paragraphs
    source_text: str | None = None

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

    @functools.cached_property
    def role_names(self) -> frozenset[str]:
        # Kept: a batch run asks once a record (records/validate.py).
        return frozenset(ROLES) | {r.id for r in self.roles}
