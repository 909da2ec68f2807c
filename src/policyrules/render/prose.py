"""Decisions in plain English: `explain` and `eligible` (text for people, as `rich` Text).

Text that comes from the worker file (the id, the agency, training ids) goes through
`safe.terminal` before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from ..contract.decision import Decision, Eligibility
from ..contract.explanation import explain as explanation
from ..contract.workers import Worker
from ..policy import Policy
from ..source_text import first_sentence
from .safe import terminal
from .style import STATUS_STYLE


def explain(policy: Policy, worker: Worker, d: Decision,
            quotes: Mapping[str, str] | None = None) -> Text:
    """The decision requirement by requirement: paragraphs, dates, and what would satisfy it
    (`Decision.explain()`, in colour); with `quotes` (source_text.read_paragraphs), each
    cited paragraph's first sentence under its finding."""
    e = explanation(d, policy.model, worker)
    text = Text()
    text.append(terminal(str(e.worker)), style="bold")
    text.append(f" under {e.policy} ({e.policy_title}), as of {e.as_of}\n")
    verdict, rest = e.summary.split(": ", 1)
    text.append(f"{verdict}: ", style="bold green" if e.compliant else "bold red")
    text.append(rest + "\n")
    text.append(f"Worker: {terminal(str(e.facts))}\n")
    text.append("Groups: " + ("; ".join(f"{g} ({', '.join(c)})" if c else g
                                        for g, c in e.groups) if e.groups else "none") + "\n")
    for i, f in enumerate(e.findings, 1):
        text.append("\n")
        text.append(f"{i}. {f.title} ", style="bold")
        text.append(f"({f.requirement}): ")
        text.append(f.status.upper(), style=STATUS_STYLE[f.status])
        text.append("\n")
        text.append(f"   Paragraphs: {', '.join(f.cites)}   (policy line {f.policy_line})\n")
        for cite in f.cites:
            if quotes and cite in quotes:
                text.append(f"     {cite}: ", style="bold")
                text.append(f"{terminal(first_sentence(quotes[cite]))}\n", style="italic")
        text.append(f"   {terminal(f.explanation)}\n")
        text.append(f"   Dates: {terminal(f.dates)}\n")
        text.append(f"   To satisfy it: {f.to_satisfy}\n")
    if e.unrecognised_training:
        text.append("\nNot in this policy's training catalogue (changes no finding): "
                    + ", ".join(map(terminal, e.unrecognised_training)) + "\n")
    return text


def eligibility(policy: Policy, worker: Worker, result: Eligibility) -> Text:
    training = policy.training(result.training)
    text = Text()
    text.append("yes" if result.ok else "no", style="bold green" if result.ok else "bold red")
    text.append(f": {terminal(worker.id)} {'may' if result.ok else 'may not'} attend "
                f"{training.id} "
                f"({training.title}) on {result.on.isoformat()}\n")
    for reason in result.reasons:
        text.append(f"  - {terminal(reason)}\n")
    text.append(f"  paragraphs: {', '.join(result.cites) or 'none'}\n")
    return text
