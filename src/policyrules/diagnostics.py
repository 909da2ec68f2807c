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
    """The candidate closest to a misspelt word, or None when none is close.

    Closeness is difflib's ratio (at least 0.6). Of candidates equally close, the one that
    shares the longest start with the word (`CP0008`: `CP00008` rather than `CP01008`),
    then the first in alphabetical order.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    scored = []
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            ratio = matcher.ratio()
            if ratio >= 0.6:
                scored.append((ratio, candidate))
    if not scored:
        return None
    best = max(ratio for ratio, _ in scored)
    return min((c for ratio, c in scored if ratio == best),
               key=lambda c: (-_shared_start(word, c), c))


def _shared_start(a: str, b: str) -> int:
    """How many characters `a` and `b` have in common at the start."""
    same = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        same += 1
    return same


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate as a hint, or None."""
    guess = closest(word, candidates)
    return f"did you mean `{guess}`?" if guess else None
