"""`policyrules evaluate WORKERS.csv --format parquet`: a plain CSV worker file (and a CSV
or Parquet training file) decided through the columnar route, with the row path's output;
every other CSV file taken through the row path (records/csv_table.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.batch.columnar import columnar_input
from policyrules.batch.parquet import Columnar
from policyrules.records.csv_table import CsvTable, open_table, plain_csv
from policyrules.testing import workers
from test_cli import run
from test_columnar import AS_OF, BREAKS, POLICIES, _record

ROOT = Path(__file__).resolve().parent.parent
DURHAM = str(ROOT / "policies" / "durham.policy")
ROW_PATH = ["--log", "/dev/null"]  # a decision log is written by the row path only
MONTH_ENDS = ["2023-02-28", "2024-01-31", "2024-02-29", "2025-08-31", "2026-04-30"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _roles(roles: list[Any]) -> str:
    return ";".join(r if isinstance(r, str) else f"{r['role']}@{r['since']}" for r in roles)


def broken_records(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    """(policy path, records): generated workers of one of the policies as records, with
    up to two breaks of `test_columnar.BREAKS` each, some started on a month end."""
    path = str(draw(st.sampled_from(POLICIES)))
    policy = policyrules.load(path)
    drawn = draw(st.lists(workers(policy, as_of=AS_OF, details=True), max_size=6))
    records = [_record(w, i) for i, w in enumerate(drawn)]
    for record in records:
        for k in draw(st.lists(st.integers(0, len(BREAKS) - 1), max_size=2)):
            BREAKS[k](record)
        if draw(st.booleans()):
            record["started"] = draw(st.sampled_from(MONTH_ENDS))
    return path, records


@st.composite
def csv_workforces(draw: st.DrawFn) -> tuple[str, str, str | None, str]:
    """(policy path, workers CSV text, training CSV text or None, as_of): generated
    workers with bad rows, month-end dates, roles with dates, hours, cells with commas,
    quotes and spaces around them, blank lines before the header and after the records,
    and training records in or out of the workers' order (some for workers not in the
    file)."""
    path, records = broken_records(draw)
    for record in records:
        for item in record.get("training") or []:
            if draw(st.booleans()):
                item["completed"] = draw(st.sampled_from(MONTH_ENDS))
            if draw(st.booleans()):
                item["hours"] = draw(st.sampled_from([0, 1, 2.5, 7, "3", " 4 "]))
    if records and draw(st.booleans()):
        records.append(dict(draw(st.sampled_from(records))))  # an id seen before
    pad = st.sampled_from(["", " ", "  ", "\t"])
    agency = st.sampled_from(["Wearfield Council", "Smith, Jones & Co", 'The "Hub"',
                              "Café Ltd", ""])

    def row(cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(
            [draw(pad) + c + draw(pad) if '"' not in c and "," not in c else c
             for c in cells])
        return out.getvalue()

    end = draw(st.sampled_from(["\n", "\r\n"]))
    header = ["id", "Started", "contact", "roles", "agency", "sector", "volunteer"]
    lines = [row(header)]
    for r in records:
        volunteer = r.get("volunteer")
        lines.append(row([_cell(r.get("id")), _cell(r.get("started")),
                          _cell(r.get("contact")), _roles(r.get("roles") or []),
                          draw(agency), _cell(r.get("sector")),
                          draw(st.sampled_from(["yes", "1", "TRUE"])) if volunteer
                          else draw(st.sampled_from(["", "no", "false"]))]))
    workers_text = draw(st.sampled_from(["", "\ufeff"])) + \
        draw(st.sampled_from(["", end, " ," + end + end])) + end.join(lines) + \
        draw(st.sampled_from(["", end, end + end]))
    training_text = None
    if draw(st.booleans()):
        items = [[_cell(r.get("id")), _cell(t.get("training")), _cell(t.get("completed")),
                  _cell(t.get("delivery")), _cell(t.get("hours"))]
                 for r in records for t in (r.get("training") or [])]
        if draw(st.booleans()):
            items.append(["NOT-IN-FILE", "safeguarding-induction", "2025-01-01", "", ""])
        if draw(st.booleans()):
            items = draw(st.permutations(items))
        training_text = end.join(row(c) for c in [
            ["worker", "training", "completed", "delivery", "hours"], *items]) + end
    as_of = draw(st.sampled_from([AS_OF.isoformat(), "2026-02-28", "2024-02-29"]))
    return path, workers_text, training_text, as_of


def _both(tmp: Path, policy: str, workers: str, training: str | None, *args: str
          ) -> tuple[Any, Any]:
    """(columnar route's, row path's) (table, stderr, exit status) for these files."""
    found = []
    for name, route in (("c", []), ("r", ROW_PATH)):
        out = str(tmp / f"{name}.parquet")
        result = run("evaluate", policy, workers, *(["--training", training] if training
                                                     else []),
                     "-f", "parquet", "-o", out, *args, *route)
        table = pq.read_table(out) if Path(out).exists() and result.exit_code != 2 else None
        found.append((table, result.stderr, result.exit_code))
    return found[0], found[1]


def _files(tmp: Path, workers: str | bytes, training: str | bytes | None = None
           ) -> tuple[str, str | None]:
    w = tmp / "workers.csv"
    w.write_bytes(workers if isinstance(workers, bytes) else workers.encode())
    if training is None:
        return str(w), None
    t = tmp / "training.csv"
    t.write_bytes(training if isinstance(training, bytes) else training.encode())
    return str(w), str(t)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(csv_workforces())
def test_a_generated_csv_workforce_gives_the_row_paths_table_stderr_and_status(
        tmp_path: Path, case: tuple[str, str, str | None, str]) -> None:
    policy, workers_text, training_text, as_of = case
    workers, training = _files(tmp_path, workers_text, training_text)
    assert columnar_input(workers, training)  # generated files are plain
    columnar, row_path = _both(tmp_path, policy, workers, training, "--as-of", as_of)
    assert columnar[0] is not None and row_path[0] is not None
    assert columnar[0].to_pylist() == row_path[0].to_pylist()
    assert columnar[0].equals(row_path[0])
    assert columnar[1:] == row_path[1:]


def test_the_example_workforce_in_csv_takes_the_columnar_route(tmp_path: Path) -> None:
    workers = str(ROOT / "examples" / "workers.csv")
    training = str(ROOT / "examples" / "training.csv")
    assert columnar_input(workers, training)
    columnar, row_path = _both(tmp_path, DURHAM, workers, training, "--as-of", "2026-11-22")
    assert columnar[2] == row_path[2] == 1
    assert columnar[0].equals(row_path[0])
    assert columnar[1] == row_path[1]
    assert "3 training records with no worker id (first on line 2758)" in columnar[1]


@pytest.mark.parametrize("hours", ["nan", " NaN ", "inf", "-1", "x"])
def test_text_hours_read_as_the_row_path_reads_them(tmp_path: Path, hours: str) -> None:
    """"nan" is a missing value (the course's hours) on both routes; "inf", a negative
    number and text reject the worker. Found by the generated workforces: Polars orders
    NaN above every number, so the range check rejected it."""
    workers, training = _files(
        tmp_path, "id,started,contact\nA,2023-02-28,none\n",
        f"worker,training,completed,hours\nA,induction-course,2023-02-28,{hours}\n")
    policy = str(ROOT / "tests" / "fixtures" / "framework.policy")
    columnar, row_path = _both(tmp_path, policy, workers, training, "--as-of", "2024-02-29")
    assert columnar[0].equals(row_path[0]) and columnar[1:] == row_path[1:]
    assert (columnar[2] == 0) == (hours.strip().lower() == "nan")


def test_csv_records_in_small_batches_keep_their_lines(tmp_path: Path) -> None:
    workers, training = _files(
        tmp_path, "\n\nid,started,contact\nA,2020-01-31,none\nB,2020-02-30,none\n"
        "C,2021-03-31,regular\n\n",
        "worker,training,completed\nC,safeguarding-induction,2021-04-30\nZ,x,2020-01-01\n")
    policy = policyrules.load(DURHAM)
    route = Columnar(policy, workers, training, AS_OF, rows=1)
    out = io.BytesIO()
    route.run(out, lambda n: None)
    table = pq.read_table(out)
    # Two blank lines before the header: the records are on lines 4, 5 and 6.
    assert sorted(set(table["line"].to_pylist())) == [4, 5, 6]
    assert route.largest == 1
    assert route.warnings == ["training.csv: 1 training record for 1 worker not in "
                              "workers.csv (first: 'Z' on line 3); not used"
                              .replace("training.csv", training)
                              .replace("workers.csv", workers)]


def test_cells_are_read_as_the_row_path_reads_them(tmp_path: Path) -> None:
    """Spaces (no-break ones too) around cells, a column without a name, a quoted cell
    with commas and doubled quotes, an empty quoted cell, a BOM and CRLF."""
    text = ("\ufeff ID ,started,contact,,agency,volunteer\r\n"
            "\u00a0A\u00a0, 2020-01-31 ,none,junk,\"Smith, \"\"Jo\"\" & Co\",\"\"\r\n"
            "B,2020-02-29,regular ,,,YES\r\n")
    workers, _ = _files(tmp_path, text)
    plan = plain_csv(workers, "worker", *_worker_columns())
    assert plan is not None and plan.rows == 2 and plan.columns[0] == "id"
    table = open_table(workers, "worker", *_worker_columns())
    assert isinstance(table, CsvTable)
    frame = pl.concat(list(table.frames(10)))
    assert frame.to_dicts() == [
        {"id": "A", "started": "2020-01-31", "contact": "none",
         "agency": 'Smith, "Jo" & Co', "volunteer": None},
        {"id": "B", "started": "2020-02-29", "contact": "regular", "agency": None,
         "volunteer": "YES"}]
    columnar, row_path = _both(tmp_path, DURHAM, workers, None, "--as-of", "2026-11-22")
    assert columnar[0].equals(row_path[0]) and columnar[1:] == row_path[1:]


def _worker_columns() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from policyrules.records import WORKER_COLUMNS
    from policyrules.records.csv import REQUIRED_COLUMNS
    return WORKER_COLUMNS, REQUIRED_COLUMNS


# Each file below is one the columnar route cannot read exactly as the row path does: the
# row path is taken, and what it gives is checked against what was written by hand.

def _row_path_output(tmp: Path, text: bytes, training: bytes | None = None
                     ) -> tuple[list[dict[str, Any]] | None, str, int]:
    workers, training_path = _files(tmp, text, training)
    assert not columnar_input(workers, training_path)
    (table, stderr, status), (expect, row_stderr, row_status) = _both(
        tmp, DURHAM, workers, training_path, "--as-of", "2026-11-22")
    assert (stderr, status) == (row_stderr, row_status)
    if table is None:
        assert expect is None
        return None, stderr, status
    assert table.equals(expect)
    return [{"line": r["line"], "worker": r["worker"], "error": r["error"]}
            for r in table.to_pylist()], stderr, status


def _firsts(rows: list[dict[str, Any]] | None) -> list[tuple[int, str | None, bool]]:
    """(line, worker, rejected) of each record, once."""
    assert rows is not None
    seen: dict[int, tuple[int, str | None, bool]] = {}
    for r in rows:
        seen.setdefault(r["line"], (r["line"], r["worker"], r["error"] is not None))
    return list(seen.values())


HEADER = b"id,started,contact\n"


def test_a_quoted_cell_holding_a_line_end_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, status = _row_path_output(
        tmp_path, b'id,started,contact,agency\nA,2020-01-01,none,"two\nlines"\n'
        b"B,2020-01-01,none,x\n")
    assert _firsts(rows) == [(2, "A", False), (4, "B", False)] and status == 0


def test_a_blank_line_between_records_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, _ = _row_path_output(tmp_path, HEADER + b"A,2020-01-01,none\n , ,\n\n"
                                  b"B,2020-01-01,none\n")
    assert _firsts(rows) == [(2, "A", False), (5, "B", False)]


def test_a_row_with_too_many_cells_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, status = _row_path_output(tmp_path, HEADER + b"A,2020-01-01,none,extra\n"
                                       b"B,2020-01-01,none\n")
    assert rows is not None and status == 1
    assert "the row has 4 cells but the header has 3 columns" in rows[0]["error"]
    assert _firsts(rows) == [(2, "A", True), (3, "B", False)]


def test_a_row_with_too_few_cells_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, status = _row_path_output(tmp_path, b"id,started,contact,agency\n"
                                       b"A,2020-01-01,none\n")
    assert _firsts(rows) == [(2, "A", False)] and status == 0


def test_bytes_that_are_not_utf8_take_the_row_path(tmp_path: Path) -> None:
    rows, stderr, status = _row_path_output(tmp_path, HEADER + b"A,2020-01-01,none\n"
                                            b"B\xff,2020-01-01,none\n")
    assert rows is None and status == 2
    assert "workers.csv:3: not UTF-8 text (byte 2 of the line is 0xff)" in stderr


def test_a_training_file_that_is_not_utf8_takes_the_row_path(tmp_path: Path) -> None:
    rows, stderr, status = _row_path_output(
        tmp_path, HEADER + b"A,2020-01-01,none\n",
        b"worker,training,completed\nA,x\xe9,2020-01-01\n")
    assert rows is None and status == 2
    assert "training.csv:2: not UTF-8 text" in stderr


def test_a_lone_carriage_return_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, _ = _row_path_output(tmp_path, HEADER + b"A,2020-01-01,none\rB,2020-01-01,none\n")
    assert _firsts(rows) == [(2, "A", False), (3, "B", False)]


def test_a_control_character_python_strips_takes_the_row_path(tmp_path: Path) -> None:
    # \x1f is space to Python's str.strip and not to Polars.
    rows, _, _ = _row_path_output(tmp_path, HEADER + b"A\x1f,2020-01-01,none\n")
    assert _firsts(rows) == [(2, "A", False)]


def test_a_quote_inside_an_unquoted_cell_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, _ = _row_path_output(tmp_path, b"id,started,contact,agency\n"
                                  b'A,2020-01-01,none,The "Hub"\n')
    assert _firsts(rows) == [(2, "A", False)]


@pytest.mark.parametrize(("text", "message"), [
    (b"id,started,contact,ID\n", "the column 'id' appears twice in the header"),
    (b"id,begun,contact\n", "a worker CSV needs the column 'started'"),
])
def test_a_header_the_row_path_refuses_takes_it(tmp_path: Path, text: bytes,
                                                message: str) -> None:
    rows, stderr, status = _row_path_output(tmp_path, text + b"A,2020-01-01,none\n")
    assert rows is None and status == 2 and message in stderr


def test_a_training_file_with_a_blank_first_line_takes_the_row_path(tmp_path: Path) -> None:
    rows, stderr, status = _row_path_output(
        tmp_path, HEADER + b"A,2020-01-01,none\n", b"\nworker,training,completed\n")
    assert rows is None and status == 2
    assert "a training CSV needs the columns 'worker', 'training'" in stderr


@pytest.mark.parametrize("text", [b"", b"\n \n"])
def test_a_file_without_a_header_takes_the_row_path(tmp_path: Path, text: bytes) -> None:
    rows, stderr, status = _row_path_output(tmp_path, text)
    assert rows == [] and status == 0 and "no worker records" in stderr


def test_a_header_alone_is_decided_on_the_columnar_route(tmp_path: Path) -> None:
    workers, _ = _files(tmp_path, "id,started,contact\n\n")
    assert columnar_input(workers, None)
    columnar, row_path = _both(tmp_path, DURHAM, workers, None, "--as-of", "2026-11-22")
    assert columnar[0].num_rows == 0
    assert columnar[0].equals(row_path[0]) and columnar[1:] == row_path[1:]


def test_a_training_column_of_its_own_takes_the_row_path(tmp_path: Path) -> None:
    rows, _, _ = _row_path_output(tmp_path, b"id,started,contact,training\n"
                                  b"A,2020-01-01,none,safeguarding-induction@2020-02-01\n")
    assert _firsts(rows) == [(2, "A", False)]


def test_the_first_pass_reads_lines_across_its_chunks(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    from policyrules.records import csv_table

    text = HEADER + b"".join(b"W%d,2020-01-%02d,none\n" % (i, i % 28 + 1)
                             for i in range(50))
    workers, _ = _files(tmp_path, text + b"\n")
    monkeypatch.setattr(csv_table, "CHUNK", 7)  # lines cut in every chunk
    csv_table._scan.cache_clear()
    plan = plain_csv(workers, "worker", *_worker_columns())
    assert plan is not None and plan.rows == 50 and plan.skip == 0
    csv_table._scan.cache_clear()
    _files(tmp_path, text + b"\nW99,2020-01-01,none\n")
    assert plain_csv(workers, "worker", *_worker_columns()) is None
    csv_table._scan.cache_clear()


@pytest.mark.parametrize(("block", "size"), [(7, 4), (40, 1000), (1 << 20, 3)])
def test_records_are_read_in_batches_of_whole_lines(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    block: int, size: int) -> None:
    from policyrules.records import csv_table

    text = b"\n" + HEADER + b"".join(b"W%d,2020-01-01,none\n" % i for i in range(10))
    workers, _ = _files(tmp_path, text + b" , \n\n")
    monkeypatch.setattr(csv_table, "BLOCK", block)  # a line cut at every read
    table = open_table(workers, "worker", *_worker_columns())
    frames = list(table.frames(size))
    assert all(0 < f.height <= size for f in frames)
    assert pl.concat(frames)["id"].to_list() == [f"W{i}" for i in range(10)]
    assert next(table.frames(size, ("id",))).columns == ["id"]


def test_a_changed_file_is_looked_at_again(tmp_path: Path) -> None:
    workers, _ = _files(tmp_path, HEADER + b"A,2020-01-01,none\n")
    assert columnar_input(workers, None)
    _files(tmp_path, HEADER + b"A,2020-01-01,none,extra cell\n")
    assert not columnar_input(workers, None)


def test_policy_dates_in_month_ends_agree(tmp_path: Path) -> None:
    """A month-end start and a record a month later (clipped) on both routes."""
    text = HEADER + b"A,2024-01-31,regular\nB,2023-02-28,predominant\n"
    training = (b"worker,training,completed\nA,safeguarding-induction,2024-02-29\n"
                b"B,safeguarding-induction,2023-03-31\n")
    workers, training_path = _files(tmp_path, text, training)
    assert columnar_input(workers, training_path)
    for day in ("2024-02-29", "2024-03-31", "2026-02-28"):
        columnar, row_path = _both(tmp_path, DURHAM, workers, training_path, "--as-of", day)
        assert columnar[0].equals(row_path[0]) and columnar[1:] == row_path[1:]
