"""A policy's conditions, deadlines and rule clauses in the policy language's own words:
what `describe`, the catalogue and `diff` print about a rule, so that each says it alike."""

from __future__ import annotations

from typing import assert_never

from ..contract.vocabulary import CONTACT_LEVELS
from .model import (
    Always,
    Anchor,
    Completed,
    Condition,
    Conjunction,
    ContactIn,
    Disjunction,
    FromCompletion,
    FromRole,
    FromStart,
    IsVolunteer,
    Negation,
    Requirement,
    RoleHeld,
    SectorIn,
)


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
        case Completed(name=name):
            return f"completed {name}"
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
