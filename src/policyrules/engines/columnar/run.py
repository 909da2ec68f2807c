"""`Policy.evaluate_frame`: check the tables per column, decide the good rows, say what is
wrong with the bad ones, and give the two result tables of CONTRACT §6."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

import attrs
import polars as pl
import pyarrow as pa

from ...contract.workers import parse_worker
from ...errors import UsageError, WorkerError
from ...records import _roles_cell, hours_cell, volunteer_cell
from ...semantics import model as m
from . import inputs
from .plan import Plan

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
                   training: object, as_of: datetime.date) -> FrameResult:
    frame = inputs.to_frame(workers, "workers")
    inputs.need_columns(frame, inputs.WORKER_REQUIRED, "workers")
    if "training" in frame.columns and frame.schema["training"] != pl.Null:
        raise UsageError(
            "the workers table has a `training` column; give training records as their "
            "own table (evaluate_frame(workers, training, ...)), one row per record with "
            "worker, training, completed")
    # Rows are joined to their records by `_id`: the id where it is text (a row whose id
    # is not text is bad, and matches no record).
    frame = frame.with_row_index("_row").with_columns(
        _id=pl.col("id") if frame.schema["id"] == pl.String else pl.lit(None, pl.String))
    records = _training_frame(training)

    started, scalar_bad = inputs.worker_checks(frame)
    items = inputs.role_items(frame, roles)
    record_bad = _bad_records(records)
    bad_rows = pl.concat([
        frame.filter(scalar_bad).select("_row"),
        items.filter(pl.col("_bad")).select("_row"),
        frame.join(record_bad, left_on="_id", right_on="worker", how="semi").select("_row"),
    ]).unique()
    good = frame.join(bad_rows, on="_row", how="anti").with_columns(started=started)

    plan = Plan.of(model)
    decided = _decide(model, plan, _facts(good, items, records, plan, as_of), as_of)
    errors = _errors(frame.join(bad_rows, on="_row", how="semi"), records, roles)
    return _tables(frame.select("_row"), decided, errors)


def _training_frame(training: object) -> pl.DataFrame:
    if training is None:
        return pl.DataFrame(schema={"_rec": pl.UInt32, "worker": pl.String,
                                    "training": pl.String, "completed": pl.Date})
    records = inputs.to_frame(training, "training")
    inputs.need_columns(records, inputs.TRAINING_REQUIRED, "training")
    if records.schema["worker"] not in (pl.String, pl.Null):
        raise UsageError(f"the training table's worker column must hold worker ids as text, "
                         f"not {records.schema['worker']}")
    records = records.with_columns(pl.col("worker").cast(pl.String))
    return records.with_row_index("_rec")


def _bad_records(records: pl.DataFrame) -> pl.DataFrame:
    _, bad = inputs.training_checks(records)
    return records.filter(bad).select("worker").unique()


def _facts(good: pl.DataFrame, items: pl.DataFrame, records: pl.DataFrame, plan: Plan,
           as_of: datetime.date) -> pl.LazyFrame:
    """The good workers with what the plan's expressions read: held roles, role anchors,
    latest completions (the `_h`, `_a`, `_t` columns of plan.py)."""
    def text(name: str) -> pl.Expr:
        # Good rows hold text here, or nothing (a column of nulls of another type).
        return (pl.col(name) if good.schema.get(name) == pl.String
                else pl.lit(None, pl.String).alias(name))

    columns = [pl.col("_row"), pl.col("_id").alias("id"), pl.col("started"), text("contact"),
               text("sector"), inputs.volunteer_value(good)[0].alias("volunteer")]
    facts = good.lazy().select(columns)
    today = pl.lit(as_of, pl.Date)
    if plan.roles or plan.anchors:
        since = pl.coalesce(pl.col("since"), pl.col("started"))
        held = (items.lazy().join(facts.select("_row", "started"), on="_row")
                .group_by("_row")
                .agg([((pl.col("role") == r) & (since <= today)).any().alias(f"_h{i}")
                      for i, r in enumerate(plan.roles)]
                     + [since.filter(pl.col("role") == r).min().alias(f"_a{i}")
                        for i, r in enumerate(plan.anchors)]))
        facts = facts.join(held, on="_row", how="left").with_columns(
            [pl.col(f"_h{i}").fill_null(False) for i in range(len(plan.roles))])
    if plan.trainings:
        completed, _ = inputs.training_checks(records)
        latest = (records.lazy().select("worker", "training", completed=completed)
                  .filter((pl.col("completed") <= today)
                          & pl.col("training").is_in(list(plan.trainings)))
                  .group_by("worker")
                  .agg([pl.col("completed").filter(pl.col("training") == t).max()
                        .alias(f"_t{j}") for j, t in enumerate(plan.trainings)]))
        facts = facts.join(latest, left_on="id", right_on="worker", how="left")
    return facts


def _decide(model: m.PolicyModel, plan: Plan, facts: pl.LazyFrame,
            as_of: datetime.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decisions of the good rows, their findings), each keyed by `_row`."""
    columns = []
    for i, rule in enumerate(model.requirements):
        status, due = plan.finding(rule, as_of)
        applies = plan.holds(rule.condition)
        columns += [pl.when(applies).then(status).alias(f"_s{i}"),
                    pl.when(applies).then(due).alias(f"_d{i}")]
    wide = facts.with_columns(columns)
    overdue = [pl.col(f"_s{i}") == "overdue" for i in range(len(model.requirements))]
    groups = [pl.when(plan.holds(g.condition)).then(pl.lit(g.id)) for g in model.groups]
    decisions = wide.select(
        "_row",
        worker=pl.col("id"),
        compliant=~pl.any_horizontal(overdue).fill_null(False) if overdue else pl.lit(True),
        groups=pl.concat_list(groups).list.drop_nulls() if groups
        else pl.lit([], pl.List(pl.String)),
        error=pl.lit(None, pl.String),
    )
    parts = [
        wide.filter(pl.col(f"_s{i}").is_not_null()).select(
            "_row", _req=pl.lit(i, pl.UInt32), worker=pl.col("id"),
            requirement=pl.lit(rule.id), status=pl.col(f"_s{i}"), due=pl.col(f"_d{i}"),
            cites=pl.lit(list(rule.cites), pl.List(pl.String)))
        for i, rule in enumerate(model.requirements)
    ]
    findings = (pl.concat(parts) if parts else pl.LazyFrame(schema={
        "_row": pl.UInt32, "_req": pl.UInt32, "worker": pl.String, "requirement": pl.String,
        "status": pl.String, "due": pl.Date, "cites": pl.List(pl.String)}))
    done = pl.collect_all([decisions, findings.sort("_row", "_req").drop("_req")])
    return done[0], done[1]


