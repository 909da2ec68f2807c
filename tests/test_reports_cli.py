"""`policyrules report` (CONTRACT §4, §8): formats, files, exit status, errors."""

from __future__ import annotations

import datetime
import json
import re
import shlex
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import AS_OF, FIXTURES, ROOT, run, write
from policyrules.testing import workers as worker_strategy

FEATURES = str(FIXTURES / "features.policy")
GOOD = [
    {"id": "A", "started": "2024-01-01", "contact": "regular", "team": "North",
     "training": [{"training": "induction-course", "completed": "2024-02-10"}]},
    {"id": "B", "started": "2026-05-20", "contact": "regular", "team": "South"},
]
BAD = {"id": "X", "started": "2024-01-10", "contact": "regualr"}


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


# docs/reports.md: its commands run, and the figures it quotes are the real ones -----------------

DOC = (ROOT / "docs" / "reports.md").read_text()


def _doc_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)


def test_the_documented_commands_run_and_say_what_the_doc_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    commands = [b for b in _doc_blocks("sh") if b.startswith("policyrules report")]
    assert len(commands) == 2
    shown = DOC.split("(the report is still written, and lists them):\n\n```\n")[1]
    shown = shown.split("```")[0]
    for n, command in enumerate(commands):
        args = shlex.split(command.replace("\\\n", " "))[1:]
        out = tmp_path / args[-1]
        result = run(*args[:-1], str(out))
        assert result.exit_code == 1
        assert out.stat().st_size > 0
        if n == 0:
            assert result.stderr == shown.replace("report.html", str(out))


def test_the_documented_json_figures_are_the_real_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("report", "policies/durham.policy", "examples/workers.csv", "--training",
                 "examples/training.csv", "--as-of", "2026-11-22", "--by", "agency", "-q")
    real = json.loads(result.stdout)
    quoted = json.loads(_doc_blocks("json")[0])
    for key in ("policy", "as_of", "workers", "rejected", "compliant"):
        assert quoted[key] == real[key]
    assert quoted["by"]["agency"][0] == {k: real["by"]["agency"][0][k]
                                         for k in ("key", "workers", "compliant")}
    induction = real["requirements"][0]
    assert quoted["requirements"][0] == {k: induction[k]
                                         for k in ("requirement", "met", "due", "overdue")}
    assert quoted["demand"][0] in [{k: d[k] for k in ("training", "month", "workers")}
                                   for d in real["demand"]]
    refresher = real["requirements"][1]
    prose = " ".join(DOC.split())
    assert (f"1,618 met, {induction['due']} due" in prose and
            f"{refresher['overdue']} overdue, {refresher['never_done']} of them never done"
            in prose and f"{refresher['falls_due']} fall due within the next 90 days" in prose)
    assert f"{refresher['overdue'] - refresher['never_done']} lapsed" in prose
    agencies = {a["key"]: (a["workers"], a["compliant"]) for a in real["by"]["agency"]}
    assert agencies["Wearfield Youth and Sports Clubs"] == (150, 120)
    assert agencies["Wearfield Safeguarding Partnership"] == (20, 8)
    assert "Wearfield Youth and Sports Clubs (120 of 150, 80%)" in prose
    assert "Wearfield Safeguarding Partnership (8 of 20, 40%)" in prose
    refresher_demand = {d["month"]: d for d in real["demand"]
                        if d["training"] == "safeguarding-refresher"}
    december = refresher_demand["2026-12"]
    assert (refresher_demand["2026-11"]["overdue"], december["workers"], december["renewals"],
            december["new"], refresher_demand["2027-01"]["workers"],
            refresher_demand["2027-02"]["workers"]) == (94, 13, 13, 0, 24, 20)
    assert "94 places on the safeguarding refresher" in prose
    assert "then 13 in December 2026 (13 renewals, 0 new starters), 24 in January 2027, 20 in" \
        " February" in prose


# Any workforce, bad rows included: the report's JSON against evaluate's JSON Lines ---------

BAD_LINES = [
    '{"id": "bad-date", "started": "2026-02-30", "contact": "regular", "team": "North"}',
    '{"id": "bad-contact", "started": "2020-01-01", "contact": "regualr"}',
    '{"started": "2020-01-01", "contact": "none", "team": "South"}',
    '{"id": "not-json", "started": ',
    '["not", "an", "object"]',
]


