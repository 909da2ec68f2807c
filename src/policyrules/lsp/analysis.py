"""One policy text as the pipeline saw it, and the names and citations in it.

Positions here are the policy's own: `Span` (1-based lines and columns counted in
characters) and cursors as 0-based (line, character) pairs; the server converts both to
the client's code units. Nothing here re-checks a policy: the diagnostics are the
pipeline's, word for word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal, assert_never

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
VOCABULARY: dict[Kind, tuple[tuple[str, ...], str]] = {
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


def analyse(text: str, path: str,
            parse_text: Callable[[str, str], n.PolicyFile] = parse) -> Analysis:
    """Run the pipeline over `text` as the file `path`; every problem becomes a diagnostic.
    `parse_text` parses it and the files it extends (the server's keeps what an edit did
    not change)."""
    try:
        result = pipeline.run(text, path, parse_text=parse_text)
    except PolicyCheckError as exc:  # a syntax error, here or in a file extended
        here = any(d.span.file == path for d in exc.diagnostics)
        # This text parses: show its `extends`.
        syntax = None if here else _parsed(text, path, parse_text)
        return Analysis(path, text, exc.diagnostics, syntax, None)
    except PolicyFileError as exc:  # a file extended cannot be read
        syntax = _parsed(text, path, parse_text)
        span = _extends_span(syntax, path)
        line = syntax.line(span.line) if syntax else ""
        return Analysis(path, text, (Diagnostic("error", "extends", str(exc), span, line),),
                        syntax, None)
    return Analysis(path, text, result.diagnostics, result.syntax, result.program)


def _parsed(text: str, path: str,
            parse_text: Callable[[str, str], n.PolicyFile]) -> n.PolicyFile | None:
    try:
        return parse_text(text, path)
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
            yield from (Ref("training", i.name, i.span, owner=d) for i in d.counts_as)
        case n.RequirementDecl():
            yield Ref("requirement", d.name.name, d.name.span, not d.amend, d)
            if d.applies is not None:
                yield from _cond_refs(d.applies, d)
            yield from (Ref("training", i.name, i.span, owner=d) for i in d.satisfied_by or ())
            if d.deadline is not None and d.deadline.role is not None:
                yield Ref("role", d.deadline.role.name, d.deadline.role.span, owner=d)
            if d.deadline is not None and d.deadline.completing is not None:
                done = d.deadline.completing
                yield Ref("training", done.name, done.span, owner=d)
            if d.before_first is not None:
                yield Ref("training", d.before_first.name, d.before_first.span, owner=d)
            if d.delivered is not None:
                yield Ref("delivery", d.delivered.name, d.delivered.span, owner=d)
        case n.NoteDecl():
            yield Ref("note", d.name.name, d.name.span, True, d)
        case n.ExampleDecl():
            yield from _example_refs(d)
        case _:
            assert_never(d)
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
        case n.Completed():
            yield Ref("training", cond.training.name, cond.training.span, owner=owner)
        case n.Not():
            yield from _cond_refs(cond.operand, owner)
        case n.AllOf() | n.AnyOf():
            for operand in cond.operands:
                yield from _cond_refs(operand, owner)
        case n.Everyone() | n.Volunteer():
            pass
        case _:
            assert_never(cond)


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
            case _:
                assert_never(e)


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
        out.setdefault((kind_of(d), d.name.name), d)  # the first, as `check` keeps it
    return out


def kind_of(d: Declared) -> Kind:
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


def texts_of(analysis: Analysis) -> dict[str, str]:
    """The text of each file the analysis read, by path."""
    if analysis.program is not None:
        return analysis.program.files
    return {analysis.path: analysis.text}


def local_id(analysis: Analysis, cite: str) -> n.LocalId | None:
    """The `local` declaration of a local id (`local:refresher-3yr`), if there is one."""
    if analysis.program is not None:
        return analysis.program.local_ids.get(cite)
    if analysis.syntax is not None:
        return next((x for x in analysis.syntax.header.locals if x.cite.id == cite), None)
    return None
