"""The checked decision form: what the compiler and the interpreter both run.

Groups are inlined into conditions, durations are periods, names are plain strings.
Spans survive, so findings and tracebacks can point back at the policy line.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Literal

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


Condition = (
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

    def anchor(self, worker: Worker) -> datetime.date:
        """The day the deadline counts from: taking the role (`of role R`), else the start."""
        if self.anchor_role is not None:
            sinces = [r.since or worker.started for r in worker.roles
                      if r.role == self.anchor_role]
            if sinces:
                return min(sinces)
        return worker.started


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

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(ROLES) | {r.id for r in self.roles}
