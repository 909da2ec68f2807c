"""The rows the columns do not decide, decided one by one: rows with an error, worded by
the row path, and rows with a date so late that Python's calendar could end before a
deadline; then every row's result together, in input order."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...contract.decision import Decision
from ...contract.validation import parse_worker
from ...contract.workers import Worker
from ...errors import WorkerError
from ...language.nodes import Duration
from ...records import hours_cell, roles_cell, volunteer_cell
from . import arrays
from .arrays import Rows
from .decide import Decided, FrameResult
from .plan import Plan

# The row path: a validated worker's decision on the day (Policy.evaluate_checked).
Decide = Callable[[Worker], Decision]


def last_safe_day(plan: Plan) -> datetime.date:
    """The last day from which every deadline of the plan stays within Python's calendar."""
    longest = 0
    for r in plan.rules:
        spans = [r.within, r.renew, r.grace, r.hours.window if r.hours else None]
        longest = max(longest, sum(_days_at_most(d) for d in spans if d is not None))
    return datetime.date.max - datetime.timedelta(days=longest + 1)


def _days_at_most(d: Duration) -> int:
    return d.amount * {"days": 1, "weeks": 7, "months": 31, "years": 366}[d.unit]


def row_path(aside: pl.DataFrame, records: pl.DataFrame, roles: Collection[str],
             decide: Decide) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decisions, findings) of the rows set aside, each decided as `evaluate` decides it.

    Bad rows: the columns said which rows are bad; the message, the field and "did you
    mean" are `parse_worker`'s, so one piece of code words every §1 error. Rows with dates
    near the calendar's end: decided, or rejected, by the row path itself.
    """
    rows = aside.drop("_id").to_dicts()  # the values as given
    by_worker: dict[Any, list[dict[str, Any]]] = {}
    if rows:
        ids = [r["id"] for r in rows if isinstance(r["id"], str)]
        for rec in (records.filter(pl.col("worker").is_in(ids)).sort("_rec")
                    .drop("_rec").to_dicts()):
            by_worker.setdefault(rec.pop("worker"), []).append(rec)
    text = {name for name in ("roles", "volunteer") if aside.schema.get(name) == pl.String}
    text_hours = records.schema.get("hours") == pl.String
    decisions: list[tuple[int, str | None, bool | None, list[str] | None, str | None]] = []
    findings: list[tuple[int, str, str, str, datetime.date | None, list[str]]] = []
    for row in rows:
        index, bad = row.pop("_row"), row.pop("_bad")
        records_of = by_worker.get(row["id"], []) if isinstance(row["id"], str) else []
        try:
            # Text cells read as CSV cells do (§1.4), in the CSV reader's order.
            if "roles" in text and row["roles"] is not None:
                row["roles"] = roles_cell(row["roles"])
            if "volunteer" in text and row["volunteer"] is not None:
                row["volunteer"] = volunteer_cell(row["volunteer"], row["id"])
            for rec in records_of:
                if text_hours and rec.get("hours") is not None:
                    rec["hours"] = hours_cell(rec["hours"])
            row["training"] = records_of
            worker = parse_worker(row, roles)
            if bad:  # pragma: no cover - the column checks and the row path disagree
                raise AssertionError(f"columnar checks rejected a row the row path accepts: "
                                     f"{row}")
            decision = decide(worker)
        except WorkerError as exc:
            decisions.append((index, exc.worker, None, None, str(exc)))
            continue
        decisions.append((index, decision.worker, decision.compliant, list(decision.groups),
                          None))
        findings += [(index, decision.worker, f.requirement, f.status, f.due, list(f.cites))
                     for f in decision.findings]
    return (pl.DataFrame(decisions, schema={
                "_row": pl.UInt32, "worker": pl.String, "compliant": pl.Boolean,
                "groups": pl.List(pl.String), "error": pl.String}, orient="row"),
            pl.DataFrame(findings, schema={
                "_row": pl.UInt32, "worker": pl.String, "requirement": pl.String,
                "status": pl.String, "due": pl.Date, "cites": pl.List(pl.String)},
                orient="row"))


def together(decided: Decided, aside: tuple[pl.DataFrame, pl.DataFrame] | None,
             found: pa.Table | None = None) -> FrameResult:
    """The columns' tables and the row path's (`row_path`; None: no row was set aside),
    rows in input order."""
    decisions, findings = decided.decisions, decided.findings
    # Every row is decided or has an error: together, in input order.
    if aside is not None and aside[0].height:
        decisions = _merge(decided.rows, decisions, aside[0])
        findings = _merge(decided.finding_rows, findings, aside[1])
        if found is not None:  # the row path's findings carry their facts themselves
            nulls = aside[1].select("_row", *[pl.lit(None).alias(n) for n in found.schema.names])
            found = _merge(decided.finding_rows, found, nulls)
    return FrameResult(decisions=decisions, findings=findings, facts=found)


def _merge(rows: Rows, table: pa.Table, other: pl.DataFrame) -> pa.Table:
    # A stable sort on the row keeps each worker's findings in declared order.
    order = np.argsort(np.concatenate([rows, other["_row"].to_numpy()]), kind="stable")
    return pa.concat_tables([table, other.drop("_row").to_arrow().cast(table.schema)]) \
        .take(arrays.indices(order))
