"""`policyrules fmt`: the canonical layout of a policy file, comments preserved.

The layout is: the header, then each declaration after a blank line, its head
(`requirement induction "Title"`) at the left margin and each clause on its own line,
indented two spaces, in the order written. Inside a line, tokens are separated by one
space (none before `,` or `)`, none after `(`); a clause longer than 100 characters breaks
after each comma, continuation lines indented four more spaces. Only white space changes,
so the tokens and hence the meaning stay the same; formatting twice gives the same text.
"""

from __future__ import annotations

import re

import attrs

from ..diagnostics import Diagnostic, Span
from ..errors import PolicyCheckError, PolicySyntaxError
from . import nodes as n
from .parser import parse
from .source import lines

_WIDTH = 100
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[,()]|[^\s,()"]+')


@attrs.frozen
class _Unit:
    """One output line of code: a declaration's head or one clause."""

    start: tuple[int, int]
    end: tuple[int, int]
    indent: int
    text: str
    opens_declaration: bool


def format_text(text: str, path: str = "<policy>") -> str:
    """The canonical layout of `text`; raises PolicySyntaxError if it does not parse.

    The result is parsed again and compared with the original (declarations, clauses and
    values, comments as a multiset; not positions): a layout that would read differently
    raises PolicyCheckError instead of being returned, so `fmt` never writes it.
    """
    policy = parse(text, path)
    if policy.problems:
        raise PolicySyntaxError(list(policy.problems))
    text_lines = lines(policy.text)
    comments = {(c.line, c.column): c for c in policy.comments}
    units = _units(policy, text_lines, comments)
    formatted = _layout(units, policy.comments, text_lines)
    try:
        same = _meaning(parse(formatted, path)) == _meaning(policy)
    except PolicyCheckError:
        same = False
    if not same:
        raise PolicyCheckError([Diagnostic(
            "error", "fmt-unsafe", "fmt cannot lay out this file without changing what it "
            "says, so it leaves the file as it is", Span(path, 1, 1, 1, 1),
            text_lines[0], "this is a bug in fmt: please report it with the file")])
    return formatted


def _meaning(policy: n.PolicyFile) -> tuple[object, ...]:
    """What a policy says, without where it says it: its nodes less their spans, and its
    comments' texts in order of their text."""
    return (_without_spans(policy.header), _without_spans(policy.declarations),
            sorted(c.text for c in policy.comments))


def _without_spans(value: object) -> object:
    if isinstance(value, Span):
        return None
    cls = type(value)
    if attrs.has(cls):
        return (cls.__name__, *(_without_spans(getattr(value, f.name)) for f in attrs.fields(cls)))
    if isinstance(value, (tuple, list)):
        return tuple(_without_spans(v) for v in value)
    return value


def _units(policy: n.PolicyFile, lines: list[str], comments: dict[tuple[int, int], n.Comment]
           ) -> list[_Unit]:
    units: list[_Unit] = []
    blocks: list[tuple[Span, tuple[n.Clause, ...]]] = [(policy.header.span,
                                                        policy.header.clauses)]
    blocks += [(d.span, d.clauses) for d in policy.declarations]
    for span, clauses in blocks:
        head_end = (clauses[0].span.line, clauses[0].span.column) if clauses else (
            span.end_line, span.end_column)
        start = (span.line, span.column)
        units.append(_Unit(start, head_end, 0, _normal(lines, start, head_end, comments), True))
        for clause in clauses:
            c_start = (clause.span.line, clause.span.column)
            c_end = (clause.span.end_line, clause.span.end_column)
            units.append(_Unit(c_start, c_end, 1, _normal(lines, c_start, c_end, comments), False))
    return units


def _normal(lines: list[str], start: tuple[int, int], end: tuple[int, int],
            comments: dict[tuple[int, int], n.Comment]) -> str:
    """The code between two positions, comments removed, white space made canonical."""
    parts = []
    for number in range(start[0], end[0] + 1):
        line = lines[number - 1]
        lo = start[1] - 1 if number == start[0] else 0
        hi = end[1] - 1 if number == end[0] else len(line)
        cut = next((col - 1 for (ln, col) in comments if ln == number and lo <= col - 1 < hi),
                   None)
        parts.append(line[lo:cut if cut is not None else hi])
    out = ""
    for tok in _TOKEN.findall(" ".join(parts)):
        if not out or tok in (",", ")") or out.endswith("("):
            out += tok
        else:
            out += " " + tok
    return out


def _layout(units: list[_Unit], comments: tuple[n.Comment, ...], lines: list[str]) -> str:
    trailing: dict[int, list[str]] = {}
    before: dict[int, list[n.Comment]] = {}
    after_all: list[n.Comment] = []
    for c in comments:
        owner = _trailing_owner(units, c)
        if owner is not None:
            if lines[c.line - 1][:c.column - 1].strip():
                trailing.setdefault(owner, []).append(c.text)
            else:  # a comment line inside a clause that spans lines: it goes above it
                before.setdefault(owner, []).append(c)
            continue
        nxt = next((i for i, u in enumerate(units) if u.start > (c.line, c.column)), None)
        if nxt is None:
            after_all.append(c)
        else:
            before.setdefault(nxt, []).append(c)
    out: list[str] = []
    for i, unit in enumerate(units):
        if unit.opens_declaration and i > 0:
            out.append("")
        pad = "  " * unit.indent
        out.extend(pad + c.text for c in before.get(i, []))
        line = _wrap(pad, unit.text)
        if i in trailing:
            line += "  " + "  ".join(trailing[i])
        out.append(line)
    if after_all:
        out.append("")
        out.extend(c.text for c in after_all)
    return "\n".join(out) + "\n"


def _wrap(pad: str, text: str) -> str:
    """A clause longer than the line width breaks after its commas, one item a line."""
    if len(pad) + len(text) <= _WIDTH or "," not in text:
        return pad + text
    items = [t.strip() for t in _split_commas(text)]
    return (",\n" + pad + "    ").join([pad + items[0], *items[1:]])


def _split_commas(text: str) -> list[str]:
    parts, current = [], ""
    for tok in _TOKEN.findall(text):
        if tok == ",":
            parts.append(current)
            current = ""
        else:
            current += (" " if current and not current.endswith("(") and tok != ")" else "") + tok
    parts.append(current)
    return parts


def _trailing_owner(units: list[_Unit], c: n.Comment) -> int | None:
    """The last unit with code on the comment's line before it, if any."""
    owner = None
    for i, u in enumerate(units):
        if u.start < (c.line, c.column) and u.end[0] >= c.line and u.start[0] <= c.line:
            owner = i
    return owner
