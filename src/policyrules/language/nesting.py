"""How deeply a condition may nest, checked on the parse tree before anything recurses.

Every later stage (the AST builder, the checks, lowering, both engines, the generated
Python) walks conditions recursively, so a condition nested thousands of levels deep
would end in a RecursionError, or in Python's own limit on nested brackets in the
generated code. The parse tree is walked here without recursion, and a condition nested
deeper than MAX_NESTING is a syntax error at the `(` or `not` that goes too deep.
"""

from __future__ import annotations

import lark

from ..diagnostics import Diagnostic, Span
from .comments import find_comments
from .source import line_at, lines

MAX_NESTING = 32

_MESSAGE = (f"this condition nests more than {MAX_NESTING} levels deep (each `not` and each "
            "bracketed condition is a level)")
_HINT = ("write it more simply: `not not X` is `X`, and a chain of `and` (or of `or`) needs "
         "no brackets")


def too_deep(tree: lark.Tree[lark.Token], text: str, path: str) -> list[Diagnostic]:
    """An error for each condition in `tree` that nests deeper than MAX_NESTING."""
    found: list[lark.Tree[lark.Token]] = []
    # (node, its level, the rule it sits in)
    stack: list[tuple[lark.Tree[lark.Token], int, str]] = [(tree, 0, "")]
    while stack:
        node, level, parent = stack.pop()
        if node.data == "negation":
            level += 1
        elif node.data == "any_of" and parent in ("all_of", "negation"):
            level += 1  # only a bracketed condition puts an `or` list there
        if level > MAX_NESTING:
            found.append(node)
            continue
        stack.extend((child, level, str(node.data)) for child in reversed(node.children)
                     if isinstance(child, lark.Tree))
    if not found:
        return []
    text_lines = lines(text)
    comment_at = {c.line: c.column for c in find_comments(text)}
    errors = []
    for node in found:
        line, column = node.meta.line, node.meta.column
        if node.data == "any_of":
            line, column = _bracket_before(text_lines, comment_at, line, column)
        errors.append(Diagnostic("error", "too-deep", _MESSAGE,
                                 Span(path, line, column, line, column + 1),
                                 line_at(text_lines, line), _HINT))
    return errors


def _bracket_before(text_lines: list[str], comment_at: dict[int, int], line: int,
                    column: int) -> tuple[int, int]:
    """The `(` that opens a bracketed condition starting at (line, column): the parse
    tree keeps the condition's position, not the bracket's, and white space and comments
    (`comment_at`: line → the column a comment starts) may stand between them."""
    at_line, at_column = line, column
    while True:
        at_column -= 1
        while at_column < 1:
            at_line -= 1
            if at_line < 1:
                return line, column
            at_column = comment_at.get(at_line, len(text_lines[at_line - 1]) + 1) - 1
        ch = text_lines[at_line - 1][at_column - 1]
        if ch == "(":
            return at_line, at_column
        if not ch.isspace():
            return line, column
