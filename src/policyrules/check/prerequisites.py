"""Prerequisites and group definitions may not go round in a circle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..diagnostics import Span
from ..language import nodes as n
from .context import Context
from .names import walk


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One cycle of the directed graph as a list of names (first repeated last), or None.

    Depth-first with a stack of its own, not recursion: a chain of prerequisites or
    groups may be thousands long.
    """
    done: set[str] = set()
    for root in edges:
        if root in done:
            continue
        path = [root]
        on_path = {root}
        stack = [iter(edges.get(root, ()))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif nxt in on_path:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                stack.append(iter(edges.get(nxt, ())))
    return None


def check_prerequisites(ctx: Context) -> None:
    p = ctx.program
    edges = {t.name.name: [i.name for alt in t.requires for i in alt] for t in p.trainings}
    spans: dict[str, Span] = {t.name.name: t.name.span for t in p.trainings}
    cycle = find_cycle(edges)
    if cycle:
        ctx.error("prerequisite-cycle", "prerequisites go round in a circle: "
                  + " → ".join(f"`{c}`" for c in cycle), spans[cycle[0]],
                  "no one could ever take these trainings; remove one `requires`")
    group_edges = {
        g.name.name: [a.group.name for a in walk(g.members) if isinstance(a, n.InGroup)]
        for g in p.groups if g.members is not None
    }
    cycle = find_cycle(group_edges)
    if cycle:
        span = next(g.name.span for g in p.groups if g.name.name == cycle[0])
        ctx.error("group-cycle", "groups are defined in terms of each other: "
                  + " → ".join(f"`{c}`" for c in cycle), span,
                  "define one of them by contact level or role instead")
