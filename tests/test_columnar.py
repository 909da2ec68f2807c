"""The columnar backend (CONTRACT §6): `evaluate_frame` agrees with `evaluate` and with the
reference interpreter on every status and due date, and says what is wrong with a bad row
in the row path's own words."""

from __future__ import annotations

import datetime
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.engines.columnar import arrays
from policyrules.engines.columnar.plan import plus
from policyrules.language.nodes import Duration
from policyrules.records import read_workers
from policyrules.semantics.dates import OutsideCalendar, add
from policyrules.testing import as_of_dates, workers

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICIES = [FIXTURES / "features.policy", FIXTURES / "features_local.policy",
            FIXTURES / "framework.policy",
            *sorted((ROOT / "policies").rglob("*.policy"))]
AS_OF = datetime.date(2026, 11, 22)

Row = dict[str, Any]


# Date arithmetic -------------------------------------------------------------------------

@settings(max_examples=300)
@given(st.dates(datetime.date(1990, 1, 1), datetime.date(2060, 12, 31)),
       st.sampled_from(["days", "weeks", "months", "years"]), st.integers(0, 60))
def test_plus_is_the_one_date_helper(day: datetime.date, unit: str, amount: int) -> None:
    duration = Duration(amount, unit)
    got = pl.select(plus(pl.lit(day, pl.Date), duration)).item()
    assert got == add(day, duration)


@settings(max_examples=200)
@given(st.lists(st.one_of(st.none(), st.dates()), min_size=1, max_size=40),
       st.sampled_from(["months", "years"]), st.integers(0, 130))
def test_month_lookup_over_a_column_is_add(days: list[datetime.date | None], unit: str,
                                           amount: int) -> None:
    """A column's months are looked up over the span of its days: whatever the span
    (one day, the whole calendar) and nulls, each value is `add`'s, where add has one."""
    duration = Duration(amount, unit)
    # Day numbers: a value past 9999-12-31 (a row the engine sets aside) is no Python date.
    got = pl.select(plus(pl.lit(pl.Series(days, dtype=pl.Date)), duration)).to_series()
    for day, value in zip(days, got.to_physical().to_list(), strict=True):
        if day is None:
            assert value is None
        elif (expected := add_or_none(day, duration)) is not None:
            assert value == (expected - datetime.date(1970, 1, 1)).days


def add_or_none(day: datetime.date, duration: Duration) -> datetime.date | None:
    try:
        return add(day, duration)
    except OutsideCalendar:
        return None


def test_month_lookup_at_every_month_end() -> None:
    """Every month's last day of a leap and a common year + 1 to 13 months, and the
    calendar's first and last months: one column, one lookup table."""
    ends = [datetime.date(y, m % 12 + 1, 1) - datetime.timedelta(days=1)
            for y in (2023, 2024) for m in range(1, 13)]
    days = [*ends, datetime.date(2024, 2, 29), datetime.date(1, 1, 31),
            datetime.date(9998, 11, 30)]
    for months in range(1, 14):
        got = pl.select(plus(pl.lit(pl.Series(days, dtype=pl.Date)), Duration(months, "months")))
        assert got.to_series().to_list() == [add(d, Duration(months, "months")) for d in days]
    assert pl.select(plus(pl.lit(datetime.date(9999, 11, 30), pl.Date),
                          Duration(1, "months"))).item() == datetime.date(9999, 12, 30)
    assert pl.select(plus(pl.lit(datetime.date(2024, 2, 29), pl.Date),
                          Duration(1, "years"))).item() == datetime.date(2025, 2, 28)
    assert pl.select(plus(pl.lit(pl.Series([None, None], dtype=pl.Date)),
                          Duration(1, "years"))).to_series().to_list() == [None, None]


@pytest.mark.parametrize(("day", "duration", "expected"), [
    (datetime.date(2025, 8, 31), Duration(6, "months"), datetime.date(2026, 2, 28)),
    (datetime.date(2024, 2, 29), Duration(3, "years"), datetime.date(2027, 2, 28)),
    (datetime.date(2024, 2, 29), Duration(4, "years"), datetime.date(2028, 2, 29)),
    (datetime.date(2023, 12, 31), Duration(2, "months"), datetime.date(2024, 2, 29)),
])
def test_month_ends_clip_as_the_contract_says(day: datetime.date, duration: Duration,
                                              expected: datetime.date) -> None:
    assert pl.select(plus(pl.lit(day, pl.Date), duration)).item() == expected


def test_durations_add_in_turn_each_clipped() -> None:
    # within 6 months then grace 1 month: 2025-08-31 → 2026-02-28 → 2026-03-28, not 03-31
    day = pl.lit(datetime.date(2025, 8, 31), pl.Date)
    got = pl.select(plus(day, Duration(6, "months"), None, Duration(1, "months"))).item()
    assert got == datetime.date(2026, 3, 28)


# Building tables from §1 records ------------------------------------------------------------

def _roles_text(roles: list[Any]) -> str:
    return ";".join(r if isinstance(r, str) else f"{r['role']}@{r['since']}" for r in roles)


def _roles_struct(roles: list[Any]) -> list[Row]:
    return [{"role": r, "since": None} if isinstance(r, str) else r for r in roles]


ROLE_SHAPES: dict[str, tuple[Callable[[list[Any]], Any], pl.DataType]] = {
    "text": (_roles_text, pl.String()),
    "names": (list, pl.List(pl.String)),
    "structs": (_roles_struct, pl.List(pl.Struct({"role": pl.String, "since": pl.String}))),
}


