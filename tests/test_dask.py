"""A Policy on Dask partitions (policyrules.dask): the same decisions on a two-worker
cluster as in one process."""

from __future__ import annotations

import datetime
import json
import math
import pickle
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import policyrules
from conftest import ROOT
from policyrules.dask import evaluate_partition

AS_OF = datetime.date(2026, 11, 22)
POLICY = policyrules.load(ROOT / "policies" / "durham.policy")

# Rows that break CONTRACT §1: each must come back as an error row, never dropped.
BAD = [
    {"started": "2024-01-01", "contact": "regular"},  # no id
    {"id": "BAD2", "started": "2024-01-01", "contact": "sometimes"},  # unknown contact
    {"id": "BAD3", "started": "2024-02-30", "contact": "regular"},  # no such day
]


def _records(count: int) -> list[dict[str, Any]]:
    with open(ROOT / "examples" / "workers.jsonl", encoding="utf-8") as f:
        good = [json.loads(line) for _, line in zip(range(count), f, strict=False)]
    return good[:5] + BAD + good[5:]


def _plain(value: Any) -> Any:
    """A cell as a plain value: Dask may hand back numpy arrays and pandas NA."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]


def _one_process(records: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]],
                                                           list[tuple[Any, ...]]]:
    """The decisions and findings of `Policy.evaluate`, one record at a time."""
    decisions: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    for record in records:
        try:
            d = POLICY.evaluate(record, AS_OF)
        except policyrules.WorkerError as exc:
            decisions.append((exc.worker, None, [], str(exc)))
            continue
        decisions.append((d.worker, d.compliant, list(d.groups), None))
        findings += [(d.worker, f.requirement, f.status, f.due, list(f.cites))
                     for f in d.findings]
    return decisions, findings


def test_a_partition_decides_every_row_and_keeps_bad_ones_as_errors() -> None:
    frame = pd.DataFrame(_records(3))
    decisions = evaluate_partition(POLICY, AS_OF)(frame)
    assert list(decisions.columns) == ["worker", "compliant", "groups", "error"]
    assert list(decisions["worker"]) == ["CP00001", "CP00002", "CP00003", None, "BAD2",
                                         "BAD3"]
    # CP00001 has no child development course on record (Durham 4.8): not compliant.
    assert decisions["compliant"].tolist()[:3] == [False, True, False]
    assert decisions["groups"].iloc[0] == ["predominant-contact"]
    errors = decisions["error"].tolist()
    assert errors[:3] == [None, None, None]
    assert "id" in errors[3] and "contact" in errors[4] and "started" in errors[5]
    assert decisions["compliant"].isna().tolist() == [False] * 3 + [True] * 3

    findings = evaluate_partition(POLICY, AS_OF, "findings")(frame)
    first = findings[findings["worker"] == "CP00001"]
    assert first["requirement"].tolist() == ["induction", "refresher", "child-development"]
    assert first["status"].tolist() == ["met", "met", "overdue"]
    assert first["due"].tolist() == [None, datetime.date(2028, 4, 28), None]
    assert set(findings["worker"]) == {"CP00001", "CP00002", "CP00003"}  # none for errors


def test_the_partition_tables_match_their_meta() -> None:
    frame = pd.DataFrame(_records(4))
    for table in ("decisions", "findings"):
        decide = evaluate_partition(POLICY, AS_OF, table)  # type: ignore[arg-type]
        out = decide(frame)
        assert list(out.columns) == list(decide.meta.columns)
        assert out.dtypes.tolist() == decide.meta.dtypes.tolist()
        assert len(decide(frame.iloc[:0])) == 0  # an empty partition is an empty table


def test_the_function_pickles_by_the_policy_content() -> None:
    decide = evaluate_partition(POLICY, AS_OF, "findings")
    again = pickle.loads(pickle.dumps(decide))
    frame = pd.DataFrame(_records(20))
    assert _rows(again(frame)) == _rows(decide(frame))


def test_bad_arguments_say_what_is_allowed() -> None:
    with pytest.raises(policyrules.UsageError, match=r"as_of must be a datetime\.date"):
        evaluate_partition(POLICY, datetime.datetime(2026, 11, 22, 9, 0))
    with pytest.raises(policyrules.UsageError, match="decisions, findings"):
        evaluate_partition(POLICY, AS_OF, "workers")  # type: ignore[arg-type]
    with pytest.raises(policyrules.UsageError, match=r"must be a policyrules\.Policy"):
        evaluate_partition("policies/durham.policy", AS_OF)  # type: ignore[arg-type]


def test_a_two_worker_cluster_gives_the_decisions_of_one_process() -> None:
    records = _records(400)
    expected_decisions, expected_findings = _one_process(records)
    # Dask turns object columns into text by default, lists and all ('["a"]'): the
    # records' lists must stay lists (docs/cluster.md).
    with dask.config.set({"dataframe.convert-string": False}):
        workers = dd.from_pandas(pd.DataFrame(records), npartitions=6)
    decide = evaluate_partition(POLICY, AS_OF)
    find = evaluate_partition(POLICY, AS_OF, "findings")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        decisions = workers.map_partitions(decide, meta=decide.meta)
        findings = workers.map_partitions(find, meta=find.meta)
        got_decisions, got_findings = dd.compute(decisions, findings)
    assert _rows(got_decisions) == expected_decisions
    assert _rows(got_findings) == expected_findings
    assert len(expected_decisions) == 403  # none dropped; the bad rows among them
    assert {e[0] for e in expected_decisions if e[3] is not None} >= {None, "BAD2", "BAD3"}
