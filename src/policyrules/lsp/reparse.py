"""Parsing a policy again after an edit, the declarations the edit did not touch reused.

Parsing is most of the time a check takes (Durham's 20 KB: about four fifths), and an edit
touches one declaration or two. So the text is cut into pieces at the lines where a
declaration begins (the same reader's guess `parser` uses to carry on past a syntax
error): the header with whatever precedes the first such line, then one piece per
declaration. A piece is parsed on its own, with blank lines before it so that its lines
keep their numbers. A piece whose text was in the last parse of the same file is not
parsed again: what it parsed to is reused, its positions moved down or up by the lines
typed or deleted above it (a line break typed near the top moves every piece below).

Pieces that each parse, put together, are the parse of the whole: the grammar is LALR
(one parse per text), and a piece boundary falls between tokens at the start of a line.
Whenever that does not hold — a piece does not parse, a condition nests too deep, the
text holds a refused character — the whole text goes to `parse`, so every error is
worded and placed exactly as `policyrules check` gives it. tests/test_lsp_reparse.py
holds the two equal over arbitrary edits of every shipped policy.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import attrs
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from ..diagnostics import Diagnostic, Span
from ..language import nodes as n
from ..language.build_ast import Builder
from ..language.comments import find_comments
from ..language.grammar import lark_parser
from ..language.nesting import too_deep
from ..language.parser import _DECLARATION_START, parse
from ..language.source import lines, normalise, refused_characters


@attrs.frozen
class _Piece:
    """What one piece of text parsed to."""

    header: n.Header | None  # only in the first piece
    declarations: tuple[n.Declaration, ...]
    problems: tuple[Diagnostic, ...]  # a clause written twice, and the like


class Reparser:
    """Parses policy texts as `parse` does, keeping the pieces of the last text of each
    file for the next."""

    def __init__(self) -> None:
        # path → piece text → its first line (0-based) and what it parsed to; only the last
        # text's pieces, so memory stays the size of the files open.
        self._last: dict[str, dict[str, tuple[int, _Piece]]] = {}

    def parse(self, text: str, path: str) -> n.PolicyFile:
        """`parse(text, path)`, the same result or the same PolicySyntaxError."""
        if not isinstance(text, str):
            return parse(text, path)  # its UsageError
        text = normalise(text)
        if refused_characters(text, path):
            return parse(text, path)
        text_lines = lines(text)
        starts = [i for i, line in enumerate(text_lines) if _DECLARATION_START.match(line)]
        bounds = [0, *(s for s in starts if s > 0), len(text_lines)]
        previous = self._last.get(path, {})
        current: dict[str, tuple[int, _Piece]] = {}
        pieces: list[_Piece] = []
        for first, end in itertools.pairwise(bounds):
            text_of = "\n".join(text_lines[first:end])
            kept = previous.get(text_of)
            # The header piece is parsed by another start, so it is reused only as such.
            if kept is not None and (kept[0] == 0) == (first == 0):
                piece: _Piece | None = _moved(kept[1], first - kept[0])
            else:
                piece = _parse_piece(text_of, first, text_lines, path)
            if piece is None:
                # Kept with the last text's pieces: while the author finishes what does not
                # parse yet, the rest is not parsed again, nor once it does.
                self._last[path] = previous | current
                return parse(text, path)
            current[text_of] = (first, piece)
            pieces.append(piece)
        self._last[path] = current
        header = pieces[0].header
        assert header is not None  # the first piece is always read as a header
        return n.PolicyFile(path, text, header,
                            tuple(d for p in pieces for d in p.declarations),
                            tuple(find_comments(text)),
                            tuple(d for p in pieces for d in p.problems))

    def forget(self, path: str) -> None:
        self._last.pop(path, None)


def _parse_piece(piece: str, first: int, text_lines: list[str], path: str) -> _Piece | None:
    """A piece starting on 0-based line `first`; None when it does not parse alone."""
    padded = "\n" * first + piece
    start = "start" if first == 0 else "declarations"
    try:
        tree: Tree[Token] = lark_parser(start).parse(padded)
    except UnexpectedInput:
        return None
    if too_deep(tree, padded, path):
        return None
    builder = Builder(path, text_lines)
    built = builder.transform(tree)
    problems = tuple(builder.diagnostics)
    if isinstance(built, n.PolicyFile):
        return _Piece(built.header, built.declarations, problems)
    return _Piece(None, tuple(built.children), problems)


def _moved(piece: _Piece, lines_down: int) -> _Piece:
    """`piece` as if parsed `lines_down` lines further down (up, if negative)."""
    if lines_down == 0:
        return piece
    moved: _Piece = _shift(piece, lines_down)
    return moved


# Values that hold no Span, by type: most of what `_shift` meets, let through at once.
_LEAVES = frozenset({str, int, float, bool, type(None), datetime.date})


def _shift(value: Any, by: int) -> Any:
    """`value` with every Span in it `by` lines lower; what holds no Span is kept as is."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is Span:
        return Span(value.file, value.line + by, value.column, value.end_line + by,
                    value.end_column)
    if kind is tuple or kind is list:
        items = [x if type(x) in _LEAVES else _shift(x, by) for x in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return tuple(items) if kind is tuple else items
    fields = _attrs_fields(kind)
    if not fields:
        return value
    arguments = {}
    changed = False
    for name, alias in fields:
        old = getattr(value, name)
        if type(old) not in _LEAVES:  # most fields are: no call for them
            new = _shift(old, by)
            changed = changed or new is not old
            old = new
        arguments[alias] = old
    return kind(**arguments) if changed else value


_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _attrs_fields(kind: type) -> tuple[tuple[str, str], ...]:
    """The (name, argument name) of each field of an attrs class whose fields are all
    arguments of its `__init__`; () for any other class (a value kept as is)."""
    found = _FIELDS.get(kind)
    if found is None:
        fields = attrs.fields(kind) if attrs.has(kind) else ()
        if not all(f.init for f in fields):
            raise TypeError(f"{kind.__name__}: a field outside __init__ cannot be moved")
        found = _FIELDS[kind] = tuple((f.name, f.alias or f.name) for f in fields)
    return found