def _recount_jsonl(lines: list[str], as_of: datetime.date, horizon: int) -> dict[str, Any]:
    """The report's figures counted from `evaluate --format jsonl --keep team` output, by
    the test's own code: team then group, statuses, overdue and falling-due findings, and
    the workers needing each first `satisfied by` course each month."""
    first = as_of.year * 12 + as_of.month - 1
    months = [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(first, first + 12)]
    out: dict[str, Any] = {"workers": 0, "compliant": 0, "rejected": 0, "overdue": 0,
                           "falls_due": 0}
    by: Counter[tuple[str, ...]] = Counter()
    by_ok: Counter[tuple[str, ...]] = Counter()
    statuses: Counter[tuple[str, str]] = Counter()
    demand: dict[tuple[str, str], set[int]] = defaultdict(set)
    for n, line in enumerate(lines):
        d = json.loads(line)
        if "error" in d:
            out["rejected"] += 1
            continue
        out["workers"] += 1
        out["compliant"] += d["compliant"]
        team = d["team"] or "(not given)"
        by[(team,)] += 1
        by_ok[(team,)] += d["compliant"]
        for group in d["groups"] or ["(no group)"]:
            by[(team, group)] += 1
            by_ok[(team, group)] += d["compliant"]
        for f in d["findings"]:
            statuses[f["requirement"], f["status"]] += 1
            due = datetime.date.fromisoformat(f["due"]) if f["due"] else None
            if f["status"] == "overdue":
                out["overdue"] += 1
                month: str | None = months[0]
            else:
                month = due.isoformat()[:7] if due else None
                if due and as_of <= due <= as_of + datetime.timedelta(days=horizon):
                    out["falls_due"] += 1
            if month in months:
                demand[f["satisfied_by"][0], month].add(n)
    out["by"] = {k: (by[k], by_ok[k]) for k in by}
    out["statuses"] = statuses
    out["demand"] = {k: len(v) for k, v in demand.items()}
    return out


def _flatten_json(by: dict[str, Any], prefix: tuple[str, ...] = ()
                  ) -> dict[tuple[str, ...], tuple[int, int]]:
    out = {}
    for rows in by.values():
        for row in rows:
            key = (*prefix, row["key"])
            out[key] = (row["workers"], row["compliant"])
            out.update(_flatten_json(row.get("by", {}), key))
    return out


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), as_of=st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)),
       horizon=st.integers(0, 400))
def test_any_workforce_report_json_agrees_with_evaluate_jsonl(
        tmp_path: Path, data: st.DataObject, as_of: datetime.date, horizon: int) -> None:
    features = policyrules.load(FEATURES)
    drawn = data.draw(st.lists(worker_strategy(
        features, as_of=as_of, id=st.sampled_from(["A", "B", "C", "D", "E", "F"])),
        max_size=20))
    teams = data.draw(st.lists(st.sampled_from(["", "North", "South"]),
                               min_size=len(drawn), max_size=len(drawn)))
    lines = [json.dumps(w.to_dict() | {"team": t}) for w, t in zip(drawn, teams, strict=True)]
    for bad in data.draw(st.lists(st.sampled_from(BAD_LINES), max_size=3)):
        lines.insert(data.draw(st.integers(0, len(lines))), bad)
    path = write(tmp_path, "any.jsonl", "".join(line + "\n" for line in lines))
    day = as_of.isoformat()
    evaluated = run("evaluate", FEATURES, path, "--as-of", day, "--format", "jsonl",
                    "--keep", "team", "-q")
    reported = run("report", FEATURES, path, "--as-of", day, "--horizon", str(horizon),
                   "--by", "team", "--by", "group", "--format", "json", "-q")
    assert evaluated.exit_code == reported.exit_code, reported.stderr
    report = json.loads(reported.stdout)
    expected = _recount_jsonl(evaluated.stdout.splitlines(), as_of, horizon)
    for key in ("workers", "compliant", "rejected"):
        assert report[key] == expected[key], key
    assert _flatten_json(report["by"]) == expected["by"]
    for r in report["requirements"]:
        assert (r["met"], r["due"], r["overdue"]) == tuple(
            expected["statuses"][r["requirement"], s] for s in ("met", "due", "overdue"))
        assert sum(r["ageing"].values()) == r["overdue"]
    assert len(report["overdue"]) == expected["overdue"]
    assert len(report["falls_due"]) == expected["falls_due"]
    assert {(d["training"], d["month"]): d["workers"] for d in report["demand"]} == \
        expected["demand"]
