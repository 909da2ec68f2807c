"""Policy text → AST: parse with lark, carry on past syntax errors, build the AST.

The grammar is grammar.lark; the AST builder is build_ast.py, the wording of syntax errors
syntax_errors.py and the comments `fmt` keeps comments.py.
"""

from __future__ import annotations

import re

import lark
from lark import Token
from lark.exceptions import UnexpectedInput

from ..diagnostics import Diagnostic
from ..errors import PolicySyntaxError, UsageError
from . import nodes as n
from .build_ast import Builder
from .comments import find_comments
from .grammar import lark_parser
from .nesting import too_deep
from .source import lines, normalise, refused_characters
from .syntax_errors import at_end, syntax_diagnostic


def parse(text: str, path: str = "<policy>") -> n.PolicyFile:
    """Parse policy text into the AST.

    Syntax errors raise PolicySyntaxError, with one error for each declaration that does
    not parse (not only the first). A problem found while building the AST that leaves it
    whole (a clause written twice: the first is kept) is returned in `problems`, so that
    checking goes on and reports the rest of the file's errors with it.

    Line breaks are normalised first (source.py); the AST's `text` is the normalised text.
    """
    if not isinstance(text, str):
        raise UsageError(f"policy text is a str, not {type(text).__name__}: decode it "
                         "(UTF-8) first")
    text = normalise(text)
    refused = refused_characters(text, path)
    if refused:
        raise PolicySyntaxError(refused)
    tree = _tree(text, path)
    deep = too_deep(tree, text, path)
    if deep:
        raise PolicySyntaxError(deep)
    builder = Builder(path, lines(text))
    policy: n.PolicyFile = builder.transform(tree)
    return n.PolicyFile(path, text, policy.header, policy.declarations,
                        tuple(find_comments(text)), tuple(builder.diagnostics))


_MAX_SYNTAX_ERRORS = 50

# A line that begins a declaration, for carrying on after a syntax error. Layout is free,
# so this is a reader's guess, not the grammar: a keyword, a name and a title (`role x`
# in a deadline has no title), `amend requirement`, or `example "…"`.
_DECLARATION_START = re.compile(
    r'\s*(?:(?:role|group|training|requirement|duty|definition|background)\s+'
    r'[A-Za-z_][\w-]*\s+"|amend\s+requirement\b|example\s+")')


def _tree(text: str, path: str) -> lark.Tree[Token]:
    """The parse tree of `text`, or PolicySyntaxError with an error per broken declaration.

    After an error, the declaration it is in is blanked out (its lines kept, empty, so
    that line numbers stay) and the text parsed again, until it parses or an error is
    in the header.
    """
    errors: list[Diagnostic] = []
    attempt = text
    while True:
        try:
            tree = lark_parser().parse(attempt)
        except UnexpectedInput as exc:
            errors.append(syntax_diagnostic(exc, attempt, path))
            following = _without_broken_declaration(attempt, exc)
            if following is None or len(errors) >= _MAX_SYNTAX_ERRORS:
                raise PolicySyntaxError(errors) from None
            attempt = following
            continue
        if errors:
            raise PolicySyntaxError(errors)
        return tree


def _without_broken_declaration(text: str, exc: UnexpectedInput) -> str | None:
    """`text` with the declaration that `exc` is in blanked out; None if that cannot be
    told (the error is in the header) or nothing would change."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines, 1) if _DECLARATION_START.match(line)]
    ended = at_end(exc)
    line = len(lines) if ended else max(1, getattr(exc, "line", 1) or 1)
    column = max(1, getattr(exc, "column", 1) or 1)
    if not ended and line in starts and not lines[line - 1][:column - 1].strip():
        line -= 1  # unexpected at the start of a declaration: the one before is unfinished
    first = max((s for s in starts if s <= line), default=None)
    if first is None:
        return None
    end = min((s for s in starts if s > line), default=len(lines) + 1)
    if not any(lines[i].strip() for i in range(first - 1, end - 1)):
        return None
    lines[first - 1:end - 1] = [""] * (end - first)
    return "\n".join(lines)
