"""`policyrules evaluate` with Parquet: reading Parquet worker and training files, and
`--format parquet`, through the columnar route (bounded batches) and the row path."""

from __future__ import annotations

import datetime
import io
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import example_near_bad_rows
from policyrules.batch.parquet import Columnar, run_rows
from policyrules.records import WorkerInput, roles_cell, volunteer_cell
from test_cli import run
from test_columnar import AS_OF, Row, broken_cases, tables

ROOT = Path(__file__).resolve().parent.parent
DURHAM = str(ROOT / "policies" / "durham.policy")
EXAMPLE_AS_OF = "2026-11-22"


def _quiet(n: int) -> None:
    pass


def _routes(policy: policyrules.Policy, workers: str, training: str | None,
            as_of: datetime.date, rows: int, route: Columnar | None = None
            ) -> tuple[Any, ...]:
    """(table, counts, warnings, largest batch) of the columnar route (`route`, or one
    made for `rows`) and the row path."""
    route = route or Columnar(policy, workers, training, as_of, rows=rows)
    columnar = io.BytesIO()
    counts = route.run(columnar, _quiet)
    row_path = io.BytesIO()
    with WorkerInput(workers, training=training) as source:
        row_counts = run_rows(policy, source, as_of, row_path, _quiet)
        warnings = source.warnings
    return ((pq.read_table(columnar), counts.as_tuple(), route.warnings, route.largest),
            (pq.read_table(row_path), row_counts.as_tuple(), warnings))


def _example_parquet(tmp: Path, near: bool = False) -> tuple[str, str]:
    """The shipped example workforce (bad rows included) as Parquet files of text; `near`:
    only the workers near its bad rows (`conftest.example_near_bad_rows`)."""
    workers, training = str(tmp / "workers.parquet"), str(tmp / "training.parquet")
    if near:
        tables = example_near_bad_rows()
    else:
        tables = (pl.read_csv(ROOT / "examples" / "workers.csv", infer_schema=False),
                  pl.read_csv(ROOT / "examples" / "training.csv", infer_schema=False))
    tables[0].write_parquet(workers)
    tables[1].write_parquet(training)
    return workers, training


@st.composite
def workforces(draw: st.DrawFn) -> tuple[policyrules.Policy, list[Row], list[Row], bool]:
    """Generated workers with bad rows (broken_cases), sometimes a repeated id, and
    training for workers not in the file; whether to give a training file at all."""
    policy, records = draw(broken_cases())
    if draw(st.booleans()):
        records.append(dict(draw(st.sampled_from(records))))  # an id seen before
    extra = [{"id": "NOT-IN-FILE", "training": [
        {"training": "safeguarding-induction", "completed": "2025-01-01"}]}] \
        if draw(st.booleans()) else []
    return policy, records, extra, draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(workforces(), st.sampled_from(["text", "structs"]), st.integers(1, 4))
def test_columnar_route_writes_the_row_paths_rows(
        case: tuple[policyrules.Policy, list[Row], list[Row], bool], roles: str,
        rows: int) -> None:
    policy, records, extra, with_training = case
    owned = [r if r["id"] else r | {"training": []} for r in records]
    frame, training = tables(owned, roles=roles)
    training = pl.concat([training, tables(extra)[1]]) if extra else training
    with tempfile.TemporaryDirectory() as tmp:
        workers_path = str(Path(tmp) / "w.parquet")
        frame.write_parquet(workers_path)
        training_path = None
        if with_training:
            training_path = str(Path(tmp) / "t.parquet")
            training.write_parquet(training_path)
        (table, counts, warnings, largest), (expect, row_counts, row_warnings) = _routes(
            policy, workers_path, training_path, AS_OF, rows)
    assert table.to_pylist() == expect.to_pylist()
    assert table.schema == expect.schema
    assert counts == row_counts
    assert warnings == row_warnings
    assert largest <= rows  # no more worker rows in flight than one batch


