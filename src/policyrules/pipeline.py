"""One pipeline from policy text to a checked model: parse → assemble → check → lower.

Every consumer (loading, `check`, `fmt`, `describe`, the editor, `diff`, reports) runs
these stages through `run` or `run_file` and reads one `PipelineResult`: the syntax tree,
the assembled program, the decision model and every diagnostic, in source order. As in
Jinja's `_parse → _generate → _compile`, each stage is one call and the order is here only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import attrs

from .check import check_model, check_program
from .diagnostics import Diagnostic, Span
from .errors import PolicyCheckError, PolicyFileError
from .language.assemble import assemble
from .language.nodes import PolicyFile
from .language.parser import parse
from .language.program import Program
from .semantics.lower import lower
from .semantics.model import PolicyModel


@attrs.frozen
class PipelineResult:
    """What the pipeline made of one policy, as far as it got."""

    path: str
    syntax: PolicyFile | None  # the file as parsed (None when it did not parse)
    program: Program | None  # with what it extends folded in
    model: PolicyModel | None  # the decision form, only when there are no errors
    diagnostics: tuple[Diagnostic, ...]  # errors and warnings, in source order

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def ok(self) -> bool:
        return self.model is not None

    def checked_model(self) -> PolicyModel:
        """The model, or PolicyCheckError with every error."""
        if self.model is None:
            raise PolicyCheckError(list(self.errors))
        return self.model


def read_policy(path: str, cited_from: Span | None = None) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        where = f" (extended at {cited_from})" if cited_from else ""
        raise PolicyFileError(f"{path}: no such policy file{where}") from None
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyFileError(f"{path}: not UTF-8 text (byte {exc.start}); save the policy "
                              "as UTF-8") from None


def resolve(from_path: str, rel: str) -> str:
    """The path an `extends` names, relative to the file that names it."""
    return os.path.normpath(os.path.join(os.path.dirname(from_path), rel))


def run(text: str, path: str = "<policy>",
        resolve_extends: Callable[[str, str], str] = resolve) -> PipelineResult:
    """Every stage over policy text. A syntax error that stops parsing raises
    PolicyCheckError; every other problem is a diagnostic in the result.

    `resolve_extends(from_path, name)` gives the file an `extends` names (by default,
    relative to the file that names it); `policyrules.loads` passes its own.
    """
    top = parse(text, path)
    problems = list(top.problems)  # clauses written twice, here and in files extended

    def parse_file(p: str, span: Span | None) -> PolicyFile:
        parsed = parse(read_policy(p, span), p)
        problems.extend(parsed.problems)
        return parsed

    program, found = assemble(top, parse_file, resolve_extends)
    diagnostics = problems + found
    if any(d.is_error for d in found):
        return PipelineResult(path, top, None, None, _ordered(diagnostics))
    diagnostics += check_program(program)
    if any(d.is_error for d in diagnostics):
        return PipelineResult(path, top, program, None, _ordered(diagnostics))
    model = lower(program)
    diagnostics += check_model(program, model)
    failed = any(d.is_error for d in diagnostics)
    return PipelineResult(path, top, program, None if failed else model, _ordered(diagnostics))


def run_file(path: str | os.PathLike[str]) -> PipelineResult:
    key = os.path.normpath(os.fspath(path))
    return run(read_policy(key), key)


def diagnostics_of(path: str | os.PathLike[str]) -> list[Diagnostic]:
    """Every diagnostic for a policy file, a syntax error included; raises only
    PolicyFileError (the file cannot be read)."""
    try:
        return list(run_file(path).diagnostics)
    except PolicyCheckError as exc:  # a syntax error stops parsing: one diagnostic
        return list(exc.diagnostics)


def _ordered(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: (d.span.file, d.span.line, d.span.column)))
