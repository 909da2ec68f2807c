"""Counting a decided workforce into a `Report`: Polars group-bys over whole tables.

The inputs are `evaluate_frame`'s decision and finding tables (one chunk at a time, each
row under the worker's position in the run), the training records, and a table of the
workers' ids and `by` keys. Every view is a group-by or a filter and sort of those; only
the lists a reader sees (the overdue and falling-due items, every finding for the
workbook) become Python objects, because the report holds them as such.
"""

from __future__ import annotations

import datetime

import attrs
import polars as pl

from ..semantics import model as m
from .model import (
    AGEING,
    AGEING_LABELS,
    DEMAND_MONTHS,
    DUE_BANDS,
    DUE_LABELS,
    NO_DEADLINE,
    NO_GROUP,
    NO_ROLE,
    NOT_GIVEN,
    Demand,
    FindingRow,
    Item,
    Rejection,
    Report,
    RequirementCounts,
    Row,
    sheet_overflow,
)


@attrs.frozen
class Spec:
    """What the report is asked for."""

    model: m.PolicyModel
    as_of: datetime.date
    by: tuple[str, ...]
    horizon: int
    keep_findings: bool

    @property
    def first_month(self) -> int:
        # Months as year * 12 + month - 1: whole numbers that compare and subtract.
        return self.as_of.year * 12 + self.as_of.month - 1

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(f"{n // 12:04d}-{n % 12 + 1:02d}"
                     for n in range(self.first_month, self.first_month + DEMAND_MONTHS))


@attrs.frozen
class Decided:
    """One chunk of the run: decisions of the workers that were decided (`_pos`,
    `compliant`, `groups`), their findings (`_pos`, `requirement`, `status`, `due`), and
    their training records (`_owner` and the §1.3 columns)."""

    decisions: pl.DataFrame
    findings: pl.DataFrame
    training: pl.DataFrame


def tally(spec: Spec, workers: pl.DataFrame, chunks: list[Decided],
          rejected: tuple[Rejection, ...]) -> Report:
    """The report of `workers` (`_pos`, `id`, a `_k{j}` list of keys per `by` column but
    `group`) from their decided `chunks`."""
    model = spec.model
    decisions = (pl.concat([c.decisions for c in chunks]) if chunks else
                 pl.DataFrame(schema={"_pos": pl.UInt32, "compliant": pl.Boolean,
                                      "groups": pl.List(pl.String)}))
    # Only decided workers: a row the frame rejected is in `rejected` instead.
    table = workers.join(decisions, on="_pos", how="inner", maintain_order="left")
    if "group" in spec.by:
        table = table.with_columns(_groups(spec.by.index("group")))
    findings = _findings(spec, table, chunks)
    return Report(
        policy=model.id, title=model.title, as_of=spec.as_of, horizon=spec.horizon,
        by=spec.by, workers=table.height, compliant=int(table["compliant"].sum()),
        rejected=rejected, duplicates=_duplicates(table),
        rows=_rows(_tally_keys(spec, table), len(spec.by)),
        requirements=_requirements(spec, findings),
        overdue=_overdue(spec, findings), falls_due=_falls_due(spec, findings),
        demand=_demand(spec, findings), months=spec.months,
        trainings=tuple((t.id, t.title) for t in model.trainings),
        findings=_finding_rows(spec, findings) if spec.keep_findings else ())


def _groups(j: int) -> pl.Expr:
    groups = pl.col("groups")
    return (pl.when(groups.list.len() > 0).then(groups)
            .otherwise(pl.lit([NO_GROUP], dtype=pl.List(pl.String))).alias(f"_k{j}"))


def _findings(spec: Spec, table: pl.DataFrame, chunks: list[Decided]) -> pl.DataFrame:
    """Every finding with its worker's id, compliance and keys (`_j{j}`, several values
    joined by ", "), the day its latest counting record was completed (`_done`), and the
    days since (overdue) or until (otherwise) its due date."""
    schema = {"_pos": pl.UInt32, "requirement": pl.String, "status": pl.String,
              "due": pl.Date}
    findings = (pl.concat([c.findings for c in chunks]) if chunks
                else pl.DataFrame(schema=schema)).with_row_index("_seq")
    training = pl.concat([c.training for c in chunks]) if chunks else None
    keys = [pl.col(f"_k{j}").list.join(", ").alias(f"_j{j}") for j in range(len(spec.by))]
    days = (pl.col("due") - pl.lit(spec.as_of)).dt.total_days()
    return (findings
            .join(table.select("_pos", "id", "compliant", *keys), on="_pos", how="inner")
            .join(_latest(spec, training), on=["_pos", "requirement"], how="left")
            .with_columns(_days=pl.when(pl.col("status") == "overdue").then(-days)
                          .otherwise(days))
            .sort("_seq"))


