"""`Policy.evaluate_frame`: check the tables per column, decide the good rows, say what is
wrong with the bad ones, and give the two result tables of CONTRACT §6."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from typing import Any

import attrs
import polars as pl
import pyarrow as pa

from ...contract.decision import Decision
from ...contract.validation import parse_worker
from ...contract.workers import Worker
from ...errors import UsageError, WorkerError
from ...language.nodes import Duration
from ...records import TRAINING_COLUMNS, WORKER_COLUMNS, hours_cell, roles_cell, volunteer_cell
from ...semantics import model as m
from . import hours, inputs
from .hours import hours_of
from .plan import STATUS, Plan

# The row path: a validated worker's decision on the day (Policy.evaluate_checked).
Decide = Callable[[Worker], Decision]

DECISIONS = pa.schema([("worker", pa.string()), ("compliant", pa.bool_()),
                       ("groups", pa.list_(pa.string())), ("error", pa.string())])
FINDINGS = pa.schema([("worker", pa.string()), ("requirement", pa.string()),
                      ("status", pa.string()), ("due", pa.date32()),
                      ("cites", pa.list_(pa.string()))])


@attrs.frozen
class FrameResult:
    """Decisions (one row per input row, in input order) and findings (per worker in
    input order, requirements as declared), as pyarrow Tables."""

    decisions: pa.Table
    findings: pa.Table


def evaluate_frame(model: m.PolicyModel, roles: Collection[str], workers: object,
                   training: object, as_of: datetime.date, decide: Decide) -> FrameResult:
    """Decide every row of `workers` in columns; `decide` is the row path (the compiled
    evaluator), which words the errors and decides the few rows columns cannot."""
    frame = inputs.to_frame(workers, "workers")
    inputs.need_columns(frame, inputs.WORKER_REQUIRED, "workers")
    if "training" in frame.columns and frame.schema["training"] != pl.Null:
        raise UsageError(
            "the workers table has a `training` column; give training records as their "
            "own table (evaluate_frame(workers, training, ...)), one row per record with "
            "worker, training, completed")
    # Only the §1 columns: others never change a decision (§1), and cannot then clash
    # with the working columns below (all named with a leading `_`).
    frame = frame.select([c for c in WORKER_COLUMNS if c in frame.columns])
    # Rows are joined to their records by `_id`: the id where it is text (a row whose id
    # is not text is bad, and matches no record).
    frame = frame.with_row_index("_row").with_columns(
        _id=pl.col("id") if frame.schema["id"] == pl.String else pl.lit(None, pl.String))
    records = _training_frame(training)
    plan = Plan.of(model, as_of)
    # Each record with the row it belongs to (an integer key: joins and groups on it are
    # far quicker than on text), its date, whether it breaks §1.3, and the details the
    # plan's rules read.
    completed, record_bad = inputs.training_checks(records)
    owned = (records.lazy().select("_rec", "worker", "training", _completed=completed,
                                   _bad=record_bad, **_details(records, plan))
             .join(frame.lazy().select("_id", "_row"), left_on="worker", right_on="_id")
             .collect())

    started, scalar_bad = inputs.worker_checks(frame)
    items = inputs.role_items(frame, roles)
    frame = frame.with_columns(_started=started, _bad=scalar_bad
                               | pl.col("_row").is_in(items.filter("_bad")["_row"].implode())
                               | pl.col("_row").is_in(owned.filter("_bad")["_row"].implode()))
    # Python's calendar ends at 9999-12-31 and Polars' does not: a row with a date so late
    # that a deadline from it could pass that day goes to the row path, which says so
    # (DateRangeError) exactly when and as `evaluate` does. No workforce has such rows.
    last = _last_safe_day(plan)
    frame = frame.with_columns(_far=(pl.col("_started") > last).fill_null(False)
                               | pl.col("_row").is_in(items.filter(pl.col("since") > last)
                                                      ["_row"].implode())
                               | pl.col("_row").is_in(owned.filter(pl.col("_completed") > last)
                                                      ["_row"].implode()))
    good = frame.filter(~pl.col("_bad") & ~pl.col("_far"))
    aside = frame.filter(pl.col("_bad") | pl.col("_far")).drop("_started", "_far")

    decided = _decide(model, plan, _facts(good, items, owned, plan))
    return _tables(decided, _row_path(aside, records, roles, plan, decide))


def _last_safe_day(plan: Plan) -> datetime.date:
    """The last day from which every deadline of the plan stays within Python's calendar."""
    longest = 0
    for r in plan.rules:
        spans = [r.within, r.renew, r.grace, r.hours.window if r.hours else None]
        longest = max(longest, sum(_days_at_most(d) for d in spans if d is not None))
    return datetime.date.max - datetime.timedelta(days=longest + 1)


