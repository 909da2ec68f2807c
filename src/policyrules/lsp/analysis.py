"""What an editor asks of a policy, answered from one pipeline run.

Positions here are the policy's own: `Span` (1-based lines and columns counted in
characters) and cursors as 0-based (line, character) pairs; the server converts both to
the client's code units. Nothing here re-checks a policy: the diagnostics are the
pipeline's, word for word.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from typing import Literal

import attrs

from .. import pipeline
from ..contract.vocabulary import CONTACT_LEVELS, DELIVERIES, ROLES, SECTORS
from ..diagnostics import Diagnostic, Span
from ..errors import PolicyCheckError, PolicyError, PolicyFileError
from ..language import nodes as n
from ..language.parser import parse
from ..language.program import Program

Kind = Literal["role", "group", "training", "requirement", "note", "contact", "sector",
               "delivery", "paragraph", "extends"]

# The vocabulary of CONTRACT §1 that needs no declaration, and where it is defined.
_VOCABULARY: dict[Kind, tuple[tuple[str, ...], str]] = {
    "role": (ROLES, "a role of the contract's worker vocabulary (CONTRACT §1.2)"),
    "contact": (CONTACT_LEVELS, "a contact level (CONTRACT §1.1): none, occasional, "
                                "regular, predominant, from least to most"),
    "sector": (SECTORS, "a sector (CONTRACT §1): statutory, voluntary, community, "
                        "independent"),
    "delivery": (DELIVERIES, "a delivery (CONTRACT §1.3): single-agency or inter-agency"),
}


@attrs.frozen
class Analysis:
    """One policy text as the pipeline saw it."""

    path: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    syntax: n.PolicyFile | None  # None when the text does not parse
    program: Program | None  # None when it does not parse or `extends` cannot be folded in


def analyse(text: str, path: str) -> Analysis:
    """Run the pipeline over `text` as the file `path`; every problem becomes a diagnostic."""
    try:
        result = pipeline.run(text, path)
    except PolicyCheckError as exc:  # a syntax error, here or in a file extended
        here = any(d.span.file == path for d in exc.diagnostics)
        syntax = None if here else _parsed(text, path)  # this text parses: show its `extends`
        return Analysis(path, text, exc.diagnostics, syntax, None)
    except PolicyFileError as exc:  # a file extended cannot be read
        syntax = _parsed(text, path)
        span = _extends_span(syntax, path)
        line = syntax.line(span.line) if syntax else ""
        return Analysis(path, text, (Diagnostic("error", "extends", str(exc), span, line),),
                        syntax, None)
    return Analysis(path, text, result.diagnostics, result.syntax, result.program)


def _parsed(text: str, path: str) -> n.PolicyFile | None:
    try:
        return parse(text, path)
    except PolicyError:
        return None


def _extends_span(syntax: n.PolicyFile | None, path: str) -> Span:
    if syntax is not None and syntax.header.extends is not None:
        return syntax.header.extends[1]
    return Span(path, 1, 1, 1, 1)


def anchor(analysis: Analysis, d: Diagnostic) -> Span:
    """Where in this file to show a diagnostic: its own span, or, for one in a file this
    file extends, the `extends` clause that brought it in."""
    if d.span.file == analysis.path:
        return d.span
    return _extends_span(analysis.syntax, analysis.path)


def message(analysis: Analysis, d: Diagnostic) -> str:
    """A diagnostic's text as `check` gives it: the message, then the hint."""
    text = d.message if d.span.file == analysis.path else f"{d.span}: {d.message}"
    return f"{text}\nhint: {d.hint}" if d.hint else text


# References: every name and citation in a file, with what kind of thing it names ------------


@attrs.frozen
class Ref:
    kind: Kind
    name: str
    span: Span
    declares: bool = False  # the name in a declaration's head, not a use of it
    owner: n.Declaration | None = None  # the declaration it stands in


def references(policy: n.PolicyFile) -> Iterator[Ref]:
    header = policy.header
    if header.extends is not None:
        yield Ref("extends", header.extends[0], header.extends[1])
    for local in header.locals:
        yield Ref("paragraph", local.cite.id, local.cite.span, declares=True)
    for decl in policy.declarations:
        yield from _declaration_refs(decl)


