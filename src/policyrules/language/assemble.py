"""Fold a policy file and the files it extends into one Program."""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs

from ..diagnostics import Diagnostic, Span
from . import nodes as n
from .program import Program

ParseFile = Callable[[str, Span | None], n.PolicyFile]


def assemble(top: n.PolicyFile, parse_file: ParseFile, resolve: Callable[[str, str], str]) -> tuple[
    Program, list[Diagnostic]
]:
    """Resolve `extends` (a chain, cycles refused) and merge the declarations in order."""
    chain = [top]
    diagnostics: list[Diagnostic] = []
    seen = {top.path}
    current = top
    while current.header.extends is not None:
        rel, span = current.header.extends
        path = resolve(current.path, rel)
        if path in seen:
            diagnostics.append(_diag(current, "extends-cycle",
                                     f"`extends` makes a cycle: {rel!r} extends this file again",
                                     span, "a local policy extends a shipped one, never itself"))
            break
        seen.add(path)
        current = parse_file(path, span)
        chain.append(current)
    chain.reverse()  # base first

    base = chain[0]
    files = {f.path: f.text for f in chain}
    paragraphs: list[str] = []
    source_name = ""
    if base.header.source is not None:
        source_name = base.header.source.name
        paragraphs = _expand(base.header.source, base, diagnostics)
    program = Program(top, files, tuple(paragraphs), source_name, {}, [], [], [], [], [], [], [])
    if base.header.source is not None and base.header.source.text is not None:
        # Relative to the file that names it, like `extends`; whether it may be read is
        # decided when a tool reads it (source_text.read_paragraphs), not here.
        written = base.header.source.text[0]
        program.source_text = os.path.normpath(os.path.join(os.path.dirname(base.path),
                                                            written))
    positions: dict[str, list[int]] = {}
    for f in chain:
        if f is not base and f.header.source is not None:
            diagnostics.append(_diag(f, "source-in-extension",
                                     "a policy that extends another takes its source from it",
                                     f.header.source.span, "remove this `source` clause"))
        for local in f.header.locals:
            if local.cite.id in program.local_ids:
                diagnostics.append(_diag(f, "duplicate-name",
                                         f"local id `{local.cite.id}` is declared twice",
                                         local.cite.span, None))
            program.local_ids[local.cite.id] = local
        for decl in f.declarations:
            _add(program, decl, f is top, positions)
    return program, diagnostics


def _add(program: Program, decl: n.Declaration, is_top: bool,
         positions: dict[str, list[int]]) -> None:
    """Add one declaration; `positions` indexes program.requirements by name, so that an
    amendment finds what it amends without a search through every requirement."""
    if isinstance(decl, n.RoleDecl):
        program.roles.append(decl)
    elif isinstance(decl, n.GroupDecl):
        program.groups.append(decl)
    elif isinstance(decl, n.TrainingDecl):
        program.trainings.append(decl)
    elif isinstance(decl, n.RequirementDecl) and decl.amend:
        program.amendments.append(decl)
        for i in positions.get(decl.name.name, ()):
            program.requirements[i] = amend(program.requirements[i], decl)
    elif isinstance(decl, n.RequirementDecl):
        positions.setdefault(decl.name.name, []).append(len(program.requirements))
        program.requirements.append(decl)
    elif isinstance(decl, n.NoteDecl):
        program.notes.append(decl)
    elif isinstance(decl, n.ExampleDecl) and is_top:
        # A base policy's examples pin the base; a local policy brings its own.
        program.examples.append(decl)


def amend(req: n.RequirementDecl, change: n.RequirementDecl) -> n.RequirementDecl:
    """`amend requirement`: given clauses replace the base's; cites are added."""
    return attrs.evolve(
        req,
        applies=change.applies or req.applies,
        satisfied_by=change.satisfied_by or req.satisfied_by,
        deadline=change.deadline or req.deadline,
        renew=change.renew or req.renew,
        grace=change.grace or req.grace,
        explain=change.explain or req.explain,
        cites=req.cites + change.cites,
        before_first=change.before_first or req.before_first,
        hours=change.hours or req.hours,
        delivered=change.delivered or req.delivered,
        provider=change.provider or req.provider,
        in_force_from=change.in_force_from or req.in_force_from,
        in_force_until=change.in_force_until or req.in_force_until,
        regularly=change.regularly or req.regularly,
    )


# The most paragraphs a source may list (Durham's section 4 has 42): a range like
# `1.1 to 1.999999999` would otherwise fill memory.
MAX_PARAGRAPHS = 10_000


def _expand(source: n.Source, f: n.PolicyFile, diagnostics: list[Diagnostic]) -> list[str]:
    out: list[str] = []
    for rng in source.ranges:
        last = rng.last or rng.first
        *head_a, a = rng.first.id.split(".")
        *head_b, b = last.id.split(".")
        # Digits counted before they are converted: Python refuses a number of more than
        # 4,300 digits, and a range with a bound of more than 9 is past the limit anyway.
        if rng.last is None:
            count = 1
        elif not (a.isdigit() and b.isdigit()):
            count = 0
        elif len(a) > 9 or len(b) > 9:
            count = MAX_PARAGRAPHS + 1
        else:
            count = int(b) - int(a) + 1
        if head_a != head_b or count < 1:
            diagnostics.append(_diag(
                f, "bad-range", f"`{rng.first.id} to {last.id}` is not a range of paragraphs",
                last.span, "a range varies the last number only, upwards: `4.1 to 4.42`"))
            continue
        if len(out) + count > MAX_PARAGRAPHS:
            diagnostics.append(_diag(
                f, "too-many-paragraphs", f"the source lists more than {MAX_PARAGRAPHS:,} "
                "paragraphs", last.span, "list the paragraphs of the part of the document the "
                "policy encodes"))
            break
        if rng.last is None:
            out.append(rng.first.id)
        else:
            prefix = "".join(h + "." for h in head_a)  # plain numbers (`1 to 12`) have none
            out.extend(f"{prefix}{i}" for i in range(int(a), int(b) + 1))
    return out


def _diag(f: n.PolicyFile, code: str, message: str, span: Span, hint: str | None) -> Diagnostic:
    return Diagnostic("error", code, message, span, f.line(span.line), hint)