def _latest(spec: Spec, training: pl.DataFrame | None) -> pl.DataFrame:
    """Per worker and requirement, the day of the latest record that counts towards it by
    `as_of` (`Facts.latest`: its courses, delivered and provided as it asks)."""
    out = pl.DataFrame(schema={"_pos": pl.UInt32, "requirement": pl.String,
                               "_done": pl.Date})
    if training is None or training.height == 0:
        return out
    counted = training.filter(pl.col("completed") <= spec.as_of)
    parts = [out]
    for rule in spec.model.requirements:
        if not rule.satisfied_by:
            continue
        counts = pl.col("training").is_in(list(rule.satisfied_by))
        if rule.delivery is not None:
            counts &= pl.col("delivery") == rule.delivery
        if rule.provider is not None:
            counts &= (pl.col("provider") == rule.provider).fill_null(False)
        parts.append(counted.filter(counts).group_by("_owner").agg(
            pl.col("completed").max().alias("_done")).select(
            pl.col("_owner").alias("_pos"), pl.lit(rule.id).alias("requirement"), "_done"))
    return pl.concat(parts)


def _duplicates(table: pl.DataFrame) -> tuple[tuple[str, int], ...]:
    """Ids given to more than one decided worker, with how many, by id."""
    repeated = table.group_by("id").len().filter(pl.col("len") > 1)
    return tuple(sorted((wid, n) for wid, n in repeated.iter_rows()))


def _tally_keys(spec: Spec, table: pl.DataFrame) -> dict[tuple[str, ...], tuple[int, int]]:
    """(workers, compliant) under every prefix of `by` keys: a worker with several keys in
    a column (groups, roles) counts once under each."""
    out: dict[tuple[str, ...], tuple[int, int]] = {}
    for depth in range(1, len(spec.by) + 1):
        names = [f"_k{j}" for j in range(depth)]
        level = table.select(*names, "compliant")
        for name in names:
            level = level.explode(name)
        counted = level.group_by(names).agg(pl.len(), pl.col("compliant").sum())
        for *keys, workers, compliant in counted.iter_rows():
            out[tuple(keys)] = (workers, compliant)
    return out


def _rows(tally: dict[tuple[str, ...], tuple[int, int]], depth: int,
          prefix: tuple[str, ...] = ()) -> tuple[Row, ...]:
    if len(prefix) >= depth:
        return ()
    keys = sorted({k[len(prefix)] for k in tally
                   if len(k) == len(prefix) + 1 and k[:len(prefix)] == prefix}, key=_key_order)
    return tuple(Row(key, *tally[(*prefix, key)], _rows(tally, depth, (*prefix, key)))
                 for key in keys)


def _band(days: pl.Expr, bands: tuple[tuple[int | None, str], ...]) -> pl.Expr:
    """The label of the first band whose limit `days` is within (the last has none)."""
    *limited, (_, last) = bands
    out = pl.lit(last)
    for limit, label in reversed(limited):
        out = pl.when(days <= limit).then(pl.lit(label)).otherwise(out)
    return out


def _requirements(spec: Spec, findings: pl.DataFrame) -> tuple[RequirementCounts, ...]:
    status, days = pl.col("status"), pl.col("_days")
    overdue = status == "overdue"
    within = ~overdue & pl.col("due").is_not_null() & days.is_between(0, spec.horizon)
    labelled = findings.with_columns(
        _ageing=pl.when(overdue).then(pl.when(days.is_null()).then(pl.lit(NO_DEADLINE))
                                      .otherwise(_band(days, AGEING))),
        _band=pl.when(within).then(_band(days, DUE_BANDS)))
    counts = {r: c for r, *c in labelled.group_by("requirement").agg(
        (status == "met").sum().alias("met"), (status == "due").sum().alias("due"),
        overdue.sum().alias("overdue"),
        (overdue & pl.col("_done").is_null()).sum().alias("never"),
        within.sum().alias("within")).iter_rows()}
    ageing = _pairs(labelled, "_ageing")
    bands = _pairs(labelled, "_band")
    out = []
    for r in spec.model.requirements:
        met, due, late, never, falls = counts.get(r.id, (0, 0, 0, 0, 0))
        out.append(RequirementCounts(
            r.id, r.title, r.cites, r.satisfied_by[0] if r.satisfied_by else None,
            met, due, late, never,
            tuple((label, ageing.get((r.id, label), 0)) for label in AGEING_LABELS), falls,
            tuple((label, bands.get((r.id, label), 0)) for label in DUE_LABELS)))
    return tuple(out)


