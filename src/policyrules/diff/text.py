"""A comparison in plain English, for `policyrules diff --format text`."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from ..contract.workers import Worker
from ..semantics.wording import condition_text
from .compare import Comparison, Difference


def _status(status: str | None, due: datetime.date | None) -> str:
    if status is None:
        return "does not apply"
    if due is None:
        return status + (" (no date)" if status != "overdue" else " (no deadline)")
    return f"{status} (due {due.isoformat()})"


def _change(d: Difference) -> str:
    return f"{_status(d.old, d.old_due)} → {_status(d.new, d.new_due)}"


def _history(w: Worker) -> str:
    parts = [f"contact {w.contact}", f"started {w.started.isoformat()}"]
    for r in w.roles:
        parts.append(f"role {r.role}" + (f" since {r.since.isoformat()}" if r.since else ""))
    if w.sector is not None:
        parts.append(f"sector {w.sector}")
    if w.volunteer:
        parts.append("volunteer")
    parts += [f"completed {t.training} on {t.completed.isoformat()}" for t in w.training]
    if not w.training:
        parts.append("no training on record")
    return "; ".join(parts)


def _applies(c: Comparison, requirement: str) -> str:
    """Whom the requirement applies to, as each policy says it (once when they agree)."""
    said = []
    for policy in (c.old, c.new):
        for r in policy.model.requirements:
            if r.id == requirement and condition_text(r.condition) not in said:
                said.append(condition_text(r.condition))
    return " (old) / ".join(said) + (" (new)" if len(said) > 1 else "")


def render(c: Comparison, where: Callable[[int], str] = lambda i: f"record {i + 1}") -> str:
    """The comparison as text; `where(index)` names an input record that was rejected."""
    head = f"{c.old.id} → {c.new.id}, as of {c.as_of.isoformat()}"
    lines = [head]
    if c.profiles:
        scope = f"over {c.profiles} profiles ({c.workers} dated workers)"
    else:
        scope = f"over {c.workers} worker{'s' * (c.workers != 1)}"
    if c.equivalent:
        lines.append(f"Equivalent {scope}: no finding differs.")
    else:
        n = len(c.differences)
        lines.append(f"Not equivalent {scope}: {n} difference{'s' * (n != 1)}.")
    if c.profiles:
        for i, d in enumerate(c.differences, 1):
            lines += [
                "",
                f"{i}. {d.requirement}: {d.old or 'no finding'} → {d.new or 'no finding'}",
                f"   For whom: {len(d.profiles)} of {c.profiles} profiles, such as "
                f"{d.profiles[0].describe() if d.profiles else 'none'} "
                f"(it applies to {_applies(c, d.requirement)})",
                f"   From when: {d.since.isoformat() if d.since else c.as_of.isoformat()} for "
                f"the example worker ({_history(d.example)})",
                f"   On {c.as_of.isoformat()}: {_change(d)}",
            ]
    else:
        if c.differences:
            lines.append("")
        for d in c.differences:
            lines.append(f"{d.worker}: {d.requirement}: {_change(d)}")
        if c.compliance:
            lines.append("")
            for ch in c.compliance:
                lines.append(f"{ch.worker}: {'compliant' if ch.old else 'not compliant'} → "
                             f"{'compliant' if ch.new else 'not compliant'}")
    if c.errors:
        lines.append("")
        lines += [f"{where(i)}: {e}" for i, e in c.errors]
    return "\n".join(lines) + "\n"
