"""What every part of the AST builder shares: positions, names and folding clauses."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer

from ..diagnostics import Diagnostic, Span
from . import nodes as n


def span_of(path: str, item: Any) -> Span:
    if isinstance(item, Token):
        return Span(path, item.line or 1, item.column or 1, item.end_line or 1,
                    item.end_column or 1)
    meta = item
    return Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


def unquote(tok: Token) -> str:
    body = str(tok)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


class BuilderBase(Transformer[Token, Any]):
    """Positions, names and clause folding, for the builder's parts."""

    def __init__(self, path: str, lines: list[str]) -> None:
        super().__init__()
        self.path = path
        self.lines = lines
        self.diagnostics: list[Diagnostic] = []

    # helpers
    def sp(self, item: Any) -> Span:
        return span_of(self.path, item)

    def ident(self, tok: Token) -> n.Ident:
        return n.Ident(str(tok), self.sp(tok))

    def _clauses(self, kind: str, items: list[Any]) -> dict[str, Any]:
        """Fold clause tuples into fields, reporting clauses written twice."""
        fields: dict[str, Any] = {}
        clauses: list[n.Clause] = []
        for keyword, value, span in items:
            clauses.append(n.Clause(keyword, span))
            if keyword in ("cites",):
                fields.setdefault("cites", []).extend(value)
            elif keyword in ("requires",):
                fields.setdefault("requires", []).append(value)
            elif keyword in ("expect",):
                fields.setdefault("expect", []).append(value)
            elif keyword in ("completed",):
                fields.setdefault("completed", []).append(value)
            elif keyword in fields or any(
                keyword in pair and any(k in fields for k in pair) for pair in _EXCLUSIVE
            ):
                self.diagnostics.append(
                    Diagnostic(
                        "error",
                        "duplicate-clause",
                        f"this {kind} already has a `{_clause_word(keyword)}` clause",
                        span,
                        self.lines[span.line - 1] if span.line <= len(self.lines) else "",
                        "write each clause once; join conditions with `and` / `or`",
                    )
                )
            else:
                fields[keyword] = value
        fields["clauses"] = tuple(clauses)
        return fields


# Clauses that say the same thing two ways: a requirement has at most one of each pair.
_EXCLUSIVE = (("due", "no deadline"), ("renew", "renew regularly"),
              ("no deadline", "due before"))


def _clause_word(keyword: str) -> str:
    return {"due": "due within", "applies": "applies to", "at least": "at least … hours",
            "due before": "due before first"}.get(keyword, keyword)
