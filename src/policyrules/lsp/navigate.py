"""Hover, go to definition and the outline: what an editor asks about a place or a file.

While the text does not parse, the name under the cursor and its kind are read from the
words before it (as completion reads them), and names are looked up in the latest analysis
that parsed.
"""

from __future__ import annotations

import os
import re

import attrs

from .. import pipeline
from ..diagnostics import Span
from ..language import nodes as n
from ..render.safe import terminal
from ..source_text import read_paragraphs
from .analysis import (
    VOCABULARY,
    Analysis,
    Kind,
    Ref,
    declarations,
    kind_of,
    local_id,
    reference_at,
    texts_of,
)
from .completion import TOKEN, enclosing, what_follows
from .quoting import quoting_comment


def definition(analysis: Analysis, line: int, character: int,
               known: Analysis | None = None) -> Span | None:
    """Where the name under the cursor is declared (in this file or one it extends).

    While the text does not parse, the name and its kind are read from the words around
    the cursor, and found in the text as it is or, failing that, in `known` (the latest
    analysis that parsed: the files it extends have not moved).
    """
    ref = _ref(analysis, line, character)
    if ref is None:
        return None
    if ref.kind == "extends":
        target = pipeline.resolve(analysis.path, ref.name)
        return Span(target, 1, 1, 1, 1) if os.path.isfile(target) else None
    names = analysis if analysis.syntax is not None or known is None else known
    if analysis.syntax is None:
        here = _declared_here(analysis, ref.kind, ref.name)
        if here is not None:
            return here
    if ref.kind == "paragraph":
        local = local_id(names, ref.name)
        span = local.cite.span if local is not None else None
    else:
        decl = declarations(names).get((ref.kind, ref.name))
        span = decl.name.span if decl is not None else None
    if span is not None and analysis.syntax is None and span.file == analysis.path:
        return None  # a place in an older text of this file: it may have moved
    return span


def _ref(analysis: Analysis, line: int, character: int) -> Ref | None:
    if analysis.syntax is not None:
        return reference_at(analysis.syntax, line, character)
    return _word_ref(analysis, line, character)


