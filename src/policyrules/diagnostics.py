"""Diagnostics: checker findings as data, rendered as `file:line:col: error: message`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import attrs
from rich.cells import cell_len


@attrs.frozen
class Span:
    """Where a node stands in a policy file (1-based lines and columns, end exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Diagnostic:
    severity: str  # "error" or "warning"
    code: str
    message: str
    span: Span
    source_line: str = ""
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def render(self, color: bool = False) -> str:
        sev = self.severity
        if color:
            sev = ("\x1b[1;31m" if self.is_error else "\x1b[1;33m") + sev + "\x1b[0m"
        lines = [f"{self.span}: {sev}: {self.message}"]
        if self.source_line:
            gutter = f"{self.span.line:>5} | "
            lines.append(gutter + _shown(self.source_line))
            start, end = self.span.column - 1, (
                self.span.end_column - 1 if self.span.end_line == self.span.line
                else len(self.source_line))
            # The caret goes under the span as displayed: tabs expanded, wide characters
            # (CJK, most emoji) two cells each.
            before = cell_len(_shown(self.source_line[:start]))
            width = cell_len(_shown(self.source_line[:end])) - before
            lines.append(" " * (len(gutter) - 2) + "| " + " " * before + "^" * max(1, width))
        if self.hint:
            lines.append(f"      = hint: {self.hint}")
        return "\n".join(lines)


def _shown(text: str) -> str:
    """A source line as printed: tabs expanded to the next multiple of 4 columns."""
    return text.expandtabs(4)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to a misspelt word, or None when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate as a hint, or None."""
    guess = closest(word, candidates)
    return f"did you mean `{guess}`?" if guess else None
