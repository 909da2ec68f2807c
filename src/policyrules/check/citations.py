"""Citations: every cite names a paragraph of the source or a declared `local:` id."""

from __future__ import annotations

from ..diagnostics import did_you_mean
from ..language import nodes as n
from .context import Context


def check_citations(ctx: Context) -> None:
    p = ctx.program
    header = p.top.header
    if header.title is None:
        ctx.error("missing-clause", "the policy has no `title`", header.id.span,
                  'add `title "…"` after `policy ' + header.id.name + "`")
    if not p.paragraphs and header.extends is None:
        ctx.error("missing-clause", "the policy names no source document", header.id.span,
                  'add `source "DOCUMENT" paragraphs 4.1 to 4.42`')
    known = set(p.paragraphs) | set(p.local_ids)
    seen_paragraphs: set[str] = set()
    for rng in header.source.ranges if header.source else ():
        for cite in (rng.first, rng.last):
            if cite is not None and cite.id.startswith("local:"):
                ctx.error("bad-cite", "a source's paragraphs are numbers, not local ids",
                          cite.span)
    for pid in p.paragraphs:
        if pid in seen_paragraphs:
            ctx.error("duplicate-name", f"paragraph {pid} is listed twice in `source`",
                      header.source.span if header.source else header.span)
        seen_paragraphs.add(pid)

    decls: list[tuple[str, n.Ident, tuple[n.Cite, ...], bool]] = []
    decls += [("role", r.name, r.cites, False) for r in p.roles]
    decls += [("group", g.name, g.cites, True) for g in p.groups]
    decls += [("training", t.name, t.cites, False) for t in p.trainings]
    decls += [("requirement", r.name, r.cites, True) for r in p.requirements]
    decls += [(note.kind, note.name, note.cites, True) for note in p.notes]
    for kind, name, cites, required in decls:
        if required and not cites:
            ctx.error("missing-cites", f"{kind} `{name.name}` cites no paragraph", name.span,
                      "add `cites` with the paragraph it encodes, e.g. `cites 4.7`")
        for cite in cites:
            _check_cite(ctx, cite, known)
    for change in p.amendments:
        for cite in change.cites:
            _check_cite(ctx, cite, known)
        if not change.cites:
            ctx.error("missing-cites", f"the amendment of `{change.name.name}` cites nothing",
                      change.name.span, "cite the `local:` id that records the local decision")


def _check_cite(ctx: Context, cite: n.Cite, known: set[str]) -> None:
    if cite.id in known:
        return
    p = ctx.program
    if cite.id.startswith("local:"):
        hint = did_you_mean(cite.id, p.local_ids) or (
            f'declare it in the header: `local {cite.id} "what was decided, and by whom"`'
        )
        ctx.error("unknown-cite", f"local id `{cite.id}` is not declared", cite.span, hint)
        return
    span_text = f"{p.paragraphs[0]} to {p.paragraphs[-1]}" if p.paragraphs else "none"
    hint = did_you_mean(cite.id, p.paragraphs) or f"its paragraphs are {span_text}"
    ctx.error("unknown-cite", f"paragraph {cite.id} is not in the source ({p.source_name})",
              cite.span, hint)
