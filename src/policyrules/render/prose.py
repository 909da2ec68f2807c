"""Decisions in plain English: `explain` and `eligible` (text for people, as `rich` Text).

Text that comes from the worker file (the id, the agency, training ids) goes through
`safe.terminal` before it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text

from ..contract.decision import Decision, Eligibility, Finding
from ..contract.workers import Worker
from ..policy import Policy
from .safe import terminal
from .style import STATUS_STYLE


def _titles(policy: Policy, ids: Iterable[str]) -> str:
    known = {t.id: t.title for t in policy.model.trainings}
    return " or ".join(f"{t} ({known[t]})" if t in known else t for t in ids)


def _where(span: Any) -> str:
    return f"{span.file}:{span.line}"


def explain(policy: Policy, worker: Worker, d: Decision) -> Text:
    """The decision requirement by requirement: paragraphs, dates, and what would satisfy it."""
    text = Text()
    text.append(terminal(d.worker), style="bold")
    text.append(f" under {policy.id} ({policy.title}), as of {d.as_of.isoformat()}\n")
    overdue = [f for f in d.findings if f.status == "overdue"]
    if not d.findings:
        text.append("Compliant: ", style="bold green")
        text.append("no requirement of this policy applies to this worker.\n")
    elif overdue:
        text.append("Not compliant: ", style="bold red")
        text.append(f"{len(overdue)} of {len(d.findings)} requirement"
                    f"{'s' if len(d.findings) > 1 else ''} overdue.\n")
    else:
        text.append("Compliant: ", style="bold green")
        text.append(f"{len(d.findings)} requirement{'s' if len(d.findings) > 1 else ''} "
                    "apply, none overdue.\n")
    facts = [f"started {worker.started.isoformat()}", f"contact {worker.contact}"]
    if worker.roles:
        facts.append("roles " + ", ".join(
            r.role + (f" since {r.since.isoformat()}" if r.since else "") for r in worker.roles))
    if worker.volunteer:
        facts.append("volunteer")
    if worker.agency:
        facts.append(f"agency {terminal(worker.agency)}")
    text.append("Worker: " + "; ".join(facts) + "\n")
    groups = {g.id: g for g in policy.model.groups}
    if d.groups:
        text.append("Groups: " + "; ".join(
            f"{g} ({', '.join(groups[g].cites)})" if g in groups else g for g in d.groups) + "\n")
    else:
        text.append("Groups: none\n")
    for i, f in enumerate(d.findings, 1):
        text.append("\n")
        text.append(f"{i}. {f.title} ", style="bold")
        text.append(f"({f.requirement}): ")
        text.append(f.status.upper(), style=STATUS_STYLE[f.status])
        text.append("\n")
        text.append(f"   Paragraphs: {', '.join(f.cites)}   (policy line {_where(f.rule.span)})\n",
                    style="")
        text.append(f"   {terminal(f.explanation)}\n")
        text.append(f"   Dates: {_dates(worker, f)}\n")
        text.append(f"   To satisfy it: {_remedy(policy, f)}\n")
    if d.unrecognised_training:
        text.append("\nNot in this policy's training catalogue (changes no finding): "
                    + ", ".join(map(terminal, d.unrecognised_training)) + "\n")
    return text


def _dates(worker: Worker, f: Finding) -> str:
    rule, facts = f.rule, f.facts
    parts = []
    if rule.anchor_role is not None:
        if facts.role_since is not None:
            parts.append(f"took the role {rule.anchor_role} on {facts.role_since.isoformat()}")
    else:
        parts.append(f"started {facts.anchor.isoformat()}")
    grace = f" plus {rule.grace} grace" if rule.grace else ""
    last = facts.latest
    if last is not None:
        parts.append(f"last completed {last.training} on {last.completed.isoformat()}")
        if rule.renew is not None and f.due is not None:
            verb = "renew by" if f.status == "met" else "renewal was due by"
            parts.append(f"renewal every {rule.renew}{grace}: {verb} {f.due.isoformat()}")
        else:
            parts.append("no renewal period")
    elif f.due is not None:
        start = "the role" if rule.anchor_role else "the start"
        verb = "due by" if f.status == "due" else "was due by"
        parts.append(f"deadline {rule.within} from {start}{grace}: {verb} {f.due.isoformat()}")
    else:
        parts.append("the document sets no deadline: needed now")
    ignored = facts.later
    if ignored:
        parts.append(f"{len(ignored)} record{'s' * (len(ignored) != 1)} dated after "
                     f"{f.as_of.isoformat()} not counted")
    return "; ".join(parts)


def _remedy(policy: Policy, f: Finding) -> str:
    options = _titles(policy, f.satisfied_by)
    if f.status == "met":
        if f.due is None:
            return f"already met; any of {options} meets it"
        return f"met; complete {options} again by {f.due.isoformat()} to stay met"
    if f.status == "due":
        return f"complete {options} by {f.due.isoformat() if f.due else 'the deadline'}"
    return f"complete {options} now"


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
