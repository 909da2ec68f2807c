"""Check passes, run in the order of one tuple; each reports every problem it finds.

Checking only finds problems: lowering to the decision form is the pipeline's next stage
(`pipeline.py`), and the model passes below run on what it made.
"""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Diagnostic
from ..language.program import Program
from ..semantics.model import PolicyModel
from .citations import check_citations
from .context import Context
from .coverage import check_applicability, check_coverage
from .levels import check_levels, check_rules
from .names import check_names
from .nesting import check_nesting
from .prerequisites import check_prerequisites
from .reachability import check_reachability
from .values import check_required_clauses, check_values

# Passes over the AST; the later ones assume names resolve, so they run only on a clean
# result from the first group.
AST_PASSES: tuple[tuple[Callable[[Context], None], ...], ...] = (
    (check_names, check_citations, check_values, check_required_clauses),
    (check_levels,),
    (check_prerequisites, check_reachability, check_rules, check_nesting),
)
# Passes over the decision form: warnings about what the policy says, not errors.
MODEL_PASSES: tuple[Callable[[Context, PolicyModel], None], ...] = (
    check_applicability,
    check_coverage,
)


def check_program(program: Program) -> list[Diagnostic]:
    ctx = Context(program)
    for stage in AST_PASSES:
        for run in stage:
            run(ctx)
        if ctx.failed:
            break
    return ctx.diagnostics


def check_model(program: Program, model: PolicyModel) -> list[Diagnostic]:
    ctx = Context(program)
    for run in MODEL_PASSES:
        run(ctx, model)
    return ctx.diagnostics


__all__ = ["check_model", "check_program"]