def _declaration_refs(d: n.Declaration) -> Iterator[Ref]:
    match d:
        case n.RoleDecl():
            yield Ref("role", d.name.name, d.name.span, True, d)
        case n.GroupDecl():
            yield Ref("group", d.name.name, d.name.span, True, d)
            if d.members is not None:
                yield from _cond_refs(d.members, d)
        case n.TrainingDecl():
            yield Ref("training", d.name.name, d.name.span, True, d)
            if d.delivery is not None:
                yield Ref("delivery", d.delivery.name, d.delivery.span, owner=d)
            for alternatives in d.requires:
                yield from (Ref("training", i.name, i.span, owner=d) for i in alternatives)
        case n.RequirementDecl():
            yield Ref("requirement", d.name.name, d.name.span, not d.amend, d)
            if d.applies is not None:
                yield from _cond_refs(d.applies, d)
            yield from (Ref("training", i.name, i.span, owner=d) for i in d.satisfied_by or ())
            if d.deadline is not None and d.deadline.role is not None:
                yield Ref("role", d.deadline.role.name, d.deadline.role.span, owner=d)
        case n.NoteDecl():
            yield Ref("note", d.name.name, d.name.span, True, d)
        case n.ExampleDecl():
            yield from _example_refs(d)
        case _:  # pragma: no cover - every declaration is matched above
            raise AssertionError(d)
    if not isinstance(d, n.ExampleDecl):
        yield from (Ref("paragraph", c.id, c.span, owner=d) for c in d.cites)


def _cond_refs(cond: n.Cond, owner: n.Declaration) -> Iterator[Ref]:
    match cond:
        case n.ContactIs():
            yield from (Ref("contact", i.name, i.span, owner=owner) for i in cond.levels)
        case n.ContactAtLeast():
            yield Ref("contact", cond.level.name, cond.level.span, owner=owner)
        case n.HasRole():
            yield Ref("role", cond.role.name, cond.role.span, owner=owner)
        case n.InGroup():
            yield Ref("group", cond.group.name, cond.group.span, owner=owner)
        case n.SectorIs():
            yield from (Ref("sector", i.name, i.span, owner=owner) for i in cond.sectors)
        case n.Not():
            yield from _cond_refs(cond.operand, owner)
        case n.AllOf() | n.AnyOf():
            for operand in cond.operands:
                yield from _cond_refs(operand, owner)
        case n.Everyone() | n.Volunteer():
            pass


def _example_refs(d: n.ExampleDecl) -> Iterator[Ref]:
    if d.contact is not None:
        yield Ref("contact", d.contact.name, d.contact.span, owner=d)
    for item in d.roles:
        yield Ref("role", item.role.name, item.role.span, owner=d)
    if d.sector is not None:
        yield Ref("sector", d.sector.name, d.sector.span, owner=d)
    for c in d.completed:
        yield Ref("training", c.training.name, c.training.span, owner=d)
        if c.delivery is not None:
            yield Ref("delivery", c.delivery.name, c.delivery.span, owner=d)
    for e in d.expectations:
        match e:
            case n.ExpectStatus() | n.ExpectNoFinding():
                yield Ref("requirement", e.requirement.name, e.requirement.span, owner=d)
            case n.ExpectNames():
                kind: Kind = "group" if e.what == "groups" else "requirement"
                yield from (Ref(kind, i.name, i.span, owner=d) for i in e.names)
            case n.ExpectEligible():
                yield Ref("training", e.training.name, e.training.span, owner=d)
            case n.ExpectCompliant():
                pass


def reference_at(policy: n.PolicyFile, line: int, character: int) -> Ref | None:
    """The name or citation under a 0-based cursor (its end included, as editors do)."""
    for ref in references(policy):
        s = ref.span
        if s.line == line + 1 and s.column - 1 <= character <= s.end_column - 1:
            return ref
    return None


# Declarations by kind and name, across the files a policy extends -------------------------

Declared = n.RoleDecl | n.GroupDecl | n.TrainingDecl | n.RequirementDecl | n.NoteDecl