def _days_at_most(d: Duration) -> int:
    return d.amount * {"days": 1, "weeks": 7, "months": 31, "years": 366}[d.unit]


def _details(records: pl.DataFrame, plan: Plan) -> dict[str, pl.Expr]:
    """The record columns the plan's rules read, as §1.3 reads them (only good records
    are decided, so a column of another type holds nulls there)."""
    uses = {name for r in plan.rules for name, used in (
        ("delivery", r.delivery is not None), ("provider", r.provider is not None),
        ("hours", r.hours is not None)) if used}
    if "hours" in uses:  # the evidence order of hours.py reads every detail
        uses |= {"delivery", "provider", "level"}
    out: dict[str, pl.Expr] = {}
    if "delivery" in uses:
        given = inputs.text_value(records, "delivery")
        out["delivery"] = pl.when(given.is_null() | (given == "")).then(
            pl.lit("single-agency")).otherwise(given)
    for name in ("provider", "level"):
        if name in uses:
            out[name] = inputs.text_value(records, name)
    if "hours" in uses:
        out["hours"] = inputs.hours_number(records)
    return out


def _training_frame(training: object) -> pl.DataFrame:
    if training is None:
        return pl.DataFrame(schema={"_rec": pl.UInt32, "worker": pl.String,
                                    "training": pl.String, "completed": pl.Date})
    records = inputs.to_frame(training, "training")
    inputs.need_columns(records, inputs.TRAINING_REQUIRED, "training")
    if records.schema["worker"] not in (pl.String, pl.Null):
        raise UsageError(f"the training table's worker column must hold worker ids as text, "
                         f"not {records.schema['worker']}")
    records = records.select([c for c in TRAINING_COLUMNS if c in records.columns])
    return records.with_columns(pl.col("worker").cast(pl.String)).with_row_index("_rec")


def _facts(good: pl.DataFrame, items: pl.DataFrame, owned: pl.DataFrame,
           plan: Plan) -> pl.LazyFrame:
    """The good workers with what the plan's expressions read: held roles and role
    anchors, first completions, latest counting records, hours (the columns of plan.py)."""
    def text(name: str) -> pl.Expr:
        # Good rows hold text here, or nothing (a column of nulls of another type).
        return inputs.text_value(good, name).alias(name)

    columns = [pl.col("_row"), pl.col("_id").alias("id"), pl.col("_started").alias("started"),
               text("contact"),
               text("sector"), inputs.volunteer_value(good)[0].alias("volunteer")]
    facts = good.lazy().select(columns)
    today = pl.lit(plan.as_of, pl.Date)
    # Wide columns first, then one plain aggregation per column: much quicker than a
    # filtered aggregation per role or course.
    if plan.roles or plan.anchors:
        since = pl.coalesce(pl.col("since"), pl.col("started"))
        held = (items.lazy().join(facts.select("_row", "started"), on="_row")
                .select("_row",
                        *[((pl.col("role") == r) & (since <= today)).alias(f"_h{i}")
                          for i, r in enumerate(plan.roles)],
                        *[pl.when(pl.col("role") == r).then(since).alias(f"_a{i}")
                          for i, r in enumerate(plan.anchors)])
                .group_by("_row")
                .agg(*[pl.col(f"_h{i}").any() for i in range(len(plan.roles))],
                     *[pl.col(f"_a{i}").min() for i in range(len(plan.anchors))]))
        facts = facts.join(held, on="_row", how="left").with_columns(
            [pl.col(f"_h{i}").fill_null(False) for i in range(len(plan.roles))])
    # Records later than as_of are ignored (§1.3), and so are courses no rule reads.
    records = (owned.lazy().filter(pl.col("_completed") <= today)
               .with_columns(_slot=plan.slot()).filter(pl.col("_slot").is_not_null()))
    days = plan.record_columns()
    if days:
        firsts = [pl.col(f"_e{k}").min() for k in range(len(plan.events))]
        latest = (records.select("_row", *days).group_by("_row")
                  .agg(*firsts, pl.exclude("_row", *[f"_e{k}" for k in range(len(plan.events))])
                       .max()))
        facts = facts.join(latest, on="_row", how="left")
    for i, rule in enumerate(plan.rules):
        if rule.hours is None:
            continue
        counted = records.filter(plan.counts(rule)).with_columns(_h=hours_of(rule.hours))
        facts = facts.join(hours.reach(counted, rule.hours, i, plan.as_of), on="_row",
                           how="left").with_columns(pl.col(f"_ht{i}").fill_null(0))
        if rule.hours.window is not None:
            facts = facts.join(hours.lapsed(counted, rule.hours, i), on="_row", how="left")
        else:
            facts = facts.with_columns(pl.lit(None, pl.Date).alias(f"_hl{i}"))
    return facts


