"""Check passes, run in the order of one tuple; each reports every problem it finds."""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Diagnostic
from ..lower import lower
from ..model import PolicyModel
from .citations import check_citations
from .context import Context, Program
from .coverage import check_applicability, check_coverage
from .names import check_names
from .prerequisites import check_prerequisites
from .reachability import check_reachability
from .values import check_required_clauses, check_values

# Passes over the AST; the later ones assume names resolve, so they run only on a clean
# result from the first group.
AST_PASSES: tuple[tuple[Callable[[Context], None], ...], ...] = (
    (check_names, check_citations, check_values, check_required_clauses),
    (check_prerequisites, check_reachability),
)
# Passes over the decision form: warnings about what the policy says, not errors.
MODEL_PASSES: tuple[Callable[[Context, PolicyModel], None], ...] = (
    check_applicability,
    check_coverage,
)


def check(program: Program) -> tuple[PolicyModel | None, list[Diagnostic]]:
    ctx = Context(program)
    for stage in AST_PASSES:
        for run in stage:
            run(ctx)
        if ctx.failed:
            return None, ctx.diagnostics
    model = lower(program)
    for run_model in MODEL_PASSES:
        run_model(ctx, model)
    return model, ctx.diagnostics


__all__ = ["Program", "check"]