_WORD = re.compile(r"local:[a-z0-9]+(?:-[a-z0-9]+)*|\d+(?:\.\d+)+|"
                   r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_CITE = re.compile(r"local:[a-z0-9]+(?:-[a-z0-9]+)*|\d+(?:\.\d+)+")


def _word_ref(analysis: Analysis, line: int, character: int) -> Ref | None:
    """The name under the cursor in a text that does not parse, its kind told by the words
    before it as completion tells them."""
    lines = analysis.text.split("\n")
    current = lines[line] if line < len(lines) else ""
    for token in TOKEN.finditer(current):
        if not token.start() <= character <= token.end():
            continue
        word = token.group()
        if word[0] in '"#' or not _WORD.fullmatch(word):
            continue  # a text, a comment or punctuation
        slot = what_follows(lines, line, current[:token.start()])
        if slot is None or slot.kind is None:
            return None
        if slot.kind == "paragraph" and not _CITE.fullmatch(word):
            return None
        span = Span(analysis.path, line + 1, token.start() + 1, line + 1, token.end() + 1)
        return Ref(slot.kind, word, span)
    return None


def _declared_here(analysis: Analysis, kind: Kind, name: str) -> Span | None:
    """A declaration's name found in the text as written, for a text that does not parse."""
    if kind == "paragraph":
        head = r"((?<![A-Za-z0-9_-])local\s+)"
    elif kind in ("role", "group", "training", "requirement"):
        head = rf"^({kind}\s+)"
    else:
        return None
    pattern = re.compile(head + re.escape(name) + r"(?![A-Za-z0-9_-])", re.M)
    m = pattern.search(analysis.text)
    if m is None:
        return None
    line = analysis.text.count("\n", 0, m.end(1)) + 1
    start = m.end(1) - (analysis.text.rfind("\n", 0, m.end(1)) + 1) + 1
    return Span(analysis.path, line, start, line, start + len(name))


# Hover ----------------------------------------------------------------------------------


@attrs.frozen
class HoverText:
    markdown: str
    span: Span


def hover(analysis: Analysis, line: int, character: int,
          known: Analysis | None = None) -> HoverText | None:
    """On a name: its declaration, title and cites; on a citation: the comment that quotes
    the paragraph (the shipped policies quote their paragraphs in comments).

    While the text does not parse, names are looked up in `known` (the latest analysis
    that parsed) and the comment is found in the text as it is.
    """
    ref = _ref(analysis, line, character)
    if ref is None:
        return None
    names = analysis if analysis.syntax is not None or known is None else known
    text: str | None
    if ref.kind == "paragraph":
        declared = ref.owner.span.line if ref.owner is not None else enclosing(
            analysis.text.split("\n"), line)[1] + 1
        text = _paragraph_hover(names, analysis.text, ref.name, declared)
    elif ref.kind == "extends":
        text = _extends_hover(analysis, ref)
    else:
        text = _name_hover(names, ref)
    return HoverText(text, ref.span) if text else None


def _name_hover(analysis: Analysis, ref: Ref) -> str | None:
    decl = declarations(analysis).get((ref.kind, ref.name))
    if decl is None:
        vocabulary = VOCABULARY.get(ref.kind)
        if vocabulary is not None and ref.name in vocabulary[0]:
            return f"`{ref.name}`: {vocabulary[1]}"
        return None
    texts = texts_of(analysis)
    span = decl.name.span
    head = _line(texts.get(span.file, ""), decl.span.line).strip()
    parts = [f"```policy\n{head}\n```"]
    if isinstance(decl, n.RequirementDecl) and decl.explain:
        parts.append(decl.explain)
    if decl.cites:
        parts.append("cites " + ", ".join(c.id for c in decl.cites))
    where = "this file" if span.file == analysis.path else os.path.basename(span.file)
    parts.append(f"declared in {where}, line {span.line}")
    return "\n\n".join(parts)


def _extends_hover(analysis: Analysis, ref: Ref) -> str | None:
    target = pipeline.resolve(analysis.path, ref.name)
    text = texts_of(analysis).get(target)
    if text is None:
        return None
    first = next((line.strip() for line in text.splitlines() if line.startswith("policy ")), "")
    return f"extends `{target}`\n\n```policy\n{first}\n```"


def _paragraph_hover(names: Analysis, text: str, paragraph: str, declared: int) -> str:
    citing = [f"{kind_of(d)} `{d.name.name}`" for d in declarations(names).values()
              if any(c.id == paragraph for c in d.cites)]
    cited = "\n\ncited by " + ", ".join(citing) if citing else ""
    local = local_id(names, paragraph)
    if local is not None:
        return f"**{paragraph}**: {local.text}{cited}"
    source = names.program.source_name if names.program is not None else ""
    title = f"**{paragraph}**" + (f", {source}" if source else "")
    warned = ""
    if names.program is not None and names.program.source_text is not None:
        # Read at each hover, not kept: the author edits the text file beside the policy.
        quotes = read_paragraphs(names.program.source_text, names.program.paragraphs)
        if paragraph in quotes.paragraphs:
            return f"{title}\n\n> {terminal(quotes.paragraphs[paragraph])}{cited}"
        warned = "".join(f"\n\n({terminal(w)})" for w in quotes.warnings)
    quoted = quoting_comment(text, declared, paragraph)
    shown = "\n".join(f"> {q}  " for q in quoted) if quoted else (
        "(no comment above this declaration quotes the paragraph)")
    return f"{title}\n\n{shown}{cited}{warned}"


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


# Outline --------------------------------------------------------------------------------


@attrs.frozen
class Symbol:
    kind: str  # the declaring keyword: role, group, training, requirement, duty, …
    name: str
    detail: str
    span: Span  # the whole declaration
    name_span: Span


def symbols(policy: n.PolicyFile) -> list[Symbol]:
    """The outline: every declaration of the file, in order."""
    out = []
    for d in policy.declarations:
        match d:
            case n.ExampleDecl():
                out.append(Symbol("example", d.title, "", d.span, d.span))
            case n.NoteDecl():
                out.append(Symbol(d.kind, d.name.name, d.title, d.span, d.name.span))
            case n.RequirementDecl() if d.amend:
                out.append(Symbol("amend requirement", d.name.name, "", d.span, d.name.span))
            case _:
                out.append(Symbol(kind_of(d), d.name.name, d.title or "", d.span,
                                  d.name.span))
    return out
