"""What every check pass shares: the program being checked and the diagnostics found."""

from __future__ import annotations

import attrs

from ..diagnostics import Diagnostic, Span
from ..language.program import Program
from ..language.source import line_at, lines


@attrs.define
class Context:
    program: Program
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    # Each file split into lines once: splitting it for every diagnostic made checking a
    # large file with many findings quadratic.
    _lines: dict[str, list[str]] = attrs.field(factory=dict)

    def _add(self, severity: str, code: str, message: str, span: Span, hint: str | None) -> None:
        if span.file not in self._lines:
            self._lines[span.file] = lines(self.program.files.get(span.file, ""))
        source_line = line_at(self._lines[span.file], span.line)
        self.diagnostics.append(Diagnostic(severity, code, message, span, source_line, hint))

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self._add("error", code, message, span, hint)

    def warning(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self._add("warning", code, message, span, hint)

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
