"""The finite space of worker profiles: the inputs that decide which requirements apply.

Contact level × the set of roles held × sector × volunteer, each dimension only where a
condition reads it. The checker uses it to find conditions that hold for no one; `verify`
enumerates it to prove properties for every profile.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import attrs

from ..contract.vocabulary import CONTACT_LEVELS, ROLES, SECTORS
from . import model as m


@attrs.frozen(order=True)
class Profile:
    """The inputs that decide which requirements apply (roles: those held, sorted)."""

    contact: str
    roles: tuple[str, ...]
    sector: str | None
    volunteer: bool
    done: tuple[str, ...] = ()  # the courses named by `completed` conditions that are done

    def describe(self) -> str:
        parts = [f"contact {self.contact}"]
        parts.append("roles " + ", ".join(self.roles) if self.roles else "no roles")
        if self.sector is not None:
            parts.append(f"sector {self.sector}")
        if self.volunteer:
            parts.append("volunteer")
        if self.done:
            parts.append("completed " + ", ".join(self.done))
        return "; ".join(parts)


atoms = m.condition_atoms  # the leaves of a condition: what the profile space is made of


def space(conditions: Sequence[m.Condition], roles: Iterable[str] | None = None
          ) -> tuple[tuple[Profile, ...], str]:
    """Every profile the conditions can tell apart, and how the space is made up.

    `roles` (in the order wanted) defaults to the roles the conditions read.
    """
    leaves = [a for c in conditions for a in atoms(c)]
    if roles is None:
        roles = sorted({a.role for a in leaves if isinstance(a, m.RoleHeld)})
    roles = tuple(roles)
    sectors: tuple[str | None, ...] = (
        (None, *SECTORS) if any(isinstance(a, m.SectorIn) for a in leaves) else (None,))
    volunteers = (False, True) if any(isinstance(a, m.IsVolunteer) for a in leaves) else (False,)
    courses = sorted({a.name for a in leaves if isinstance(a, m.Completed)})
    out = tuple(
        Profile(contact, held, sector, volunteer, done)
        for contact, sector, volunteer in itertools.product(CONTACT_LEVELS, sectors, volunteers)
        for k in range(len(roles) + 1)
        for held in itertools.combinations(roles, k)
        for j in range(len(courses) + 1)
        for done in itertools.combinations(courses, j)
    )
    dims = [f"contact {len(CONTACT_LEVELS)}", f"roles 2^{len(roles)}"]
    if courses:
        dims.append(f"courses done 2^{len(courses)}")
    if len(sectors) > 1:
        dims.append(f"sector {len(sectors)} (none or one of {len(SECTORS)})")
    if len(volunteers) > 1:
        dims.append("volunteer 2")
    return out, " × ".join(dims)


def conditions(model: m.PolicyModel) -> list[m.Condition]:
    """Every condition of a policy: its requirements' and its groups'."""
    return [r.condition for r in model.requirements] + [g.condition for g in model.groups]


def mentioned_roles(model: m.PolicyModel) -> tuple[str, ...]:
    """Roles that a condition reads or a deadline counts from, in vocabulary order."""
    named = {a.role for c in conditions(model) for a in atoms(c) if isinstance(a, m.RoleHeld)}
    named |= {r.anchor_role for r in model.requirements if r.anchor_role is not None}
    declared = [r.id for r in model.roles]
    return tuple(r for r in [*ROLES, *declared] if r in named)
