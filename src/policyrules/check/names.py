"""Names: nothing declared twice, every name used is declared, with "did you mean"."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import assert_never

from ..contract.vocabulary import CONTACT_LEVELS, DELIVERIES, ROLES, SECTORS
from ..diagnostics import did_you_mean
from ..language import nodes as n
from .context import Context


def check_names(ctx: Context) -> None:
    p = ctx.program
    if not _valid_policy_id(p.top.header.id.name):
        ctx.error("bad-name", f"policy id `{p.top.header.id.name}` must be lower case",
                  p.top.header.id.span, "use lower-case words joined by `-`, like `durham`")
    for kind, decls in (("role", p.roles), ("group", p.groups), ("training", p.trainings),
                        ("requirement", p.requirements), ("note", p.notes)):
        seen: dict[str, n.Ident] = {}
        for d in decls:
            name = d.name
            if kind == "role" and name.name in ROLES:
                ctx.error("duplicate-name", f"role `{name.name}` is already in the contract's "
                          "vocabulary", name.span, "use it as it is, without declaring it")
            if name.name in seen:
                first = seen[name.name].span
                ctx.error("duplicate-name", f"{kind} `{name.name}` is declared twice "
                          f"(first at line {first.line} of {first.file})", name.span,
                          "give each a different name")
            seen[name.name] = name

    roles = set(ROLES) | {r.name.name for r in p.roles}
    groups = {g.name.name for g in p.groups}
    trainings = {t.name.name for t in p.trainings}
    requirements = {r.name.name for r in p.requirements}

    def need(ident: n.Ident, known: Collection[str], what: str) -> None:
        if ident.name not in known:
            close = did_you_mean(ident.name, known)
            hint = close or _listing(what, known)
            if what == "role" and close is None:  # not a typo: a role of the policy's own
                hint += (f"; a role the contract does not name is declared in the policy: "
                         f'`role {ident.name} "Title"` with `cites` its paragraph')
            ctx.error("unknown-name", f"unknown {what} `{ident.name}`", ident.span, hint)

    for g in p.groups:
        if g.members is not None:
            _cond_names(g.members, need, roles, groups, trainings)
    for t in p.trainings:
        if t.delivery is not None:
            need(t.delivery, DELIVERIES, "delivery")
        for alternatives in t.requires:
            for ident in alternatives:
                need(ident, trainings, "training")
        for ident in t.counts_as:
            need(ident, trainings, "training")
    for r in [*p.requirements, *p.amendments]:
        if r.amend:
            need(r.name, requirements, "requirement")
        if r.applies is not None:
            _cond_names(r.applies, need, roles, groups, trainings)
        for ident in r.satisfied_by or ():
            need(ident, trainings, "training")
        if r.deadline is not None and r.deadline.role is not None:
            need(r.deadline.role, roles, "role")
        if r.deadline is not None and r.deadline.completing is not None:
            need(r.deadline.completing, trainings, "training")
        if r.before_first is not None:
            need(r.before_first, trainings, "training")
        if r.delivered is not None:
            need(r.delivered, DELIVERIES, "delivery")
    for ex in p.examples:
        if ex.contact is not None:
            need(ex.contact, CONTACT_LEVELS, "contact level")
        if ex.sector is not None:
            need(ex.sector, SECTORS, "sector")
        for item in ex.roles:
            need(item.role, roles, "role")
        for done in ex.completed:
            if done.delivery is not None:
                need(done.delivery, DELIVERIES, "delivery")
        for e in ex.expectations:
            for ident, known, what in _expectation_names(e, requirements, groups, trainings):
                need(ident, known, what)


def _expectation_names(
    e: n.Expectation, requirements: set[str], groups: set[str], trainings: set[str]
) -> Iterator[tuple[n.Ident, set[str], str]]:
    match e:
        case n.ExpectStatus() | n.ExpectNoFinding():
            yield e.requirement, requirements, "requirement"
        case n.ExpectNames():
            known, what = ((groups, "group") if e.what == "groups"
                           else (requirements, "requirement"))
            for ident in e.names:
                yield ident, known, what
        case n.ExpectEligible():
            yield e.training, trainings, "training"
        case n.ExpectCompliant():
            pass
        case _:
            assert_never(e)

Need = Callable[[n.Ident, Collection[str], str], None]


def _cond_names(cond: n.Cond, check: Need, roles: set[str], groups: set[str],
                trainings: set[str]) -> None:
    for atom in walk(cond):
        match atom:
            case n.ContactIs(levels=levels):
                for level in levels:
                    check(level, CONTACT_LEVELS, "contact level")
            case n.ContactAtLeast(level=level):
                check(level, CONTACT_LEVELS, "contact level")
            case n.HasRole(role=role):
                check(role, roles, "role")
            case n.InGroup(group=group):
                check(group, groups, "group")
            case n.SectorIs(sectors=sectors):
                for sector in sectors:
                    check(sector, SECTORS, "sector")
            case n.Completed(training=training):
                check(training, trainings, "training")
            case n.Everyone() | n.Volunteer() | n.Not() | n.AllOf() | n.AnyOf():
                pass  # no name of their own (`walk` visits what they hold)
            case _:
                assert_never(atom)

def walk(cond: n.Cond) -> Iterator[n.Cond]:
    """Every node of a condition, outermost first."""
    yield cond
    match cond:
        case n.Not(operand=operand):
            yield from walk(operand)
        case n.AllOf(operands=operands) | n.AnyOf(operands=operands):
            for operand in operands:
                yield from walk(operand)
        case (n.Everyone() | n.ContactIs() | n.ContactAtLeast() | n.HasRole() | n.InGroup()
              | n.SectorIs() | n.Volunteer() | n.Completed()):
            pass
        case _:
            assert_never(cond)

def _listing(what: str, known: Iterable[str]) -> str:
    names = sorted(known)
    if not names:
        return f"this policy declares no {what}"
    shown = ", ".join(f"`{x}`" for x in names[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return f"known {what}s: {shown}{more}"


def _valid_policy_id(name: str) -> bool:
    return name == name.lower()
