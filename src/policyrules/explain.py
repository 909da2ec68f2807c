"""Plain-English text for findings: the rule, its paragraphs, and the worker's dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dates import add

if TYPE_CHECKING:
    from .decision import Finding


def _cites(cites: tuple[str, ...]) -> str:
    return ", ".join(cites)


def _options(ids: tuple[str, ...]) -> str:
    return " or ".join(ids)


def finding(f: Finding) -> str:
    rule, w = f.rule, f.worker
    head = f"{rule.explain.rstrip('.')} ({_cites(rule.cites)})"
    # Evidence is the latest record; only an expired renewal has records but no evidence.
    done_records = f.evidence or (
        [r for r in w.training if r.training in rule.satisfied_by and r.completed <= f.as_of]
        if rule.renew is not None and f.status == "overdue" else ())
    if done_records:
        last = max(done_records, key=lambda r: r.completed)
        done = f"{w.id} completed {last.training} on {last.completed.isoformat()}"
        if f.due is None:
            return f"{head}; {done}."
        if f.status == "met":
            return f"{head}; {done} and must renew it by {f.due.isoformat()}."
        return f"{head}; {done}, and its renewal was due by {f.due.isoformat()}."
    title = rule.title[0].lower() + rule.title[1:] if rule.title else rule.id
    if rule.within is None:
        return (f"{head}; {w.id} has no {title} on record, and the document sets no deadline, "
                f"so it is needed now: {_options(rule.satisfied_by)} would meet it.")
    if rule.anchor_role is not None:
        from .interpret import anchor

        start = f"took the role {rule.anchor_role} on {anchor(rule, w).isoformat()}"
    else:
        start = f"started on {w.started.isoformat()}"
    deadline = add(w.started, rule.within) if f.due is None else f.due
    when = "is due by" if f.status == "due" else "was due by"
    return (f"{head}; {w.id} {start} and has no {title} on record; it {when} "
            f"{deadline.isoformat()} ({_options(rule.satisfied_by)} would meet it).")
