"""Reachability: every requirement can be satisfied and applies to somebody."""

from __future__ import annotations

from ..language import nodes as n
from .context import Context


def check_reachability(ctx: Context) -> None:
    p = ctx.program
    trainings = {t.name.name: t for t in p.trainings}
    attainable = _attainable(trainings)
    for r in p.requirements:
        if r.satisfied_by is None:
            continue
        known = [i for i in r.satisfied_by if i.name in trainings]
        if known and not any(i.name in attainable for i in known):
            ctx.error("unsatisfiable", f"no training can satisfy requirement `{r.name.name}`: "
                      "each of its trainings has prerequisites that can never be met",
                      r.name.span, "break the prerequisite cycle, or add a training")


def _attainable(trainings: dict[str, n.TrainingDecl]) -> set[str]:
    """Trainings a worker could take at all: every `requires` clause has an attainable option."""
    done: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, t in trainings.items():
            if name in done:
                continue
            if all(any(i.name in done for i in alt) for alt in t.requires):
                done.add(name)
                changed = True
    return done