def tables(records: list[Row], *, roles: str = "text",
           dates_as_text: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A workers table and a training table holding exactly these §1 mappings; `roles`
    is one of ROLE_SHAPES ("names" only for roles without `since`)."""
    def day(text: Any) -> Any:
        return text if dates_as_text or text is None else datetime.date.fromisoformat(text)

    shape, roles_type = ROLE_SHAPES[roles]
    rows = [{
        "id": r.get("id"), "started": day(r.get("started")), "contact": r.get("contact"),
        "roles": shape(r.get("roles") or []),
        "agency": r.get("agency"), "sector": r.get("sector"),
        "volunteer": r.get("volunteer", False),
    } for r in records]
    date = pl.String if dates_as_text else pl.Date
    workers_frame = pl.DataFrame(rows, schema={
        "id": pl.String, "started": date, "contact": pl.String,
        "roles": roles_type, "agency": pl.String,
        "sector": pl.String, "volunteer": pl.Boolean})
    training_rows = [{
        "worker": r.get("id"), "training": t.get("training"), "completed": day(t.get("completed")),
        "delivery": t.get("delivery"), "provider": t.get("provider"), "hours": t.get("hours"),
        "level": t.get("level"),
    } for r in records for t in (r.get("training") or [])]
    training_frame = pl.DataFrame(training_rows, schema={
        "worker": pl.String, "training": pl.String, "completed": date, "delivery": pl.String,
        "provider": pl.String, "hours": pl.Float64, "level": pl.String})
    return workers_frame, training_frame


LIBRARIES: dict[str, Callable[[pl.DataFrame], object]] = {
    "polars": lambda df: df,
    "pyarrow": lambda df: df.to_arrow(),
    "pandas": lambda df: df.to_pandas(use_pyarrow_extension_array=True),
}


def expected(policy: policyrules.Policy, records: list[Row],
             as_of: datetime.date) -> tuple[list[Row], list[Row]]:
    """The decisions and findings tables as the row path gives them."""
    decisions: list[Row] = []
    findings: list[Row] = []
    for record in records:
        try:
            d = policy.evaluate(record, as_of=as_of)
        except policyrules.WorkerError as exc:
            decisions.append({"worker": exc.worker, "compliant": None, "groups": None,
                              "error": str(exc)})
            continue
        decisions.append({"worker": d.worker, "compliant": d.compliant,
                          "groups": list(d.groups), "error": None})
        findings += [{"worker": d.worker, "requirement": f.requirement, "status": f.status,
                      "due": f.due, "cites": list(f.cites)} for f in d.findings]
    return decisions, findings


def _record(worker: policyrules.Worker, i: int) -> Row:
    data = worker.to_dict()
    data["id"] = f"W{i:04d}"  # unique within one input, as §1 asks
    return data


# The differential test ----------------------------------------------------------------------

@st.composite
def cases(draw: st.DrawFn) -> tuple[policyrules.Policy, list[Row], datetime.date]:
    policy = policyrules.load(draw(st.sampled_from(POLICIES)))
    as_of = draw(as_of_dates())
    drawn = draw(st.lists(workers(policy, as_of=as_of, details=True), min_size=1,
                          max_size=8))
    return policy, [_record(w, i) for i, w in enumerate(drawn)], as_of


@settings(max_examples=150)
@given(cases(), st.sampled_from(sorted(LIBRARIES)), st.booleans(),
       st.sampled_from(sorted(ROLE_SHAPES)))
def test_frame_equals_evaluate_equals_interpret(
        case: tuple[policyrules.Policy, list[Row], datetime.date], library: str,
        dates_as_text: bool, roles: str) -> None:
    policy, records, as_of = case
    if roles == "names" and any(isinstance(r, dict) for rec in records for r in rec["roles"]):
        roles = "text"  # a list of names cannot say `since`
    workers_frame, training_frame = tables(records, roles=roles, dates_as_text=dates_as_text)
    convert = LIBRARIES[library]
    result = policy.evaluate_frame(convert(workers_frame), convert(training_frame),
                                   as_of=as_of)
    decisions, findings = expected(policy, records, as_of)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings
    for record in records:  # and the row path is the interpreter's
        assert policy.evaluate(record, as_of=as_of) == policy.interpret(record, as_of=as_of)


def test_shipped_workforce_row_for_row() -> None:
    """examples/ through evaluate_frame gives what `evaluate` gives on the same files."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers_path = ROOT / "examples" / "workers.csv"
    training_path = ROOT / "examples" / "training.csv"
    result = policy.evaluate_frame(pl.read_csv(workers_path, infer_schema=False),
                                   pl.read_csv(training_path, infer_schema=False), as_of=AS_OF)
    decisions: list[Row] = []
    findings: list[Row] = []
    for _, _, item in read_workers(str(workers_path), policy, training=str(training_path)):
        if isinstance(item, policyrules.WorkerError):
            # A table has no file lines: the row path's "(FILE line N)" is all that differs.
            decisions.append({"worker": item.worker, "compliant": None, "groups": None,
                              "error": re.sub(r" \(\S+training\.csv line \d+\)", "", str(item))})
            continue
        d = policy.evaluate(item, as_of=AS_OF)
        decisions.append({"worker": d.worker, "compliant": d.compliant,
                          "groups": list(d.groups), "error": None})
        findings += [{"worker": d.worker, "requirement": f.requirement, "status": f.status,
                      "due": f.due, "cites": list(f.cites)} for f in d.findings]
    assert sum(d["error"] is not None for d in decisions) == 8  # examples/README.md
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings


@settings(max_examples=200)
@given(st.lists(st.one_of(st.none(), st.sampled_from("ABCDE")), max_size=30),
       st.lists(st.one_of(st.none(), st.sampled_from("ABCDEF")), max_size=12))
def test_records_find_every_row_with_their_workers_id(worker: list[str | None],
                                                      ids: list[str | None]) -> None:
    """Records in any order, ids held by several rows or none, missing on either side:
    each record goes to every row whose id is its worker, and to no other."""
    record, row = arrays.owners(pl.Series(worker, dtype=pl.String),
                                pl.Series(ids, dtype=pl.String))
    assert sorted(zip(record.tolist(), row.tolist(), strict=True)) == [
        (i, j) for i, w in enumerate(worker) for j, d in enumerate(ids)
        if w is not None and w == d]


@settings(max_examples=200)
@given(st.lists(st.one_of(st.integers(0, 70_000), st.integers(0, 2**64 - 1)), max_size=40),
       st.booleans())
def test_distinct_is_numpys_unique(values: list[int], small: bool) -> None:
    """The groups' bit masks: the counted path (small values) and the sorted path (any
    value up to 2**64 - 1) both give what `np.unique(..., return_inverse=True)` gives."""
    array = np.array([v % 300 if small else v for v in values], np.uint64)
    sets, which = arrays.distinct(array)
    expect_sets, expect_which = np.unique(array, return_inverse=True)
    assert sets.dtype == np.uint64
    assert sets.tolist() == expect_sets.tolist()
    assert which.tolist() == expect_which.tolist()


@settings(max_examples=200)
@given(st.integers(0, 3).flatmap(lambda k: st.lists(
           st.lists(st.text(max_size=4), min_size=k, max_size=k) if k < 3
           else st.lists(st.text(max_size=4), max_size=3), min_size=1, max_size=6)),
       st.data())
def test_lists_taken_are_arrows_take(values: list[list[str]], data: st.DataObject) -> None:
    """The findings' cites: lists all of one length (none, one, two paragraphs) put
    together from their texts, and lists of any lengths, are Arrow's take of the lists."""
    which = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=30)),
                     np.int64)
    got = arrays.take_lists(values, which)
    assert got.type == pa.list_(pa.string())
    assert got.equals(arrays.string_lists(values).take(arrays.indices(which)))
    assert got.to_pylist() == [values[i] for i in which]