def test_batch_size_bounds_rows_in_flight_and_not_the_result(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    policy = policyrules.load(DURHAM)
    as_of = datetime.date(2026, 11, 22)
    small = Columnar(policy, workers, training, as_of, rows=97)
    small_out = io.BytesIO()
    small.run(small_out, _quiet)
    whole = Columnar(policy, workers, training, as_of, rows=1 << 20)
    whole_out = io.BytesIO()
    whole.run(whole_out, _quiet)
    assert 0 < small.largest <= 97  # partitions of about 97 workers, decided 97 at most
    assert whole.largest == 2000
    assert pq.read_table(small_out).equals(pq.read_table(whole_out))


def _same_as_row_path(policy: policyrules.Policy, workers: str, training: str | None,
                      rows: int) -> bool:
    """Assert the columnar route writes the row path's rows; whether it read the records
    beside the workers (in their order) rather than partitioned."""
    route = Columnar(policy, workers, training, AS_OF, rows=rows)
    (table, counts, warnings, _), (expect, row_counts, row_warnings) = _routes(
        policy, workers, training, AS_OF, rows, route)
    assert table.to_pylist() == expect.to_pylist()
    assert counts == row_counts
    assert warnings == row_warnings
    return route.ordered


@pytest.mark.parametrize("rows", [1, 97, 1 << 20])
def test_records_in_the_workers_order_are_read_beside_them_in_one_pass(
        tmp_path: Path, rows: int) -> None:
    # Batches of 97 records end inside a worker's run of records, and batches of one
    # worker take one run each (the workers near the bad rows: a batch a worker of all
    # 2,000 took 87 s).
    workers, training = _example_parquet(tmp_path, near=rows == 1)
    policy = policyrules.load(DURHAM)
    assert _same_as_row_path(policy, workers, training, rows)


@pytest.mark.parametrize("with_training", [True, False])
def test_batches_decided_in_threads_are_written_as_one_thread_writes_them(
        tmp_path: Path, with_training: bool) -> None:
    workers, training = _example_parquet(tmp_path)
    policy = policyrules.load(DURHAM)
    files = []
    for threads in (1, 2, 3):
        route = Columnar(policy, workers, training if with_training else None, AS_OF,
                         rows=97, threads=threads)
        out = io.BytesIO()
        counts = route.run(out, _quiet)
        files.append((pq.read_table(out), counts.as_tuple(), route.warnings))
    assert files[0][0].num_rows > 2000  # every worker, some with several findings
    assert files[1] == files[0]
    assert files[2] == files[0]


def test_records_out_of_the_workers_order_are_partitioned_with_the_same_rows(
        tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    records = pl.read_parquet(training)
    # The first worker's first record moved to the end: not in order any more.
    last = records.tail(1)
    assert last["worker"][0] != records["worker"][0]
    pl.concat([records.slice(1), records.head(1)]).write_parquet(training)
    policy = policyrules.load(DURHAM)
    assert not _same_as_row_path(policy, workers, training, 97)


def test_records_of_no_worker_anywhere_in_the_file_leave_the_order_alone(
        tmp_path: Path) -> None:
    workers = str(tmp_path / "w.parquet")
    training = str(tmp_path / "t.parquet")
    pl.DataFrame({"id": ["A", "B", None, "C"], "started": ["2025-01-01"] * 4,
                  "contact": ["regular"] * 4}).write_parquet(workers)
    course = "safeguarding-induction"
    pl.DataFrame({
        # Unknown workers first, between and last; a record without a worker; C's
        # records after B's, split by an unknown one.
        "worker": ["X", "A", "Y", None, "B", "C", "Z", "C", "X"],
        "training": [course] * 9,
        "completed": ["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01",
                      "2025-06-01", "2025-07-01", "bad", "2025-08-01", "2025-09-01"],
    }).write_parquet(training)
    policy = policyrules.load(DURHAM)
    for rows in (1, 2, 4):
        assert _same_as_row_path(policy, workers, training, rows)


def test_a_path_is_read_as_it_is_named_and_dictionary_text_as_text(tmp_path: Path) -> None:
    # A folder that looks like a hive partition and names that look like glob patterns.
    folder = tmp_path / "year=2026"
    folder.mkdir()
    workers, training = str(folder / "w[1].parquet"), str(folder / "t?.parquet")
    example_workers, example_training = _example_parquet(tmp_path)
    for source, target, column in ((example_workers, workers, "id"),
                                   (example_training, training, "worker")):
        table = pq.read_table(source)
        at = table.column_names.index(column)
        pq.write_table(table.set_column(at, column, table[column].dictionary_encode()),
                       target)
    assert _same_as_row_path(policyrules.load(DURHAM), workers, training, 500)


def test_a_repeated_id_is_partitioned(tmp_path: Path) -> None:
    workers = str(tmp_path / "w.parquet")
    training = str(tmp_path / "t.parquet")
    pl.DataFrame({"id": ["A", "B", "A"], "started": ["2025-01-01"] * 3,
                  "contact": ["regular"] * 3}).write_parquet(workers)
    pl.DataFrame({"worker": ["A", "B"], "training": ["safeguarding-induction"] * 2,
                  "completed": ["2025-02-01", "2025-03-01"]}).write_parquet(training)
    assert not _same_as_row_path(policyrules.load(DURHAM), workers, training, 2)


@pytest.mark.parametrize(("n_workers", "n_records"), [(0, 0), (0, 2), (2, 0)])
def test_empty_files_give_the_row_paths_rows(tmp_path: Path, n_workers: int,
                                             n_records: int) -> None:
    workers = str(tmp_path / "w.parquet")
    training = str(tmp_path / "t.parquet")
    pl.DataFrame({"id": ["A", "B"][:n_workers], "started": ["2025-01-01"] * n_workers,
                  "contact": ["regular"] * n_workers},
                 schema=dict.fromkeys(("id", "started", "contact"), pl.String)
                 ).write_parquet(workers)
    pl.DataFrame({"worker": ["A", "Q"][:n_records],
                  "training": ["safeguarding-induction"] * n_records,
                  "completed": ["2025-02-01"] * n_records},
                 schema=dict.fromkeys(("worker", "training", "completed"), pl.String)
                 ).write_parquet(training)
    assert _same_as_row_path(policyrules.load(DURHAM), workers, training, 2)


def test_parquet_output_round_trips_to_the_jsonl_decisions(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    out = str(tmp_path / "out.parquet")
    result = run("evaluate", DURHAM, workers, "--training", training, "--as-of",
                 EXAMPLE_AS_OF, "-f", "parquet", "-o", out)
    jsonl = run("evaluate", DURHAM, workers, "--training", training, "--as-of",
                EXAMPLE_AS_OF, "-f", "jsonl")
    assert result.exit_code == jsonl.exit_code == 1  # the example has 8 bad rows
    assert result.stderr == jsonl.stderr
    file = pq.ParquetFile(out)
    about = json.loads(file.schema_arrow.metadata[b"policyrules"])
    assert about["policy"] == "durham" and about["as_of"] == EXAMPLE_AS_OF
    rows = file.read().to_pylist()
    expected: list[dict[str, Any]] = []
    for text in jsonl.stdout.splitlines():
        record = json.loads(text)
        if "error" in record:
            expected.append({"line": record["line"], "worker": record["worker"],
                             "compliant": None, "groups": None,
                             "requirement": None, "status": None, "due": None,
                             "cites": None})
            continue
        head = {"line": None, "worker": record["worker"],
                "compliant": record["compliant"], "groups": record["groups"]}
        for f in record["findings"] or [None]:
            expected.append(head | ({"requirement": None, "status": None, "due": None,
                                     "cites": None} if f is None else
                                    {"requirement": f["requirement"], "status": f["status"],
                                     "due": f["due"] and datetime.date.fromisoformat(f["due"]),
                                     "cites": f["cites"]}))
    # JSON gives a line to error records only; the lines are checked below.
    got = [{k: v for k, v in r.items() if k != "error"}
           | ({"line": None} if r["error"] is None else {}) for r in rows]
    assert got == expected
    errors = [r for r in rows if r["error"] is not None]
    assert len(errors) == 8
    assert all(r["error"].startswith("worker ") for r in errors)
    # Every worker of the input has a row: 2000 records, 2000 distinct lines in order.
    lines = [r["line"] for r in rows]
    assert lines == sorted(lines) and len(set(lines)) == 2000


def test_parquet_input_gives_the_same_bytes_as_the_same_records_in_jsonl(
        tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    # A volunteer cell that is not true or false is worded as a CSV cell's error in
    # Parquet text and as a wrong type in JSON: that row is left out of both.
    frame = pl.read_parquet(workers).filter(
        pl.col("volunteer").is_null() | pl.col("volunteer").is_in(["true", "false"]))
    assert frame.height == 1999
    frame.write_parquet(workers)
    # The same records as JSON Lines, one per line, so that a record's line is its row.
    jsonl = tmp_path / "workers.jsonl"
    text_rows = frame.to_dicts()
    lines = []
    for row in text_rows:
        data = {k: v for k, v in row.items() if v is not None}
        # The CSV reader's reading of these cells (tested on its own in test_records).
        if "roles" in data:
            data["roles"] = roles_cell(data["roles"])
        if "volunteer" in data:
            data["volunteer"] = volunteer_cell(data["volunteer"], None)
        lines.append(json.dumps(data))
    jsonl.write_text("\n".join(lines) + "\n")
    for fmt in ("jsonl", "csv", "json"):
        a = run("evaluate", DURHAM, workers, "--training", training, "--as-of",
                EXAMPLE_AS_OF, "-f", fmt)
        b = run("evaluate", DURHAM, str(jsonl), "--training", training, "--as-of",
                EXAMPLE_AS_OF, "-f", fmt)
        assert a.exit_code == b.exit_code == 1
        assert a.stdout == b.stdout


def _one(tmp_path: Path, **columns: pa.Array) -> str:
    base = {"id": pa.array(["A"]), "started": pa.array(["2026-01-01"]),
            "contact": pa.array(["regular"])}
    path = str(tmp_path / "w.parquet")
    pq.write_table(pa.table(base | columns), path)
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_date_time_column_rejects_its_rows_naming_the_value(tmp_path: Path,
                                                               fmt: str) -> None:
    path = _one(tmp_path, started=pa.array([datetime.datetime(2026, 1, 1, 9, 30)]))
    out = str(tmp_path / "out.parquet")
    result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, "-f", fmt,
                 *(["-o", out] if fmt == "parquet" else []))
    assert result.exit_code == 1
    text = result.stdout if fmt == "jsonl" else pq.read_table(out)["error"][0].as_py()
    assert "is a date-time (2026-01-01T09:30:00), not a date" in text


def test_a_column_of_the_wrong_type_rejects_its_rows(tmp_path: Path) -> None:
    path = _one(tmp_path, started=pa.array([20260101]))
    result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, "-f", "jsonl")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "started"
    assert "must be a date string, not a number" in error["message"]


def test_a_file_without_an_id_column_is_refused_naming_the_columns(tmp_path: Path) -> None:
    path = str(tmp_path / "w.parquet")
    pq.write_table(pa.table({"ident": ["A"], "started": ["2026-01-01"],
                             "contact": ["regular"]}), path)
    for extra in ([], ["-f", "parquet", "-o", str(tmp_path / "o.parquet")]):
        result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, *extra)
        assert result.exit_code == 2
        assert "a worker Parquet file needs the column 'id'" in result.stderr
        assert "ident" in result.stderr


def test_a_training_file_whose_worker_ids_are_numbers_is_refused(tmp_path: Path) -> None:
    path = _one(tmp_path)
    training = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"worker": [1], "training": ["x"], "completed": ["2026-01-01"]}),
                   training)
    for extra in (["-f", "jsonl"], ["-f", "parquet", "-o", str(tmp_path / "o.parquet")]):
        result = run("evaluate", DURHAM, path, "--training", training,
                     "--as-of", EXAMPLE_AS_OF, *extra)
        assert result.exit_code == 2
        assert "the `worker` column must hold worker ids as text, not int64" in result.stderr


