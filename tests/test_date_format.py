"""`--date-format` (records/date_format.py): dates of CSV and xlsx exports in a stated
order, never guessed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import policyrules
from conftest import run, write
from policyrules.errors import UsageError, WorkerError
from policyrules.records import read_workers
from policyrules.records.date_format import DATE_FORMATS, DateFormat

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")


def read(path: str, **kw: str) -> list[policyrules.Worker | WorkerError]:
    return [w for _, _, w in read_workers(path, policyrules.load(SMALL), **kw)]


UK = ("id,started,contact,roles,training\n"
      "W1,01/02/2025,regular,supervisor@3/4/2025,induction-course@05/06/2025\n")


def test_uk_dates_are_read_day_first(tmp_path: Path) -> None:
    (w,) = read(write(tmp_path, "w.csv", UK), date_format="dd/mm/yyyy")
    assert isinstance(w, policyrules.Worker)
    assert w.started == datetime.date(2025, 2, 1)
    assert [r.since for r in w.roles] == [datetime.date(2025, 4, 3)]
    assert [r.completed for r in w.training] == [datetime.date(2025, 6, 5)]


def test_us_dates_are_read_month_first(tmp_path: Path) -> None:
    (w,) = read(write(tmp_path, "w.csv", UK), date_format="mm/dd/yyyy")
    assert isinstance(w, policyrules.Worker)
    assert w.started == datetime.date(2025, 1, 2)


def test_without_a_format_a_slashed_date_is_ambiguous(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", UK)
    result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "started"
    assert "ambiguous" in error["message"] and "--date-format dd/mm/yyyy" in error["message"]


@pytest.mark.parametrize(("cell", "message"), [
    ("31/02/2025", "not a calendar date read as dd/mm/yyyy"),
    ("2025.02.01", "not a date dd/mm/yyyy"),
])
def test_a_date_that_does_not_fit_is_an_error_of_the_record(tmp_path: Path, cell: str,
                                                            message: str) -> None:
    path = write(tmp_path, "w.csv", f"id,started,contact\nW1,{cell},regular\n"
                 "W2,01/02/2025,regular\n")
    bad, good = read(path, date_format="dd/mm/yyyy")
    assert isinstance(bad, WorkerError) and message in str(bad)
    assert (bad.worker, bad.field, bad.value) == ("W1", "started", cell)
    assert isinstance(good, policyrules.Worker)


def test_the_training_file_is_read_in_the_format_and_errors_name_its_line(
        tmp_path: Path) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact\nW1,01/02/2025,regular\n"
                    "W2,01/02/2025,regular\n")
    training = write(tmp_path, "t.csv", "worker,training,completed\n"
                     "W1,induction-course,10/03/2025\nW2,induction-course,30/02/2025\n")
    good, bad = read(workers, training=training, date_format="dd/mm/yyyy")
    assert isinstance(good, policyrules.Worker)
    assert [r.completed for r in good.training] == [datetime.date(2025, 3, 10)]
    assert isinstance(bad, WorkerError)
    assert bad.field == "training[0].completed" and "t.csv line 3" in str(bad)


def test_the_cli_takes_the_format(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", UK)
    result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl",
                 "--date-format", "dd/mm/yyyy")
    assert result.exit_code == 0, result.stderr
    bad = run("evaluate", SMALL, path, "--date-format", "dd.mm.yyyy")
    assert bad.exit_code == 2 and "dd/mm/yyyy" in bad.stderr


def test_an_unknown_format_names_the_formats() -> None:
    with pytest.raises(UsageError, match="dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd"):
        DateFormat("d/m/y")


@given(st.dates(min_value=datetime.date(1000, 1, 1)), st.sampled_from(DATE_FORMATS))
def test_every_date_written_in_a_format_reads_back(day: datetime.date, name: str) -> None:
    text = {"dd/mm/yyyy": f"{day.day:02}/{day.month:02}/{day.year}",
            "mm/dd/yyyy": f"{day.month}/{day.day}/{day.year}",
            "yyyy-mm-dd": day.isoformat()}[name]
    assert DateFormat(name).iso(text, "W1", "started") == day.isoformat()
    # An ISO date is read the same under every format: it cannot be misread.
    assert DateFormat(name).iso(day.isoformat(), "W1", "started") == day.isoformat()