@settings(max_examples=25)
@given(st.randoms(use_true_random=False))
def test_records_in_any_order_and_an_id_held_twice(rng: random.Random) -> None:
    """Training rows shuffled, and a worker id on two rows: each row is decided with all
    the records of its id, in the table's order, as `evaluate` decides that mapping."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    courses = ["safeguarding-induction", "safeguarding-refresher",
               "supervision-skills-training", "inter-agency-foundation"]
    training = [{"worker": rng.choice("ABC"), "training": rng.choice(courses),
                 "completed": f"20{rng.randint(18, 26)}-0{rng.randint(1, 9)}-28"}
                for _ in range(rng.randint(0, 14))]
    rows = [{"id": i, "started": "2018-02-28", "contact": "regular", "roles": "supervisor"}
            for i in ("A", "B", "A", "C")]
    result = policy.evaluate_frame(pl.DataFrame(rows), pl.DataFrame(
        training, schema={"worker": pl.String, "training": pl.String, "completed": pl.String}),
        as_of=AS_OF)
    mappings = [{**r, "roles": ["supervisor"],
                 "training": [{"training": t["training"], "completed": t["completed"]}
                              for t in training if t["worker"] == r["id"]]} for r in rows]
    decisions, findings = expected(policy, mappings, AS_OF)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings


def test_pandas_as_read_from_csv() -> None:
    """The common pandas case: object columns of text, a date column of `datetime.date`."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers_frame = pd.DataFrame({
        "id": ["A1", "A2"], "started": [datetime.date(2025, 8, 31), datetime.date(2026, 1, 5)],
        "contact": ["regular", "none"], "roles": ["supervisor", None],
        "volunteer": [False, True], "team": ["north", "south"]})
    training_frame = pd.DataFrame({"worker": ["A1"], "training": ["safeguarding-induction"],
                                   "completed": ["2025-09-30"], "hours": [3.0]})
    result = policy.evaluate_frame(workers_frame, training_frame, as_of=AS_OF)
    records: list[Row] = [
        {"id": "A1", "started": "2025-08-31", "contact": "regular", "roles": ["supervisor"],
         "training": [{"training": "safeguarding-induction", "completed": "2025-09-30",
                       "hours": 3.0}]},
        {"id": "A2", "started": "2026-01-05", "contact": "none", "volunteer": True},
    ]
    decisions, findings = expected(policy, records, AS_OF)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings
    assert any(f["requirement"] == "induction" and f["status"] == "met" for f in findings)


def test_result_schemas_are_the_contracts() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    frame, training = tables([{"id": "A", "started": "2026-01-01", "contact": "regular"},
                              {"id": None, "started": "2026-01-01", "contact": "regular"}])
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    assert result.decisions.schema.names == ["worker", "compliant", "groups", "error"]
    assert [str(t) for t in result.decisions.schema.types] == [
        "string", "bool", "list<item: string>", "string"]
    assert result.findings.schema.names == ["worker", "requirement", "status", "due", "cites"]
    assert [str(t) for t in result.findings.schema.types] == [
        "string", "string", "string", "date32[day]", "list<item: string>"]
    assert isinstance(result.decisions, pa.Table) and isinstance(result.findings, pa.Table)
    assert result.decisions.column("error").to_pylist()[0] is None
    assert result.decisions.column("compliant").to_pylist()[1] is None


def test_no_training_table_and_no_workers() -> None:
    policy = policyrules.load(FIXTURES / "features.policy")
    record = {"id": "A", "started": "2026-01-01", "contact": "regular"}
    frame, _ = tables([record])
    result = policy.evaluate_frame(frame, as_of=AS_OF)
    decisions, findings = expected(policy, [record], AS_OF)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings
    empty = policy.evaluate_frame(frame.clear(), as_of=AS_OF)
    assert empty.decisions.num_rows == 0 and empty.findings.num_rows == 0


def test_roles_since_and_records_after_as_of() -> None:
    """A role taken after as_of is not held yet, but its anchor is its `since`; a record
    completed after as_of is ignored."""
    policy = policyrules.load(FIXTURES / "features.policy")
    records: list[Row] = [
        {"id": "S1", "started": "2020-01-31", "contact": "regular",
         "roles": [{"role": "supervisor", "since": "2026-08-31"}],
         "training": [{"training": "supervision-course", "completed": "2026-12-01"}]},
        {"id": "S2", "started": "2020-01-31", "contact": "regular",
         "roles": [{"role": "supervisor", "since": "2026-12-01"}]},
    ]
    frame, training = tables(records)
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    decisions, findings = expected(policy, records, AS_OF)
    assert result.findings.to_pylist() == findings
    assert result.decisions.to_pylist() == decisions
    # 2026-08-31 + 3 months = 2026-11-30 (clipped), + 1 month's grace = 2026-12-30
    supervision = [f for f in findings if f["requirement"] == "supervision"]
    assert supervision == [{"worker": "S1", "requirement": "supervision", "status": "due",
                            "due": datetime.date(2026, 12, 30), "cites": ["1.6"]}]


