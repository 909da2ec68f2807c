"""A decision explained, as data: what `policyrules explain` prints and `Decision.explain()`
returns (paragraphs, the policy line, dates, and what would satisfy each requirement).

The facts come from the decision itself: the model that made it (titles, group
paragraphs) and the worker it is about, both kept on the Decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..semantics.dates import iso
from ..semantics.model import FromCompletion
from .explain import finding as finding_text
from .explain import hours, listed, number
from .workers import Worker

if TYPE_CHECKING:
    from ..semantics.model import PolicyModel
    from .decision import Decision, Finding


@attrs.frozen
class FindingExplanation:
    requirement: str
    title: str
    status: str
    cites: tuple[str, ...]
    policy_line: str  # "file:line" of the requirement in the policy
    explanation: str  # the finding's sentence (as in `Decision.to_dict()`)
    dates: str  # the dates involved, from the worker's record
    to_satisfy: str  # what would meet it, or keep it met

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "title": self.title, "status": self.status,
                "cites": list(self.cites), "policy_line": self.policy_line,
                "explanation": self.explanation, "dates": self.dates,
                "to_satisfy": self.to_satisfy}


@attrs.frozen
class Explanation:
    worker: str
    policy: str
    policy_title: str
    as_of: str
    compliant: bool
    summary: str  # "Not compliant: 1 of 3 requirements overdue."
    facts: str | None  # the worker's record in a line (None when the decision has no worker)
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (group, its paragraphs)
    findings: tuple[FindingExplanation, ...]
    unrecognised_training: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"worker": self.worker, "policy": self.policy, "policy_title": self.policy_title,
                "as_of": self.as_of, "compliant": self.compliant, "summary": self.summary,
                "facts": self.facts,
                "groups": [{"id": g, "cites": list(c)} for g, c in self.groups],
                "findings": [f.to_dict() for f in self.findings],
                "unrecognised_training": list(self.unrecognised_training)}

    def __str__(self) -> str:
        """The text `policyrules explain` prints (without colour)."""
        lines = [f"{self.worker} under {self.policy} ({self.policy_title}), as of {self.as_of}",
                 self.summary]
        if self.facts is not None:
            lines.append(f"Worker: {self.facts}")
        lines.append("Groups: " + ("; ".join(_group(g, c) for g, c in self.groups)
                                   if self.groups else "none"))
        for i, f in enumerate(self.findings, 1):
            lines += ["", f"{i}. {f.title} ({f.requirement}): {f.status.upper()}",
                      f"   Paragraphs: {', '.join(f.cites)}   (policy line {f.policy_line})",
                      f"   {f.explanation}", f"   Dates: {f.dates}",
                      f"   To satisfy it: {f.to_satisfy}"]
        if self.unrecognised_training:
            lines += ["", "Not in this policy's training catalogue (changes no finding): "
                      + ", ".join(self.unrecognised_training)]
        return "\n".join(lines) + "\n"


def _group(group: str, cites: tuple[str, ...]) -> str:
    return f"{group} ({', '.join(cites)})" if cites else group


def explain(d: Decision, model: PolicyModel | None = None,
            worker: Worker | None = None) -> Explanation:
    """The decision explained; `model` and `worker` default to those the decision keeps."""
    model = model if model is not None else d.model
    worker = worker if worker is not None else d.subject
    group_cites = {g.id: g.cites for g in model.groups} if model is not None else {}
    overdue = sum(1 for f in d.findings if f.status == "overdue")
    n = len(d.findings)
    if not n:
        summary = "Compliant: no requirement of this policy applies to this worker."
    elif overdue:
        summary = f"Not compliant: {overdue} of {n} requirement{'s' if n > 1 else ''} overdue."
    else:
        summary = f"Compliant: {n} requirement{'s' if n > 1 else ''} apply, none overdue."
    return Explanation(
        d.worker, d.policy, model.title if model is not None else d.policy, iso(d.as_of),
        d.compliant, summary, _facts(worker) if worker is not None else None,
        tuple((g, group_cites.get(g, ())) for g in d.groups),
        tuple(FindingExplanation(
            f.requirement, f.title, f.status, f.cites, f"{f.rule.span.file}:{f.rule.span.line}",
            finding_text(f), dates(f), to_satisfy(f)) for f in d.findings),
        d.unrecognised_training)


def _facts(worker: Worker) -> str:
    facts = [f"started {worker.started.isoformat()}", f"contact {worker.contact}"]
    if worker.roles:
        facts.append("roles " + ", ".join(
            r.role + (f" since {r.since.isoformat()}" if r.since else "") for r in worker.roles))
    if worker.volunteer:
        facts.append("volunteer")
    if worker.agency:
        facts.append(f"agency {worker.agency}")
    return "; ".join(facts)


def dates(f: Finding) -> str:
    """The dates a finding rests on (its facts): start, role or course the deadline counts
    from, last record, deadline or renewal, and records dated after the day."""
    rule, facts = f.rule, f.facts
    parts = []
    since = "the start"
    if rule.anchor_role is not None:
        if facts.role_since is not None:
            parts.append(f"took the role {rule.anchor_role} on {iso(facts.role_since)}")
            since = "the role"
    elif isinstance(rule.deadline_from, FromCompletion):
        course = rule.course(rule.deadline_from.name)
        parts.append(f"completed {course} on {iso(facts.anchor)}")
        since = f"completing {course}"
    else:
        parts.append(f"started {iso(facts.anchor)}")
    grace = f" plus {rule.grace} grace" if rule.grace else ""
    last = facts.latest
    if rule.hours is not None:
        window = f" within {rule.hours.window}" if rule.hours.window else ""
        have, target = facts.hours or 0.0, rule.hours.target
        parts.append(f"{hours(have)}{window} ({number(target)} needed)" if f.status == "met"
                     else f"{number(have)} of {hours(target)}{window}")
    if last is not None:
        parts.append(f"last completed {rule.course(last.training)} on {iso(last.completed)}")
    if f.status == "met":
        if rule.renew is not None and f.due is not None:
            parts.append(f"renewal every {rule.renew}{grace}: renew by {iso(f.due)}")
        elif f.due is not None:
            parts.append(f"hours count until {iso(f.due)}")
        else:
            parts.append("no renewal period")
    elif rule.renew is not None and last is not None and f.due is not None:
        parts.append(f"renewal every {rule.renew}{grace}: renewal was due by {iso(f.due)}")
    elif f.due is not None:
        verb = "due by" if f.status == "due" else "was due by"
        first = facts.deadline_record
        if first is not None and first.completed == f.due:
            parts.append(f"deadline the day of the first {rule.course(first.training)}: {verb} "
                         f"{iso(f.due)}")
        elif f.due != facts.deadline:
            parts.append(f"the hours last added up on {iso(f.due)}")
        else:
            parts.append(f"deadline {rule.within} from {since}{grace}: {verb} {iso(f.due)}")
    elif f.status == "due":
        parts.append("not needed before the first "
                     + rule.course(rule.before_first.name if rule.before_first else ""))
    else:
        parts.append("the document sets no deadline: needed now")
    if facts.later:
        n = len(facts.later)
        parts.append(f"{n} record{'s' * (n != 1)} dated after {iso(f.as_of)} not counted")
    return "; ".join(parts)


def to_satisfy(f: Finding) -> str:
    """What would meet the requirement (or keep it met), naming each course by its title."""
    options = listed([f.rule.course(t) for t in f.satisfied_by], "or")
    target = f.rule.hours
    if target is not None and f.status != "met":
        missing = target.target - (f.facts.hours or 0.0)
        options = f"{number(missing)} more hour{'' if missing == 1 else 's'} of {options}"
    if f.status == "met":
        if f.due is None:
            return f"already met; any of {options} meets it"
        if target is not None:
            return f"met until {iso(f.due)}; more hours of {options} by then keep it met"
        return f"met; complete {options} again by {iso(f.due)} to stay met"
    if f.status == "due":
        return f"complete {options} by {iso(f.due) if f.due else 'the deadline'}"
    return f"complete {options} now"