def test_not_a_parquet_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.parquet"
    path.write_text("id,started,contact\n")
    result = run("evaluate", DURHAM, str(path), "--as-of", EXAMPLE_AS_OF, "-f", "jsonl")
    assert result.exit_code == 2
    assert f"{path}: not a Parquet file" in result.stderr


def test_parquet_output_needs_a_file_and_takes_no_keep(tmp_path: Path) -> None:
    path = _one(tmp_path)
    result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, "-f", "parquet")
    assert result.exit_code == 2
    assert "give it a name with -o FILE" in result.stderr
    result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, "-f", "parquet",
                 "-o", str(tmp_path / "o.parquet"), "--keep", "agency")
    assert result.exit_code == 2
    assert "--keep is for the json, jsonl and csv formats, not parquet" in result.stderr


def test_a_worker_with_no_findings_has_one_row_of_null_findings(tmp_path: Path) -> None:
    # contact none and no roles: no requirement applies under Durham.
    path = _one(tmp_path, contact=pa.array(["none"]))
    out = str(tmp_path / "o.parquet")
    result = run("evaluate", DURHAM, path, "--as-of", EXAMPLE_AS_OF, "-f", "parquet",
                 "-o", out)
    assert result.exit_code == 0
    assert pq.read_table(out).to_pylist() == [
        {"line": 1, "worker": "A", "compliant": True, "groups": [], "error": None,
         "requirement": None, "status": None, "due": None, "cites": None}]


