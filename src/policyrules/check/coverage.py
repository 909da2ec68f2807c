"""Warnings over the decision form: paragraphs nothing encodes, rules that reach no one."""

from __future__ import annotations

import datetime

from ..contract.workers import RoleAssignment, Worker
from ..diagnostics import Span
from ..engines.interpret import holds
from ..semantics import model as m
from ..semantics.coverage import coverage
from ..semantics.profiles import Profile, atoms, space
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


# Whether a condition can hold is decided by trying every profile it can tell apart, and
# there are 2^roles of them: past this many roles in one condition, checking would hang.
MAX_ROLES_TRIED = 10


def satisfiable(c: m.Condition) -> bool | None:
    """True when some profile meets the condition, False when none does, None when it
    names more than MAX_ROLES_TRIED roles (too many profiles to try)."""
    if len({a.role for a in atoms(c) if isinstance(a, m.RoleHeld)}) > MAX_ROLES_TRIED:
        return None
    profiles, _ = space([c])
    return any(holds(c, _worker(p), frozenset(p.roles), frozenset(p.done)) for p in profiles)


def _worker(p: Profile) -> Worker:
    return Worker("profile", datetime.date(2000, 1, 1), p.contact,
                  tuple(RoleAssignment(r) for r in p.roles), sector=p.sector,
                  volunteer=p.volunteer)


def check_applicability(ctx: Context, model: m.PolicyModel) -> None:
    items: list[tuple[str, str, m.Condition, Span]] = [
        ("requirement", r.id, r.condition, r.span) for r in model.requirements]
    items += [("group", g.id, g.condition, g.span) for g in model.groups]
    for kind, ident, cond, span in items:
        can_hold = satisfiable(cond)
        if can_hold is None:
            ctx.warning("unchecked", f"{kind} `{ident}` names more than {MAX_ROLES_TRIED} "
                        "roles in its condition, too many to check that it applies to anyone",
                        span, "the condition works as written; only this check is skipped")
        elif not can_hold:
            ctx.warning("unreachable", f"{kind} `{ident}` applies to no worker: its condition "
                        "can never be true", span, "check for `and` where `or` was meant")
