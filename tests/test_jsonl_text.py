"""`evaluate WORKERS.jsonl --format jsonl|json` through the columnar backend and the bulk
JSON writer (batch/columnar_text.py) writes the row path's bytes, stderr and exit status:
the lines the table reader leaves to the row path and the rows the writer leaves to it
come back in line order, and evidence `hours` is written as the line wrote it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run
from policyrules.batch import columnar_text
from policyrules.cli import evaluate as evaluate_command
from test_jsonl_columnar import GOOD, ODD_LINES, _lines, jsonl_workforces

DURHAM = str(ROOT / "policies" / "durham.policy")

# Ids the writer must escape as the row path does: a quote, a backslash, control
# characters, a line separator (which JSON Lines output writes as `\u2028`), non-ASCII.
ODD_IDS = ['W"q"', "W\\b", "W\n\t\x01", "W\u2028x\x85", "Wé☃", "W/</script>"]


def _both(args: list[str], rows: int = columnar_text.ROWS) -> tuple[Any, Any, list[int]]:
    """`evaluate ARGS` by the columnar text route (`rows` workers a batch, whatever the
    file's size) and by the row path; and how many table rows each batch decided."""
    sizes: list[int] = []
    decide = columnar_text.ColumnarText._decide

    def counted(self: Any, frame: Any, records: Any) -> Any:
        sizes.append(frame.height)
        return decide(self, frame, records)

    with mock.patch.object(columnar_text, "ROWS", rows), \
            mock.patch.object(evaluate_command, "COLUMNAR_TEXT_BYTES", 0), \
            mock.patch.object(columnar_text.ColumnarText, "_decide", counted):
        columnar = run("evaluate", *args)
    with mock.patch.object(evaluate_command, "_jsonl_file", lambda *_: False):
        row_path = run("evaluate", *args)
    return columnar, row_path, sizes


def _same(columnar: Any, rows: Any) -> None:
    assert columnar.stdout == rows.stdout
    assert columnar.stderr == rows.stderr
    assert columnar.exit_code == rows.exit_code


@st.composite
def workforces(draw: st.DrawFn) -> tuple[str, str, str]:
    """test_jsonl_columnar's generated JSON Lines workforces (bad lines of every kind,
    month ends, roles with dates, hours 3 and 3.0, records in and out of date order,
    unknown courses, extra keys, repeated ids), with some ids that need JSON escapes
    (written escaped or as they are) and role objects with keys of their own."""
    policy, text, as_of = draw(jsonl_workforces())
    for i in draw(st.lists(st.integers(0, 5), max_size=3, unique=True)):
        odd = draw(st.sampled_from(ODD_IDS))
        written = json.dumps(odd, ensure_ascii=draw(st.booleans()))
        text = text.replace(f'"W{i:04d}"', written)
    if draw(st.booleans()):
        text = text.replace('"since":', '"note": [1, {"a": null}], "since":')
    return policy, text, as_of


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(workforces(), st.sampled_from(["jsonl", "json"]), st.integers(1, 4),
       st.sampled_from([[], ["--no-explain"]]))
def test_a_generated_jsonl_workforce_gives_the_row_paths_bytes(
        tmp_path: Path, case: tuple[str, str, str], fmt: str, rows: int,
        options: list[str]) -> None:
    policy, text, as_of = case
    path = _lines(tmp_path, text)
    columnar, row_path, sizes = _both([policy, path, "--as-of", as_of, "-f", fmt, *options],
                                      rows)
    _same(columnar, row_path)
    assert max(sizes, default=0) <= rows


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_hours_are_written_as_the_line_wrote_them(tmp_path: Path, fmt: str) -> None:
    lines = [
        '{"id": "A", "started": "2020-01-31", "contact": "regular", "training": ['
        '{"training": "safeguarding-induction", "completed": "2020-02-29", "hours": 3}, '
        '{"training": "safeguarding-refresher", "completed": "2026-01-31", "hours": 3.0}, '
        '{"training": "inter-agency-foundation", "completed": "2025-08-31", '
        '"delivery": "inter-agency", "hours": 2.5}]}',
        '{"id": "B", "started": "2020-01-31", "contact": "regular", "training": ['
        '{"training": "safeguarding-induction", "completed": "2020-02-29", "hours": 0.0}, '
        '{"training": "safeguarding-refresher", "completed": "2026-01-31", "hours": 0}]}',
    ]
    path = _lines(tmp_path, "\n".join(lines) + "\n")
    columnar, row_path, sizes = _both([DURHAM, path, "--as-of", "2026-11-22", "-f", fmt])
    _same(columnar, row_path)
    assert sizes == [2]  # both lines decided in columns
    decisions = ([json.loads(line) for line in columnar.stdout.splitlines()]
                 if fmt == "jsonl" else json.loads(columnar.stdout))
    hours = {(d["worker"], e["training"]): e.get("hours")
             for d in decisions for f in d["findings"] for e in f["evidence"]}
    assert hours == {("A", "safeguarding-induction"): 3, ("A", "safeguarding-refresher"): 3.0,
                     ("B", "safeguarding-induction"): 0.0, ("B", "safeguarding-refresher"): 0}
    # The numbers' text: an integer without a point, a float with one.
    written = re.findall(r'"hours": ([0-9.]+)', columnar.stdout)
    assert written == ["3", "3.0", "0.0", "0"]


def test_lines_left_to_the_row_path_come_back_in_line_order(tmp_path: Path) -> None:
    odd = [ODD_LINES[k] for k in ("not JSON", "id a number", "hours as text", "NaN")]
    lines = [GOOD.replace('"A"', f'"W{i}"') if i % 2 else odd[i // 2] for i in range(8)]
    path = _lines(tmp_path, "\n".join(lines) + "\n")
    columnar, row_path, sizes = _both([DURHAM, path, "--as-of", "2026-11-22"], rows=3)
    _same(columnar, row_path)
    assert sum(sizes) == 4 and max(sizes) <= 3
    written = [json.loads(line) for line in columnar.stdout.splitlines()]
    assert [d.get("worker") for d in written[1::2]] == ["W1", "W3", "W5", "W7"]
    assert [d["worker"] for d in written[0::2]] == ["B", "7", "B", "B"]
    assert ["error" in d for d in written[0::2]] == [True, True, True, False]  # NaN agency
    assert columnar.exit_code == 1


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_a_line_that_is_not_utf8_ends_the_run_as_on_the_row_path(tmp_path: Path,
                                                                  fmt: str) -> None:
    good = [f"{GOOD}\n".replace('"A"', f'"W{i}"').encode() for i in range(3)]
    path = _lines(tmp_path, b"".join(good) + b'{"id": "\xff"}\n' + good[0])
    columnar, row_path, _ = _both([DURHAM, path, "--as-of", "2026-11-22", "-f", fmt], rows=2)
    _same(columnar, row_path)
    assert columnar.exit_code == 2 and "not UTF-8" in columnar.stderr
    assert columnar.stdout.count('"worker": "W') == 3  # the records before the bad line


@pytest.mark.parametrize(("fmt", "options"), [("jsonl", []), ("json", []),
                                              ("jsonl", ["--no-explain"])])
def test_the_example_workforce_takes_the_route(fmt: str, options: list[str]) -> None:
    args = [DURHAM, str(ROOT / "examples" / "workers.jsonl"), "--as-of", "2026-11-22",
            "-f", fmt, *options]
    columnar, row_path, sizes = _both(args, 512)
    _same(columnar, row_path)
    assert columnar.exit_code == 1 and "8 rejected" in columnar.stderr
    # 1,998 lines read as table rows (two are the row path's), 512 at most at a time.
    assert sum(sizes) == 1998 and max(sizes) <= 512
    if not options:
        assert columnar.stdout.count('"explanation": "') > 2000


@pytest.mark.parametrize(("options", "routed"), [
    ([], True), (["--log", "LOG"], False), (["--keep", "agency"], False),
    (["-f", "csv"], False), (["--training", "TRAINING"], False), (["-j", "2"], True),
])
def test_which_jsonl_runs_take_the_route(tmp_path: Path, options: list[str],
                                         routed: bool) -> None:
    training = tmp_path / "training.csv"
    training.write_text("worker,training,completed\nA,safeguarding-induction,2020-02-29\n")
    options = [str(tmp_path / "log") if o == "LOG" else str(training) if o == "TRAINING"
               else o for o in options]
    path = _lines(tmp_path, f"{GOOD}\n")
    columnar, row_path, sizes = _both([DURHAM, path, "--as-of", "2026-11-22", "-f", "jsonl",
                                       *options])
    assert bool(sizes) == routed
    _same(columnar, row_path)


def test_a_small_file_stays_on_the_row_path(tmp_path: Path) -> None:
    path = _lines(tmp_path, f"{GOOD}\n")
    assert not evaluate_command._jsonl_file(path, None)
    with mock.patch.object(evaluate_command, "COLUMNAR_TEXT_BYTES", 1):
        assert evaluate_command._jsonl_file(path, None)
        assert not evaluate_command._jsonl_file(path, path)
        assert not evaluate_command._jsonl_file(str(tmp_path / "missing.jsonl"), None)
