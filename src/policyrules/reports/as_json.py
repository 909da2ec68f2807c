"""The report as JSON: exactly the keys of CONTRACT §8, and more beside them."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from ..errors import _jsonable
from .model import Item, Report, Row


def report_dict(report: Report) -> dict[str, Any]:
    """CONTRACT §8's object: policy, as_of, workers, rejected, compliant, by, requirements,
    demand; and the lists behind them (overdue, falls_due, rejections)."""
    return {
        "policy": report.policy,
        "title": report.title,
        "as_of": report.as_of.isoformat(),
        "horizon": report.horizon,
        "workers": report.workers,
        "rejected": len(report.rejected),
        "compliant": report.compliant,
        "by": _by(report.by, report.rows),
        "requirements": [
            {"requirement": r.requirement, "title": r.title, "met": r.met, "due": r.due,
             "overdue": r.overdue, "never_done": r.never_done,
             "ageing": dict(r.ageing), "falls_due": r.falls_due,
             "falls_due_within": dict(r.falls_due_bands), "course": r.course,
             "cites": list(r.cites)}
            for r in report.requirements
        ],
        "demand": [
            {"training": d.training, "month": d.month, "workers": d.workers,
             "renewals": d.renewals, "new": d.new, "overdue": d.overdue}
            for d in report.demand
        ],
        "months": list(report.months),
        "overdue": [_item(report.by, i, "days_overdue") for i in report.overdue],
        "falls_due": [_item(report.by, i, "days_until") for i in report.falls_due],
        "rejections": [
            {"record": r.record, "worker": r.worker, "field": r.field, "message": r.message,
             "value": _value(r.value)}
            for r in report.rejected
        ],
        "data_quality": dict(Counter(r.field for r in report.rejected).most_common()),
        "duplicates": [{"worker": wid, "records": n} for wid, n in report.duplicates],
    }


def dumps(report: Report) -> str:
    """Strict JSON (never NaN), UTF-8 text kept as it is."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2, allow_nan=False)


def _by(columns: tuple[str, ...], rows: tuple[Row, ...]) -> dict[str, Any]:
    if not columns:
        return {}
    out = []
    for row in rows:
        entry: dict[str, Any] = {"key": row.key, "workers": row.workers,
                                 "compliant": row.compliant}
        if len(columns) > 1:
            entry["by"] = _by(columns[1:], row.children)
        out.append(entry)
    return {columns[0]: out}


def _item(columns: tuple[str, ...], item: Item, days: str) -> dict[str, Any]:
    return {"worker": item.worker, "keys": dict(zip(columns, item.keys, strict=True)),
            "requirement": item.requirement, "status": item.status,
            "due": item.due.isoformat() if item.due else None, days: item.days,
            "never_done": item.never_done}


def _value(value: object) -> object:
    shown = _jsonable(value)
    if isinstance(shown, float) and not math.isfinite(shown):
        return repr(shown)
    return shown
