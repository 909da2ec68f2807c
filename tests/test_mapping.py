"""`--map mapping.toml` (records/mapping.py) and the worked example of docs/inputs.md."""

from __future__ import annotations

import csv
import datetime
import io
import re
import shlex
from pathlib import Path

import pytest
from openpyxl import load_workbook

import policyrules
from conftest import ROOT, run, write
from policyrules.errors import WorkerError
from policyrules.records import WorkerFileError, read_workers

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
MAPPING = """
date_format = "dd/mm/yyyy"
[workers.columns]
"Staff ID" = "id"
"Start Date" = "started"
"Contact Level" = "contact"
[workers.values.contact]
"Regular" = "regular"
[training.columns]
"Staff ID" = "worker"
"Course" = "training"
"Done" = "completed"
[training.values.training]
"Induction (e-learning)" = "induction-course"
"""
STAFF = "Staff ID,Start Date,Contact Level,Team\nW1,10/01/2024,Regular,North\n"
TRAINING = "Staff ID,Course,Done\nW1,Induction (e-learning),01/03/2024\n"


def read(tmp_path: Path, staff: str = STAFF, mapping: str = MAPPING,
         training: str | None = TRAINING) -> list[policyrules.Worker | WorkerError]:
    t = write(tmp_path, "t.csv", training) if training is not None else None
    return [w for _, _, w in read_workers(write(tmp_path, "w.csv", staff),
                                          policyrules.load(SMALL), training=t,
                                          mapping=write(tmp_path, "m.toml", mapping))]


def test_columns_values_and_dates_are_mapped(tmp_path: Path) -> None:
    (w,) = read(tmp_path)
    assert isinstance(w, policyrules.Worker)
    assert (w.id, w.started, w.contact, w.extra["Team"]) == (
        "W1", datetime.date(2024, 1, 10), "regular", "North")
    assert [(r.training, r.completed) for r in w.training] == [
        ("induction-course", datetime.date(2024, 3, 1))]


def test_a_value_with_no_entry_is_passed_on_and_rejected(tmp_path: Path) -> None:
    (w,) = read(tmp_path, STAFF.replace("Regular", "Sometimes"))
    assert isinstance(w, WorkerError)
    assert (w.field, w.value) == ("contact", "Sometimes")


def test_a_mapped_column_missing_from_the_file_names_both(tmp_path: Path) -> None:
    staff = STAFF.replace("Start Date", "Started On")
    with pytest.raises(WorkerFileError, match=r"maps the column 'Start Date' to 'started'.*"
                       "'Started On'"):
        read(tmp_path, staff)


@pytest.mark.parametrize(("mapping", "message"), [
    ("colums = 1", "unknown key 'colums' in the mapping file"),
    ("[workers]\ncolumn = {}", r"unknown key 'column' in \[workers\]"),
    ("[workers.columns]\nid = 3", "must be text"),
    ('date_format = "d/m/y"', "unknown date_format 'd/m/y'"),
    ("[workers", "not a TOML mapping file"),
])
def test_a_bad_mapping_file_is_an_error_naming_what_is_wrong(tmp_path: Path, mapping: str,
                                                             message: str) -> None:
    with pytest.raises(WorkerFileError, match=message):
        read(tmp_path, mapping=mapping)


def test_a_mapping_and_a_different_date_format_are_refused(tmp_path: Path) -> None:
    staff = write(tmp_path, "w.csv", STAFF)
    result = run("evaluate", SMALL, staff, "--map", write(tmp_path, "m.toml", MAPPING),
                 "--date-format", "mm/dd/yyyy", "-f", "jsonl")
    assert result.exit_code == 2 and "differs from the mapping file" in result.stderr


def test_worker_columns_are_not_mapped_in_json(tmp_path: Path) -> None:
    staff = write(tmp_path, "w.jsonl", '{"id": "W1"}\n')
    result = run("evaluate", SMALL, staff, "--map", write(tmp_path, "m.toml", MAPPING),
                 "-f", "jsonl")
    assert result.exit_code == 2 and "JSONL" in result.stderr


# docs/inputs.md: the worked example runs, on the shipped messy export ---------------------

DOC = (ROOT / "docs" / "inputs.md").read_text()


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC, re.S)
    return [shlex.split(b.replace("\\\n", " "))[1:] for b in blocks]


def test_the_shipped_export_is_what_its_script_writes(tmp_path: Path) -> None:
    import runpy

    script = runpy.run_path(str(ROOT / "examples" / "hr_export.py"))
    for name, rows in (("hr_staff.xlsx", script["STAFF"]),
                       ("hr_training.xlsx", script["TRAINING"])):
        sheet = load_workbook(ROOT / "examples" / name, read_only=True).worksheets[0]
        got = [list(r) for r in sheet.iter_rows(values_only=True)]
        want = [[datetime.datetime.combine(c, datetime.time(0))
                 if isinstance(c, datetime.date) else c for c in r] for r in rows]
        assert got == want


def test_the_documented_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    commands = _commands()
    assert [c[0] for c in commands] == ["report", "report", "evaluate"]
    said = re.search(r"`(11 records: .*?); wrote hr_report.html`", DOC)
    assert said is not None
    for args in commands:
        out = tmp_path / args[-1]
        result = run(*args[:-1], str(out))
        assert result.exit_code == 1, result.stderr
        assert out.stat().st_size > 0
        if args[0] == "report":
            assert said.group(1) in result.stderr
    # The workbook has the team breakdown, and the decisions carry the team.
    book = load_workbook(tmp_path / "hr_report.xlsx", read_only=True)
    assert any("team" in str(row).lower() for ws in book.worksheets
               for row in ws.iter_rows(max_row=3, values_only=True))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "decisions.csv").read_text())))
    teams = {r["worker"]: r["team"] for r in rows}
    assert teams["SW001"] == "North" and teams["SW011"] == "Estates"
    errors = {r["worker"]: r["error"] for r in rows if r["error"]}
    assert set(errors) == {"SW010", "SW011"}
    assert "'31/02/2025' is not a calendar date read as dd/mm/yyyy" in errors["SW010"]
    assert "unknown contact level 'Sometimes'" in errors["SW011"]