# Language v2, worked by hand ---------------------------------------------------------------

FRAMEWORK = FIXTURES / "framework.policy"
D = datetime.date


def _rec(training: str, completed: str, **details: Any) -> Row:
    return {"training": training, "completed": completed} | details


# (worker, as_of, {requirement: (status, due)}): each due worked out from the fixture's
# text (level-1 2h, level-2 3h, level-3 4h by default; level-3 counts as level-2, which
# counts as level-1), not from either engine.
V2_CASES: list[tuple[Row, datetime.date, dict[str, tuple[str, datetime.date | None]]]] = [
    # 2 hours within 3 years: the one record's window ended 2021-03-31 + 3y; that lapse
    # day is later than the first deadline (2020-01-06 + 6 months), so it is the one missed.
    ({"started": "2020-01-06", "contact": "none",
      "training": [_rec("level-1", "2021-03-31")]}, AS_OF,
     {"level-1-all": ("overdue", D(2024, 3, 31))}),
    # ... and when the lapse day is before the first deadline, the deadline stands.
    ({"started": "2024-06-01", "contact": "none",
      "training": [_rec("level-1", "2021-01-01")]}, AS_OF,
     {"level-1-all": ("overdue", D(2024, 12, 1))}),
    ({"started": "2024-06-01", "contact": "none",
      "training": [_rec("level-1", "2022-01-01")]}, AS_OF,
     {"level-1-all": ("overdue", D(2025, 1, 1))}),
    # Met: newest first 1h (2025-01-31, a level-2 giving its own hours) then 1h reaches 2h
    # at 2024-06-15, so due 2027-06-15; the 2019 record left the window in 2022.
    ({"started": "2020-01-06", "contact": "none",
      "training": [_rec("level-1", "2024-06-15", hours=1.0), _rec("level-1", "2019-05-01"),
                   _rec("level-2", "2025-01-31", hours=1.0)]}, AS_OF,
     {"level-1-all": ("met", D(2027, 6, 15))}),
    # Nothing yet: due six months from the start.
    ({"started": "2026-09-01", "contact": "none"}, AS_OF,
     {"level-1-all": ("due", D(2027, 3, 1))}),
    # Healthcare since 2025-01-06: 5h + 4h (declared) = 9h ≥ 8h in total (met, no date);
    # 9h < 12h within 3 years, so due by the role's day + 3 years; the newest level-3
    # alone gives Level 1's 2 hours, until 2025-11-20 + 3y.
    ({"started": "2024-01-01", "contact": "none",
      "roles": [{"role": "healthcare", "since": "2025-01-06"}],
      "training": [_rec("level-3", "2025-06-01", hours=5), _rec("level-3", "2025-11-20")]},
     AS_OF, {"level-3-first-year": ("met", None), "level-3-rolling": ("due", D(2028, 1, 6)),
             "level-1-all": ("met", D(2028, 11, 20))}),
    # Due before first joint-course: 2026-10-01 comes before start + 6 months.
    ({"started": "2026-09-01", "contact": "regular",
      "training": [_rec("joint-course", "2026-10-01", delivery="inter-agency")]}, AS_OF,
     {"induction": ("overdue", D(2026, 10, 1))}),
    ({"started": "2026-09-01", "contact": "regular"}, AS_OF,
     {"induction": ("due", D(2027, 3, 1))}),
    # `completed induction` applies the refresher; it counts from completing induction.
    ({"started": "2024-01-01", "contact": "regular",
      "training": [_rec("induction", "2024-02-01")]}, AS_OF,
     {"induction": ("met", None), "refresher": ("overdue", D(2025, 2, 1))}),
    ({"started": "2024-01-01", "contact": "regular",
      "training": [_rec("induction", "2024-02-01"), _rec("refresher", "2025-01-15")]}, AS_OF,
     {"refresher": ("met", D(2027, 1, 15))}),
    # Delivered inter-agency: a single-agency record of the course does not count.
    ({"started": "2024-01-01", "contact": "predominant",
      "training": [_rec("joint-course", "2026-01-01", delivery="single-agency")]}, AS_OF,
     {"joint-training": ("overdue", None)}),
    ({"started": "2024-01-01", "contact": "predominant",
      "training": [_rec("joint-course", "2026-01-01", delivery="inter-agency")]}, AS_OF,
     {"joint-training": ("met", None)}),
    # In force: the old supervision rule to 2026-03-31, the new one from 2026-04-01.
    ({"started": "2020-01-01", "contact": "none", "roles": ["supervisor"]}, D(2026, 3, 31),
     {"supervision-old": ("overdue", None)}),
    ({"started": "2020-01-01", "contact": "none", "roles": ["supervisor"]}, D(2026, 4, 1),
     {"supervision-new": ("overdue", D(2020, 7, 1))}),
]


@pytest.mark.parametrize(("worker", "as_of", "want"), V2_CASES)
def test_v2_constructs_by_hand(worker: Row, as_of: datetime.date,
                               want: dict[str, tuple[str, datetime.date | None]]) -> None:
    policy = policyrules.load(FRAMEWORK)
    record = {"id": "V"} | worker
    frame, training = tables([record])
    result = policy.evaluate_frame(frame, training, as_of=as_of).findings.to_pylist()
    got = {f["requirement"]: (f["status"], f["due"]) for f in result}
    assert {k: got.get(k) for k in want} == want
    assert result == expected(policy, [record], as_of)[1]
    # In force decides which of the two supervision rules gives a finding at all.
    if "supervision-old" in want:
        assert "supervision-new" not in got
    if "supervision-new" in want:
        assert "supervision-old" not in got


