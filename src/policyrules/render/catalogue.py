"""A policy described for people: its groups, training and requirements, and its coverage
of the source document. (`Policy.describe()` gives the same facts as data.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text

from ..policy import Policy
from ..semantics import wording
from ..semantics.coverage import ParagraphCoverage
from ..source_text import first_sentence
from .safe import terminal

# The most of an uncovered paragraph `coverage` shows: enough to encode it from, and a
# paragraph-less file (one giant "paragraph") cannot flood the terminal.
QUOTE_CHARS = 1000


def describe(policy: Policy, quotes: Mapping[str, str] | None = None) -> Text:
    """The policy for people; with `quotes` (source_text.read_paragraphs), the first
    sentence of each paragraph a requirement cites."""
    md = policy.model
    text = Text()
    text.append(f"{md.id}", style="bold")
    text.append(f": {md.title}\n")
    text.append(f"source: {md.source_name}, {len(md.paragraphs)} paragraphs "
                f"({md.paragraphs[0]} to {md.paragraphs[-1]})\n" if md.paragraphs else
                f"source: {md.source_name}\n")
    for local, what in md.local_ids:
        text.append(f"local decision {local}: {what}\n")
    text.append(f"fingerprint: {md.fingerprint}\n")

    text.append(f"\nGroups ({len(md.groups)})\n", style="bold")
    for g in md.groups:
        text.append(f"  {g.id}", style="cyan")
        text.append(f"  {g.title}\n    members: {wording.condition_text(g.condition)}; "
                    f"cites {', '.join(g.cites)}\n")

    text.append(f"\nTraining ({len(md.trainings)})\n", style="bold")
    for t in md.trainings:
        text.append(f"  {t.id}", style="cyan")
        text.append(f"  {t.title}\n    {t.delivery}")
        for alt in t.requires:
            text.append(f"; requires {' or '.join(alt)}")
        if t.hours is not None:
            text.append(f"; {t.hours:g} hours")
        if t.counts_as:
            text.append(f"; counts as {', '.join(t.counts_as)}")
        if t.topics:
            text.append(f"; topics: {', '.join(t.topics)}")
        text.append(f"; cites {', '.join(t.cites)}\n")

    text.append(f"\nRequirements ({len(md.requirements)})\n", style="bold")
    for r in md.requirements:
        text.append(f"  {r.id}", style="cyan")
        text.append(f"  {r.title}\n")
        text.append(f"    applies to: {wording.condition_text(r.condition)}\n")
        text.append(f"    satisfied by: {' or '.join(r.satisfied_by)}\n")
        when = "; ".join([wording.deadline_text(r), *wording.rule_terms(r)])
        text.append(f"    {when}; cites {', '.join(r.cites)}\n")
        for cite in r.cites:
            if quotes and cite in quotes:
                text.append(f"      {cite}: ", style="bold")
                text.append(f"{terminal(first_sentence(quotes[cite]))}\n", style="italic")
    return text


def coverage(policy: Policy, entries: Sequence[ParagraphCoverage],
             quotes: Mapping[str, str] | None = None) -> Text:
    """Every paragraph with what encodes it, then the total ("42 of 42"); with `quotes`
    (source_text.read_paragraphs), the text of each paragraph nothing encodes."""
    md = policy.model
    width = max([len(e.paragraph) for e in entries if not e.paragraph.startswith("local:")]
                + [4])
    text = Text()
    text.append(f"{md.id}: {md.source_name}\n", style="bold")
    for e in entries:
        text.append(f"{e.paragraph:<{width}}  ", style="bold" if e.covered else "bold yellow")
        if not e.encodings:
            text.append("not accounted for: nothing in the policy cites it\n", style="yellow")
            if quotes and e.paragraph in quotes:
                text.append(" " * (width + 2))
                text.append(f"{terminal(_clip(quotes[e.paragraph]))}\n", style="italic")
            continue
        for i, enc in enumerate(e.encodings):
            if i:
                text.append(" " * (width + 2))
            text.append(f"{enc.kind:<11} ", style="dim")
            text.append(f"{enc.id}", style="cyan")
            text.append(f"  {enc.title}\n")
    source = [e for e in entries if not e.paragraph.startswith("local:")]
    local = [e for e in entries if e.paragraph.startswith("local:")]
    covered = sum(1 for e in source if e.covered)
    style = "bold green" if covered == len(source) else "bold yellow"
    if local:
        done = sum(1 for e in local if e.covered)
        text.append(f"{done} of {len(local)} local decisions cited\n")
    text.append(f"{covered} of {len(source)} paragraphs covered", style=style)
    text.append("\n")
    return text


def coverage_json(policy: Policy, entries: Sequence[ParagraphCoverage],
                  quotes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`coverage --format json`; a paragraph nothing encodes also has its `text` when the
    source text quotes it."""
    source = [e for e in entries if not e.paragraph.startswith("local:")]
    quoted = quotes or {}
    return {
        "policy": policy.id,
        "paragraphs": [
            {"paragraph": e.paragraph, "covered": e.covered,
             "encodings": [{"kind": x.kind, "id": x.id, "title": x.title}
                           for x in e.encodings]}
            | ({"text": _clip(quoted[e.paragraph])}
               if not e.covered and e.paragraph in quoted else {})
            for e in entries],
        "covered": sum(1 for e in source if e.covered),
        "total": len(source),
    }


def _clip(paragraph: str) -> str:
    return paragraph if len(paragraph) <= QUOTE_CHARS else (
        paragraph[:QUOTE_CHARS - 1].rstrip() + "…")
