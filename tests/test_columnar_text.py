"""`evaluate` of a CSV through the columnar backend (batch/columnar_text.py) writes the
row path's bytes: every format, the summary, the warnings and the exit status, on
generated workforces with bad rows, and on the shipped example."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import ROOT, run
from policyrules import batch
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
FORMATS = ["jsonl", "json", "csv", "table"]

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
    broken, repeated ids, a row with too many cells, a blank line, records for nobody."""
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
        shape = draw(st.integers(0, 19))
        if shape == 0:
            cells.append("one too many")
        elif shape == 1:
            cells = cells[:3]  # fewer cells: the rest read as empty
        elif shape == 2:
            rows.append([])  # a blank line, skipped but counted
        rows.append(cells)
    inline = draw(st.booleans())
    if inline or not records:
        return policy, _csv(WORKER_COLUMNS, rows), None
    draw(st.randoms(use_true_random=False)).shuffle(records)  # any order
    return policy, _csv(WORKER_COLUMNS, rows), _csv(TRAINING_COLUMNS, records)


def _write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _both(args: list[str], batch_size: int = batch.COLUMNAR_BATCH
          ) -> tuple[Any, Any, list[int]]:
    """`evaluate ARGS` by the columnar route and by the row path (as `--log` or a JSON
    file would take it); and how many records each columnar chunk held."""
    sizes: list[int] = []
    stage = columnar_text.decide_columns

    def counted(job: Any, chunk: Any) -> Any:
        sizes.append(len(chunk))
        return stage(job, chunk)

    stages = (counted, *columnar_text.COLUMNAR_STAGES[1:])
    with mock.patch.object(batch, "COLUMNAR_BATCH", batch_size), \
            mock.patch.object(columnar_text, "COLUMNAR_STAGES", stages):
        columnar = run("evaluate", *args)
    with mock.patch.object(evaluate_command, "_csv_files", lambda *_: False):
        rows = run("evaluate", *args)
    return columnar, rows, sizes


def _same(columnar: Any, rows: Any) -> None:
    assert columnar.stdout == rows.stdout
    assert columnar.stderr == rows.stderr
    assert columnar.exit_code == rows.exit_code


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(workforces(), st.sampled_from(FORMATS), st.integers(1, 5),
       st.sampled_from([[], ["--no-explain"], ["--keep", "team,agency"]]))
def test_csv_through_columns_is_the_row_paths_bytes(
        tmp_path: Path, case: tuple[policyrules.Policy, str, str | None], fmt: str,
        batch_size: int, options: list[str]) -> None:
    policy, workers_csv, training_csv = case
    folder = Path(tmp_path) / "w"
    folder.mkdir(exist_ok=True)
    args = [str(policy.path), _write(folder, "workers.csv", workers_csv),
            "--as-of", AS_OF.isoformat(), "-f", fmt]
    if training_csv is not None:
        args += ["--training", _write(folder, "training.csv", training_csv)]
    if fmt == "table":
        options = []
    columnar, rows, sizes = _both(args + options, batch_size)
    _same(columnar, rows)
    assert sizes and max(sizes) <= batch_size  # the route ran, in bounded chunks


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_shipped_example_in_every_format(fmt: str) -> None:
    args = [str(ROOT / "policies" / "durham.policy"), str(ROOT / "examples" / "workers.csv"),
            "--training", str(ROOT / "examples" / "training.csv"), "--as-of", "2026-11-22",
            "-f", fmt]
    columnar, rows, sizes = _both(args)
    _same(columnar, rows)
    assert columnar.exit_code == 1  # the example has 8 bad rows
    assert sum(sizes) == 2000
    if fmt == "jsonl":  # and the explanations are there, from the columns' facts
        assert columnar.stdout.count('"explanation": "') > 2000


@pytest.mark.parametrize(("options", "routed"), [
    ([], True), (["--log", "LOG"], False), (["--date-format", "yyyy-mm-dd"], False),
    (["-f", "parquet", "-o", "OUT"], False), (["-j", "2"], True),
])
def test_which_inputs_take_the_columnar_route(tmp_path: Path, options: list[str],
                                              routed: bool) -> None:
    options = [str(tmp_path / o) if o in ("LOG", "OUT") else o for o in options]
    args = [str(ROOT / "policies" / "durham.policy"), str(ROOT / "examples" / "workers.csv"),
            "--as-of", "2026-11-22", "-f", "jsonl", *options]
    _, _, sizes = _both(args)
    assert bool(sizes) == routed


def test_a_worker_the_columns_set_aside_is_decided_by_the_row_path(tmp_path: Path) -> None:
    """A date so late that a deadline would pass 9999-12-31: the engine leaves the row to
    the row path, whose error record is the output's."""
    workers_csv = _csv(WORKER_COLUMNS, [
        ["W1", "9999-12-30", "regular", "", "", "", "", ""],
        ["W2", "2025-08-31", "regular", "", "", "", "", ""]])
    args = [str(ROOT / "policies" / "durham.policy"), _write(tmp_path, "w.csv", workers_csv),
            "--as-of", "2026-11-22", "-f", "jsonl"]
    columnar, rows, sizes = _both(args)
    _same(columnar, rows)
    assert sizes == [2] and columnar.exit_code == 1
    assert "after 9999-12-31" in columnar.stdout