def dense_framework(data: st.DataObject, policy: policyrules.Policy
                    ) -> tuple[list[Row], datetime.date]:
    """A few workers with many records of the framework's levels, over a few years, and
    the day to decide them on (shared with tests/test_columnar_facts.py)."""
    as_of = data.draw(as_of_dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)))
    drawn = data.draw(st.lists(workers(
        policy, as_of=as_of, details=True, max_records=12,
        roles_from=["healthcare", "supervisor"],
        started=st.dates(D(2018, 1, 1), as_of)), min_size=1, max_size=6))
    return [_record(w, i) for i, w in enumerate(drawn)], as_of


@settings(max_examples=100)
@given(st.data(), st.sampled_from(sorted(LIBRARIES)))
def test_hours_and_events_dense(data: st.DataObject, library: str) -> None:
    """Many records of the framework's levels per worker, over a few years: hours windows
    met, lapsed and never met, first completions and in-force days, against the row path."""
    policy = policyrules.load(FRAMEWORK)
    records, as_of = dense_framework(data, policy)
    frame, training = tables(records)
    convert = LIBRARIES[library]
    result = policy.evaluate_frame(convert(frame), convert(training), as_of=as_of)
    decisions, findings = expected(policy, records, as_of)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings


def test_dates_at_the_calendars_end() -> None:
    """Python's calendar ends at 9999-12-31 and Polars' does not: a deadline past it is
    the row path's DateRangeError for that row, and a row near it is still decided."""
    policy = policyrules.load(FRAMEWORK)
    records: list[Row] = [
        {"id": "late", "started": "9999-09-01", "contact": "none"},  # + 6 months: year 10000
        {"id": "near", "started": "9999-01-01", "contact": "regular",
         "training": [_rec("induction", "9999-02-01")]},
        {"id": "usual", "started": "2026-01-01", "contact": "none"},
    ]
    frame, training = tables(records)
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    decisions, findings = expected(policy, records, AS_OF)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings
    errors = result.decisions.column("error").to_pylist()
    assert errors[0] is not None and "after 9999-12-31" in errors[0]
    assert errors[1] is None and errors[2] is None
    assert [f["worker"] for f in findings] == ["near", "near", "usual"]


def test_a_date_column_past_pythons_calendar() -> None:
    """An Arrow date32 can hold the year 10000; that row is an error, the rest decided."""
    policy = policyrules.load(FRAMEWORK)
    days = pl.Series([(D(2026, 1, 1) - D(1970, 1, 1)).days,
                      (D(9999, 12, 31) - D(1970, 1, 1)).days + 1], dtype=pl.Int32)
    frame = pl.DataFrame({"id": ["A", "B"], "started": days.cast(pl.Date),
                          "contact": ["none", "none"]})
    result = policy.evaluate_frame(frame.to_arrow(), as_of=AS_OF).decisions.to_pylist()
    assert result[0]["error"] is None and result[0]["compliant"] is False
    assert result[1]["compliant"] is None
    assert result[1]["error"] == ("worker 'B': field 'started': '+10000-01-01' is not a "
                                  "calendar date; allowed: a date YYYY-MM-DD, such as "
                                  "2026-03-01")


def test_pandas_missing_hours_count_as_the_course_declares() -> None:
    """NaN, None and pd.NA in an hours column are missing cells (as in mappings): the
    record counts its course's declared hours."""
    policy = policyrules.load(FRAMEWORK)
    workers_frame = pd.DataFrame({"id": ["A", "B", "C"], "started": ["2024-01-01"] * 3,
                                  "contact": ["none"] * 3})
    training_frame = pd.DataFrame({
        "worker": ["A", "B", "C"], "training": ["level-1"] * 3,
        "completed": ["2025-01-01"] * 3,
        "hours": pd.array([float("nan"), None, 0.5], dtype="Float64")})
    training_frame.loc[0, "hours"] = float("nan")
    result = policy.evaluate_frame(workers_frame, training_frame, as_of=AS_OF)
    got = [(f["worker"], f["status"]) for f in result.findings.to_pylist()]
    # Level 1 declares 2 hours, the target: A and B meet it; C's own half hour does not.
    assert got == [("A", "met"), ("B", "met"), ("C", "overdue")]
    assert result.decisions.column("error").null_count == 3


ONE_HOUR = policyrules.loads(
    'policy sums\n  title "Sums"\n  source "S" paragraphs 1 to 1\n\n'
    'training course "Course"\n  delivery single-agency\n  cites 1\n\n'
    'requirement hour "One hour"\n  applies to everyone\n  satisfied by course\n'
    '  at least 1 hours within 1 year\n  no deadline\n  cites 1\n  explain "One hour"\n',
    name="sums.policy")


SINGLE_AGENCY = policyrules.loads(
    'policy own\n  title "Own"\n  source "S" paragraphs 1 to 1\n\n'
    'training course "Course"\n  delivery single-agency\n  cites 1\n\n'
    'requirement own "Own course"\n  applies to everyone\n  satisfied by course\n'
    '  delivered single-agency\n  no deadline\n  cites 1\n  explain "Own course"\n',
    name="own.policy")


@pytest.mark.parametrize(("delivery", "want"), [
    # A record's delivery left out, null or empty is single-agency (§1.3).
    (..., "met"), (None, "met"), ("", "met"), ("single-agency", "met"),
    ("inter-agency", "overdue"),
])
def test_a_record_without_a_delivery_is_single_agency(delivery: object, want: str) -> None:
    record: Row = {"training": "course", "completed": "2026-01-01"}
    if delivery is not ...:
        record["delivery"] = delivery
    worker: Row = {"id": "A", "started": "2025-01-01", "contact": "none",
                   "training": [record]}
    frame, training = tables([worker])
    if delivery is ...:
        training = training.drop("delivery")
    result = SINGLE_AGENCY.evaluate_frame(frame, training, as_of=AS_OF)
    assert [f["status"] for f in result.findings.to_pylist()] == [want]
    assert result.findings.to_pylist() == expected(SINGLE_AGENCY, [worker], AS_OF)[1]