def declarations(analysis: Analysis) -> dict[tuple[Kind, str], Declared]:
    """Every named declaration the policy can use: its own and those it extends."""
    out: dict[tuple[Kind, str], Declared] = {}
    if analysis.program is not None:
        p = analysis.program
        found: list[Declared] = [*p.roles, *p.groups, *p.trainings, *p.requirements, *p.notes]
    elif analysis.syntax is not None:
        found = [d for d in analysis.syntax.declarations
                 if not isinstance(d, n.ExampleDecl)
                 and not (isinstance(d, n.RequirementDecl) and d.amend)]
    else:
        found = []
    for d in found:
        out.setdefault((_kind(d), d.name.name), d)  # the first, as `check` keeps it
    return out


def _kind(d: Declared) -> Kind:
    match d:
        case n.RoleDecl():
            return "role"
        case n.GroupDecl():
            return "group"
        case n.TrainingDecl():
            return "training"
        case n.RequirementDecl():
            return "requirement"
        case n.NoteDecl():
            return "note"


def _files(analysis: Analysis) -> dict[str, str]:
    if analysis.program is not None:
        return analysis.program.files
    return {analysis.path: analysis.text}


# Definition -----------------------------------------------------------------------------


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
        local = _local(names, ref.name)
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
    for token in _TOKEN.finditer(current):
        if not token.start() <= character <= token.end():
            continue
        word = token.group()
        if word == '"' or word[0] in "\"#" or not _WORD.fullmatch(word):
            continue
        if current[:token.start()].strip() == "" and token.start() == 0:
            continue  # a declaration keyword at the margin
        slot = _slot(lines, line, current[:token.start()])
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