def _pairs(frame: pl.DataFrame, column: str) -> dict[tuple[str, str], int]:
    counted = frame.filter(pl.col(column).is_not_null()).group_by("requirement", column).len()
    return {(r, label): n for r, label, n in counted.iter_rows()}


def _items(spec: Spec, frame: pl.DataFrame) -> tuple[Item, ...]:
    keys = [f"_j{j}" for j in range(len(spec.by))]
    return tuple(
        Item(wid, tuple(row_keys), requirement, status, due, days, done is None)
        for wid, requirement, status, due, days, done, *row_keys in frame.select(
            "id", "requirement", "status", "due", "_days", "_done", *keys).iter_rows())


def _overdue(spec: Spec, findings: pl.DataFrame) -> tuple[Item, ...]:
    # Longest overdue first; "no deadline" (overdue from the start) before them all.
    days = pl.col("_days")
    return _items(spec, findings.filter(pl.col("status") == "overdue").sort(
        days.is_not_null(), -days.fill_null(0), "id", "requirement"))


def _falls_due(spec: Spec, findings: pl.DataFrame) -> tuple[Item, ...]:
    return _items(spec, findings.filter(
        (pl.col("status") != "overdue") & pl.col("_days").is_between(0, spec.horizon)
    ).sort("due", "id", "requirement"))


def _demand(spec: Spec, findings: pl.DataFrame) -> tuple[Demand, ...]:
    model = spec.model
    course = {r.id: r.satisfied_by[0] for r in model.requirements if r.satisfied_by}
    status, due = pl.col("status"), pl.col("due")
    month = due.dt.year().cast(pl.Int64) * 12 + due.dt.month().cast(pl.Int64) - 1
    needs = findings.select(
        "_pos",
        _course=pl.col("requirement").replace_strict(course, default=None,
                                                     return_dtype=pl.String),
        # The month of need, counted from as_of's: overdue findings need a place now.
        _month=pl.when(status == "overdue").then(pl.lit(0, pl.Int64))
        .otherwise(month - spec.first_month),
        # 1 a renewal, 2 a new starter or someone who never did it, 3 overdue now.
        _kind=pl.when(status == "overdue").then(3)
        .when((status == "met") | pl.col("_done").is_not_null()).then(1).otherwise(2),
    ).filter(pl.col("_course").is_not_null() & pl.col("_month").is_between(0, DEMAND_MONTHS - 1))
    # A worker needing one course twice in a month needs one place: the earlier kind
    # (renewal) is the one counted.
    kind = pl.col("_kind")
    cells = (needs.group_by("_pos", "_course", "_month").agg(kind.min())
             .group_by("_course", "_month").agg(
                 pl.len(), *((kind == k).sum().alias(f"_{k}") for k in (1, 2, 3))))
    order = {t.id: n for n, t in enumerate(model.trainings)}
    months = spec.months
    return tuple(
        Demand(c, months[n], workers, renewals, new, late)
        for c, n, workers, renewals, new, late in sorted(
            cells.iter_rows(), key=lambda cell: (order.get(cell[0], len(order)), cell[0],
                                                 cell[1])))


def _finding_rows(spec: Spec, findings: pl.DataFrame) -> tuple[FindingRow, ...]:
    # Said before a million rows are made, not after: the workbook could not hold them.
    error = sheet_overflow("Findings", findings.height)
    if error is not None:
        raise error
    cites = {r.id: r.cites for r in spec.model.requirements}
    keys = [f"_j{j}" for j in range(len(spec.by))]
    return tuple(
        FindingRow(wid, tuple(row_keys), compliant, requirement, status, due, done,
                   cites[requirement])
        for wid, compliant, requirement, status, due, done, *row_keys in findings.select(
            "id", "compliant", "requirement", "status", "due", "_done", *keys).iter_rows())


def _key_order(key: str) -> tuple[bool, str]:
    # Rows without a value go last, after the named ones.
    return (key in (NOT_GIVEN, NO_GROUP, NO_ROLE), key.casefold())