@pytest.mark.parametrize("asks", [True, False])
def test_a_delivery_outside_the_vocabulary_sets_its_row_aside(asks: bool) -> None:
    """` single-agency` (a space before it) and `Single-agency` are not deliveries (§1.3:
    no trimming, no case folding), as in the row path, whether or not a rule asks for a
    delivery (the columns read it differently then)."""
    policy = SINGLE_AGENCY if asks else ONE_HOUR
    workers_ = [{"id": name, "started": "2025-01-01", "contact": "none",
                 "training": [{"training": "course", "completed": "2026-01-01",
                               "delivery": delivery}]}
                for name, delivery in (("A", " single-agency"), ("B", "Single-agency"),
                                       ("C", "single-agency"))]
    frame, training = tables(workers_)
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    assert [d["error"] is not None for d in result.decisions.to_pylist()] == [True, True,
                                                                               False]
    assert result.decisions.to_pylist() == expected(policy, workers_, AS_OF)[0]


@pytest.mark.parametrize("asks", [True, False])
def test_a_delivery_column_that_is_not_text(asks: bool) -> None:
    """A number where a delivery goes breaks §1.3 (the row path's error); a null one is
    no delivery at all: single-agency."""
    policy = SINGLE_AGENCY if asks else ONE_HOUR
    workers_ = [{"id": name, "started": "2025-01-01", "contact": "none",
                 "training": [{"training": "course", "completed": "2026-01-01",
                               "delivery": delivery}]}
                for name, delivery in (("A", 1), ("B", None))]
    frame, _ = tables(workers_)
    training = pl.DataFrame({"worker": ["A", "B"], "training": ["course"] * 2,
                             "completed": ["2026-01-01"] * 2, "delivery": [1, None]},
                            schema_overrides={"delivery": pl.Int64})
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    assert [d["error"] is not None for d in result.decisions.to_pylist()] == [True, False]
    assert (result.decisions.to_pylist(), result.findings.to_pylist()) == \
        expected(policy, workers_, AS_OF)


HOURS_AND_DELIVERY = policyrules.loads(
    'policy both\n  title "Both"\n  source "S" paragraphs 1 to 1\n\n'
    'training course "Course"\n  delivery single-agency\n  hours 1\n  cites 1\n\n'
    'requirement hour "One hour"\n  applies to everyone\n  satisfied by course\n'
    '  at least 1 hours within 1 year\n  no deadline\n  cites 1\n  explain "One hour"\n\n'
    'requirement joint "Joint course"\n  applies to everyone\n  satisfied by course\n'
    '  delivered inter-agency\n  no deadline\n  cites 1\n  explain "Joint"\n',
    name="both.policy")


def test_an_hours_rule_beside_a_delivery_rule() -> None:
    """An hours target reads each record's details as text while a delivery rule reads
    the delivery's position: both from the same records, as the row path decides."""
    workers_ = [{"id": name, "started": "2025-01-01", "contact": "none",
                 "training": [{"training": "course", "completed": "2026-06-01", **extra}]}
                for name, extra in (("A", {}), ("B", {"delivery": "inter-agency"}),
                                    ("C", {"delivery": ""}))]
    frame, training = tables(workers_)
    result = HOURS_AND_DELIVERY.evaluate_frame(frame, training, as_of=AS_OF)
    got = [(f["worker"], f["requirement"], f["status"]) for f in result.findings.to_pylist()]
    assert got == [("A", "hour", "met"), ("A", "joint", "overdue"), ("B", "hour", "met"),
                   ("B", "joint", "met"), ("C", "hour", "met"), ("C", "joint", "overdue")]
    assert result.findings.to_pylist() == expected(HOURS_AND_DELIVERY, workers_, AS_OF)[1]


def test_hours_add_up_whatever_their_order() -> None:
    """0.7 + 0.2 + 0.1 hours is one hour, whichever record is newest and in whatever order
    the records come: every engine adds whole millionths of an hour, not floats (as floats,
    0.7 + 0.2 + 0.1 < 1.0 <= 0.1 + 0.2 + 0.7)."""
    assert 0.7 + 0.2 + 0.1 < 1.0 <= 0.1 + 0.2 + 0.7
    policy = ONE_HOUR
    for dated in ([0.7, 0.2, 0.1], [0.1, 0.2, 0.7]):  # oldest first
        records = [_rec("course", f"2026-0{i + 1}-01", hours=h) for i, h in enumerate(dated)]
        for listed in (records, records[::-1]):
            record = {"id": "A", "started": "2026-01-01", "contact": "none",
                      "training": listed}
            frame, training = tables([record])
            got = policy.evaluate_frame(frame, training, as_of=AS_OF).findings.to_pylist()
            # Met until the oldest record's day + 1 year: all three are needed.
            assert [(f["status"], f["due"]) for f in got] == [
                ("met", datetime.date(2027, 1, 1))]
            for finding in (policy.interpret(record, as_of=AS_OF).findings[0],
                            policy.evaluate(record, as_of=AS_OF).findings[0]):
                assert (finding.status, finding.due) == ("met", datetime.date(2027, 1, 1))
                assert "has 1 hour of Course" in finding.explanation
    # A lapse is found by the same exact sums: on 2027-05-01 the oldest record has left.
    later = datetime.date(2027, 5, 1)
    record = {"id": "A", "started": "2026-01-01", "contact": "none",
              "training": [_rec("course", f"2026-0{i + 1}-01", hours=h)
                           for i, h in enumerate([0.7, 0.2, 0.1])]}
    frame, training = tables([record])
    got = policy.evaluate_frame(frame, training, as_of=later).findings.to_pylist()
    for finding in (policy.interpret(record, as_of=later).findings[0],
                    policy.evaluate(record, as_of=later).findings[0]):
        assert (finding.status, finding.due) == ("overdue", datetime.date(2027, 1, 1))
        assert [(f["status"], f["due"]) for f in got] == [(finding.status, finding.due)]


