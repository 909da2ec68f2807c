"""render/: what reaches a terminal, a spreadsheet or a JSON parser from hostile input."""

from __future__ import annotations

import csv
import datetime
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import policyrules
from conftest import write
from policyrules.cli import cli
from policyrules.render import Table, error_record
from policyrules.render.safe import csv_cell, strict_json, terminal

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = "2026-11-22"
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def evaluate(*args: str) -> Any:
    return CliRunner().invoke(cli, ["evaluate", SMALL, *args, "--as-of", AS_OF],
                              catch_exceptions=False)


def strict_loads(text: str) -> Any:
    def refuse(token: str) -> None:
        raise ValueError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


# CSV: no formulas from the input -----------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["W1", "", "a=b", "'quoted", "2026-11-22", " =1"])
def test_other_cells_are_left_alone(text: str) -> None:
    assert csv_cell(text) == text


def test_csv_output_escapes_text_from_the_input_but_not_our_dates(tmp_path: Path) -> None:
    hostile = [
        {"id": '=HYPERLINK("http://x","y")', "started": "2024-01-10", "contact": "regular",
         "agency": "+44 1234", "training": [{"training": "induction-course",
                                              "completed": "2024-03-01"}]},
        {"id": "@SUM(1)", "started": "2024-01-10", "contact": "regualr"},
        {"id": "-1", "started": "2020-05-01", "contact": "none", "agency": "\tTab"},
    ]
    workers = write(tmp_path, "w.jsonl", "".join(json.dumps(w) + "\n" for w in hostile))
    result = evaluate(workers, "-f", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    first = rows[0]
    assert first["worker"] == "'" + hostile[0]["id"]
    assert first["agency"] == "'+44 1234"
    assert first["as_of"] == AS_OF and first["line"] == "1"  # ours: left as they are
    assert first["due"] == "" or first["due"][:2] == "20"
    assert first["evidence"] == "induction-course@2024-03-01"
    rejected = next(r for r in rows if r["error"])
    assert rejected["worker"] == "'@SUM(1)" and rejected["line"] == "2"
    last = rows[-1]
    assert last["worker"] == "'-1" and last["agency"] == "'\tTab"
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA), (column, cell)


# The terminal: no escape sequences from the input -------------------------------------------

def test_terminal_text_shows_control_characters_as_escapes() -> None:
    assert terminal("W1") == "W1"
    assert terminal("\x1b[2J\x07") == "\\x1b[2J\\x07"
    assert terminal("a\nb\rc\x9bd") == "a\\x0ab\\x0dc\\x9bd"
    assert terminal("abc\u202egnp.exe") == "abc\\u202egnp.exe"


@given(st.text())
def test_terminal_text_has_no_control_character(text: str) -> None:
    shown = terminal(text)
    assert not any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029\u202e\u2066"
                   for c in shown)
    if text.isprintable():
        assert shown == text  # ordinary text is shown as it is


@given(st.text())
def test_a_cell_never_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(FORMULA)
    assert cell in (text, "'" + text)


def test_table_output_passes_no_escape_sequence(tmp_path: Path) -> None:
    hostile = [{"id": "\x1b[2J\x1b]0;pwned\x07", "started": "2024-01-10", "contact": "regular"},
               {"id": "B\x1b[31m", "started": "2024-01-10", "contact": "regualr\x1b[0m"}]
    workers = write(tmp_path, "w.jsonl", "".join(json.dumps(w) + "\n" for w in hostile))
    result = evaluate(workers, "-f", "table", "--color", "never")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in result.stdout
    assert "B\\x1b[31m" in result.stdout and "rejected" in result.stdout


def test_table_rows_escape_the_id_and_the_error() -> None:
    policy = policyrules.load(SMALL)
    table = Table(policy)
    try:
        policy.worker({"id": "X\x1b", "started": "2024-01-10", "contact": "\x1b[0m"})
    except policyrules.WorkerError as exc:
        row = table.error(3, exc).plain
    assert "\x1b" not in row and row.startswith("X\\x1b")


