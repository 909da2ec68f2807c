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
    """Trainings a worker could take at all: every `requires` clause has an attainable option.

    A worklist: each training is looked at again only when one of its options becomes
    attainable, so a long chain takes linear time in whatever order it is declared.
    """
    waiting: dict[str, list[tuple[str, int]]] = {}  # option -> (training, clause index)
    unmet: dict[str, set[int]] = {}
    for name, t in trainings.items():
        unmet[name] = set(range(len(t.requires)))
        for index, alternatives in enumerate(t.requires):
            for option in alternatives:
                waiting.setdefault(option.name, []).append((name, index))
    ready = [name for name, clauses in unmet.items() if not clauses]
    done: set[str] = set()
    while ready:
        name = ready.pop()
        if name in done:
            continue
        done.add(name)
        for dependent, index in waiting.get(name, ()):
            clauses = unmet[dependent]
            clauses.discard(index)
            if not clauses and dependent not in done:
                ready.append(dependent)
    return done