def test_hours_beyond_the_limit_are_an_error_of_the_record_in_rows_and_columns() -> None:
    policy = ONE_HOUR
    for hours, ok in ((1_000_000, True), (1_000_000.5, False), (1e300, False)):
        record = {"id": "A", "started": "2026-01-01", "contact": "none",
                  "training": [_rec("course", "2026-02-01", hours=hours)]}
        frame, training = tables([record])
        decisions = policy.evaluate_frame(frame, training, as_of=AS_OF).decisions.to_pylist()
        if ok:
            assert policy.evaluate(record, as_of=AS_OF).compliant
            assert decisions[0]["compliant"] is True
            continue
        with pytest.raises(policyrules.PolicyError) as raised:
            policy.evaluate(record, as_of=AS_OF)
        assert "field 'training[0].hours': must be at most 1000000 hours" in str(raised.value)
        assert decisions[0]["compliant"] is None
        assert decisions[0]["error"] == str(raised.value)


# Validation in columns -----------------------------------------------------------------------

# Each breaks one rule of §1 in a value (the column keeps its type); the reference is what
# `Policy.evaluate` raises for the same mapping.
BREAKS: list[Callable[[Row], None]] = [
    lambda r: r.update(id=None),
    lambda r: r.update(id=""),
    lambda r: r.update(started=None),
    lambda r: r.update(started="2026-02-30"),
    lambda r: r.update(started="2026-01-01T09:00"),
    lambda r: r.update(started="0000-01-01"),
    lambda r: r.update(started="2026-1-5"),
    lambda r: r.update(contact=None),
    lambda r: r.update(contact="regualr"),
    lambda r: r.update(sector="statutry"),
    lambda r: r.update(roles=[*r["roles"], "supervisr"]),
    lambda r: r.update(roles=[*r["roles"], {"role": "trainer", "since": "2026-13-01"}]),
    lambda r: r.update(training=[*r["training"], {"training": None, "completed": "2026-01-01"}]),
    lambda r: r.update(training=[*r["training"], {"training": "x", "completed": "2026-02-29"}]),
    lambda r: r.update(training=[*r["training"], {"training": "x", "completed": None}]),
    lambda r: r.update(training=[*r["training"], {"training": "x", "completed": "2026-01-01",
                                                  "delivery": "inter agency"}]),
    lambda r: r.update(training=[*r["training"], {"training": "x", "completed": "2026-01-01",
                                                  "hours": -1.0}]),
    lambda r: r.update(training=[*r["training"], {"training": "x", "completed": "2026-01-01",
                                                  "hours": float("nan")}]),
]


@st.composite
def broken_cases(draw: st.DrawFn) -> tuple[policyrules.Policy, list[Row]]:
    policy = policyrules.load(draw(st.sampled_from(POLICIES)))
    drawn = draw(st.lists(workers(policy, as_of=AS_OF, details=True), min_size=1,
                          max_size=6))
    records = [_record(w, i) for i, w in enumerate(drawn)]
    for record in records:
        for k in draw(st.lists(st.integers(0, len(BREAKS) - 1), max_size=2)):
            BREAKS[k](record)
    return policy, records


@settings(max_examples=150)
@given(broken_cases(), st.sampled_from(["text", "structs"]))
def test_bad_rows_get_the_row_paths_error_and_the_rest_are_decided(
        case: tuple[policyrules.Policy, list[Row]], roles: str) -> None:
    policy, records = case
    # In a table a record names its worker by id: a worker without one (and there may be
    # several) owns none.
    owned = [r if r["id"] else r | {"training": []} for r in records]
    frame, training = tables(owned, roles=roles)
    result = policy.evaluate_frame(frame, training, as_of=AS_OF)
    decisions, findings = expected(policy, owned, AS_OF)
    assert result.decisions.to_pylist() == decisions
    assert result.findings.to_pylist() == findings


def _one_worker(**columns: pl.Series) -> pl.DataFrame:
    base = {"id": pl.Series(["A"]), "started": pl.Series(["2026-01-01"]),
            "contact": pl.Series(["regular"])}
    return pl.DataFrame(base | columns)


@pytest.mark.parametrize(("columns", "record"), [
    ({"id": pl.Series([7])}, {"id": 7}),
    ({"started": pl.Series([datetime.datetime(2026, 1, 1, 9, 30)])},
     {"started": datetime.datetime(2026, 1, 1, 9, 30)}),
    ({"started": pl.Series([20260101])}, {"started": 20260101}),
    ({"contact": pl.Series([2])}, {"contact": 2}),
    ({"agency": pl.Series([5])}, {"agency": 5}),
    ({"volunteer": pl.Series([1])}, {"volunteer": 1}),
    ({"sector": pl.Series([None], dtype=pl.Int8)}, {}),
    ({"roles": pl.Series([[1, 2]])}, {"roles": [1, 2]}),
    ({"roles": pl.Series([[{"role": 3}]])}, {"roles": [{"role": 3}]}),
    ({"roles": pl.Series([5])}, {"roles": 5}),
])
def test_a_column_of_the_wrong_type(columns: dict[str, pl.Series], record: Row) -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    result = policy.evaluate_frame(_one_worker(**columns), as_of=AS_OF)
    decisions, _ = expected(policy, [{"id": "A", "started": "2026-01-01",
                                      "contact": "regular"} | record], AS_OF)
    assert result.decisions.to_pylist() == decisions


def test_a_date_time_column_names_the_value() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    frame = pd.DataFrame({"id": ["A"], "started": pd.to_datetime(["2026-01-01"]),
                          "contact": ["regular"]})
    error = policy.evaluate_frame(frame, as_of=AS_OF).decisions.column("error")[0].as_py()
    assert error == ("worker 'A': field 'started': is a date-time (2026-01-01T00:00:00), "
                     "not a date; convert it with .date() (a pandas column: .dt.date); allowed: a "
                     "date YYYY-MM-DD")