def _decide(model: m.PolicyModel, plan: Plan,
            facts: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decisions of the good rows, their findings), each keyed by `_row`."""
    rules = plan.rules
    columns = []
    for i, rule in enumerate(rules):
        status, due = plan.finding(i)
        applies = plan.holds(rule.condition)
        columns += [pl.when(applies).then(status).alias(f"_s{i}"),
                    pl.when(applies).then(due).alias(f"_d{i}")]
    # Groups as a bit mask: a workforce has few distinct sets of groups, and joining each
    # set's list once is far quicker than building a list on every row.
    mask = pl.sum_horizontal([plan.holds(g.condition).cast(pl.UInt64) * (1 << i)
                              for i, g in enumerate(model.groups)] or [pl.lit(0, pl.UInt64)])
    # Collected once, in row order: decisions and every requirement's findings read it.
    wide = facts.with_columns(*columns, _g=mask.cast(pl.UInt64)).sort("_row").collect()
    sets = wide["_g"].unique().to_list()
    group_lists = pl.DataFrame(
        {"_g": sets, "groups": [[g.id for i, g in enumerate(model.groups) if bits >> i & 1]
                                for bits in sets]},
        schema={"_g": pl.UInt64, "groups": pl.List(pl.String)})
    overdue = [pl.col(f"_s{i}") == "overdue" for i in range(len(rules))]
    decisions = wide.lazy().select(
        "_row", "_g",
        worker=pl.col("id"),
        compliant=~pl.any_horizontal(overdue).fill_null(False) if overdue else pl.lit(True),
        error=pl.lit(None, pl.String),
    ).join(group_lists.lazy(), on="_g", how="left", maintain_order="left").select(
        "_row", "worker", "compliant", "groups", "error")
    # Findings: each requirement's in row order, then a stable sort on the row alone puts
    # them in declared order within each worker.
    parts = [
        wide.lazy().filter(pl.col(f"_s{i}").is_not_null()).select(
            "_row", _req=pl.lit(i, pl.UInt32), worker=pl.col("id"),
            status=pl.col(f"_s{i}"), due=pl.col(f"_d{i}"))
        for i in range(len(rules))
    ]
    about = pl.DataFrame(
        {"_req": range(len(rules)), "requirement": [r.id for r in rules],
         "cites": [list(r.cites) for r in rules]},
        schema={"_req": pl.UInt32, "requirement": pl.String, "cites": pl.List(pl.String)})
    findings = (pl.concat(parts) if parts else pl.LazyFrame(schema={
        "_row": pl.UInt32, "_req": pl.UInt32, "worker": pl.String, "status": STATUS,
        "due": pl.Date}))
    findings = (findings.sort("_row", maintain_order=True)
                .join(about.lazy(), on="_req", how="left", maintain_order="left")
                .select("_row", "worker", "requirement", pl.col("status").cast(pl.String),
                        "due", "cites"))
    done = pl.collect_all([decisions, findings])
    return done[0], done[1]


def _row_path(aside: pl.DataFrame, records: pl.DataFrame, roles: Collection[str],
              plan: Plan, decide: Decide) -> tuple[pl.DataFrame, pl.DataFrame]:
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


def _tables(decided: tuple[pl.DataFrame, pl.DataFrame],
            aside: tuple[pl.DataFrame, pl.DataFrame]) -> FrameResult:
    decisions, findings = decided
    if aside[0].height:  # every row is decided or has an error: together, in input order
        decisions = pl.concat([decisions, aside[0]]).sort("_row")
        # A stable sort on the row keeps each worker's findings in declared order.
        findings = pl.concat([findings, aside[1]]).sort("_row", maintain_order=True)
    return FrameResult(
        decisions=decisions.drop("_row").to_arrow().cast(DECISIONS),
        findings=findings.drop("_row").to_arrow().cast(FINDINGS),
    )
