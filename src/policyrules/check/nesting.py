"""Nesting through groups: a condition with its groups' members put in their place.

The parser limits how deeply one condition nests (language/nesting.py). Lowering puts each
group's members where the group is named, so a group named inside another, inside
another… nests deeper than any one condition shows; past MAX_NESTING levels the later
stages would recurse too deeply. Here a group named inside a condition counts as one
level plus its members' own depth, and a condition that goes past the limit is an error
at the group that takes it there.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..language import nodes as n
from ..language.nesting import MAX_NESTING
from .context import Context


def check_nesting(ctx: Context) -> None:
    p = ctx.program
    groups = {g.name.name: g.members for g in p.groups if g.members is not None}
    depth = _group_depths(groups)
    conditions = [g.members for g in p.groups] + [r.applies for r in p.requirements]
    for cond in conditions:
        if cond is None:
            continue
        for level, atom in _levels(cond, 0):
            if not isinstance(atom, n.InGroup) or atom.group.name not in depth:
                continue
            inner = depth[atom.group.name]
            if inner <= MAX_NESTING and level + 1 + inner > MAX_NESTING:
                ctx.error("too-deep", f"with the members of group `{atom.group.name}` in its "
                          f"place, this condition nests more than {MAX_NESTING} levels deep",
                          atom.span, "each `not`, each bracketed condition and each group "
                          "named inside another is a level: define this group more directly")
                break


def _levels(cond: n.Cond, level: int) -> Iterator[tuple[int, n.Cond]]:
    """Every node of a condition with the number of levels around it. An operand list of
    the other kind (an `or` inside an `and`, say) sits one level down; `and` inside `or`
    needs no brackets, so it does not."""
    yield level, cond
    if isinstance(cond, n.Not):
        yield from _levels(cond.operand, level + 1)
    elif isinstance(cond, (n.AllOf, n.AnyOf)):
        for operand in cond.operands:
            bracketed = isinstance(operand, (n.AllOf, n.AnyOf)) and not (
                isinstance(cond, n.AnyOf) and isinstance(operand, n.AllOf))
            yield from _levels(operand, level + bracketed)


def _group_depths(groups: dict[str, n.Cond]) -> dict[str, int]:
    """Each group's depth with the groups it names expanded, capped at MAX_NESTING + 1.

    Depth-first without recursion, as a chain of groups may be thousands long; a cycle is
    another pass's error (prerequisites.py) and is cut here.
    """
    refs: dict[str, list[tuple[str, int]]] = {}
    own: dict[str, int] = {}
    for name, cond in groups.items():
        refs[name] = []
        own[name] = 0
        for level, atom in _levels(cond, 0):
            own[name] = max(own[name], level)
            if isinstance(atom, n.InGroup) and atom.group.name in groups:
                refs[name].append((atom.group.name, level))
    depth: dict[str, int] = {}
    for root in groups:
        if root in depth:
            continue
        path = {root}
        stack = [(root, iter(refs[root]))]
        while stack:
            name, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                path.discard(name)
                through = [level + 1 + depth.get(r, 0) for r, level in refs[name]]
                depth[name] = min(max([own[name], *through]), MAX_NESTING + 1)
            elif nxt[0] not in depth and nxt[0] not in path:
                path.add(nxt[0])
                stack.append((nxt[0], iter(refs[nxt[0]])))
    return depth