def _errors(bad: pl.DataFrame, records: pl.DataFrame,
            roles: Collection[str]) -> pl.DataFrame:
    """The row path's own error for each bad row (only the bad rows come out of columns).

    The columns above said which rows are bad; the message, the field and "did you mean"
    are `parse_worker`'s, so one piece of code words every §1 error.
    """
    rows = bad.drop("_id").to_dicts()
    by_worker: dict[Any, list[dict[str, Any]]] = {}
    if rows:
        ids = [r["id"] for r in rows if isinstance(r["id"], str)]
        for rec in (records.filter(pl.col("worker").is_in(ids)).sort("_rec")
                    .drop("_rec").to_dicts()):
            by_worker.setdefault(rec.pop("worker"), []).append(rec)
    text = {name for name in ("roles", "volunteer") if bad.schema.get(name) == pl.String}
    text_hours = records.schema.get("hours") == pl.String
    out: list[tuple[int, str | None, str]] = []
    for row in rows:
        index = row.pop("_row")
        records_of = by_worker.get(row["id"], []) if isinstance(row["id"], str) else []
        try:
            # Text cells read as CSV cells do (§1.4), in the CSV reader's order.
            if "roles" in text and row["roles"] is not None:
                row["roles"] = _roles_cell(row["roles"])
            if "volunteer" in text and row["volunteer"] is not None:
                row["volunteer"] = volunteer_cell(row["volunteer"], row["id"])
            for rec in records_of:
                if text_hours and rec.get("hours") is not None:
                    rec["hours"] = hours_cell(rec["hours"])
            row["training"] = records_of
            parse_worker(row, roles)
        except WorkerError as exc:
            out.append((index, exc.worker, str(exc)))
        else:  # pragma: no cover - the column checks and the row path disagree
            raise AssertionError(f"columnar checks rejected a row the row path accepts: {row}")
    return pl.DataFrame(out, schema={"_row": pl.UInt32, "worker": pl.String,
                                     "error": pl.String}, orient="row")


def _tables(order: pl.DataFrame, decided: tuple[pl.DataFrame, pl.DataFrame],
            errors: pl.DataFrame) -> FrameResult:
    decisions, findings = decided
    failed = errors.select("_row", "worker", compliant=pl.lit(None, pl.Boolean),
                           groups=pl.lit(None, pl.List(pl.String)), error="error")
    every = order.join(pl.concat([decisions, failed]), on="_row", how="left",
                       maintain_order="left").drop("_row")
    return FrameResult(
        decisions=every.to_arrow().cast(DECISIONS),
        findings=findings.drop("_row").to_arrow().cast(FINDINGS),
    )