def _without_training_lines(text: str) -> str:
    """Output with the training file's name and line taken out of error messages (a
    CSV's line counts its header, a Parquet file's row does not)."""
    return re.sub(r" \([^()]* line \d+\)", "", text)


def test_training_in_parquet_or_csv_beside_csv_workers_gives_the_same_output(
        tmp_path: Path) -> None:
    _, training = _example_parquet(tmp_path)
    csv_workers = str(ROOT / "examples" / "workers.csv")
    csv_training = str(ROOT / "examples" / "training.csv")
    a = run("evaluate", DURHAM, csv_workers, "--training", training, "--as-of",
            EXAMPLE_AS_OF, "-f", "jsonl")
    b = run("evaluate", DURHAM, csv_workers, "--training", csv_training, "--as-of",
            EXAMPLE_AS_OF, "-f", "jsonl")
    assert a.exit_code == b.exit_code == 1
    assert f"({training} line 6336)" in a.stdout  # the bad record's row in the file
    assert _without_training_lines(a.stdout) == _without_training_lines(b.stdout)


def test_log_takes_the_row_path_and_writes_the_same_file(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    plain, logged = str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")
    log = tmp_path / "log.jsonl"
    a = run("evaluate", DURHAM, workers, "--training", training, "--as-of", EXAMPLE_AS_OF,
            "-f", "parquet", "-o", plain)
    b = run("evaluate", DURHAM, workers, "--training", training, "--as-of", EXAMPLE_AS_OF,
            "-f", "parquet", "-o", logged, "--log", str(log))
    assert a.exit_code == b.exit_code == 1
    assert a.stderr == b.stderr
    assert pq.read_table(plain).equals(pq.read_table(logged))
    assert len(log.read_text().splitlines()) == 2000


@pytest.mark.parametrize("route", [[], ["--log", "/dev/null"]])
def test_a_full_disk_is_a_one_line_error(tmp_path: Path, route: list[str]) -> None:
    workers, _ = _example_parquet(tmp_path)
    result = run("evaluate", DURHAM, workers, "--as-of", EXAMPLE_AS_OF, "-f", "parquet",
                 "-o", "/dev/full", *route)
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("cannot write the output: No space left on device")


def test_the_command_line_loads_pyarrow_and_polars_only_for_parquet() -> None:
    # Start-up time of every other run: the text formats never need them.
    probe = ("import sys, policyrules.cli, policyrules.batch, policyrules.records; "
             "print(sorted(m for m in ('pyarrow', 'polars') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_the_parquet_route_does_not_load_pandas(tmp_path: Path) -> None:
    # pyarrow imports pandas on the first `pa.array`: a quarter of a second of every run.
    workers, training = _example_parquet(tmp_path)
    probe = ("import runpy, sys; sys.argv = ['policyrules', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('policyrules', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, "evaluate", DURHAM, workers,
                           "--training", training, "--as-of", EXAMPLE_AS_OF, "-f", "parquet",
                           "-o", str(tmp_path / "out.parquet"), "--quiet"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert pq.read_table(tmp_path / "out.parquet").num_rows > 2000


def _grouped(tmp_path: Path, groups: list[int]) -> tuple[str, pa.Table]:
    """A Parquet file of `sum(groups)` numbered rows in row groups of those sizes."""
    path = str(tmp_path / "grouped.parquet")
    start = 0
    schema = pa.schema([("id", pa.string()), ("n", pa.int64())])
    with pq.ParquetWriter(path, schema) as w:
        for size in groups:
            n = list(range(start, start + size))
            w.write_table(pa.table({"id": [f"W{i}" for i in n], "n": n}, schema=schema),
                          row_group_size=max(size, 1))
            start += size
    return path, pq.read_table(path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=8), st.integers(1, 50))
def test_a_parquet_file_is_read_whole_row_groups_at_a_time_in_order(
        groups: list[int], size: int) -> None:
    from policyrules.records.parquet import ParquetInput

    with tempfile.TemporaryDirectory() as tmp:
        path, whole = _grouped(Path(tmp), groups)
        source = ParquetInput(path, "worker", ("id", "n"), ("id",))
        try:
            ends = {0}
            for g in range(source.file.metadata.num_row_groups):
                ends.add(max(ends) + source.file.metadata.row_group(g).num_rows)
            spans = list(source._spans(size))
            frames = list(source.frames(size))
            ids = list(source.frames(size, ("id",)))
        finally:
            source.close()
    # The spans cover every row once, in order, each from one row group's start to
    # another's: at most `size` rows, or a single row group larger than that.
    assert [s for s, _ in spans] == [sum(n for _, n in spans[:i])
                                     for i in range(len(spans))]
    assert sum(n for _, n in spans) == whole.num_rows
    for start, n in spans:
        assert start in ends and start + n in ends and n > 0
        assert n <= size or not any(start < e < start + n for e in ends)
    assert all(f.height <= size for f in frames)
    assert pl.concat(frames).equals(pl.DataFrame(whole)) if frames else whole.num_rows == 0
    assert pl.concat(ids)["id"].to_list() == whole["id"].to_pylist() if ids \
        else whole.num_rows == 0


@pytest.mark.parametrize("group", [1, 5, 300, 4000])
def test_the_row_groups_of_the_input_change_no_row_of_the_output(
        tmp_path: Path, group: int) -> None:
    workers, training = _example_parquet(tmp_path)
    policy = policyrules.load(DURHAM)
    tables = []
    for size in (None, group):
        if size is not None:  # the same files again, in row groups of `group` rows
            for path in (workers, training):
                pq.write_table(pq.read_table(path), path, row_group_size=size)
            assert pq.ParquetFile(workers).metadata.num_row_groups == -(-2000 // group)
        route = Columnar(policy, workers, training, AS_OF, rows=97)
        out = io.BytesIO()
        counts = route.run(out, _quiet)
        assert route.ordered and route.largest <= 97
        tables.append((pq.read_table(out), counts.as_tuple(), route.warnings))
    assert tables[1] == tables[0]


@given(st.lists(st.sampled_from(["W1", "W2", "", None]), max_size=30))
def test_runs_of_worker_ids_start_where_the_id_changes(ids: list[str | None]) -> None:
    from policyrules.batch.colocate import run_starts

    expect = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
    assert run_starts(pl.Series(ids, dtype=pl.String)).tolist() == expect
