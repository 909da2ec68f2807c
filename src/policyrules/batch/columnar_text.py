"""`evaluate` of a CSV worker file to json, jsonl, csv or table, decided through the
columnar backend (issue #13): the stage that stands in for `validate → decide`.

The records are read as the row path reads them (records/csv.py, with a `--training`
file attached by records/training_index.py), so every record's `line`, every error found
while reading, and the warnings about records no worker used are the row path's own. Each
chunk of records is then checked and decided as two tables by `Policy.evaluate_frame`,
which also gives what each finding rests on (`facts=True`: the anchor, the deadline, the
records that counted, the evidence); the decisions are built from those columns, with the
records as objects, and go through the row path's `log` and `encode` stages, so the
output is written by the same encoders and its bytes are the row path's.

A record goes through the row path's own `validate` and `decide` instead when the columns
find it bad (the row path words the error, with the training file's line), when its id is
held by another record of the chunk (the engine joins records to workers by id), when a
value is not what a CSV cell gives (the training records of an xlsx or Parquet training
file, a number that is not finite), or when the engine itself leaves it to the row path
(a date so late that a deadline could pass 9999-12-31). Which records do makes no
difference to the output: a hypothesis test holds the two routes byte for byte equal.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from ..contract.decision import Decision, Finding
from ..contract.workers import RoleAssignment, TrainingRecord, Worker
from ..engines.columnar import facts as columnar_facts
from ..engines.interpret import unrecognised_training
from ..records import Raw, WithTraining
from ..semantics.dates import parse_iso_date
from .stages import Decided, Job, Stage, decide, encode, log, validate

_WORKER_FIELDS = ("id", "started", "contact", "roles", "training", "agency", "sector",
                  "volunteer")
_TEXT_FIELDS = ("id", "started", "contact", "agency", "sector")
_RECORD_TEXT = ("training", "completed", "delivery", "provider", "level")
_RECORD_FIELDS = frozenset((*_RECORD_TEXT, "hours"))

Schema = dict[str, pl.DataType | type[pl.DataType]]
_WORKERS: Schema = {
    "id": pl.String, "started": pl.String, "contact": pl.String,
    "roles": pl.String,
    "agency": pl.String, "sector": pl.String, "volunteer": pl.Boolean}
_TRAINING: Schema = {
    "worker": pl.String, "training": pl.String, "completed": pl.String,
    "delivery": pl.String, "provider": pl.String, "level": pl.String, "hours": pl.Float64}


def decide_columns(job: Job, chunk: Sequence[tuple[int, Raw]]) -> list[Decided]:
    """`validate` and `decide` for a chunk of records, through the columnar backend."""
    data = [_mapping(raw) for _, raw in chunk]
    ids = Counter(d["id"] for d in data if d is not None and type(d.get("id")) is str)
    mappings = {i: d for i, d in enumerate(data)
                if d is not None and ids[d.get("id")] == 1 and _cells_as_read(d)}
    columnar = list(mappings)
    out: list[Decided | None] = [None] * len(chunk)
    counts = job.counts
    if columnar:
        for i, made in zip(columnar, _frame_decisions(job, list(mappings.values())),
                           strict=True):
            if made is not None:
                worker, decision = made
                out[i] = (chunk[i][0], chunk[i][1], worker, decision)
                if decision.compliant:
                    counts.compliant += 1
                else:
                    counts.not_compliant += 1
    rest = [i for i, item in enumerate(out) if item is None]
    if rest:  # the row path's own stages: the same errors, counts and decisions
        for i, item in zip(rest, decide(job, validate(job, [chunk[i] for i in rest])),
                           strict=True):
            out[i] = item
    return [item for item in out if item is not None]


# The route's stages: in place of `validate` and `decide`, the columns; then the row
# path's `log` and `encode`, so the output is written by the same code.
COLUMNAR_STAGES: tuple[Stage, ...] = (decide_columns, log, encode)


def _mapping(raw: Raw) -> Mapping[str, Any] | None:
    """The record as a §1 mapping, or None when it is not one (an error found while
    reading it, which the row path reports as it is)."""
    data: object = raw.record if isinstance(raw, WithTraining) else raw
    return data if isinstance(data, dict) else None


def _cells_as_read(data: Mapping[str, Any]) -> bool:
    """Whether every value is as the CSV reader gives it (text, a role list, a bool
    volunteer, a finite number of hours): anything else is the row path's to read."""
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is not None and type(value) is not str:
            return False
    if type(data.get("volunteer", False)) is not bool:
        return False
    roles = data.get("roles")
    if roles is not None and (type(roles) is not list or not all(
            type(r) is str or (type(r) is dict and type(r.get("role")) is str
                               and type(r.get("since")) is str) for r in roles)):
        return False
    training = data.get("training")
    if training is None:
        return True
    if type(training) is not list:
        return False
    for record in training:
        if type(record) is not dict:
            return False
        for name in _RECORD_TEXT:
            value = record.get(name)
            if value is not None and type(value) is not str:
                return False
        hours = record.get("hours")
        if hours is not None and not (type(hours) is int or (
                type(hours) is float and math.isfinite(hours))):
            return False
    return True


