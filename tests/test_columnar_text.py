"""`evaluate` of a CSV to jsonl or json through the columnar backend and the bulk JSON
writer (batch/columnar_text.py) writes the row path's bytes, summary, warnings and exit
status, on generated workforces with bad rows, and on the shipped example."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import ROOT, run
from policyrules.batch import columnar_text
from policyrules.cli import evaluate as evaluate_command
from policyrules.testing import workers

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICIES = [ROOT / "policies" / "durham.policy", FIXTURES / "framework.policy",
            FIXTURES / "features.policy"]
AS_OF = datetime.date(2026, 11, 22)
WORKER_COLUMNS = ["id", "started", "contact", "roles", "agency", "sector", "volunteer", "team"]
TRAINING_COLUMNS = ["worker", "training", "completed", "delivery", "provider", "hours",
                    "level"]
FORMATS = ["jsonl", "json"]

Row = dict[str, str]

# Cells a generated row may be given instead of its own: bad values of every kind the
# row path rejects while reading or validating, and good ones at month ends.
WORKER_BREAKS: list[tuple[str, str]] = [
    ("started", "2026-02-30"), ("started", "2025-08-31"), ("started", "2024-02-29"),
    ("started", ""), ("started", "2026-01-01T09:00"), ("contact", "sometimes"),
    ("contact", ""), ("roles", "not-a-role"), ("roles", "supervisor@2026-13-01"),
    ("roles", "trainer@;supervisor@2025-08-31"), ("volunteer", "maybe"),
    ("volunteer", "YES"), ("sector", "private"), ("agency", '=HYPERLINK("x"), "quoted"'),
    ("id", ""), ("team", "North, east"),
]
TRAINING_BREAKS: list[tuple[str, str]] = [
    ("completed", "2023-13-01"), ("completed", "2025-08-31"), ("completed", ""),
    ("hours", "lots"), ("hours", "-1"), ("hours", "2.5"), ("hours", "1e3"), ("hours", "nan"),
    ("delivery", "online"), ("delivery", "inter-agency"), ("training", "no-such-course"),
    ("worker", "NOBODY"), ("worker", ""),
]


def _cells(worker: policyrules.Worker, i: int) -> tuple[Row, list[Row]]:
    wid = f"W{i:04d}"
    row = {"id": wid, "started": worker.started.isoformat(), "contact": worker.contact,
           "roles": ";".join(r.role + (f"@{r.since.isoformat()}" if r.since else "")
                             for r in worker.roles),
           "agency": worker.agency or "", "sector": worker.sector or "",
           "volunteer": "true" if worker.volunteer else "", "team": f"team {i % 3}"}
    records = [{"worker": wid, "training": t.training, "completed": t.completed.isoformat(),
                "delivery": t.delivery, "provider": t.provider or "",
                "hours": "" if t.hours is None else str(t.hours), "level": t.level or ""}
               for t in worker.training]
    return row, records


def _csv(columns: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def workforces(draw: st.DrawFn) -> tuple[policyrules.Policy, str, str | None]:
    """A policy, a worker CSV and a training CSV (or none): generated workers, some rows
    broken, repeated ids, records for nobody; the records in the workers' order (the
    route's), or now and then shuffled, a file with a ragged row or a blank line (the
    row path's)."""
    policy = policyrules.load(draw(st.sampled_from(POLICIES)))
    drawn = draw(st.lists(workers(policy, as_of=AS_OF, details=True), min_size=1,
                          max_size=7))
    rows: list[list[str]] = []
    records: list[list[str]] = []
    for i, worker in enumerate(drawn):
        row, own = _cells(worker, i)
        for k in draw(st.lists(st.integers(0, len(WORKER_BREAKS) - 1), max_size=2)):
            name, value = WORKER_BREAKS[k]
            row[name] = value
        if i and draw(st.integers(0, 9)) == 0:
            row["id"] = rows[-1][0] if rows and rows[-1] else row["id"]  # a repeated id
        for record in own:
            for k in draw(st.lists(st.integers(0, len(TRAINING_BREAKS) - 1), max_size=1)):
                name, value = TRAINING_BREAKS[k]
                record[name] = value
            records.append([record[c] for c in TRAINING_COLUMNS])
        cells = [row[c] for c in WORKER_COLUMNS]
        shape = draw(st.integers(0, 39))
        if shape == 0:
            cells.append("one too many")
        elif shape == 1:
            cells = cells[:3]  # fewer cells: the rest read as empty
        elif shape == 2:
            rows.append([])  # a blank line, skipped but counted
        rows.append(cells)
    inline = draw(st.integers(0, 5)) == 0
    if inline or not records:
        return policy, _csv(WORKER_COLUMNS, rows), None
    if draw(st.integers(0, 5)) == 0:
        draw(st.randoms(use_true_random=False)).shuffle(records)  # any order
    return policy, _csv(WORKER_COLUMNS, rows), _csv(TRAINING_COLUMNS, records)


def _write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _both(args: list[str], rows: int = columnar_text.ROWS
          ) -> tuple[Any, Any, list[int]]:
    """`evaluate ARGS` by the columnar text route (`rows` workers a batch) and by the
    row path; and how many rows each batch the route decided held."""
    sizes: list[int] = []
    decide = columnar_text.ColumnarText._batch

    def counted(self: Any, frame: Any, records: Any, rest: Any) -> Any:
        sizes.append(frame.height + len(rest))
        return decide(self, frame, records, rest)

    with mock.patch.object(columnar_text, "ROWS", rows), \
            mock.patch.object(evaluate_command, "COLUMNAR_TEXT_BYTES", 0), \
            mock.patch.object(columnar_text.ColumnarText, "_batch", counted):
        columnar = run("evaluate", *args)
    with mock.patch.object(evaluate_command, "_csv_files", lambda *_: False):
        row_path = run("evaluate", *args)
    return columnar, row_path, sizes


