"""Checked AST → decision form (model.py): inline groups, resolve levels, build examples."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import assert_never

from ..contract.vocabulary import CONTACT_LEVELS, CONTACT_RANK
from ..diagnostics import Span
from ..language import nodes as n
from ..language.program import Program
from . import model as m


def lower(program: Program) -> m.PolicyModel:
    """Only called on a program that checked without errors."""
    top = program.top
    group_decls = {g.name.name: g for g in program.groups}
    cache: dict[str, m.Condition] = {}

    def group_condition(name: str) -> m.Condition:
        if name not in cache:
            members = group_decls[name].members
            assert members is not None
            cache[name] = lower_condition(members, group_condition)
        return cache[name]

    groups = tuple(
        m.Group(g.name.name, g.title, group_condition(g.name.name), _cites(g.cites), g.span)
        for g in program.groups
    )
    trainings = tuple(
        m.Training(
            t.name.name, t.title, t.delivery.name if t.delivery else "single-agency", t.topics,
            tuple(tuple(i.name for i in alt) for alt in t.requires), _cites(t.cites), t.span,
        )
        for t in program.trainings
    )
    requirements = tuple(_requirement(r, group_condition) for r in program.requirements)
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
        examples=tuple(_example(ex, program.files) for ex in program.examples),
        path=top.path,
        files=tuple(program.files),
    )


GroupLookup = Callable[[str], m.Condition]


def lower_condition(cond: n.Cond, group: GroupLookup) -> m.Condition:
    match cond:
        case n.Everyone():
            return m.Always()
        case n.ContactIs(levels=levels):
            return m.ContactIn(frozenset(i.name for i in levels))
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
        case n.Not(operand=operand):
            return m.Negation(lower_condition(operand, group))
        case n.AllOf(operands=operands):
            return m.Conjunction(tuple(lower_condition(c, group) for c in operands))
        case n.AnyOf(operands=operands):
            return m.Disjunction(tuple(lower_condition(c, group) for c in operands))
        case _:
            assert_never(cond)


def _requirement(r: n.RequirementDecl, group: GroupLookup) -> m.Requirement:
    assert r.applies is not None and r.satisfied_by is not None and r.deadline is not None
    within = r.deadline.within.duration if r.deadline.within is not None else None
    return m.Requirement(
        id=r.name.name,
        title=r.title or r.name.name,
        condition=lower_condition(r.applies, group),
        satisfied_by=tuple(dict.fromkeys(i.name for i in r.satisfied_by)),
        within=within,
        anchor_role=r.deadline.role.name if r.deadline.role is not None else None,
        renew=r.renew.duration if r.renew is not None else None,
        grace=r.grace.duration if r.grace is not None else None,
        cites=_cites(r.cites),
        explain=r.explain or "",
        span=r.span,
    )


def _cites(cites: tuple[n.Cite, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.id for c in cites))


def _date(value: n.Value | None) -> datetime.date | None:
    return value.date if value is not None else None


def _example(ex: n.ExampleDecl, files: dict[str, str]) -> m.Example:
    worker: dict[str, object] = {
        "id": ex.worker_id or "example",
        "started": ex.started.text if ex.started else None,
        "contact": ex.contact.name if ex.contact else None,
        "roles": [
            {"role": item.role.name, "since": item.since.text} if item.since else item.role.name
            for item in ex.roles
        ],
        "training": [
            {"training": c.training.name, "completed": c.on.text}
            | ({"delivery": c.delivery.name} if c.delivery else {})
            for c in ex.completed
        ],
        "volunteer": ex.volunteer,
    }
    if ex.sector is not None:
        worker["sector"] = ex.sector.name
    as_of = _date(ex.as_of)
    assert as_of is not None
    expectations = tuple(_expect(e, _text(files, e.span)) for e in ex.expectations)
    return m.Example(ex.title, worker, as_of, expectations, ex.span)


def _text(files: dict[str, str], span: Span) -> str:
    lines = files.get(span.file, "").splitlines()
    return "expect " + lines[span.line - 1][span.column - 1 : span.end_column - 1] if (
        span.line == span.end_line and 0 < span.line <= len(lines)) else "expect …"


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
