"""What every check pass shares: the program being checked and the diagnostics found."""

from __future__ import annotations

import attrs

from ..diagnostics import Diagnostic, Span
from ..language.program import Program


@attrs.define
class Context:
    program: Program
    diagnostics: list[Diagnostic] = attrs.field(factory=list)

    def _add(self, severity: str, code: str, message: str, span: Span, hint: str | None) -> None:
        lines = self.program.files.get(span.file, "").splitlines()
        source_line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
        self.diagnostics.append(Diagnostic(severity, code, message, span, source_line, hint))

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self._add("error", code, message, span, hint)

    def warning(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self._add("warning", code, message, span, hint)

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
