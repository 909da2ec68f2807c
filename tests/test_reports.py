"""Reports (CONTRACT §8): every count agrees with `Policy.evaluate` on the same input.

Expected numbers are either worked out by hand from tests/fixtures/features.policy, or
recounted here from `Policy.evaluate`'s decisions with code of the test's own.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import AS_OF, ROOT
from policyrules.records import read_workers
from policyrules.reports import build_report
from policyrules.reports.as_json import dumps, report_dict
from policyrules.testing import workers as worker_strategy

EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def durham() -> policyrules.Policy:
    return policyrules.load(ROOT / "policies" / "durham.policy")


def _example_records(policy: policyrules.Policy) -> list[Any]:
    """The shipped example workforce as the reader gives it: Workers, and a WorkerError for
    each of the eight bad rows."""
    return [item for _, _, item in read_workers(str(EXAMPLES / "workers.csv"), policy,
                                                training=str(EXAMPLES / "training.csv"))]


# Recounting from evaluate: the test's own code, not the report's ---------------------------

def _month(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _recount(policy: policyrules.Policy, records: Iterable[Any], as_of: datetime.date,
             horizon: int, by: tuple[str, ...]) -> dict[str, Any]:
    decisions = []
    rejected = 0
    for record in records:
        if isinstance(record, policyrules.WorkerError):
            rejected += 1
            continue
        try:
            decisions.append((policy.worker(record), policy.evaluate(record, as_of)))
        except policyrules.WorkerError:
            rejected += 1
    months = []
    y, m = as_of.year, as_of.month
    for _ in range(12):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    by_key: Counter[tuple[str, ...]] = Counter()
    by_key_ok: Counter[tuple[str, ...]] = Counter()
    statuses: Counter[tuple[str, str]] = Counter()
    never_done: Counter[str] = Counter()  # overdue, with no counting record by as_of
    falls_due = 0
    overdue = 0
    demand: dict[tuple[str, str], set[int]] = defaultdict(set)  # of positions: ids may repeat
    for n, (worker, d) in enumerate(decisions):
        keys = tuple(_column(worker, d, c) for c in by)
        for depth in range(1, len(keys) + 1):
            by_key[keys[:depth]] += 1
            by_key_ok[keys[:depth]] += d.compliant
        for f in d.findings:
            statuses[f.requirement, f.status] += 1
            if f.status == "overdue":
                overdue += 1
                never_done[f.requirement] += f.facts.latest is None
                month: str | None = months[0]
            else:
                month = _month(f.due) if f.due else None
                if f.due and f.due <= as_of + datetime.timedelta(days=horizon):
                    falls_due += 1
            if month in months:
                demand[f.satisfied_by[0], month].add(n)
    return {
        "workers": len(decisions), "compliant": sum(d.compliant for _, d in decisions),
        "rejected": rejected, "by": by_key, "by_ok": by_key_ok, "statuses": statuses,
        "falls_due": falls_due, "overdue": overdue, "never_done": never_done,
        "demand": {k: len(v) for k, v in demand.items()},
    }


def _column(worker: policyrules.Worker, decision: policyrules.Decision, column: str) -> str:
    # Only single-valued columns here; `group` has its own test below.
    value = getattr(worker, column) if column in ("agency", "sector") else \
        worker.extra.get(column)
    return "(not given)" if value in (None, "") else str(value)


def _flatten(rows: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], tuple[int, int]]:
    out = {}
    for row in rows:
        key = (*prefix, row.key)
        out[key] = (row.workers, row.compliant)
        out.update(_flatten(row.children, key))
    return out


def _assert_agrees(report: Any, expected: dict[str, Any]) -> None:
    assert report.workers == expected["workers"]
    assert report.compliant == expected["compliant"]
    assert len(report.rejected) == expected["rejected"]
    assert _flatten(report.rows) == {
        k: (expected["by"][k], expected["by_ok"][k]) for k in expected["by"]}
    for r in report.requirements:
        assert (r.met, r.due, r.overdue) == tuple(
            expected["statuses"][r.requirement, s] for s in ("met", "due", "overdue"))
        assert r.never_done == expected["never_done"][r.requirement]
        assert sum(n for _, n in r.ageing) == r.overdue
        assert sum(n for _, n in r.falls_due_bands) == r.falls_due
    assert len(report.overdue) == expected["overdue"]
    assert len(report.falls_due) == expected["falls_due"]
    assert {(d.training, d.month): d.workers for d in report.demand} == expected["demand"]
    for d in report.demand:
        assert d.workers == d.renewals + d.new + d.overdue


# The shipped example workforce ----------------------------------------------------------------

def test_example_workforce_counts_agree_with_evaluate(durham: policyrules.Policy) -> None:
    records = _example_records(durham)
    by = ("agency", "sector")
    report = build_report(
        durham, [r for r in records if not isinstance(r, policyrules.WorkerError)], AS_OF, by=by)
    expected = _recount(durham, records, AS_OF, 90, by)
    expected["rejected"] = 0  # the errors were not passed in
    _assert_agrees(report, expected)
    # The figures the contract's own example shows for this workforce.
    assert (report.workers, report.compliant) == (1992, 1044)


def test_rejected_records_are_counted_with_their_reasons(durham: policyrules.Policy) -> None:
    good = {"id": "W1", "started": "2026-01-05", "contact": "regular", "team": "North"}
    bad = [{"id": "W2", "started": "2026-02-30", "contact": "regular"},
           {"id": "W3", "started": "2026-01-05", "contact": "regualr"},
           {"started": "2026-01-05", "contact": "regular"},
           # NaN where a value is given is missing (pandas); inside a list it is bad input
           {"id": "W4", "started": "2026-01-05", "contact": "none", "hours": math.nan,
            "roles": [math.nan]}]
    report = build_report(durham, [good, *bad], AS_OF, by=["team"])
    assert report.workers == 1
    assert [(r.record, r.worker, r.field) for r in report.rejected] == [
        (2, "W2", "started"), (3, "W3", "contact"), (4, None, "id"), (5, "W4", "roles[0]")]
    assert "did you mean 'regular'" in report.rejected[1].message
    data = json.loads(dumps(report))  # strict: a NaN in bad input must not leak out as NaN
    assert data["rejected"] == 4
    assert data["data_quality"] == {"started": 1, "contact": 1, "id": 1, "roles[0]": 1}
    assert data["rejections"][3]["value"] in ("nan", "NaN")


def test_a_deadline_past_the_calendar_is_a_rejected_record(
        features: policyrules.Policy) -> None:
    # evaluate rejects it (DateRangeError); the report counts it as rejected, with the same
    # error naming the worker's own id, and reports the others.
    late = {"id": "Z", "started": "9999-10-01", "contact": "regular"}
    with pytest.raises(policyrules.DateRangeError) as raised:
        features.evaluate(late, AS_OF)
    report = build_report(features, [_features_workers()[0], late], AS_OF)
    assert report.workers == 1
    assert [(r.record, r.worker, r.field, r.message) for r in report.rejected] == [
        (2, "Z", "started", str(raised.value))]


# Hand-worked figures on the features policy ------------------------------------------------------

def _features_workers() -> list[dict[str, Any]]:
    return [
        # induction met (no renewal); refresher met, renews 2024-02-10 + 3 years = 2027-02-10
        {"id": "A", "started": "2024-01-01", "contact": "regular", "team": "North",
         "training": [{"training": "induction-course", "completed": "2024-02-10"}]},
        # started 2026-05-20: induction and refresher overdue since 2026-11-20 (2 days)
        {"id": "B", "started": "2026-05-20", "contact": "regular", "team": "North"},
        # refresher lapsed 2023-03-01 (1362 days); foster training has no deadline
        {"id": "C", "started": "2020-01-01", "contact": "regular", "roles": ["foster-carer"],
         "team": "South",
         "training": [{"training": "induction-course", "completed": "2020-03-01"}]},
        # occasional, voluntary: induction due 2027-04-01 (a new starter)
        {"id": "D", "started": "2026-10-01", "contact": "occasional", "sector": "voluntary"},
    ]


def test_hand_worked_report(features: policyrules.Policy) -> None:
    report = build_report(features, _features_workers(), AS_OF, by=["team"], horizon=90)
    assert (report.workers, report.compliant) == (4, 2)
    assert [(r.key, r.workers, r.compliant) for r in report.rows] == [
        ("North", 2, 1), ("South", 1, 0), ("(not given)", 1, 1)]
    counts = {r.requirement: (r.met, r.due, r.overdue, r.never_done) for r in report.requirements}
    assert counts == {"induction": (2, 1, 1, 1), "refresher": (1, 0, 2, 1),
                      "supervision": (0, 0, 0, 0), "foster-training": (0, 0, 1, 1)}
    refresher = next(r for r in report.requirements if r.requirement == "refresher")
    assert dict(refresher.ageing) == {"1-30 days": 1, "31-90 days": 0, "91-365 days": 0,
                                      "over 365 days": 1, "no deadline": 0}
    assert dict(refresher.falls_due_bands) == {"0-30 days": 0, "31-60 days": 0,
                                               "61-90 days": 1, "over 90 days": 0}
    foster = next(r for r in report.requirements if r.requirement == "foster-training")
    assert dict(foster.ageing)["no deadline"] == 1
    # Overdue list: no deadline first, then the longest overdue.
    assert [(i.worker, i.requirement, i.days, i.never_done) for i in report.overdue] == [
        ("C", "foster-training", None, True), ("C", "refresher", 1362, False),
        ("B", "induction", 2, True), ("B", "refresher", 2, True)]
    # A's renewal on 2027-02-10 is 80 days after AS_OF: within the 90-day horizon.
    assert [(i.worker, i.requirement, i.due, i.days) for i in report.falls_due] == [
        ("A", "refresher", datetime.date(2027, 2, 10), 80)]
    assert [(d.training, d.month, d.workers, d.renewals, d.new, d.overdue)
            for d in report.demand] == [
        ("induction-course", "2026-11", 1, 0, 0, 1),
        ("induction-course", "2027-04", 1, 0, 1, 0),
        ("refresher-course", "2026-11", 2, 0, 0, 2),
        ("refresher-course", "2027-02", 1, 1, 0, 0),
        ("joint-course", "2026-11", 1, 0, 0, 1),
    ]
    assert report.months[0] == "2026-11" and report.months[-1] == "2027-10"


def test_ageing_bucket_edges(features: policyrules.Policy) -> None:
    worker = {"id": "B", "started": "2026-01-01", "contact": "occasional"}  # due 2026-07-01
    for as_of, bucket in [(datetime.date(2026, 7, 2), "1-30 days"),
                          (datetime.date(2026, 7, 31), "1-30 days"),
                          (datetime.date(2026, 8, 1), "31-90 days"),
                          (datetime.date(2026, 9, 29), "31-90 days"),
                          (datetime.date(2026, 9, 30), "91-365 days"),
                          (datetime.date(2027, 7, 1), "91-365 days"),
                          (datetime.date(2027, 7, 2), "over 365 days")]:
        report = build_report(features, [worker], as_of)
        induction = report.requirements[0]
        assert [label for label, n in induction.ageing if n] == [bucket], as_of


def test_horizon_edges(features: policyrules.Policy) -> None:
    worker = _features_workers()[0]  # refresher renews 2027-02-10, 80 days after AS_OF
    assert len(build_report(features, [worker], AS_OF, horizon=80).falls_due) == 1
    assert len(build_report(features, [worker], AS_OF, horizon=79).falls_due) == 0


def test_falls_due_band_edges(features: policyrules.Policy) -> None:
    worker = _features_workers()[0]  # refresher renews on 2027-02-10
    due = datetime.date(2027, 2, 10)
    for before, band in [(0, "0-30 days"), (30, "0-30 days"), (31, "31-60 days"),
                         (60, "31-60 days"), (61, "61-90 days"), (90, "61-90 days"),
                         (91, "over 90 days")]:
        report = build_report(features, [worker], due - datetime.timedelta(days=before),
                              horizon=400)
        refresher = report.requirements[1]
        assert [label for label, n in refresher.falls_due_bands if n] == [band], before


def test_group_counts_a_worker_in_each_of_its_groups(features: policyrules.Policy) -> None:
    workers = [
        {"id": "M", "started": "2020-01-01", "contact": "regular",
         "roles": ["operational-manager"]},  # frontline and leaders
        {"id": "N", "started": "2020-01-01", "contact": "none"},  # no group
    ]
    report = build_report(features, workers, AS_OF, by=["group"])
    assert [(r.key, r.workers) for r in report.rows] == [
        ("frontline", 1), ("leaders", 1), ("(no group)", 1)]


def test_duplicate_ids_are_counted_and_flagged(features: policyrules.Policy) -> None:
    a = {"id": "A", "started": "2020-01-01", "contact": "none"}
    b = {"id": "B", "started": "2020-01-01", "contact": "none"}
    report = build_report(features, [a, b, a, a, b, {**a, "id": "C"}], AS_OF)
    assert report.workers == 6
    assert report.duplicates == (("A", 3), ("B", 2))
    assert report_dict(report)["duplicates"] == [{"worker": "A", "records": 3},
                                                 {"worker": "B", "records": 2}]


def test_by_values_from_json_input_are_spelt_as_json(features: policyrules.Policy) -> None:
    workers = [{"id": f"W{n}", "started": "2020-01-01", "contact": "none", "x": value}
               for n, value in enumerate([True, 3, 2.5, ["a", "b"], {"k": 1}, "text"])]
    report = build_report(features, workers, AS_OF, by=["x"])
    assert sorted(r.key for r in report.rows) == sorted(
        ["true", "3", "2.5", '["a", "b"]', '{"k": 1}', "text"])


def test_nested_by_and_json_shape(features: policyrules.Policy) -> None:
    workers = [w | {"agency": "Council"} for w in _features_workers()]
    data = report_dict(build_report(features, workers, AS_OF, by=["agency", "team"]))
    assert {"policy", "as_of", "workers", "rejected", "compliant", "by", "requirements",
            "demand"} <= set(data)
    assert data["by"] == {"agency": [
        {"key": "Council", "workers": 4, "compliant": 2, "by": {"team": [
            {"key": "North", "workers": 2, "compliant": 1},
            {"key": "South", "workers": 1, "compliant": 0},
            {"key": "(not given)", "workers": 1, "compliant": 1}]}}]}
    assert data["requirements"][0] | {"ageing": None, "falls_due_within": None} == {
        "requirement": "induction", "title": "Safeguarding induction", "met": 2, "due": 1,
        "overdue": 1, "never_done": 1, "ageing": None, "falls_due": 0, "falls_due_within": None,
        "course": "induction-course", "cites": ["1.4"]}
    assert data["demand"][0] == {"training": "induction-course", "month": "2026-11",
                                 "workers": 1, "renewals": 0, "new": 0, "overdue": 1}
    assert data["overdue"][1]["keys"] == {"agency": "Council", "team": "South"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"by": ["taem"]}, "no worker has a column 'taem'; did you mean `team`?"),
    ({"by": "team"}, "by must be a list of column names"),
    ({"by": ["team", "team"]}, "a column is given twice"),
    ({"by": ["id"]}, "one row per worker"),
    ({"horizon": -1}, "horizon must be a whole number of days"),
    ({"horizon": 1.5}, "horizon must be a whole number of days"),
])
def test_bad_arguments_are_usage_errors(features: policyrules.Policy, kwargs: dict[str, Any],
                                        message: str) -> None:
    with pytest.raises(policyrules.UsageError, match=re.escape(message)):
        build_report(features, _features_workers(), AS_OF, **kwargs)


def test_as_of_must_be_a_date(features: policyrules.Policy) -> None:
    with pytest.raises(policyrules.UsageError, match=r"as_of must be a datetime\.date"):
        build_report(features, [], datetime.datetime(2026, 11, 22))  # type: ignore[arg-type]


# Any workforce: the report and evaluate agree ---------------------------------------------------

@settings(max_examples=40)
@given(data=st.data(), as_of=st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)),
       horizon=st.integers(0, 400))
def test_any_workforce_agrees_with_evaluate(features: policyrules.Policy, data: st.DataObject,
                                            as_of: datetime.date, horizon: int) -> None:
    drawn = data.draw(st.lists(worker_strategy(
        features, as_of=as_of, agency=st.sampled_from([None, "Police", "Health"])),
        max_size=25))
    teams = data.draw(st.lists(st.sampled_from(["", "North", "South"]),
                               min_size=len(drawn), max_size=len(drawn)))
    records: list[Any] = [w.to_dict() | {"team": t} for w, t in zip(drawn, teams, strict=True)]
    records.append({"id": "bad", "started": "2026-02-30", "contact": "regular"})
    by = ("agency", "team")
    report = build_report(features, records, as_of, by=by, horizon=horizon)
    _assert_agrees(report, _recount(features, records, as_of, horizon, by))


def test_report_does_not_depend_on_record_order(features: policyrules.Policy) -> None:
    workers = _features_workers()
    forward = report_dict(build_report(features, workers, AS_OF, by=["team"]))
    backward = report_dict(build_report(features, workers[::-1], AS_OF, by=["team"]))
    assert forward == backward