def _same(columnar: Any, rows: Any) -> None:
    assert columnar.stdout == rows.stdout
    assert columnar.stderr == rows.stderr
    assert columnar.exit_code == rows.exit_code


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(workforces(), st.sampled_from(FORMATS), st.integers(1, 5),
       st.sampled_from([[], ["--no-explain"], ["--keep", "team,agency"]]), st.booleans())
def test_csv_through_columns_is_the_row_paths_bytes(
        tmp_path: Path, case: tuple[policyrules.Policy, str, str | None], fmt: str,
        rows: int, options: list[str], parquet_training: bool) -> None:
    policy, workers_csv, training_csv = case
    folder = Path(tmp_path) / "w"
    folder.mkdir(exist_ok=True)
    args = [str(policy.path), _write(folder, "workers.csv", workers_csv),
            "--as-of", AS_OF.isoformat(), "-f", fmt]
    if training_csv is not None:
        training = _write(folder, "training.csv", training_csv)
        if parquet_training:  # the same records, as text columns of a Parquet file
            table = pl.read_csv(training, infer_schema=False)
            training = str(folder / "training.parquet")
            table.write_parquet(training)
        args += ["--training", training]
    columnar, row_path, sizes = _both(args + options, rows)
    _same(columnar, row_path)
    assert max(sizes, default=0) <= rows  # in bounded batches, when the route ran
    if options == ["--keep", "team,agency"]:
        assert not sizes  # --keep is the row path's


@pytest.mark.parametrize(("fmt", "options"), [("jsonl", []), ("json", []),
                                              ("jsonl", ["--no-explain"])])
def test_the_shipped_example(fmt: str, options: list[str]) -> None:
    args = [str(ROOT / "policies" / "durham.policy"), str(ROOT / "examples" / "workers.csv"),
            "--training", str(ROOT / "examples" / "training.csv"), "--as-of", "2026-11-22",
            "-f", fmt, *options]
    columnar, row_path, sizes = _both(args, 512)
    _same(columnar, row_path)
    assert columnar.exit_code == 1  # the example has 8 bad rows
    assert sum(sizes) == 2000 and max(sizes) == 512
    if not options:  # and the explanations are there, made from the columns' facts
        assert columnar.stdout.count('"explanation": "') > 2000


@pytest.mark.parametrize(("options", "routed"), [
    ([], True), (["--log", "LOG"], False), (["--date-format", "yyyy-mm-dd"], False),
    (["-f", "csv"], False), (["--keep", "agency"], False), (["-j", "2"], True),
])
def test_which_inputs_take_the_columnar_route(tmp_path: Path, options: list[str],
                                              routed: bool) -> None:
    options = [str(tmp_path / o) if o == "LOG" else o for o in options]
    args = [str(ROOT / "policies" / "durham.policy"), str(ROOT / "examples" / "workers.csv"),
            "--as-of", "2026-11-22", "-f", "jsonl", *options]
    columnar, row_path, sizes = _both(args)
    assert bool(sizes) == routed
    _same(columnar, row_path)


def test_records_out_of_order_take_the_row_path(tmp_path: Path) -> None:
    """A training file not in the workers' order: nothing is written by the route, and
    the row path writes everything."""
    workers_csv = _csv(WORKER_COLUMNS, [["W1", "2025-01-01", "regular", "", "", "", "", ""],
                                        ["W2", "2025-08-31", "regular", "", "", "", "", ""]])
    training_csv = _csv(TRAINING_COLUMNS, [
        ["W2", "safeguarding-induction", "2025-09-01", "", "", "", ""],
        ["W1", "safeguarding-induction", "2025-02-01", "", "", "", ""]])
    args = [str(ROOT / "policies" / "durham.policy"), _write(tmp_path, "w.csv", workers_csv),
            "--training", _write(tmp_path, "t.csv", training_csv),
            "--as-of", "2026-11-22", "-f", "jsonl"]
    columnar, row_path, sizes = _both(args)
    assert sizes == []
    _same(columnar, row_path)
    assert columnar.stdout.count("\n") == 2


def test_a_worker_the_columns_set_aside_is_decided_by_the_row_path(tmp_path: Path) -> None:
    """A date so late that a deadline would pass 9999-12-31: the engine leaves the row to
    the row path, whose error record is the output's."""
    workers_csv = _csv(WORKER_COLUMNS, [
        ["W1", "9999-12-30", "regular", "", "", "", "", ""],
        ["W2", "2025-08-31", "regular", "", "", "", "", ""]])
    args = [str(ROOT / "policies" / "durham.policy"), _write(tmp_path, "w.csv", workers_csv),
            "--as-of", "2026-11-22", "-f", "jsonl"]
    columnar, row_path, sizes = _both(args)
    _same(columnar, row_path)
    assert sizes == [2] and columnar.exit_code == 1
    assert "after 9999-12-31" in columnar.stdout


def test_a_small_file_takes_the_row_path_without_polars(tmp_path: Path) -> None:
    """Below COLUMNAR_TEXT_BYTES the row path is quicker than loading Polars."""
    args = [str(ROOT / "policies" / "durham.policy"), str(ROOT / "examples" / "workers.csv"),
            "--as-of", "2026-11-22", "-f", "jsonl"]
    assert (ROOT / "examples" / "workers.csv").stat().st_size < \
        evaluate_command.COLUMNAR_TEXT_BYTES
    assert not evaluate_command._csv_files(args[1], None)
    with mock.patch.object(evaluate_command, "COLUMNAR_TEXT_BYTES", 0):
        assert evaluate_command._csv_files(args[1], None)