def test_explain_escapes_the_worker_text(tmp_path: Path) -> None:
    worker = {"id": "E\x1b[2J", "started": "2024-01-10", "contact": "regular",
              "agency": "A\x1b]8;;http://x\x07"}
    workers = write(tmp_path, "w.jsonl", json.dumps(worker) + "\n")
    result = CliRunner().invoke(cli, ["explain", SMALL, workers, "-w", "E\x1b[2J", "--as-of",
                                      AS_OF, "--color", "never"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "E\\x1b[2J under small" in result.stdout and "agency A\\x1b]8;;" in result.stdout


# JSON: strict, whatever the input held ------------------------------------------------------

def test_nan_and_infinity_from_the_input_become_text() -> None:
    assert strict_json({"a": [float("nan"), float("inf"), -float("inf"), 1.5]}) == {
        "a": ["nan", "inf", "-inf", 1.5]}
    exc = policyrules.WorkerError("is not a date", worker="W1", field="started",
                                  value=float("nan"))
    assert error_record(4, exc)["error"]["value"] in ("nan", "NaN")  # text, either way


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_error_records_are_strict_json(tmp_path: Path, fmt: str) -> None:
    lines = ['{"id": "N1", "started": NaN, "contact": "regular"}',
             '{"id": "N2", "started": "2024-01-10", "contact": "regular", "training": '
             '[{"training": "induction-course", "completed": "2024-03-01", '
             '"hours": Infinity}]}',
             '{"id": -Infinity, "started": "2024-01-10", "contact": "regular"}']
    workers = write(tmp_path, "w.jsonl", "\n".join(lines) + "\n")
    result = evaluate(workers, "-f", fmt)
    assert result.exit_code == 1
    if fmt == "json":
        records = strict_loads(result.stdout)
    else:
        records = [strict_loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    assert all("error" in r for r in records)  # and every line parsed as strict JSON


# Any record, any format: every input record comes out once, in order, and safe ------------

_TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)  # surrogates included
_VALUE = st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), _TEXT,
                   st.sampled_from(["2024-01-10", "regular", "none", "induction-course"]))
_RECORD = st.fixed_dictionaries(
    {"id": st.one_of(_TEXT, _VALUE), "started": st.one_of(st.just("2024-01-10"), _VALUE),
     "contact": st.one_of(st.sampled_from(["none", "regular"]), _VALUE)},
    optional={"agency": st.one_of(_TEXT, _VALUE),
              "training": st.lists(st.fixed_dictionaries(
                  {"training": st.one_of(st.just("induction-course"), _TEXT),
                   "completed": st.one_of(st.just("2024-03-01"), _VALUE)},
                  optional={"hours": _VALUE}), max_size=2)})


@settings(max_examples=60)
@given(st.lists(_RECORD, min_size=1, max_size=6))
def test_any_records_give_strict_json_and_safe_csv(records: list[dict[str, Any]]) -> None:
    from policyrules import batch
    from policyrules.records import WorkerInput

    policy = policyrules.load(SMALL)
    text = "".join(json.dumps(r) + "\n" for r in records).encode()
    outputs = {}
    for fmt in ("jsonl", "csv"):
        out = io.BytesIO()
        source = WorkerInput("-", stdin=io.BytesIO(text))
        counts = batch.run(policy, source, datetime.date(2026, 11, 22), fmt, jobs=1,
                           stdout=out, console=Console(file=io.StringIO()),  # type: ignore[arg-type]
                           progress=lambda n: None)
        assert counts.total == len(records)
        outputs[fmt] = out.getvalue().decode("utf-8")  # valid UTF-8, whatever came in
    # Split on newlines only: U+0085 or U+2028 inside a string is text, not a line break.
    decoded = [strict_loads(line) for line in outputs["jsonl"].split("\n")[:-1]]
    assert [d.get("line", n) for n, d in enumerate(decoded, 1)] == list(
        range(1, len(records) + 1))
    for row in csv.reader(io.StringIO(outputs["csv"])):
        for cell in row:
            assert not cell.startswith(FORMULA), cell


def test_json_lines_write_unicode_line_breaks_as_escapes(tmp_path: Path) -> None:
    """U+0085, U+2028 and U+2029 are legal in JSON strings, but readers that split on every
    line break (str.splitlines) would cut a record in two."""
    from policyrules.render.safe import one_line

    assert one_line('{"a": "x\x85y\u2028z\u2029"}') == '{"a": "x\\u0085y\\u2028z\\u2029"}'
    assert json.loads(one_line(json.dumps({"a": "\x85\u2028"}, ensure_ascii=False))) == {
        "a": "\x85\u2028"}
