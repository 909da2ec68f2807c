"""`policyrules report` (CONTRACT §4, §8): formats, files, exit status, errors."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import policyrules
from conftest import AS_OF, FIXTURES, ROOT, write
from policyrules.cli import cli

FEATURES = str(FIXTURES / "features.policy")
GOOD = [
    {"id": "A", "started": "2024-01-01", "contact": "regular", "team": "North",
     "training": [{"training": "induction-course", "completed": "2024-02-10"}]},
    {"id": "B", "started": "2026-05-20", "contact": "regular", "team": "South"},
]
BAD = {"id": "X", "started": "2024-01-10", "contact": "regualr"}


def run(*args: str) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _jsonl(tmp_path: Path, *workers: object) -> str:
    return write(tmp_path, "workers.jsonl", "".join(json.dumps(w) + "\n" for w in workers))


def test_json_report_to_stdout_agrees_with_evaluate(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, *GOOD)
    result = run("report", FEATURES, path, "--as-of", "2026-11-22", "--by", "team")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    policy = policyrules.load(FEATURES)
    decisions = [policy.evaluate(w, AS_OF) for w in GOOD]
    assert data["workers"] == 2 and data["rejected"] == 0
    assert data["compliant"] == sum(d.compliant for d in decisions)
    assert data["by"] == {"team": [
        {"key": "North", "workers": 1, "compliant": int(decisions[0].compliant)},
        {"key": "South", "workers": 1, "compliant": int(decisions[1].compliant)}]}
    assert "2 records: 2 workers reported as at 2026-11-22" in result.stderr


def test_rejected_records_give_exit_1_and_the_report_is_still_written(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, GOOD[0], BAD, GOOD[1])
    out = tmp_path / "report.json"
    result = run("report", FEATURES, path, "--as-of", "2026-11-22", "-o", str(out))
    assert result.exit_code == 1
    data = json.loads(out.read_text())
    assert (data["workers"], data["rejected"]) == (2, 1)
    assert data["rejections"][0]["record"] == 2
    assert data["rejections"][0]["field"] == "contact"
    assert "1 rejected" in result.stderr and f"wrote {out}" in result.stderr


def test_the_shipped_example_as_html_and_workbook(tmp_path: Path) -> None:
    for name in ("report.html", "report.xlsx"):
        out = tmp_path / name
        result = run("report", str(ROOT / "policies" / "durham.policy"),
                     str(ROOT / "examples" / "workers.csv"),
                     "--training", str(ROOT / "examples" / "training.csv"),
                     "--as-of", "2026-11-22", "--by", "agency", "-o", str(out), "-q")
        assert result.exit_code == 1  # the example has eight bad rows, on purpose
        assert "reported as at" not in result.stderr  # -q: no summary (warnings stay)
        head = out.read_bytes()[:16]
        assert head.startswith(b"<!DOCTYPE html>" if name.endswith("html") else b"PK")


def test_format_follows_the_file_name_unless_given(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, *GOOD)
    out = tmp_path / "out.txt"
    assert run("report", FEATURES, path, "--as-of", "2026-11-22", "-o", str(out),
               "-f", "html").exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert run("report", FEATURES, path, "--as-of", "2026-11-22", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["workers"] == 2


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "taem"], "no worker has a column 'taem'; did you mean `team`?"),
    (["--by", "team", "--by", "team"], "a column is given twice"),
    (["-f", "xlsx"], "give a file to write it to with -o FILE"),
    (["--horizon", "-3"], "-3 is not in the range x>=0"),
    (["--as-of", "2026-02-30"], "is not a date YYYY-MM-DD"),
    (["--target", "101"], "101.0 is not in the range 0<=x<=100"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = _jsonl(tmp_path, *GOOD)
    result = run("report", FEATURES, path, "--as-of", "2026-11-22", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_worker_file_exits_2(tmp_path: Path) -> None:
    result = run("report", FEATURES, str(tmp_path / "none.jsonl"))
    assert result.exit_code == 2
    assert "none.jsonl" in result.stderr


def test_as_of_defaults_to_today(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, *GOOD)
    data = json.loads(run("report", FEATURES, path).stdout)
    assert data["as_of"] == datetime.date.today().isoformat()


def test_report_is_listed_in_help() -> None:
    assert "report" in run("--help").stdout
