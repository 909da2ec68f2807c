"""Warnings over the decision form: paragraphs nothing encodes, rules that reach no one."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

from .. import model as m
from ..coverage import coverage
from ..diagnostics import Span
from ..interpret import holds
from ..vocabulary import CONTACT_LEVELS, SECTORS
from ..workers import RoleAssignment, Worker
from .context import Context


def check_coverage(ctx: Context, model: m.PolicyModel) -> None:
    header = ctx.program.top.header
    span = header.source.span if header.source is not None else header.id.span
    missing = [c.paragraph for c in coverage(model)
               if not c.covered and not c.paragraph.startswith("local:")]
    for pid in missing:
        ctx.warning("uncovered", f"paragraph {pid} is not accounted for", span,
                    "cite it from a requirement, group or training, or record it as a "
                    f"`duty`, `definition` or `background` (… cites {pid})")


def atoms(c: m.Condition) -> Iterator[m.Condition]:
    if isinstance(c, m.Negation):
        yield from atoms(c.operand)
    elif isinstance(c, (m.Conjunction, m.Disjunction)):
        for o in c.operands:
            yield from atoms(o)
    else:
        yield c


def profiles(c: m.Condition) -> Iterator[tuple[str, frozenset[str], str | None, bool]]:
    """Every combination of the inputs a condition reads: contact × roles × sector × volunteer."""
    roles = sorted({a.role for a in atoms(c) if isinstance(a, m.RoleHeld)})
    reads_sector = any(isinstance(a, m.SectorIn) for a in atoms(c))
    reads_volunteer = any(isinstance(a, m.IsVolunteer) for a in atoms(c))
    sectors: tuple[str | None, ...] = (None, *SECTORS) if reads_sector else (None,)
    volunteers = (False, True) if reads_volunteer else (False,)
    for contact, sector, volunteer in itertools.product(CONTACT_LEVELS, sectors, volunteers):
        for k in range(len(roles) + 1):
            for held in itertools.combinations(roles, k):
                yield contact, frozenset(held), sector, volunteer


def satisfiable(c: m.Condition) -> bool:
    return any(_holds(c, *p) for p in profiles(c))


def _holds(c: m.Condition, contact: str, held: frozenset[str], sector: str | None,
           volunteer: bool) -> bool:
    worker = Worker("profile", datetime.date(2000, 1, 1), contact,
                    tuple(RoleAssignment(r) for r in sorted(held)), sector=sector,
                    volunteer=volunteer)
    return holds(c, worker, held)


def check_applicability(ctx: Context, model: m.PolicyModel) -> None:
    items: list[tuple[str, str, m.Condition, Span]] = [
        ("requirement", r.id, r.condition, r.span) for r in model.requirements]
    items += [("group", g.id, g.condition, g.span) for g in model.groups]
    for kind, ident, cond, span in items:
        if not satisfiable(cond):
            ctx.warning("unreachable", f"{kind} `{ident}` applies to no worker: its condition "
                        "can never be true", span, "check for `and` where `or` was meant")
