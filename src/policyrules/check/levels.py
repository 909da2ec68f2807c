"""Levels, hours and anchors: what `counts as`, `at least … hours` and `of completing` need.

A course's `counts as` must not loop back to itself; a deadline counted from completing a
course needs the requirement to apply only once that course is done; an hours target no
satisfying course declares hours for counts only the hours records give (a warning).
"""

from __future__ import annotations

import re

from ..language import nodes as n
from .context import Context


def check_levels(ctx: Context) -> None:
    p = ctx.program
    edges = {t.name.name: t.counts_as for t in p.trainings}
    reported: set[frozenset[str]] = set()
    for t in p.trainings:
        for first in t.counts_as:
            path = _cycle(first.name, t.name.name, edges, [t.name.name])
            if path is not None and frozenset(path) not in reported:
                reported.add(frozenset(path))
                ctx.error("counts-as-cycle",
                          f"`counts as` makes a cycle: {' → '.join(path)}", first.span,
                          "a course counts as the lower levels it covers, never the other "
                          "way round: remove one of these `counts as`")


def _cycle(node: str, target: str, edges: dict[str, tuple[n.Ident, ...]],
           path: list[str]) -> list[str] | None:
    # Iterative depth-first search: a long chain of levels must not exhaust the stack.
    stack = [(node, [*path, node])]
    seen: set[str] = set()
    while stack:
        here, trail = stack.pop()
        if here == target:
            return trail
        if here in seen:
            continue
        seen.add(here)
        stack.extend((nxt.name, [*trail, nxt.name]) for nxt in edges.get(here, ()))
    return None


def counted_as(training: str, edges: dict[str, tuple[n.Ident, ...]]) -> set[str]:
    """Every course a record of `training` also counts as (itself included)."""
    out = {training}
    todo = [training]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt.name not in out:
                out.add(nxt.name)
                todo.append(nxt.name)
    return out


def check_rules(ctx: Context) -> None:
    p = ctx.program
    edges = {t.name.name: t.counts_as for t in p.trainings}
    hours_of = {t.name.name: t.hours for t in p.trainings}
    amended = {a.name.name: a for a in p.amendments}
    for r in p.requirements:
        deadline = r.deadline
        if deadline is not None and deadline.completing is not None:
            name = deadline.completing.name
            if r.applies is None or not any(
                isinstance(c, n.Completed) and c.training.name == name
                for c in _conjuncts(r.applies)
            ):
                ctx.error("anchor-not-applied",
                          f"the deadline counts from completing `{name}`, but requirement "
                          f"`{r.name.name}` may apply before `{name}` is done",
                          deadline.completing.span,
                          f"add `and completed {name}` to its `applies to` clause")
        if r.hours is not None and r.hours.window is not None and r.renew is not None:
            ctx.error("renew-with-window",
                      "`renew every` and `at least … hours within` both say how often: a "
                      "rolling window renews itself", r.renew.span,
                      "remove `renew every`; the window says how long hours count")
        if r.hours is not None and r.satisfied_by is not None:
            courses = {t for s in r.satisfied_by for t in _counting(s.name, edges)}
            if not any(hours_of.get(c) is not None for c in courses):
                ctx.warning("no-course-hours",
                            f"no course that meets `{r.name.name}` declares its hours, so only "
                            "records that give `hours` count towards the target",
                            r.hours.span,
                            "declare a course's usual length, like `hours 3`, on the training")
        change = amended.get(r.name.name)
        if change is not None and change.explain is None and r.explain:
            _stale_period(ctx, r, change)


def _counting(satisfier: str, edges: dict[str, tuple[n.Ident, ...]]) -> list[str]:
    """The courses whose records meet `satisfier`: itself and every course counting as it."""
    return [t for t in edges if satisfier in counted_as(t, edges)]


def _conjuncts(cond: n.Cond) -> list[n.Cond]:
    if isinstance(cond, n.AllOf):
        return [c for o in cond.operands for c in _conjuncts(o)]
    return [cond]


_PERIOD = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[ -]"
    r"(day|week|month|year)s?\b", re.IGNORECASE)
_WORDS = {w: i for i, w in enumerate(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve"], start=1)}


def _stale_period(ctx: Context, r: n.RequirementDecl, change: n.RequirementDecl) -> None:
    """An amendment that changes a period but keeps the base's explanation naming the old."""
    periods = {(v.duration.amount, v.duration.unit) for v in _durations(r)
               if v.duration is not None}
    for m in _PERIOD.finditer(r.explain or ""):
        word = m.group(1).lower()
        amount = int(word) if word.isdigit() else _WORDS[word]
        said = (amount, m.group(2).lower() + "s")
        if said not in periods:
            ctx.warning("stale-explanation",
                        f"the explanation `{r.name.name}` keeps from the policy it amends says "
                        f"\"{m.group(0)}\", which is no longer one of its periods",
                        change.name.span,
                        "add an `explain` clause to this `amend` that states the new period")
            return


def _durations(r: n.RequirementDecl) -> list[n.Value]:
    out = [v for v in (r.renew, r.grace) if v is not None]
    if r.deadline is not None and r.deadline.within is not None:
        out.append(r.deadline.within)
    if r.hours is not None and r.hours.window is not None:
        out.append(r.hours.window)
    return out
