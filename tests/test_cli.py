"""The `policyrules` command, through its real entry point (click's runner or a subprocess)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import run, write
from policyrules.cli import want_color
from policyrules.cli.output import PROGRESS_AFTER, Out, ProgressBar
from policyrules.render import DecisionJson
from policyrules.testing import as_of_dates
from policyrules.testing import workers as any_worker

ROOT = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "cli"
SMALL = str(FIXTURES / "small.policy")
FAILING = str(FIXTURES / "failing.policy")
BROKEN = str(FIXTURES / "broken.policy")
WARN = str(FIXTURES / "warn.policy")
LATIN1 = str(FIXTURES / "latin1.policy")
DURHAM = str(ROOT / "policies" / "durham.policy")
EXAMPLES = ROOT / "examples"
AS_OF = "2026-11-22"

W1 = {"id": "W1", "started": "2024-01-10", "contact": "regular",
      "training": [{"training": "induction-course", "completed": "2024-03-01"}]}
W2 = {"id": "W2", "started": "2020-05-01", "contact": "none", "agency": "Council"}
W3 = {"id": "W3", "started": "2026-10-01", "contact": "occasional"}
BAD = {"id": "B1", "started": "2024-01-10", "contact": "regualr"}


def jsonl(*workers: Any) -> str:
    return "".join((w if isinstance(w, str) else json.dumps(w)) + "\n" for w in workers)


def expected(worker: dict[str, Any], policy: str = SMALL) -> dict[str, Any]:
    return policyrules.load(policy).evaluate(
        worker, as_of=datetime.date(2026, 11, 22)).to_dict()


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


# The command as a whole ----------------------------------------------------------------------

COMMANDS = ["check", "evaluate", "explain", "eligible", "describe", "coverage", "test", "fmt",
            "verify"]


@pytest.mark.parametrize(("args", "status"), [(["--version"], 0),
                                              (["check", "no-such.policy"], 2)])
def test_the_command_freezes_what_is_left_before_the_interpreter_exits(
        args: list[str], status: int) -> None:
    """The console entry point freezes the objects left once a command is done, so the
    interpreter's last collections do not look through them (a tenth of a second of a
    large run); its exit status is the command's."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
            "from policyrules.cli import main\n"
            f"sys.argv = ['policyrules', *{args!r}]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT / "src")}, timeout=60)
    assert done.returncode == status, done.stderr
    assert done.stdout.splitlines()[-1] == "frozen True"


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"policyrules {policyrules.__version__}"


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"policyrules {command} " in result.stdout
    assert "--color" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run("evaluate", SMALL).exit_code == 2  # WORKERS missing
    assert run("no-such-command").exit_code == 2
    assert run("evaluate", SMALL, "x.jsonl", "--format", "xml").exit_code == 2


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, BAD, W2))
    proc = subprocess.run(
        [sys.executable, "-m", "policyrules", "evaluate", SMALL, workers, "--as-of", AS_OF],
        capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"), check=False)
    assert proc.returncode == 1
    out = lines(proc.stdout)  # stdout is pure JSON Lines: no summary, no warnings
    assert [d["worker"] for d in out] == ["W1", "B1", "W2"]
    assert "3 records: 2 workers evaluated" in proc.stderr
    assert "{" not in proc.stderr


class Tty(io.StringIO):
    """An in-memory stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_want_color() -> None:
    plain = {"TERM": "xterm"}
    assert want_color("auto", Tty(), plain) is True
    assert want_color("auto", io.StringIO(), plain) is False
    assert want_color("never", Tty(), plain) is False
    assert want_color("always", io.StringIO(), plain) is True
    assert want_color("auto", Tty(), {"NO_COLOR": "1"}) is False
    assert want_color("always", Tty(), {"NO_COLOR": "1"}) is True
    assert want_color("auto", Tty(), {"TERM": "dumb"}) is False
    assert want_color("auto", io.StringIO(), {"FORCE_COLOR": "1"}) is True


# check -------------------------------------------------------------------------------------------

def test_check_a_good_policy() -> None:
    result = run("check", SMALL)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "1 file checked: 0 errors, 0 warnings" in result.stderr


def test_check_reports_every_error_with_a_caret() -> None:
    result = run("check", BROKEN)
    assert result.exit_code == 2
    out = result.stdout
    assert f"{BROKEN}:10:31: error: unknown contact level `occasionl`" in out
    assert f"{BROKEN}:11:16: error: unknown training `inducton-course`" in out
    assert f"{BROKEN}:13:9: error: paragraph 1.9 is not in the source" in out
    text = out.splitlines()
    i = text.index(next(x for x in text if x.startswith(f"{BROKEN}:10:31")))
    assert text[i + 1].endswith("applies to contact at least occasionl")
    caret = text[i + 2]
    assert caret.strip().endswith("^^^^^^^^^")  # under `occasionl`, 9 characters
    assert caret.index("^") == text[i + 1].index("occasionl")
    assert "\x1b[" not in out  # no colour when not a terminal
    assert "3 errors" in result.stderr


def test_check_colour_on_request() -> None:
    result = run("check", BROKEN, "--color", "always")
    assert "\x1b[" in result.stdout


def test_check_warnings_do_not_fail() -> None:
    result = run("check", WARN)
    assert result.exit_code == 0
    assert f"{WARN}:3:3: warning: paragraph 1.2 is not accounted for" in result.stdout


def test_check_several_files_and_directories(tmp_path: Path) -> None:
    result = run("check", SMALL, BROKEN, WARN)
    assert result.exit_code == 2
    assert "3 files checked: 3 errors, 1 warning" in result.stderr
    (tmp_path / "a.policy").write_text(Path(SMALL).read_text())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.policy").write_text(Path(BROKEN).read_text())
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "2 files checked" in result.stderr
    assert "b.policy:10:31: error" in result.stdout


@pytest.mark.parametrize(("path", "message"), [
    ("nope.policy", "nope.policy: no such policy file"),
    (LATIN1, "not UTF-8")])
def test_check_unreadable_policy(path: str, message: str) -> None:
    result = run("check", path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


# evaluate: inputs --------------------------------------------------------------------------------

def test_evaluate_json_lines(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, W2, W3))
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert lines(result.stdout) == [expected(W1), expected(W2), expected(W3)]
    assert result.stderr.strip().endswith(
        "3 records: 3 workers evaluated as of 2026-11-22 (2 compliant, 1 not compliant), "
        "0 rejected")


def test_evaluate_json_array_and_object(tmp_path: Path) -> None:
    array = write(tmp_path, "w.json", json.dumps([W1, W2], indent=2))
    result = run("evaluate", SMALL, array, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [expected(W1), expected(W2)]
    one = write(tmp_path, "one.json", json.dumps(W3))
    result = run("evaluate", SMALL, one, "--as-of", AS_OF, "--format", "json")
    assert json.loads(result.stdout) == [expected(W3)]


def test_evaluate_csv_with_training_column_and_file(tmp_path: Path) -> None:
    inline = write(tmp_path, "w.csv", "id,started,contact,roles,training,agency\n"
                   "W1,2024-01-10,regular,,induction-course@2024-03-01,\n"
                   "W2,2020-05-01,none,,,Council\n")
    result = run("evaluate", SMALL, inline, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert lines(result.stdout) == [expected(W1), expected(W2)]

    plain = write(tmp_path, "p.csv", "id,started,contact,roles,agency\n"
                  "W1,2024-01-10,regular,,\nW2,2020-05-01,none,,Council\n")
    training = write(tmp_path, "t.csv", "worker,training,completed,delivery,provider,hours,level\n"
                     "W1,induction-course,2024-03-01,single-agency,in-house,3,\n")
    result = run("evaluate", SMALL, plain, "--training", training, "--as-of", AS_OF)
    assert result.exit_code == 0
    # The training file's provider and hours reach the evidence (CONTRACT §5).
    detailed = dict(W1, training=[{"training": "induction-course", "completed": "2024-03-01",
                                   "provider": "in-house", "hours": 3}])
    assert lines(result.stdout) == [expected(detailed), expected(W2)]
    evidence = lines(result.stdout)[0]["findings"][0]["evidence"]
    assert evidence[0]["hours"] == 3 and evidence[0]["provider"] == "in-house"


def test_evaluate_stdin() -> None:
    result = run("evaluate", SMALL, "-", "--as-of", AS_OF, input=jsonl(W1, W3))
    assert result.exit_code == 0
    assert lines(result.stdout) == [expected(W1), expected(W3)]


def test_as_of_defaults_to_today(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    before = datetime.date.today()
    [decision] = lines(run("evaluate", SMALL, workers).stdout)
    assert decision["as_of"] in {before.isoformat(), datetime.date.today().isoformat()}
    day = datetime.date.fromisoformat(decision["as_of"])
    assert decision == policyrules.load(SMALL).evaluate(W1, as_of=day).to_dict()


@pytest.mark.parametrize("day", ["2026-02-30", "2026-11-22T10:00", "22/11/2026", "20261122"])
def test_as_of_must_be_a_calendar_date(tmp_path: Path, day: str) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    result = run("evaluate", SMALL, workers, "--as-of", day)
    assert result.exit_code == 2
    assert "is not a date YYYY-MM-DD" in result.stderr
    assert result.stdout == ""


# evaluate: bad input ------------------------------------------------------------------------------

def test_bad_rows_mid_file_become_error_records(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl",
                    jsonl(W1, BAD, '{"id": "B2", "started": ', W2, {"started": "2024-01-01"}, W3))
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF)
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert [d["worker"] for d in out] == ["W1", "B1", "B2", "W2", None, "W3"]
    assert out[0] == expected(W1) and out[3] == expected(W2) and out[5] == expected(W3)
    error = out[1]
    assert set(error) == {"worker", "error", "line"}
    assert error["line"] == 2
    assert error["error"]["field"] == "contact"
    assert error["error"]["value"] == "regualr"
    assert "did you mean 'regular'" in error["error"]["message"]
    assert out[2]["error"]["field"] == "(record)" and out[2]["line"] == 3
    assert out[4]["error"]["field"] == "id" and out[4]["line"] == 5
    assert ("6 records: 3 workers evaluated as of 2026-11-22 (2 compliant, 1 not compliant), "
            "3 rejected") in result.stderr


def test_bad_csv_rows_become_error_records(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact,volunteer\n"
                    "W1,2024-01-10,regular,no\n"
                    "B1,2024-01-10,regular,maybe\n"
                    "W3,2026-10-01,occasional,\n")
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF)
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert [d["worker"] for d in out] == ["W1", "B1", "W3"]
    assert out[1] == {"worker": "B1", "line": 3, "error": out[1]["error"]}
    assert out[1]["error"]["field"] == "volunteer"
    assert out[1]["error"]["value"] == "maybe"


@pytest.mark.parametrize(("name", "fmt", "stdout"), [
    ("w.jsonl", "jsonl", ""), ("w.json", "json", "[\n]\n"), ("w.csv", "csv", None),
    ("w.csv", "table", None)])
def test_empty_file(tmp_path: Path, name: str, fmt: str, stdout: str | None) -> None:
    workers = write(tmp_path, name, "")
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF, "--format", fmt)
    assert result.exit_code == 0
    if stdout is not None:
        assert result.stdout == stdout
    if fmt == "json":
        assert json.loads(result.stdout) == []
    assert "no worker records" in result.stderr
    assert "0 records: 0 workers evaluated" in result.stderr


def test_missing_worker_file(tmp_path: Path) -> None:
    result = run("evaluate", SMALL, str(tmp_path / "nope.jsonl"), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.jsonl'}: no such worker file"
    workers = write(tmp_path, "w.csv", "id,started,contact\n")
    result = run("evaluate", SMALL, workers, "--training", str(tmp_path / "t.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 't.csv'}: no such training file"


@pytest.mark.parametrize("name", ["w.jsonl", "w.csv", "w.json"])
def test_worker_file_not_utf8(tmp_path: Path, name: str) -> None:
    data = {"w.jsonl": b'{"id": "Caf\xe9"}\n', "w.csv": b"id,started,contact\nCaf\xe9,,\n",
            "w.json": b'[{"id": "Caf\xe9"}]'}[name]
    result = run("evaluate", SMALL, write(tmp_path, name, data), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_worker_file_with_unknown_extension(tmp_path: Path) -> None:
    result = run("evaluate", SMALL, write(tmp_path, "w.txt", jsonl(W1)), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "cannot tell the format" in result.stderr


def test_malformed_json_file(tmp_path: Path) -> None:
    result = run("evaluate", SMALL, write(tmp_path, "w.json", '[{"id": "W1"},\n{"id": '),
                 "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "w.json:2:" in result.stderr and "not valid JSON" in result.stderr


@pytest.mark.parametrize("command", [
    ["evaluate", "{policy}", "{workers}"], ["explain", "{policy}", "{workers}", "-w", "W1"],
    ["eligible", "{policy}", "{workers}", "-w", "W1", "induction-course"],
    ["describe", "{policy}"], ["coverage", "{policy}"]])
def test_a_policy_that_does_not_check(tmp_path: Path, command: list[str]) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    args = [a.format(policy=BROKEN, workers=workers) for a in command]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{BROKEN}:10:31: error: unknown contact level" in result.stderr
    assert "does not check (3 errors)" in result.stderr


@pytest.mark.parametrize("policy", ["nope.policy", LATIN1])
def test_an_unreadable_policy(tmp_path: Path, policy: str) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    result = run("evaluate", policy, workers)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


# evaluate: outputs ----------------------------------------------------------------------------

def test_default_format_off_a_terminal_is_json_lines(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    assert lines(run("evaluate", SMALL, workers, "--as-of", AS_OF).stdout) == [expected(W1)]


def test_csv_output_has_a_row_per_finding(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, W2, BAD))
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF, "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    findings = expected(W1)["findings"]
    assert [(r["worker"], r["requirement"]) for r in rows] == (
        [("W1", f["requirement"]) for f in findings] + [("W2", ""), ("B1", "")])
    first = rows[0]
    assert first["status"] == findings[0]["status"]
    assert first["due"] == (findings[0]["due"] or "")
    assert first["evidence"] == "induction-course@2024-03-01"
    assert first["worker_compliant"] == "false"
    assert first["groups"] == "regular-contact"
    assert first["line"] == "1" and first["as_of"] == AS_OF
    [w2] = [row for row in rows if row["worker"] == "W2"]
    assert w2["agency"] == "Council" and w2["worker_compliant"] == "true"
    assert w2["line"] == "2"
    assert rows[-1]["error_field"] == "contact" and "regualr" in rows[-1]["error"]
    assert rows[-1]["as_of"] == AS_OF  # a rejected record's row still says which run
    assert result.stdout.startswith("worker,line,agency,")


def test_table_output(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, W2, BAD))
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF, "--format", "table")
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert out[0].split() == ["WORKER", "RESULT", "REQUIREMENT", "STATUS", "DUE", "PARAGRAPHS"]
    assert out[1].split()[:5] == ["W1", "not", "compliant", "induction", "met"]
    assert any(x.split()[:3] == ["W2", "compliant", "(no"] for x in out)
    assert any(x.startswith("B1") and "rejected" in x and "regualr" in x for x in out)
    assert "\x1b[" not in result.stdout
    coloured = run("evaluate", SMALL, workers, "--as-of", AS_OF, "-f", "table",
                   "--color", "always")
    assert "\x1b[" in coloured.stdout


@pytest.mark.parametrize(("env", "args", "colour"), [
    ({}, [], False),  # not a terminal
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),  # NO_COLOR wins in auto
    ({"NO_COLOR": ""}, [], False),  # empty is unset (no-color.org)
    ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the option wins over both
    ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, [], True)])
def test_colour_follows_the_environment_and_the_option(
        tmp_path: Path, env: dict[str, str], args: list[str], colour: bool) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, BAD))
    full = {"NO_COLOR": "", "FORCE_COLOR": "", "TERM": "xterm"} | env
    result = run("evaluate", SMALL, workers, "-f", "table", "--as-of", AS_OF, *args, env=full)
    assert result.exit_code == 1
    assert ("\x1b[" in result.stdout) is colour
    assert ("\x1b[" in result.stderr) is colour  # the summary, red for the rejected record
    assert "B1" in result.stdout and "rejected" in result.stdout


def test_json_text_is_exactly_the_decision(tmp_path: Path) -> None:
    """The fast JSON writer gives the text json.dumps gives for Decision.to_dict()."""
    durham = policyrules.load(DURHAM)
    encode = DecisionJson()
    day = datetime.date(2026, 11, 22)
    count = 0
    with open(EXAMPLES / "workers.jsonl", encoding="utf-8") as f:
        for line in f:
            try:
                worker = durham.worker(json.loads(line))
            except policyrules.WorkerError:
                continue
            for as_of in (day, datetime.date(2019, 6, 30)):
                decision = durham.evaluate_checked(worker, as_of)
                assert encode(decision) == json.dumps(decision.to_dict(), ensure_ascii=False)
            count += 1
    assert count > 1900
    odd = {"id": 'W "quoted" \\ é \u2028', "started": "2024-01-10", "contact": "regular",
           "training": [{"training": "t\tab", "completed": "2024-02-01"}]}
    d = policyrules.load(SMALL).evaluate(odd, as_of=day)
    assert json.loads(encode(d)) == d.to_dict()


def test_jobs_give_the_same_output_in_the_same_order(tmp_path: Path) -> None:
    # Several chunks and blocks at the default sizes (batch.CHUNK records, batch.BLOCK
    # bytes); tests/test_batch.py runs the same with tiny ones.
    people: list[Any] = []
    for i in range(1100):
        people.append(dict(W1, id=f"A{i}"))
        people.append(dict(W2, id=f"B{i}"))
        if i % 7 == 3:
            people.append(dict(BAD, id=f"X{i}"))
    people[5] = dict(W1, id="Y" * 1_200_000)  # the first block ends past its 1 MB
    workers = write(tmp_path, "w.jsonl", jsonl(*people))
    for fmt in ("jsonl", "json", "csv"):
        one = run("evaluate", SMALL, workers, "--as-of", AS_OF, "-f", fmt)
        two = run("evaluate", SMALL, workers, "--as-of", AS_OF, "-f", fmt, "--jobs", "2")
        assert one.exit_code == two.exit_code == 1
        assert one.stdout == two.stdout
        assert one.stderr == two.stderr
    result = run("evaluate", SMALL, workers, "--as-of", AS_OF, "-f", "json", "-j", "2")
    assert [d["worker"] for d in json.loads(result.stdout)] == [p["id"] for p in people]

    rows = [p for p in people if len(p["id"]) < 100]  # CSV cells stop at 128 KB
    table = "id,started,contact,agency\n" + "".join(
        f"{p['id']},{p['started']},{p['contact']},{p.get('agency', '')}\n" for p in rows)
    as_csv = write(tmp_path, "w.csv", table)
    one = run("evaluate", SMALL, as_csv, "--as-of", AS_OF)
    three = run("evaluate", SMALL, as_csv, "--as-of", AS_OF, "-j", "3")
    assert one.stdout == three.stdout and one.exit_code == three.exit_code == 1
    assert [d["worker"] for d in lines(three.stdout)] == [p["id"] for p in rows]


def test_no_progress_bar_off_a_terminal(tmp_path: Path) -> None:
    count = PROGRESS_AFTER + 1100  # enough for a bar on a terminal (test_cli_process.py)
    workers = write(tmp_path, "w.jsonl", jsonl(*[dict(W1, id=f"W{i}") for i in range(count)]))
    quiet = run("evaluate", SMALL, workers, "--as-of", AS_OF, "-q")
    assert quiet.stderr == ""  # not a terminal, and --quiet: nothing at all
    assert len(quiet.stdout.splitlines()) == count
    plain = run("evaluate", SMALL, workers, "--as-of", AS_OF)
    assert plain.stderr.splitlines() == [
        f"{count} records: {count} workers evaluated as of 2026-11-22 (0 compliant, "
        f"{count} not compliant), 0 rejected"]


def test_the_readme_command_on_the_shipped_examples() -> None:
    result = run("evaluate", DURHAM, str(EXAMPLES / "workers.csv"), "--training",
                 str(EXAMPLES / "training.csv"), "--as-of", AS_OF)
    assert result.exit_code == 1  # the examples hold a few deliberately bad rows
    out = lines(result.stdout)
    assert len(out) == 2000
    errors = [d for d in out if "error" in d]
    assert len(errors) == 8
    assert {e["error"]["field"] for e in errors} >= {"contact", "started", "id", "volunteer",
                                                    "sector"}
    assert "2000 records: 1992 workers evaluated" in result.stderr
    assert "8 rejected" in result.stderr


# explain, eligible ------------------------------------------------------------------------------

def test_explain(tmp_path: Path) -> None:
    worker = dict(W2, contact="regular", roles=[{"role": "supervisor", "since": "2026-10-01"}],
                  training=[{"training": "induction-course", "completed": "2020-06-01"}])
    workers = write(tmp_path, "w.jsonl", jsonl(W1, worker))
    result = run("explain", SMALL, workers, "--worker", "W2", "--as-of", AS_OF)
    assert result.exit_code == 0
    out = result.stdout
    assert "W2 under small" in out and "Not compliant: 2 of 3 requirements overdue" in out
    assert "Safeguarding induction (induction): OVERDUE" in out
    assert "Paragraphs: 1.2" in out
    assert "renewal was due by 2023-06-01" in out
    assert "Inter-agency training (inter-agency): OVERDUE" in out
    assert "complete Inter-agency course now" in out
    assert "Supervision skills (supervision): DUE" in out
    assert "took the role supervisor on 2026-10-01" in out
    assert "due by 2027-01-01" in out
    assert "complete Supervision skills by 2027-01-01" in out
    assert result.stderr == ""


def test_explain_unknown_and_invalid_workers(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, BAD, W2))
    missing = run("explain", SMALL, workers, "--worker", "W22")
    assert missing.exit_code == 2
    assert "no worker with id 'W22' (did you mean 'W2'?)" in missing.stderr
    bad = run("explain", SMALL, workers, "--worker", "B1")
    assert bad.exit_code == 1
    assert "w.jsonl:2:" in bad.stderr and "unknown contact level" in bad.stderr
    assert bad.stdout == ""


def test_eligible(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1, W3))
    yes = run("eligible", SMALL, workers, "--worker", "W1", "inter-agency-course", "--on", AS_OF)
    assert yes.exit_code == 0
    assert yes.stdout.startswith("yes: W1 may attend inter-agency-course")
    assert "completed induction-course on 2024-03-01" in yes.stdout
    assert "paragraphs: 1.3" in yes.stdout
    no = run("eligible", SMALL, workers, "--worker", "W3", "inter-agency-course", "--on", AS_OF)
    assert no.exit_code == 0
    assert no.stdout.startswith("no: W3 may not attend inter-agency-course")
    assert "requires induction-course first" in no.stdout
    strict = run("eligible", SMALL, workers, "-w", "W3", "inter-agency-course", "--strict")
    assert strict.exit_code == 1
    strict_yes = run("eligible", SMALL, workers, "-w", "W1", "inter-agency-course", "--strict")
    assert strict_yes.exit_code == 0
    early = run("eligible", SMALL, workers, "-w", "W1", "inter-agency-course", "--on",
                "2024-02-29", "--format", "json")
    assert json.loads(early.stdout) == {
        "worker": "W1", "training": "inter-agency-course", "on": "2024-02-29", "ok": False,
        "reasons": json.loads(early.stdout)["reasons"], "cites": ["1.3"]}


def test_eligible_unknown_training(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", jsonl(W1))
    result = run("eligible", SMALL, workers, "-w", "W1", "inter-agency-corse")
    assert result.exit_code == 2
    assert "did you mean `inter-agency-course`?" in result.stderr


# describe, coverage -------------------------------------------------------------------------------

def test_describe_json_follows_the_contract() -> None:
    result = run("describe", SMALL, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["id"] == "small" and data["title"] == "A small test policy"
    for key in ("groups", "training", "requirements"):
        assert data[key] and all({"id", "title", "cites"} <= set(x) for x in data[key])
    assert {t["id"]: t["delivery"] for t in data["training"]} == {
        "induction-course": "single-agency", "inter-agency-course": "inter-agency",
        "supervision-course": "single-agency"}
    assert data == json.loads(json.dumps(policyrules.load(SMALL).describe()))
    # Who is in each group, and whom each requirement applies to, as the policy says it.
    assert [g["members"] for g in data["groups"]] == ["contact in regular, predominant"]
    assert [r["applies_to"] for r in data["requirements"]] == [
        "contact in occasional, regular, predominant",  # `contact at least occasional`
        "contact in regular, predominant",  # `group regular-contact`, resolved
        "role supervisor"]


def test_describe_text() -> None:
    result = run("describe", SMALL)
    assert result.exit_code == 0
    out = result.stdout
    assert "Groups (1)" in out and "Training (3)" in out and "Requirements (3)" in out
    assert "applies to: contact in regular, predominant" in out
    assert "due within 3 months of role supervisor; cites 1.4" in out
    assert "inter-agency; requires induction-course; cites 1.3" in out


def test_coverage() -> None:
    result = run("coverage", SMALL)
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert out[-1] == "6 of 6 paragraphs covered"
    for paragraph in ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6"):
        assert any(line.startswith(paragraph + " ") for line in out)
    assert any("duty" in line and "agencies-train" in line for line in out)
    warn = run("coverage", WARN)
    assert warn.stdout.splitlines()[-1] == "1 of 2 paragraphs covered"
    assert "not accounted for" in warn.stdout
    data = json.loads(run("coverage", SMALL, "-f", "json").stdout)
    assert (data["covered"], data["total"]) == (6, 6)


def test_coverage_of_the_shipped_policy() -> None:
    result = run("coverage", DURHAM)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "42 of 42 paragraphs covered"


# test ------------------------------------------------------------------------------------------

def test_test_command_passing() -> None:
    result = run("test", SMALL)
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert out[0] == f"{SMALL} .."
    assert out[-1] == "2 passed, 0 failed"


def test_test_command_failing_shows_a_diff() -> None:
    result = run("test", SMALL, FAILING)
    assert result.exit_code == 1
    out = result.stdout
    assert f"{FAILING} FF" in out
    assert f'{FAILING}:52: example "a new starter is due within six months"' in out
    assert f"{FAILING}:59: expect groups none" in out
    assert "expected: groups none" in out and "actual:   groups regular-contact" in out
    assert "expected: induction overdue deadline 2027-03-01" in out
    assert "actual:   induction met deadline 2027-03-01" in out
    assert out.splitlines()[-1] == "2 passed, 2 failed"


def test_test_command_filter_and_verbose() -> None:
    result = run("test", FAILING, "-k", "NEW STARTER", "-v")
    assert result.exit_code == 1
    assert "a new starter is due within six months FAILED" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"


def test_test_command_filter_that_selects_nothing_does_not_pass() -> None:
    result = run("test", str(ROOT / "policies" / "durham.policy"), "-k", "no such example")
    assert result.exit_code == 1
    assert "warning: no example's name contains 'no such example'" in result.stderr
    assert result.stdout.strip().endswith("0 passed, 0 failed")


def test_test_command_with_a_policy_that_does_not_check() -> None:
    result = run("test", BROKEN, SMALL)
    assert result.exit_code == 2
    assert f"{BROKEN}:10:31: error" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_test_command_on_the_shipped_policies() -> None:
    result = run("test", str(ROOT / "policies"))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


# fmt, verify ---------------------------------------------------------------------------------

MESSY = str(FIXTURES / "messy.policy")


def test_fmt_check_lists_files_that_would_change(tmp_path: Path) -> None:
    messy = write(tmp_path, "messy.policy", Path(MESSY).read_text())
    result = run("fmt", "--check", messy, SMALL)
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {messy}\n"
    assert Path(messy).read_text() == Path(MESSY).read_text()  # --check changes nothing
    assert run("fmt", "--check", SMALL).exit_code == 0


def test_fmt_diff(tmp_path: Path) -> None:
    messy = write(tmp_path, "messy.policy", Path(MESSY).read_text())
    result = run("fmt", "--diff", messy)
    assert result.exit_code == 1
    assert f"--- {messy} (original)" in result.stdout
    assert "+  cites 1.1  # the induction" in result.stdout
    assert Path(messy).read_text() == Path(MESSY).read_text()


def test_fmt_rewrites_keeps_comments_is_idempotent_and_keeps_meaning(tmp_path: Path) -> None:
    messy = write(tmp_path, "messy.policy", Path(MESSY).read_text())
    before = policyrules.load(messy)
    result = run("fmt", messy)
    assert result.exit_code == 0
    assert f"reformatted {messy}" in result.stderr
    formatted = Path(messy).read_text()
    assert formatted != Path(MESSY).read_text()
    assert "# messy layout" in formatted and "# the induction" in formatted
    assert "\n  applies to contact at least occasional\n" in formatted
    assert run("fmt", "--check", messy).exit_code == 0  # idempotent
    again = run("fmt", messy)
    assert "0 files reformatted, 1 file left unchanged" in again.stderr
    after = policyrules.load(messy)
    people = [W1, W2, W3, dict(W1, id="W4", training=[]), dict(W3, id="W5", contact="none")]
    for w in people:
        for day in (datetime.date(2026, 3, 1), datetime.date(2026, 11, 22)):
            # fmt changed the text, and so the fingerprint; nothing else
            old, new = (p.evaluate(w, as_of=day).to_dict() for p in (before, after))
            assert old.pop("fingerprint") != new.pop("fingerprint")
            assert old == new
    assert run("test", messy).stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_fmt_stdin_and_errors(tmp_path: Path) -> None:
    result = run("fmt", "-", input=Path(MESSY).read_text())
    assert result.exit_code == 0
    assert result.stdout.startswith("# messy layout\npolicy messy\n  title \"Messy\"\n")
    syntax = write(tmp_path, "bad.policy", 'policy x\n  title oops\n')
    bad = run("fmt", syntax)
    assert bad.exit_code == 2
    assert "bad.policy:2:9: error:" in bad.stderr
    assert Path(syntax).read_text() == 'policy x\n  title oops\n'
    assert run("fmt", str(tmp_path / "nope.policy")).exit_code == 2
    latin = run("fmt", LATIN1)
    assert latin.exit_code == 2 and "not UTF-8" in latin.stderr


def test_verify() -> None:
    result = run("verify", SMALL, "--max-examples", "10", "--seed", "1")
    assert result.exit_code == 0
    assert result.stdout.startswith("verify small (")
    assert "proved 6 properties" in result.stdout
    assert run("verify", BROKEN).exit_code == 2


# The documentation's commands run --------------------------------------------------------------

def doc_commands(path: Path) -> list[list[str]]:
    """`policyrules …` lines of the ```sh blocks, cut at a pipe or redirection."""
    import re
    import shlex

    commands = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        for line in block.splitlines():
            if not line.startswith("policyrules "):
                continue
            words = shlex.split(line, comments=True)[1:]
            for i, word in enumerate(words):
                if word in ("|", ">", "<"):
                    words = words[:i]
                    break
            commands.append(words)
    return commands


@pytest.mark.parametrize("doc", ["docs/cli.md", "examples/README.md"])
def test_documented_commands_run(doc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    commands = doc_commands(ROOT / doc)
    assert len(commands) >= 3
    for words in commands:
        if words[:1] == ["fmt"]:
            assert "--check" in words or "--diff" in words  # never rewrite shipped files here
        if words[:1] == ["verify"]:
            continue  # slow; tested above on a small policy
        result = run(*words)
        expected_status = 1 if "workers" in " ".join(words) and words[0] == "evaluate" else 0
        assert result.exit_code == expected_status, (words, result.stdout, result.stderr)


def test_documented_error_record_is_the_real_one() -> None:
    shown = (ROOT / "docs" / "cli.md").read_text().split("```json\n")[1].split("```")[0]
    result = run("evaluate", DURHAM, str(EXAMPLES / "workers.csv"), "--training",
                 str(EXAMPLES / "training.csv"), "--as-of", AS_OF)
    records = {d["worker"]: d for d in lines(result.stdout) if "error" in d}
    assert json.loads(shown) == records["CP00137"]
    readme = (EXAMPLES / "README.md").read_text()
    summary = result.stderr.strip().splitlines()[-1]
    assert summary in readme.replace("\n", " ")


@settings(max_examples=100, deadline=None)
@given(any_worker(policyrules.load(DURHAM), id=st.text(min_size=1, max_size=12)),
       as_of_dates())
def test_json_text_is_exactly_the_decision_for_any_worker(worker: policyrules.Worker,
                                                          as_of: datetime.date) -> None:
    durham = policyrules.load(DURHAM)
    decision = durham.evaluate(worker, as_of=as_of)
    assert DecisionJson()(decision) == json.dumps(decision.to_dict(), ensure_ascii=False)


def test_explain_does_not_depend_on_the_order_of_the_records(tmp_path: Path) -> None:
    features = str(Path(__file__).parent / "fixtures" / "features.policy")
    records = [{"training": "refresher-course", "completed": "2015-01-01"},
               {"training": "induction-course", "completed": "2015-01-01"}]
    shown = set()
    for i, order in enumerate((records, records[::-1])):
        worker = {"id": "W1", "started": "2015-01-01", "contact": "regular", "training": order}
        path = write(tmp_path, f"w{i}.jsonl", jsonl(worker))
        result = run("explain", features, path, "--worker", "W1", "--as-of", "2018-01-02")
        assert result.exit_code == 0
        shown.add(result.stdout)
    assert len(shown) == 1
    assert "last completed Safeguarding induction on 2015-01-01" in shown.pop()


def test_the_progress_bar_starts_after_enough_records_and_only_on_a_terminal() -> None:
    err = Tty()
    bar = ProgressBar(Out("never", stdout=Tty(), stderr=err), size=None, position=lambda: 0,
                      enabled=True, after=10)
    bar.update(5)
    assert err.getvalue() == ""  # a small input shows no bar
    bar.update(20)
    bar.stop()
    assert "evaluating 20 records" in err.getvalue() and "20/?" in err.getvalue()
    off = io.StringIO()
    for enabled, stream in ((True, off), (False, Tty())):
        quiet = ProgressBar(Out("never", stderr=stream), size=100, position=lambda: 50,
                            enabled=enabled, after=0)
        quiet.update(50)
        quiet.stop()
        assert stream.getvalue() == ""
