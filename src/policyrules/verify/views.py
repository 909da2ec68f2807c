"""Decisions, findings and records described in words, for counterexamples."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

import attrs

from ..contract.decision import Decision, Finding
from ..contract.workers import TrainingRecord, Worker

FindingView = tuple[str, str, datetime.date | None, tuple[tuple[Any, ...], ...], tuple[str, ...]]
DecisionView = tuple[bool, tuple[str, ...], tuple[FindingView, ...], tuple[str, ...]]


def _finding_view(f: Finding) -> FindingView:
    evidence = tuple((r.training, r.completed, r.delivery, r.provider, r.hours, r.level)
                     for r in f.evidence)
    return (f.requirement, f.status, f.due, evidence, tuple(f.cites))


def _view(d: Decision) -> DecisionView:
    """What CONTRACT §2 calls the decision (explanations are derived from it)."""
    return (d.compliant, tuple(d.groups), tuple(_finding_view(f) for f in d.findings),
            tuple(d.unrecognised_training))


def _show_finding(v: FindingView | None) -> str:
    if v is None:
        return "does not apply"
    _, status, due, evidence, _ = v
    text = status
    text += f" (due {due.isoformat()})" if due else " (no due date)"
    if evidence:
        text += ", evidence " + ", ".join(f"{e[0]} on {e[1].isoformat()}" for e in evidence)
    return text


def _difference(a: DecisionView, b: DecisionView) -> str:
    """The first way two decisions differ, in words."""
    if a[1] != b[1]:
        return f"groups {list(a[1])} became {list(b[1])}"
    first = {v[0]: v for v in a[2]}
    second = {v[0]: v for v in b[2]}
    for rid in dict.fromkeys([*first, *second]):
        if first.get(rid) != second.get(rid):
            return (f"`{rid}` was {_show_finding(first.get(rid))} and became "
                    f"{_show_finding(second.get(rid))}")
    if [v[0] for v in a[2]] != [v[0] for v in b[2]]:
        return "the findings came in a different order"
    if a[3] != b[3]:
        return f"unrecognised training {list(a[3])} became {list(b[3])}"
    return f"compliant was {a[0]} and became {b[0]}"


def _show_record(r: TrainingRecord) -> str:
    return json.dumps(r.to_dict())


def _plus(worker: Worker, records: Iterable[TrainingRecord]) -> Worker:
    return attrs.evolve(worker, training=worker.training + tuple(records))