def _tables(rows: Sequence[Mapping[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The workers and training tables of `evaluate_frame`, the records in each worker's
    order, so that a record's position in the table is its place in `_records`."""
    workers = pl.DataFrame({
        "id": [d.get("id") for d in rows],
        "started": [d.get("started") for d in rows],
        "contact": [d.get("contact") for d in rows],
        # Back to the cell's text (`name;name@DATE`), which the engine reads as it reads
        # a CSV cell: far quicker to build than a column of lists of structs.
        "roles": [";".join([r if type(r) is str else f"{r['role']}@{r['since']}"
                            for r in roles]) if (roles := d.get("roles")) else None
                  for d in rows],
        "agency": [d.get("agency") for d in rows],
        "sector": [d.get("sector") for d in rows],
        "volunteer": [d.get("volunteer") for d in rows],
    }, schema=_WORKERS)
    records = [(d["id"], t) for d in rows for t in d.get("training") or ()]
    training = pl.DataFrame({
        "worker": [w for w, _ in records],
        **{name: [t.get(name) for _, t in records] for name in _RECORD_TEXT},
        "hours": [t.get("hours") for _, t in records],
    }, schema=_TRAINING)
    return workers, training


def _frame_decisions(job: Job, rows: Sequence[Mapping[str, Any]]
                     ) -> list[tuple[Worker, Decision] | None]:
    """Each row's worker and decision from the columns, or None for the row path."""
    policy, as_of = job.policy, job.as_of
    workers, training = _tables(rows)
    result = policy.evaluate_frame(workers, training, as_of=as_of, facts=True)
    assert result.facts is not None
    decisions = result.decisions
    errors = decisions["error"].to_pylist()
    groups = decisions["groups"].to_pylist()
    findings = result.findings
    owners = findings["worker"].to_pylist()
    parts = zip(findings["requirement"].to_pylist(), findings["status"].to_pylist(),
                findings["due"].to_pylist(), strict=True)
    facts = zip(*[result.facts[name].to_pylist() for name in columnar_facts.FACTS.names],
                strict=True)
    rules = {r.id: r for r in policy.model.requirements}
    known = frozenset(t.id for t in policy.model.trainings)
    out: list[tuple[Worker, Decision] | None] = []
    at, first = 0, 0  # the next finding; the first record of the row in the table
    for k, data in enumerate(rows):
        wid = data["id"]
        own = data.get("training") or ()
        start, first = first, first + len(own)
        found: list[tuple[tuple[str, str, datetime.date | None], tuple[Any, ...]]] = []
        while at < len(owners) and owners[at] == wid:
            found.append((next(parts), next(facts)))
            at += 1
        # A row the engine sets aside (bad, or decided by the row path inside it): the
        # row path decides it here again, in full.
        if errors[k] is not None or any(cells[0] is None for _, cells in found):
            out.append(None)
            continue
        worker = _worker(data, own)
        records = worker.training
        out.append((worker, Decision(
            wid, policy.id, as_of, tuple(groups[k]),
            tuple(Finding(rules[req], status, due,
                          tuple(records[i - start] for i in cells[8]), worker, as_of,
                          columnar_facts.value(cells, records, start))
                  for (req, status, due), cells in found),
            unrecognised_training(known, worker, as_of), policy.model, worker)))
    return out


def _day(text: str | None) -> datetime.date | None:
    return None if not text else parse_iso_date(text)


def _worker(data: Mapping[str, Any], own: Sequence[Mapping[str, Any]]) -> Worker:
    """The worker of a row the columns found good, as `parse_worker` builds it (the
    checks were the columns'; a differential test holds the two equal)."""
    started = parse_iso_date(data["started"])
    roles = tuple(RoleAssignment(r, None) if type(r) is str
                  else RoleAssignment(r["role"], _day(r["since"]))
                  for r in data.get("roles") or ())
    training = tuple(TrainingRecord(
        t["training"], parse_iso_date(t["completed"]), t.get("delivery") or "single-agency",
        t.get("provider"), t.get("hours"), t.get("level"),
        {k: v for k, v in t.items() if k not in _RECORD_FIELDS}) for t in own)
    extra = {k: v for k, v in data.items() if k not in _WORKER_FIELDS}
    return Worker(data["id"], started, data["contact"], roles, training, data.get("agency"),
                  data.get("sector"), bool(data.get("volunteer")), extra)

