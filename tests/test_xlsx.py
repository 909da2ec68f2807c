"""xlsx worker and training files (records/xlsx.py): the first sheet or `--sheet`, date
cells as dates, errors that name the sheet, row and column."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

import policyrules
from conftest import run, write
from policyrules.records import WorkerFileError, WorkerInput
from policyrules.records.xlsx import CellError, cell_text

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = datetime.date(2026, 11, 22)
HEADER = ["id", "started", "contact", "team", "training"]


def workbook(tmp_path: Path, name: str, sheets: dict[str, list[list[Any]]]) -> str:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


def decided(path: str, **kw: Any) -> list[Any]:
    policy = policyrules.load(SMALL)
    return [w for _, _, w in policyrules.records.read_workers(path, policy, **kw)]


def test_date_cells_text_dates_and_numbers_read_as_a_csv_would(tmp_path: Path) -> None:
    path = workbook(tmp_path, "w.xlsx", {"Staff": [
        HEADER,
        [1234, datetime.date(2024, 1, 10), "regular", "North",
         "induction-course@2024-03-01"],
        # A date-time at midnight is how a spreadsheet stores a date.
        ["W2", datetime.datetime(2024, 1, 10, 0, 0), "regular", None, None],
        [None, None, None, None, None],  # blank rows are skipped
        ["W3", "2024-01-10", "occasional", 7.0, None],
    ]})
    w1, w2, w3 = decided(path)
    assert (w1.id, w1.started, w1.extra["team"]) == ("1234", datetime.date(2024, 1, 10),
                                                      "North")
    assert [r.completed for r in w1.training] == [datetime.date(2024, 3, 1)]
    assert w2.started == datetime.date(2024, 1, 10) and "team" not in w2.extra
    assert (w3.started, w3.extra["team"]) == (datetime.date(2024, 1, 10), "7")


def test_a_time_of_day_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    path = workbook(tmp_path, "w.xlsx", {"Sheet1": [
        HEADER,
        ["W1", "2024-01-10", "regular"],
        ["W2", datetime.datetime(2024, 1, 10, 9, 30), "regular"],
    ]})
    ok, bad = decided(path)
    assert isinstance(ok, policyrules.Worker)
    assert isinstance(bad, policyrules.WorkerError)
    assert (bad.worker, bad.field) == ("W2", "started")
    assert "Sheet1!B3" in str(bad) and "2024-01-10 09:30:00" in str(bad)


def test_sheet_chooses_the_sheet_and_row_numbers_are_the_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path, "w.xlsx", {
        "Notes": [["exported by ESR"]],
        "Staff": [[], HEADER, ["W1", "2024-01-10", "regualr"]],
    })
    result = run("evaluate", SMALL, path, "--sheet", "Staff", "--as-of", "2026-11-22",
                 "-f", "jsonl")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert (record["worker"], record["line"], record["error"]["field"]) == ("W1", 3,
                                                                            "contact")


def test_a_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path, "w.xlsx", {"Staff": [HEADER]})
    with pytest.raises(WorkerFileError, match=r"no sheet named 'People'.*'Staff'"):
        list(WorkerInput(path, sheet="People").raw())


def test_the_first_sheet_needs_the_required_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path, "w.xlsx", {"Export": [["Staff ID", "started", "contact"]]})
    result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl")
    assert result.exit_code == 2
    assert "sheet 'Export'" in result.stderr and "'id'" in result.stderr


def test_a_file_that_is_not_a_workbook_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, "w.xlsx", "id,started,contact\n")
    result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl")
    assert result.exit_code == 2
    assert "not an xlsx workbook" in result.stderr


def test_sheet_is_only_for_xlsx(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,started,contact\n")
    with pytest.raises(WorkerFileError, match=r"only be chosen in an \.xlsx"):
        WorkerInput(path, sheet="Staff")


def test_an_xlsx_training_file_adds_records(tmp_path: Path) -> None:
    workers = workbook(tmp_path, "w.xlsx", {"Staff": [HEADER[:3], ["W1", "2024-01-10",
                                                                   "regular"]]})
    training = workbook(tmp_path, "t.xlsx", {"Training": [
        ["worker", "training", "completed", "hours"],
        ["W1", "induction-course", datetime.date(2024, 3, 1), 3],
    ]})
    (w,) = decided(workers, training=training)
    assert [(r.training, r.completed, r.hours) for r in w.training] == [
        ("induction-course", datetime.date(2024, 3, 1), 3)]
    # The same decision as the worker with that record inline.
    inline = {"id": "W1", "started": "2024-01-10", "contact": "regular",
              "training": [{"training": "induction-course", "completed": "2024-03-01",
                            "hours": 3}]}
    policy = policyrules.load(SMALL)
    assert policy.evaluate(w, as_of=AS_OF).to_dict() == policy.evaluate(
        inline, as_of=AS_OF).to_dict()


def test_a_time_of_day_in_a_training_file_rejects_the_worker_naming_the_row(
        tmp_path: Path) -> None:
    workers = workbook(tmp_path, "w.xlsx", {"Staff": [HEADER[:3], ["W1", "2024-01-10",
                                                                   "regular"]]})
    training = workbook(tmp_path, "t.xlsx", {"Training": [
        ["worker", "training", "completed"],
        ["W1", "induction-course", datetime.datetime(2024, 3, 1, 14, 0)],
    ]})
    (bad,) = decided(workers, training=training)
    assert isinstance(bad, policyrules.WorkerError)
    assert "t.xlsx line 2" in str(bad)


@given(st.dates())
def test_a_date_cell_is_its_iso_date(day: datetime.date) -> None:
    assert cell_text(day, "A1", 0) == day.isoformat()
    midnight = datetime.datetime.combine(day, datetime.time(0))
    assert cell_text(midnight, "A1", 0) == day.isoformat()


@given(st.datetimes().filter(lambda t: t.time() != datetime.time(0)))
def test_any_time_of_day_is_refused(moment: datetime.datetime) -> None:
    with pytest.raises(CellError, match="C7"):
        cell_text(moment, "Sheet1!C7", 2)
