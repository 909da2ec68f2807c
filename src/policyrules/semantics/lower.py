"""Checked AST → decision form (model.py): inline groups, resolve levels, build examples."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import assert_never

from ..contract.vocabulary import CONTACT_LEVELS, CONTACT_RANK
from ..diagnostics import Span
from ..language import nodes as n
from ..language.program import Program
from ..language.source import lines
from . import model as m
from .fingerprint import fingerprint


def lower(program: Program) -> m.PolicyModel:
    """Only called on a program that checked without errors."""
    top = program.top
    group_decls = {g.name.name: g for g in program.groups}
    trainings = tuple(
        m.Training(
            t.name.name, t.title, t.delivery.name if t.delivery else "single-agency", t.topics,
            tuple(tuple(i.name for i in alt) for alt in t.requires), _cites(t.cites), t.span,
            hours=t.hours.value if t.hours is not None else None,
            counts_as=tuple(i.name for i in t.counts_as),
        )
        for t in program.trainings
    )
    levels = Levels(trainings)
    cache: dict[str, m.Condition] = {}

    def group_condition(name: str) -> m.Condition:
        if name not in cache:
            members = group_decls[name].members
            assert members is not None
            cache[name] = lower_condition(members, group_condition, levels)
        return cache[name]

    groups = tuple(
        m.Group(g.name.name, g.title, group_condition(g.name.name), _cites(g.cites), g.span)
        for g in program.groups
    )
    requirements = tuple(_requirement(r, group_condition, levels)
                         for r in program.requirements)
    # Split once: splitting the file for every expectation was quadratic in its size.
    file_lines = {path: lines(text) for path, text in program.files.items()}
    return m.PolicyModel(
        id=top.header.id.name,
        title=top.header.title or "",
        source_name=program.source_name,
        paragraphs=program.paragraphs,
        local_ids=tuple((k, v.text) for k, v in program.local_ids.items()),
        roles=tuple(m.Role(r.name.name, r.title, _cites(r.cites)) for r in program.roles),
        groups=groups,
        trainings=trainings,
        requirements=requirements,
        notes=tuple(
            m.Note(x.kind, x.name.name, x.title, x.subject, _cites(x.cites), x.span)
            for x in program.notes
        ),
        examples=tuple(_example(ex, file_lines) for ex in program.examples),
        path=top.path,
        files=tuple(program.files),
        fingerprint=fingerprint(program.files.values()),
        source_text=program.source_text,
    )


GroupLookup = Callable[[str], m.Condition]


class Levels:
    """`counts as`, closed: which courses' records count as a given course."""

    def __init__(self, trainings: tuple[m.Training, ...]) -> None:
        self.order = [t.id for t in trainings]
        edges = {t.id: t.counts_as for t in trainings}
        self.covers: dict[str, set[str]] = {}  # course -> every course it counts as
        for t in trainings:
            seen, todo = {t.id}, [t.id]
            while todo:
                for nxt in edges.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            self.covers[t.id] = seen
        self.hours = {t.id: t.hours for t in trainings}
        self.titles = {t.id: t.title for t in trainings}

    def meeting(self, *names: str) -> tuple[str, ...]:
        """The named courses first, then every course that counts as one of them."""
        wanted = set(names)
        extra = [t for t in self.order if t not in wanted and self.covers[t] & wanted]
        return (*dict.fromkeys(names), *extra)

    def anchor(self, name: str) -> m.FromCompletion:
        return m.FromCompletion(name, frozenset(self.meeting(name)))


def lower_condition(cond: n.Cond, group: GroupLookup, levels: Levels) -> m.Condition:
    match cond:
        case n.Everyone():
            return m.Always()
        case n.ContactIs(levels=given):
            return m.ContactIn(frozenset(i.name for i in given))
        case n.ContactAtLeast(level=level):
            return m.ContactIn(frozenset(CONTACT_LEVELS[CONTACT_RANK[level.name]:]))
        case n.HasRole(role=role):
            return m.RoleHeld(role.name)
        case n.InGroup(group=name):
            return group(name.name)
        case n.SectorIs(sectors=sectors):
            return m.SectorIn(frozenset(i.name for i in sectors))
        case n.Volunteer():
            return m.IsVolunteer()
        case n.Completed(training=training):
            found = levels.anchor(training.name)
            return m.Completed(found.name, found.trainings)
        case n.Not(operand=operand):
            return m.Negation(lower_condition(operand, group, levels))
        case n.AllOf(operands=operands):
            return m.Conjunction(tuple(lower_condition(c, group, levels) for c in operands))
        case n.AnyOf(operands=operands):
            return m.Disjunction(tuple(lower_condition(c, group, levels) for c in operands))
        case _:
            assert_never(cond)


