"""The finite space of worker profiles: the inputs that decide which requirements apply.

Contact level × the set of roles held × sector × volunteer, each dimension only where a
condition reads it. The checker uses it to find conditions that hold for no one; `verify`
enumerates it to prove properties for every profile.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import assert_never

import attrs

from ..contract.vocabulary import CONTACT_LEVELS, SECTORS
from . import model as m


@attrs.frozen(order=True)
class Profile:
    """The inputs that decide which requirements apply (roles: those held, sorted)."""

    contact: str
    roles: tuple[str, ...]
    sector: str | None
    volunteer: bool

    def describe(self) -> str:
        parts = [f"contact {self.contact}"]
        parts.append("roles " + ", ".join(self.roles) if self.roles else "no roles")
        if self.sector is not None:
            parts.append(f"sector {self.sector}")
        if self.volunteer:
            parts.append("volunteer")
        return "; ".join(parts)


def atoms(c: m.Condition) -> Iterator[m.Condition]:
    """The leaves of a condition (contact, role, sector, volunteer, always)."""
    match c:
        case m.Negation(operand=operand):
            yield from atoms(operand)
        case m.Conjunction(operands=operands) | m.Disjunction(operands=operands):
            for o in operands:
                yield from atoms(o)
        case m.Always() | m.ContactIn() | m.RoleHeld() | m.SectorIn() | m.IsVolunteer():
            yield c
        case _:
            assert_never(c)


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
    out = tuple(
        Profile(contact, held, sector, volunteer)
        for contact, sector, volunteer in itertools.product(CONTACT_LEVELS, sectors, volunteers)
        for k in range(len(roles) + 1)
        for held in itertools.combinations(roles, k)
    )
    dims = [f"contact {len(CONTACT_LEVELS)}", f"roles 2^{len(roles)}"]
    if len(sectors) > 1:
        dims.append(f"sector {len(sectors)} (none or one of {len(SECTORS)})")
    if len(volunteers) > 1:
        dims.append("volunteer 2")
    return out, " × ".join(dims)
