"""`evaluate --keep COL,…` (input columns carried into each output record, CONTRACT §8)
and `--no-explain` (findings without their explanation)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import policyrules
from conftest import run, write
from policyrules.render import CSV_COLUMNS
from policyrules.render.keep import CONTRACT_KEYS, KeepError, keep_columns

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = "2026-11-22"
W1 = {"id": "W1", "started": "2024-01-10", "contact": "regular", "team": "North",
      "agency": "Council", "cost_centre": 41,
      "training": [{"training": "induction-course", "completed": "2024-03-01"}]}
W2 = {"id": "W2", "started": "2020-05-01", "contact": "none"}
BAD = {"id": "B1", "started": "2024-01-10", "contact": "regualr", "team": "South"}


def workers_file(tmp_path: Path, *records: Any) -> str:
    return write(tmp_path, "w.jsonl", "".join(json.dumps(r) + "\n" for r in records))


def expected(worker: dict[str, Any]) -> dict[str, Any]:
    return policyrules.load(SMALL).evaluate(
        worker, as_of=datetime.date(2026, 11, 22)).to_dict()


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_kept_columns_follow_the_contract_keys(tmp_path: Path, fmt: str, jobs: str) -> None:
    path = workers_file(tmp_path, W1, W2, BAD)
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", fmt, "-j", jobs,
                 "--keep", "team,agency", "--keep", "cost_centre")
    assert result.exit_code == 1
    records = ([json.loads(x) for x in result.stdout.splitlines()] if fmt == "jsonl"
               else json.loads(result.stdout))
    first, second, bad = records
    assert list(first)[-3:] == ["team", "agency", "cost_centre"]
    assert first == expected(W1) | {"team": "North", "agency": "Council", "cost_centre": 41}
    # Columns the record does not have are null, not left out.
    assert second == expected(W2) | {"team": None, "agency": None, "cost_centre": None}
    # A rejected record carries the columns it had.
    assert bad["worker"] == "B1" and bad["error"]["field"] == "contact"
    assert (bad["team"], bad["agency"], bad["cost_centre"]) == ("South", None, None)


def test_kept_columns_in_csv_come_right_after_worker(tmp_path: Path) -> None:
    path = workers_file(tmp_path, W1, BAD)
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", "csv", "--keep",
                 "team,cost_centre")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["worker", "team", "cost_centre", *CSV_COLUMNS[1:]]
    by_worker = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert {(r["worker"], r["team"], r["cost_centre"]) for r in by_worker} == {
        ("W1", "North", "41"), ("B1", "South", "")}
    assert [r["error_field"] for r in by_worker if r["worker"] == "B1"] == ["contact"]


def test_a_kept_csv_cell_never_runs_as_a_formula(tmp_path: Path) -> None:
    path = workers_file(tmp_path, W1 | {"team": "=HYPERLINK(\"x\")"})
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", "csv", "--keep", "team")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["team"] == "'=HYPERLINK(\"x\")"


def test_keep_reads_columns_of_a_csv_worker_file(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,started,contact,team,training\n"
                 "W1,2024-01-10,regular,North,induction-course@2024-03-01\n")
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", "jsonl", "--keep",
                 "team,started")
    record = json.loads(result.stdout)
    assert (record["team"], record["started"]) == ("North", "2024-01-10")


@pytest.mark.parametrize(("args", "message"), [
    (["--keep", "team,worker"], "already has a 'worker'"),
    (["--keep", "findings"], "already has a 'findings'"),
    (["--keep", "team,,agency"], "empty column name"),
    (["--keep", "roles"], "list field"),
    (["-f", "csv", "--keep", "status"], "already has a 'status'"),
    (["-f", "table", "--keep", "team"], "not the table"),
    (["-f", "table", "--no-explain"], "not the table"),
])
def test_keep_refuses_what_it_cannot_carry(tmp_path: Path, args: list[str],
                                           message: str) -> None:
    path = workers_file(tmp_path, W1)
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_keep_columns_are_split_on_commas_and_kept_once() -> None:
    assert keep_columns(["team, agency", "team", "grade"]) == ("team", "agency", "grade")


@settings(max_examples=50)
@given(st.sampled_from(CONTRACT_KEYS), st.lists(st.sampled_from(["a", "b", "c"])))
def test_no_contract_key_can_be_kept(key: str, others: list[str]) -> None:
    with pytest.raises(KeepError, match=repr(key)):
        keep_columns([",".join([*others, key])])


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_explain_drops_only_the_explanation(tmp_path: Path, fmt: str, jobs: str) -> None:
    path = workers_file(tmp_path, W1, W2)
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", fmt, "-j", jobs,
                 "--no-explain")
    records = ([json.loads(x) for x in result.stdout.splitlines()] if fmt == "jsonl"
               else json.loads(result.stdout))
    assert expected(W1)["findings"], "the test needs findings to drop explanations from"
    for got, worker in zip(records, (W1, W2), strict=True):
        want = expected(worker)
        for f in want["findings"]:
            del f["explanation"]
        assert got == want


def test_no_explain_leaves_the_csv_column_empty(tmp_path: Path) -> None:
    path = workers_file(tmp_path, W1)
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", "csv", "--no-explain",
                 "--keep", "team")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["explanation"] == "" for r in rows)
    assert all(r["requirement"] and r["team"] == "North" for r in rows)


# Records rejected while they are read carry their kept columns too ----------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_csv_rows_rejected_while_read_carry_their_kept_cells(
        tmp_path: Path, fmt: str, jobs: str) -> None:
    path = write(tmp_path, "w.csv", "id,started,contact,team,volunteer\n"
                 "W1,10/01/2024,regular,North,no\n"
                 "W2,10/01/2024,regular,South,no,surplus\n"  # more cells than columns
                 "W3,31/02/2024,regular,East,no\n"           # not a calendar date
                 "W4,10/01/2024,regular,West,maybe\n")       # volunteer not true/false
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", fmt, "-j", jobs,
                 "--date-format", "dd/mm/yyyy", "--keep", "team,volunteer")
    assert result.exit_code == 1
    records = ([json.loads(x) for x in result.stdout.splitlines()] if fmt == "jsonl"
               else json.loads(result.stdout))
    assert [(r["worker"], r.get("error", {}).get("field"), r["team"], r["volunteer"])
            for r in records] == [
        ("W1", None, "North", False), ("W2", "(row)", "South", "no"),
        ("W3", "started", "East", "no"), ("W4", "volunteer", "West", "maybe")]


def test_a_rejected_rows_kept_cell_is_escaped_in_csv_output(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,started,contact,team\n"
                 "W1,2024-01-10,regular,=HYPERLINK(\"x\"),surplus\n")
    result = run("evaluate", SMALL, path, "--as-of", AS_OF, "-f", "csv", "--keep", "team")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["worker"], r["error_field"], r["team"]) for r in rows] == [
        ("W1", "(row)", "'=HYPERLINK(\"x\")")]


def test_jsonl_records_rejected_for_their_training_file_carry_their_kept_values(
        tmp_path: Path) -> None:
    # The worker's training record has a date that does not fit --date-format: the record
    # is rejected while its training is attached, before it is validated.
    path = workers_file(tmp_path, {"id": "W1", "started": "2024-01-10", "contact": "regular",
                                   "team": "North", "cost_centre": 41})
    training = write(tmp_path, "t.csv", "worker,training,completed\n"
                     "W1,induction-course,31/02/2024\n")
    result = run("evaluate", SMALL, path, "--training", training, "--as-of", AS_OF,
                 "-f", "jsonl", "--date-format", "dd/mm/yyyy", "--keep", "team,cost_centre")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["error"]["field"] == "training[0].completed"
    assert (record["team"], record["cost_centre"]) == ("North", 41)


def test_xlsx_rows_rejected_while_read_carry_their_kept_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Staff ID", "started", "contact", "Team"])
    sheet.append(["W1", datetime.datetime(2024, 1, 10, 9, 30), "regular", "North"])
    sheet.append(["W2", datetime.date(2024, 1, 10), "regular", "South"])
    path = str(tmp_path / "w.xlsx")
    book.save(path)
    mapping = write(tmp_path, "map.toml", '[workers.columns]\n"Staff ID" = "id"\n'
                    '"Team" = "team"\n[workers.values.team]\n"North" = "N"\n')
    result = run("evaluate", SMALL, path, "--map", mapping, "--as-of", AS_OF, "-f", "jsonl",
                 "--keep", "team")
    assert result.exit_code == 1
    records = [json.loads(x) for x in result.stdout.splitlines()]
    # Under the mapped column name, with the mapped value, as a decided row would have it.
    assert [(r["worker"], r.get("error", {}).get("field"), r["team"]) for r in records] == [
        ("W1", "started", "N"), ("W2", None, "South")]