def test_text_cells_read_as_csv_cells() -> None:
    """Text `volunteer` and `hours` columns follow §1.4, as the CSV reader does."""
    policy = policyrules.load(FIXTURES / "features.policy")
    frame = _one_worker(id=pl.Series(["A", "B", "C"]),
                        started=pl.Series(["2026-01-01"] * 3),
                        contact=pl.Series(["regular"] * 3),
                        sector=pl.Series(["community"] * 3),
                        volunteer=pl.Series(["Yes", "0", "maybe"]))
    training = pl.DataFrame({"worker": ["A", "B"], "training": ["joint-course"] * 2,
                             "completed": ["2026-02-01"] * 2, "hours": ["3", "three"]})
    result = policy.evaluate_frame(frame, training, as_of=AS_OF).decisions.to_pylist()
    assert result[0]["error"] is None and "community-volunteers" in result[0]["groups"]
    assert result[1]["error"] == (
        "worker 'B': field 'training[0].hours': must be a non-negative number, not 'three'; "
        "allowed: a number of hours")
    assert result[2]["error"] == (
        "worker 'C': field 'volunteer': must be true or false, not 'maybe'; allowed: true, "
        "false, yes, no, 1, 0, or empty for false")


def test_blank_role_items_are_left_out() -> None:
    """`a;;b`, spaces around items and a trailing `;` hold the roles `a` and `b` (§1.4),
    whether or not another row's text holds a blank item."""
    policy = policyrules.load(FIXTURES / "features.policy")
    record: Row = {"id": "A", "started": "2026-01-01", "contact": "none",
                   "roles": ["supervisor", {"role": "trainer", "since": "2026-08-31"}]}
    frame, training = tables([record])
    want = expected(policy, [record], AS_OF)
    for texts in (["supervisor;;trainer@2026-08-31"], [" ; supervisor ; trainer@2026-08-31;"],
                  ["supervisor;trainer@2026-08-31"]):
        result = policy.evaluate_frame(frame.with_columns(roles=pl.Series(texts)), training,
                                       as_of=AS_OF)
        assert (result.decisions.to_pylist(), result.findings.to_pylist()) == want, texts
    assert any(f["requirement"] == "supervision" for f in want[1])


def test_other_columns_change_nothing() -> None:
    """Columns beyond §1 are ignored, whatever their names (even our working ones)."""
    policy = policyrules.load(FIXTURES / "features.policy")
    record = {"id": "A", "started": "2026-01-01", "contact": "regular",
              "training": [{"training": "induction-course", "completed": "2026-02-01"}]}
    frame, training = tables([record])
    plain = policy.evaluate_frame(frame, training, as_of=AS_OF)
    extra = policy.evaluate_frame(
        frame.with_columns(_row=pl.lit("x"), _id=pl.lit(1), _bad=pl.lit(True), team=pl.lit("n")),
        training.with_columns(_rec=pl.lit(None), _row=pl.lit(3), room=pl.lit("B")), as_of=AS_OF)
    assert extra.decisions.to_pylist() == plain.decisions.to_pylist()
    assert extra.findings.to_pylist() == plain.findings.to_pylist()
    assert plain.findings.to_pylist()[0]["status"] == "met"


def test_tables_it_cannot_read() -> None:
    policy = policyrules.load(FIXTURES / "features.policy")
    with pytest.raises(policyrules.UsageError, match="Arrow PyCapsule"):
        policy.evaluate_frame([{"id": "A"}], as_of=AS_OF)
    with pytest.raises(policyrules.UsageError, match="needs the column contact"):
        policy.evaluate_frame(pl.DataFrame({"id": ["A"], "started": ["2026-01-01"]}),
                              as_of=AS_OF)
    mixed = pd.DataFrame({"id": ["A", 2], "started": ["2026-01-01"] * 2,
                          "contact": ["none"] * 2})
    with pytest.raises(policyrules.UsageError, match="values of one kind"):
        policy.evaluate_frame(mixed, as_of=AS_OF)
    frame, _ = tables([{"id": "A", "started": "2026-01-01", "contact": "regular"}])
    with pytest.raises(policyrules.UsageError, match="needs the columns training, completed"):
        policy.evaluate_frame(frame, pl.DataFrame({"worker": ["A"]}), as_of=AS_OF)
    with pytest.raises(policyrules.UsageError, match="own table"):
        policy.evaluate_frame(frame.with_columns(training=pl.lit("x@2026-01-01")), as_of=AS_OF)
    with pytest.raises(policyrules.UsageError, match=r"as_of must be a datetime\.date"):
        policy.evaluate_frame(frame, as_of=datetime.datetime(2026, 1, 1))


# The benchmark's reference ------------------------------------------------------------------

def test_benchmark_reference_agrees_with_evaluate_frame() -> None:
    """bench_columnar's hand-written Polars must decide what the policy decides, or the
    ratio it prints means nothing; and its generated workforce is valid §1 input."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_columnar

    policy = policyrules.load(bench_columnar.POLICY_FILE)
    workers_frame, training_frame = bench_columnar.generate(3000, seed=7, policy=policy)
    assert training_frame.height > 3000
    result = policy.evaluate_frame(workers_frame, training_frame, as_of=bench_columnar.AS_OF)
    decisions, findings = bench_columnar.handwritten(workers_frame, training_frame,
                                                     bench_columnar.AS_OF)
    assert result.decisions.column("error").null_count == 3000
    assert result.decisions.to_pylist() == decisions.to_pylist()
    assert result.findings.to_pylist() == findings.to_pylist()
    assert findings.num_rows > 3000
    sample = bench_columnar.records(workers_frame.head(200), training_frame)
    expect_decisions, expect_findings = expected(policy, sample, bench_columnar.AS_OF)
    assert result.decisions.slice(0, 200).to_pylist() == expect_decisions
    assert result.findings.slice(0, len(expect_findings)).to_pylist() == expect_findings


def test_the_docs_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "columnar.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for code in blocks:
        exec(compile(code, "columnar.md", "exec"), {})  # our own documentation