def _local(analysis: Analysis, cite: str) -> n.LocalId | None:
    if analysis.program is not None:
        return analysis.program.local_ids.get(cite)
    if analysis.syntax is not None:
        return next((x for x in analysis.syntax.header.locals if x.cite.id == cite), None)
    return None


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
        declared = ref.owner.span.line if ref.owner is not None else _enclosing(
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
        vocabulary = _VOCABULARY.get(ref.kind)
        if vocabulary is not None and ref.name in vocabulary[0]:
            return f"`{ref.name}`: {vocabulary[1]}"
        return None
    files = _files(analysis)
    span = decl.name.span
    head = _line(files.get(span.file, ""), decl.span.line).strip()
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
    text = _files(analysis).get(target)
    if text is None:
        return None
    first = next((line.strip() for line in text.splitlines() if line.startswith("policy ")), "")
    return f"extends `{target}`\n\n```policy\n{first}\n```"


def _paragraph_hover(names: Analysis, text: str, paragraph: str, declared: int) -> str:
    local = _local(names, paragraph)
    if local is not None:
        return f"**{paragraph}**: {local.text}"
    source = names.program.source_name if names.program is not None else ""
    title = f"**{paragraph}**" + (f", {source}" if source else "")
    quoted = quoting_comment(text, declared, paragraph)
    if not quoted:
        return f"{title}\n\n(no comment above this declaration quotes the paragraph)"
    return f"{title}\n\n" + "\n".join(f"> {q}  " for q in quoted)


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


# The comment that quotes a paragraph ----------------------------------------------------

_PARAGRAPH = re.compile(r"(?<![\w.])(\d+(?:\.\d+)+)(?:\s+to\s+(\d+(?:\.\d+)+))?(?![\w])")
_RULE = re.compile(r"#[\s#=*-]*")  # a comment line drawn as a separator: no words in it


def comment_blocks(text: str) -> list[tuple[int, list[str]]]:
    """Runs of comment lines as (last line number, their text without `#` and separator
    lines), in file order. A comment after code on its line is not one of them: whole-line
    comments are told by their first character, so no parse is needed."""
    blocks: list[tuple[int, list[str]]] = []
    last = -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        words = [] if _RULE.fullmatch(stripped) else [stripped[1:].strip()]
        if blocks and last == number - 1:
            blocks[-1] = (number, blocks[-1][1] + words)
        else:
            blocks.append((number, words))
        last = number
    return [(end, words) for end, words in blocks if words]


def mentions(text: str, paragraph: str) -> bool:
    """Whether a comment names `paragraph`, alone (`4.7`) or in a range (`4.1 to 4.42`)."""
    for m in _PARAGRAPH.finditer(text):
        first, last = m.group(1), m.group(2)
        if first == paragraph:
            return True
        if last is not None and _in_range(paragraph, first, last):
            return True
    return False


def _in_range(paragraph: str, first: str, last: str) -> bool:
    *head, number = paragraph.split(".")
    *head_a, a = first.split(".")
    *head_b, b = last.split(".")
    return head == head_a == head_b and int(a) <= int(number) <= int(b)


def quoting_comment(text: str, declaration_line: int, paragraph: str) -> list[str]:
    """The comment lines of a policy text that quote `paragraph` for the declaration on
    that line (1-based).

    The comment right above the declaration, if it names this paragraph or no paragraph at
    all (a bare quotation); else the nearest comment above that names the paragraph (a
    section heading such as `Roles and responsibilities (4.5 to 4.12)`); else the comment
    right above, whatever it names; else none.
    """
    above = [(end, words) for end, words in comment_blocks(text) if end < declaration_line]
    adjacent = above[-1][1] if above and above[-1][0] == declaration_line - 1 else None
    if adjacent is not None:
        joined = " ".join(adjacent)
        if mentions(joined, paragraph) or not _PARAGRAPH.search(joined):
            return adjacent
    for _, words in reversed(above):
        if mentions(" ".join(words), paragraph):
            return words
    return adjacent or []


# Outline --------------------------------------------------------------------------------


@attrs.frozen
class Symbol:
    kind: str  # the declaring keyword: role, group, training, requirement, duty, …
    name: str
    detail: str
    span: Span  # the whole declaration
    name_span: Span


def symbols(policy: n.PolicyFile) -> list[Symbol]:
    out = []
    for d in policy.declarations:
        match d:
            case n.ExampleDecl():
                title = d.title
                out.append(Symbol("example", title, "", d.span, d.span))
            case n.NoteDecl():
                out.append(Symbol(d.kind, d.name.name, d.title, d.span, d.name.span))
            case n.RequirementDecl() if d.amend:
                out.append(Symbol("amend requirement", d.name.name, "", d.span, d.name.span))
            case _:
                kind = _kind(d)
                out.append(Symbol(kind, d.name.name, d.title or "", d.span,
                                  d.name.span))
    return out


# Completion -----------------------------------------------------------------------------


@attrs.frozen
class Item:
    label: str
    kind: Kind | Literal["keyword"]
    detail: str = ""


_DECLARATION_KEYWORDS = ("role", "group", "training", "requirement", "amend requirement",
                         "duty", "definition", "background", "example")
_CLAUSES: dict[str, tuple[str, ...]] = {
    "policy": ("title", "source", "extends", "local"),
    "role": ("cites",),
    "group": ("members", "cites"),
    "training": ("delivery", "topics", "requires", "cites"),
    "requirement": ("applies to", "satisfied by", "due within", "no deadline", "renew every",
                    "grace", "explain", "cites"),
    "note": ("of", "cites"),
    "example": ("worker", "started", "contact", "roles", "sector", "volunteer", "completed",
                "as of", "expect"),
}
_CONDITION_KEYWORDS = ("everyone", "contact", "role", "group", "sector", "volunteer", "not", "(")
_EXPECTATIONS = ("compliant", "not compliant", "groups", "findings", "no finding", "eligible",
                 "not eligible")
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#.*|[,()]|[^\s,()"#]+')
# After this word, a name of this kind (or a value of this vocabulary) comes next.
_NAME_AFTER: dict[str, Kind] = {
    "role": "role", "group": "group", "least": "contact", "sector": "sector",
    "by": "training", "requires": "training", "completed": "training", "eligible": "training",
    "delivery": "delivery", "delivered": "delivery", "finding": "requirement",
    "findings": "requirement", "groups": "group", "roles": "role", "cites": "paragraph",
}


def completions(text: str, line: int, character: int, known: Analysis | None) -> list[Item]:
    """What may be typed at a 0-based cursor, judged from the words before it on its
    clause; names come from `known` (the latest analysis that parsed, if any)."""
    lines = text.split("\n")
    current = lines[line] if line < len(lines) else ""
    before = current[:character]
    typing = re.search(r'[^\s,()"#]+$', before)  # the word being typed, if any
    slot = _slot(lines, line, before[:typing.start()] if typing else before)
    if slot is None or slot.declares:
        return []
    items = _keywords(slot.keywords)
    if slot.kind is not None:
        items += _names(known).get(slot.kind, [])
    return items


@attrs.frozen
class _Slot:
    """What may stand at a place: names of one kind, and keywords."""

    kind: Kind | None = None
    keywords: tuple[str, ...] = ()
    declares: bool = False  # the name a declaration introduces: the author's to choose


def _slot(lines: Sequence[str], line: int, before: str) -> _Slot | None:
    """What may stand after `before` (line `line` up to a place); None in a text or a
    comment."""
    tokens = _TOKEN.findall(before)
    if tokens and (tokens[-1].startswith("#") or _open_text(tokens[-1])):
        return None
    margin = not before[:1].isspace()
    if not tokens:
        if margin:
            return _Slot(keywords=_DECLARATION_KEYWORDS)
        return _Slot(keywords=_CLAUSES.get(_enclosing(lines, line)[0], ()))
    previous = tokens[-1]
    if margin and len(tokens) == 1 and previous in ("role", "group", "training",
                                                    "requirement"):
        return _Slot(previous, declares=True)
    if previous == "," or (previous == "or" and len(tokens) > 1):
        kind = _list_kind(tokens)
        if kind is not None:
            return _Slot(kind)
        # `a or` in a condition goes on with a condition; a list of texts needs no help.
        return _Slot(keywords=_CONDITION_KEYWORDS if previous == "or" else ())
    if previous == "contact":
        if _enclosing(lines, line)[0] == "example":
            return _Slot("contact")
        return _Slot("contact", ("at least", "in"))
    if previous == "in" and len(tokens) > 1 and tokens[-2] in ("contact", "sector"):
        return _Slot("contact" if tokens[-2] == "contact" else "sector")
    if previous == "requirement" and len(tokens) > 1 and tokens[-2] == "amend":
        return _Slot("requirement")
    if previous in ("to", "and", "not", "(", "members"):
        return _Slot(keywords=_CONDITION_KEYWORDS)
    if previous == "of" and "within" in tokens:
        return _Slot(keywords=("start", "role"))
    if previous == "expect":
        return _Slot("requirement", _EXPECTATIONS)
    if len(tokens) >= 2 and tokens[-2] == "expect" and previous not in _EXPECTATIONS:
        return _Slot(keywords=("met", "due", "overdue"))
    return _Slot(_NAME_AFTER.get(previous))


def _open_text(token: str) -> bool:
    return token.startswith('"') and (len(token) == 1 or not token.endswith('"')
                                      or token.endswith('\\"'))


def _list_kind(tokens: Sequence[str]) -> Kind | None:
    """The kind of name a comma- or `or`-separated list holds, from the word before it."""
    i = len(tokens) - 1
    while i >= 1 and tokens[i] in (",", "or"):
        i -= 2  # over `name ,`
    if i < 0:
        return None
    word = tokens[i]
    if word == "in" and i >= 1:
        return "contact" if tokens[i - 1] == "contact" else "sector"
    kind = _NAME_AFTER.get(word)
    # In a condition, `role a or` goes on with another condition, not another role.
    return None if word in ("role", "group", "least", "sector") else kind


def _enclosing(lines: Sequence[str], line: int) -> tuple[str, int]:
    """The kind of declaration that line `line` (0-based) is a clause of, and the line
    (0-based) of its head; ("", -1) above the first."""
    for number in range(min(line, len(lines) - 1), -1, -1):
        text = lines[number]
        if text[:1].isspace() or not text.strip() or text.startswith("#"):
            continue
        word = text.split()[0]
        if word in ("duty", "definition", "background"):
            return "note", number
        if word == "amend":
            return "requirement", number
        return (word if word in _CLAUSES else ""), number
    return "", -1


def _keywords(words: Sequence[str]) -> list[Item]:
    return [Item(w, "keyword") for w in words]


def _names(known: Analysis | None) -> dict[Kind, list[Item]]:
    out: dict[Kind, list[Item]] = {kind: [] for kind in ("role", "group", "training",
                                                         "requirement", "paragraph")}
    for kind, (words, about) in _VOCABULARY.items():
        out[kind] = [Item(w, kind, about) for w in words]
    if known is None:
        return out
    for (kind, name), decl in declarations(known).items():
        if kind != "note":
            out[kind].append(Item(name, kind, decl.title or ""))
    if known.program is not None:
        out["paragraph"] = [Item(p, "paragraph", known.program.source_name)
                            for p in known.program.paragraphs]
        out["paragraph"] += [Item(k, "paragraph", v.text)
                             for k, v in known.program.local_ids.items()]
    return out