def _requirement(r: n.RequirementDecl, group: GroupLookup, levels: Levels) -> m.Requirement:
    assert r.applies is not None and r.satisfied_by is not None
    deadline = r.deadline
    within = deadline.within.duration if deadline is not None and deadline.within else None
    anchor: m.Anchor = m.FromStart()
    if deadline is not None and deadline.role is not None:
        anchor = m.FromRole(deadline.role.name)
    elif deadline is not None and deadline.completing is not None:
        anchor = levels.anchor(deadline.completing.name)
    declared = tuple(dict.fromkeys(i.name for i in r.satisfied_by))
    satisfied_by = levels.meeting(*declared)
    hours = None
    if r.hours is not None:
        window = r.hours.window.duration if r.hours.window is not None else None
        defaults = tuple((t, h) for t in satisfied_by
                         if (h := levels.hours.get(t)) is not None)
        hours = m.Hours(r.hours.hours.value, window, defaults)
    before_first = levels.anchor(r.before_first.name) if r.before_first else None
    # In the catalogue's order (not a frozenset's), so that equal policies give equal rules.
    named = [*satisfied_by, *(levels.meeting(before_first.name) if before_first else ()),
             *(levels.meeting(anchor.name) if isinstance(anchor, m.FromCompletion) else ())]
    return m.Requirement(
        id=r.name.name,
        title=r.title or r.name.name,
        condition=lower_condition(r.applies, group, levels),
        satisfied_by=satisfied_by,
        within=within,
        renew=r.renew.duration if r.renew is not None else None,
        grace=r.grace.duration if r.grace is not None else None,
        cites=_cites(r.cites),
        explain=r.explain or "",
        span=r.span,
        declared=declared,
        deadline_from=anchor,
        before_first=before_first,
        hours=hours,
        delivery=r.delivered.name if r.delivered is not None else None,
        provider=r.provider,
        in_force_from=_date(r.in_force_from),
        in_force_until=_date(r.in_force_until),
        regular_updates=r.regularly is not None,
        course_titles=tuple((t, levels.titles[t]) for t in dict.fromkeys(named)),
    )


def _cites(cites: tuple[n.Cite, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.id for c in cites))


def _date(value: n.Value | None) -> datetime.date | None:
    return value.date if value is not None else None


def _example(ex: n.ExampleDecl, files: dict[str, list[str]]) -> m.Example:
    worker: dict[str, object] = {
        "id": ex.worker_id or "example",
        "started": ex.started.text if ex.started else None,
        "contact": ex.contact.name if ex.contact else None,
        "roles": [
            {"role": item.role.name, "since": item.since.text} if item.since else item.role.name
            for item in ex.roles
        ],
        "training": [_record(c) for c in ex.completed],
        "volunteer": ex.volunteer,
    }
    if ex.sector is not None:
        worker["sector"] = ex.sector.name
    as_of = _date(ex.as_of)
    assert as_of is not None
    expectations = tuple(_expect(e, _text(files, e.span)) for e in ex.expectations)
    return m.Example(ex.title, worker, as_of, expectations, ex.span)


def _record(c: n.Completion) -> dict[str, object]:
    record: dict[str, object] = {"training": c.training.name, "completed": c.on.text}
    if c.delivery is not None:
        record["delivery"] = c.delivery.name
    if c.hours is not None:
        record["hours"] = c.hours.value
    if c.provider is not None:
        record["provider"] = c.provider
    return record


def _text(files: dict[str, list[str]], span: Span) -> str:
    text_lines = files.get(span.file, [])
    return "expect " + text_lines[span.line - 1][span.column - 1 : span.end_column - 1] if (
        span.line == span.end_line and 0 < span.line <= len(text_lines)) else "expect …"


def _expect(e: n.Expectation, text: str) -> m.Expect:
    match e:
        case n.ExpectCompliant():
            return m.Expect("compliant", e.span, text, flag=e.compliant)
        case n.ExpectStatus():
            return m.Expect("status", e.span, text, name=e.requirement.name, status=e.status,
                            deadline=_date(e.deadline),
                            check_deadline=e.deadline is not None or e.no_deadline)
        case n.ExpectNames():
            return m.Expect(e.what, e.span, text, names=tuple(i.name for i in e.names))
        case n.ExpectNoFinding():
            return m.Expect("no-finding", e.span, text, name=e.requirement.name)
        case n.ExpectEligible():
            return m.Expect("eligible", e.span, text, flag=e.eligible, name=e.training.name,
                            on=_date(e.on))
        case _:
            assert_never(e)
