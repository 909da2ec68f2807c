"""The policy AST: frozen attrs classes, each carrying the span it was parsed from."""

from __future__ import annotations

import datetime
from typing import Literal

import attrs

from ..diagnostics import Diagnostic, Span
from .source import line_at, lines

ValueKind = Literal["date", "duration", "number", "text"]


@attrs.frozen
class Ident:
    name: str
    span: Span


@attrs.frozen
class Cite:
    id: str
    span: Span


@attrs.frozen
class Duration:
    amount: int
    unit: str  # "days", "weeks", "months" or "years"

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


@attrs.frozen
class Value:
    """A literal whose kind is checked where it is used (a date where a duration belongs…)."""

    kind: ValueKind
    text: str
    span: Span
    date: datetime.date | None = None  # for kind "date", None if not a calendar date
    duration: Duration | None = None
    number: int | None = None


@attrs.frozen
class Clause:
    """One keyword clause as written, kept in source order for `fmt` and duplicate checks."""

    keyword: str
    span: Span


# Conditions -----------------------------------------------------------------


@attrs.frozen
class Everyone:
    span: Span


@attrs.frozen
class ContactIs:
    levels: tuple[Ident, ...]
    span: Span


@attrs.frozen
class ContactAtLeast:
    level: Ident
    span: Span


@attrs.frozen
class HasRole:
    role: Ident
    span: Span


@attrs.frozen
class InGroup:
    group: Ident
    span: Span


@attrs.frozen
class SectorIs:
    sectors: tuple[Ident, ...]
    span: Span


@attrs.frozen
class Volunteer:
    span: Span


@attrs.frozen
class Not:
    operand: Cond
    span: Span


@attrs.frozen
class AllOf:
    operands: tuple[Cond, ...]
    span: Span


@attrs.frozen
class AnyOf:
    operands: tuple[Cond, ...]
    span: Span


@attrs.frozen
class Completed:
    """`completed TRAINING`: a record of it (or of a course that counts as it) by `as_of`."""

    training: Ident
    span: Span


Cond = (
    Everyone | ContactIs | ContactAtLeast | HasRole | InGroup | SectorIs | Volunteer | Not | AllOf
    | AnyOf | Completed
)

# Header ---------------------------------------------------------------------


@attrs.frozen
class ParaRange:
    first: Cite
    last: Cite | None


@attrs.frozen
class Source:
    name: str
    ranges: tuple[ParaRange, ...]
    span: Span
    # `text "FILE"`: the file holding the document's text, as written, and where
    text: tuple[str, Span] | None = None


@attrs.frozen
class LocalId:
    cite: Cite
    text: str


@attrs.frozen
class Header:
    id: Ident
    title: str | None
    source: Source | None
    extends: tuple[str, Span] | None
    locals: tuple[LocalId, ...]
    clauses: tuple[Clause, ...]
    span: Span


# Declarations ---------------------------------------------------------------


@attrs.frozen
class RoleDecl:
    name: Ident
    title: str
    cites: tuple[Cite, ...]
    clauses: tuple[Clause, ...]
    span: Span


@attrs.frozen
class GroupDecl:
    name: Ident
    title: str
    members: Cond | None
    cites: tuple[Cite, ...]
    clauses: tuple[Clause, ...]
    span: Span


@attrs.frozen
class Number:
    """A number of hours as written (`8`, `1.5`)."""

    value: float
    text: str
    span: Span


@attrs.frozen
class TrainingDecl:
    name: Ident
    title: str
    delivery: Ident | None
    topics: tuple[str, ...]
    requires: tuple[tuple[Ident, ...], ...]
    cites: tuple[Cite, ...]
    clauses: tuple[Clause, ...]
    span: Span
    hours: Number | None = None  # the hours a record of it counts when it gives none
    counts_as: tuple[Ident, ...] = ()  # a record of it is also a record of these


@attrs.frozen
class Deadline:
    """`due within D of start|role R|completing T`; `within` None means `no deadline`."""

    within: Value | None
    role: Ident | None
    span: Span
    completing: Ident | None = None


@attrs.frozen
class HoursTarget:
    """`at least N hours [within PERIOD]`: without a period, all records count."""

    hours: Number
    window: Value | None
    span: Span


@attrs.frozen
class RequirementDecl:
    name: Ident
    title: str | None  # None for `amend requirement`
    applies: Cond | None
    satisfied_by: tuple[Ident, ...] | None
    deadline: Deadline | None
    renew: Value | None
    grace: Value | None
    cites: tuple[Cite, ...]
    explain: str | None
    clauses: tuple[Clause, ...]
    span: Span
    amend: bool = False
    before_first: Ident | None = None  # `due before first TRAINING`
    hours: HoursTarget | None = None
    delivered: Ident | None = None  # only records delivered this way count
    provider: str | None = None  # only records from this provider count
    in_force_from: Value | None = None
    in_force_until: Value | None = None
    regularly: Clause | None = None  # `renew regularly`: updates the document does not time


NoteKind = Literal["duty", "definition", "background"]


@attrs.frozen
class NoteDecl:
    kind: NoteKind
    name: Ident
    title: str
    subject: str | None
    cites: tuple[Cite, ...]
    clauses: tuple[Clause, ...]
    span: Span


# Examples -------------------------------------------------------------------


@attrs.frozen
class ExpectCompliant:
    compliant: bool
    span: Span


@attrs.frozen
class ExpectStatus:
    requirement: Ident
    status: str
    deadline: Value | None
    no_deadline: bool
    span: Span


@attrs.frozen
class ExpectNames:
    what: Literal["groups", "findings"]
    names: tuple[Ident, ...]
    span: Span


@attrs.frozen
class ExpectNoFinding:
    requirement: Ident
    span: Span


@attrs.frozen
class ExpectEligible:
    training: Ident
    on: Value | None
    eligible: bool
    span: Span


Expectation = ExpectCompliant | ExpectStatus | ExpectNames | ExpectNoFinding | ExpectEligible


@attrs.frozen
class RoleItem:
    role: Ident
    since: Value | None


@attrs.frozen
class Completion:
    training: Ident
    on: Value
    delivery: Ident | None
    span: Span
    hours: Number | None = None
    provider: str | None = None


@attrs.frozen
class ExampleDecl:
    title: str
    worker_id: str | None
    started: Value | None
    contact: Ident | None
    roles: tuple[RoleItem, ...]
    sector: Ident | None
    volunteer: bool
    completed: tuple[Completion, ...]
    as_of: Value | None
    expectations: tuple[Expectation, ...]
    clauses: tuple[Clause, ...]
    span: Span


Declaration = RoleDecl | GroupDecl | TrainingDecl | RequirementDecl | NoteDecl | ExampleDecl


@attrs.frozen
class Comment:
    text: str
    line: int
    column: int


@attrs.frozen
class PolicyFile:
    path: str
    text: str
    header: Header
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]
    # Errors found in building the AST that leave it whole (a clause written twice).
    problems: tuple[Diagnostic, ...] = ()

    def line(self, n: int) -> str:
        return line_at(lines(self.text), n)
