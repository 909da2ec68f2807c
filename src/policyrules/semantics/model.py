"""The checked decision form: what the compiler and the interpreter both run.

Groups are inlined into conditions, durations are periods, names are plain strings.
Spans survive, so findings and tracebacks can point back at the policy line.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Literal, TypeAlias, assert_never

import attrs

from ..contract.vocabulary import CONTACT_LEVELS, ROLES
from ..diagnostics import Span
from ..language.nodes import Duration

if TYPE_CHECKING:
    from ..contract.workers import Worker

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


# A closed union: every evaluator dispatches over it with `match` and `assert_never`, so
# mypy names each place a new kind of condition must reach.
Condition: TypeAlias = (
    Always | ContactIn | RoleHeld | SectorIn | IsVolunteer | Negation | Conjunction | Disjunction
)


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


@attrs.frozen
class Requirement:
    id: str
    title: str
    condition: Condition
    satisfied_by: tuple[str, ...]
    within: Duration | None  # None: no deadline
    anchor_role: str | None  # None: from the start of employment
    renew: Duration | None
    grace: Duration | None
    cites: tuple[str, ...]
    explain: str
    span: Span

    def role_since(self, worker: Worker) -> datetime.date | None:
        """The day the worker took the role the deadline counts from (`of role R`), or None
        when it counts from the start or the worker has never held the role."""
        if self.anchor_role is None:
            return None
        sinces = [r.since or worker.started for r in worker.roles if r.role == self.anchor_role]
        return min(sinces) if sinces else None

    def anchor(self, worker: Worker) -> datetime.date:
        """The day the deadline counts from: taking the role (`of role R`), else the start."""
        return self.role_since(worker) or worker.started


def condition_text(c: Condition) -> str:
    """A decision-form condition in the policy language's own words."""
    match c:
        case Always():
            return "everyone"
        case ContactIn(levels=given):
            levels = [lv for lv in CONTACT_LEVELS if lv in given]
            return (f"contact {levels[0]}" if len(levels) == 1
                    else f"contact in {', '.join(levels)}")
        case RoleHeld(role=role):
            return f"role {role}"
        case SectorIn(sectors=given):
            sectors = sorted(given)
            return (f"sector {sectors[0]}" if len(sectors) == 1
                    else f"sector in {', '.join(sectors)}")
        case IsVolunteer():
            return "volunteer"
        case Negation(operand=operand):
            inner = condition_text(operand)
            return (f"not ({inner})" if isinstance(operand, (Conjunction, Disjunction))
                    else f"not {inner}")
        case Conjunction(operands=operands):
            # `or` binds looser than `and`: a disjunction inside needs its brackets back.
            return " and ".join(f"({condition_text(o)})" if isinstance(o, Disjunction)
                                else condition_text(o) for o in operands)
        case Disjunction(operands=operands):
            return " or ".join(condition_text(o) for o in operands)
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

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(ROLES) | {r.id for r in self.roles}
