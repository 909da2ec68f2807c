"""`policyrules evaluate WORKERS.jsonl --format parquet`: the lines read as tables
(records/jsonl_table.py) decided through the columnar route, every other line by the row
path, with the row path's output, stderr and exit status."""

from __future__ import annotations

import io
import json
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
from policyrules.records.jsonl_table import TRAINING_SCHEMA, WORKER_SCHEMA, JsonlTable
from test_cli import run
from test_columnar import AS_OF
from test_csv_columnar import DURHAM, MONTH_ENDS, _both, broken_records

GOOD = ('{"id": "A", "started": "2020-01-31", "contact": "regular", '
        '"training": [{"training": "safeguarding-induction", "completed": "2020-02-29"}]}')

# Lines the columnar reading cannot give exactly, each with why: all the row path's.
ODD_LINES = {
    "not JSON": '{"id": "B", "started": ',
    "not an object": '["B", "2020-01-31"]',
    "text": '"B"',
    "NaN": '{"id": "B", "started": "2020-01-31", "contact": "none", "agency": NaN}',
    "NaN hours": '{"id": "B", "started": "2020-01-31", "contact": "none", "training": '
                 '[{"training": "x", "completed": "2020-01-31", "hours": NaN}]}',
    "number out of range": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                           '"training": [{"training": "x", "completed": "2020-01-31", '
                           '"hours": 1e999}]}',
    "big integer hours": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                         '"training": [{"training": "x", "completed": "2020-01-31", '
                         '"hours": 100000000000000000000000000000}]}',
    "negative integer hours": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                              '"training": [{"training": "x", "completed": "2020-01-31", '
                              '"hours": -3}]}',
    "hours as text": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                     '"training": [{"training": "x", "completed": "2020-01-31", '
                     '"hours": "3"}]}',
    "hours true": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                  '"training": [{"training": "x", "completed": "2020-01-31", '
                  '"hours": true}]}',
    "id a number": '{"id": 7, "started": "2020-01-31", "contact": "none"}',
    "id missing": '{"started": "2020-01-31", "contact": "none"}',
    "id null": '{"id": null, "started": "2020-01-31", "contact": "none"}',
    "volunteer as text": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                         '"volunteer": "yes"}',
    "volunteer 1": '{"id": "B", "started": "2020-01-31", "contact": "none", "volunteer": 1}',
    "roles not a list": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                        '"roles": "trainer"}',
    "a role null": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                   '"roles": [null]}',
    "a role without a name": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                             '"roles": [{"since": "2020-01-31"}]}',
    "a role's date a number": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                              '"roles": [{"role": "trainer", "since": 20200131}]}',
    "training not a list": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                           '"training": {"training": "x"}}',
    "a record not an object": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                              '"training": ["x@2020-01-31"]}',
    "a date a number": '{"id": "B", "started": 20200131, "contact": "none"}',
    "lone surrogate": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                      '"team": "\\ud800"}',
    "lone surrogate in an id": '{"id": "B\\udc00", "started": "2020-01-31", '
                               '"contact": "none"}',
    "surrogate pair": '{"id": "B\\ud83d\\ude00", "started": "2020-01-31", "contact": "none"}',
    # Read by the typed decoder, near Python's recursion limit, and not by the row path.
    "nested too deeply": '{"id": "B", "started": "2020-01-31", "contact": "none", "x": '
                         + "[" * 997 + "]" * 997 + "}",
    "nested deeply": '{"id": "B", "started": "2020-01-31", "contact": "none", "x": '
                     + "[" * 500 + "]" * 500 + "}",
    "trailing text": '{"id": "B", "started": "2020-01-31", "contact": "none"} x',
    "Unicode space only": "\u3000",
    "a separator only": "\x1c",
}

# Lines the columnar reading does take, with what the row path makes of them.
TABLE_LINES = {
    "duplicate keys, the last kept": '{"id": "B", "id": "C", "started": "2020-01-31", '
                                     '"contact": "none", "contact": "regular"}',
    "extra keys": '{"id": "B", "started": "2020-01-31", "contact": "none", "team": '
                  '{"x": [1, null, 1e999999999]}, "n": 100000000000000000000000000}',
    "a record's extra keys": '{"id": "B", "started": "2020-01-31", "contact": "none", '
                             '"training": [{"training": "x", "completed": "2020-01-31", '
                             '"room": 12}]}',
    "a role with a date in its name": '{"id": "B", "started": "2020-01-31", '
                                      '"contact": "none", "roles": ["trainer@2020-01-31"]}',
    "hours 3 and 3.0": '{"id": "B", "started": "2020-01-31", "contact": "none", "training": '
                       '[{"training": "x", "completed": "2020-01-31", "hours": 3}, '
                       '{"training": "x", "completed": "2020-01-31", "hours": 3.0}]}',
    "nulls": '{"id": "B", "started": "2020-01-31", "contact": "none", "roles": null, '
             '"training": null, "agency": null, "sector": null, "volunteer": null}',
    "bad values of the right type": '{"id": "", "started": "2020-02-30", '
                                    '"contact": "regualr", "roles": ["supervisr"]}',
    "white space around": ' \t{"id": "B", "started": "2020-01-31", "contact": "none"}\t ',
}


def _lines(tmp: Path, text: str | bytes, name: str = "workers.jsonl") -> str:
    path = tmp / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8",
                                                                      "surrogatepass"))
    return str(path)


def _read(path: str, size: int = 1000) -> tuple[pl.DataFrame, pl.DataFrame,
                                                 list[tuple[int, str]]]:
    batches = list(JsonlTable(path).batches(size))
    return (pl.concat([b.workers for b in batches]), pl.concat([b.training for b in batches]),
            [item for b in batches for item in b.rest])


def _same(tmp: Path, policy: str, path: str, as_of: str = "2026-11-22"
          ) -> tuple[Any, Any]:
    assert columnar_input(path, None)
    columnar, row_path = _both(tmp, policy, path, None, "--as-of", as_of)
    if row_path[0] is None:
        assert columnar[0] is None
    else:
        assert columnar[0] is not None
        assert columnar[0].to_pylist() == row_path[0].to_pylist()
        assert columnar[0].equals(row_path[0])
    assert columnar[1:] == row_path[1:]
    return columnar, row_path


@pytest.mark.parametrize("why", sorted(ODD_LINES))
def test_a_line_the_tables_cannot_give_exactly_is_the_row_paths(tmp_path: Path,
                                                                 why: str) -> None:
    path = _lines(tmp_path, f"{GOOD}\n{ODD_LINES[why]}\n{GOOD}\n")
    frame, _, rest = _read(path)
    assert frame["_line"].to_list() == [1, 3]
    assert [line for line, _ in rest] == ([] if why in ("Unicode space only",
                                                         "a separator only") else [2])
    _same(tmp_path, DURHAM, path)


@pytest.mark.parametrize("why", sorted(TABLE_LINES))
def test_a_line_of_the_shape_is_read_as_a_table_row(tmp_path: Path, why: str) -> None:
    path = _lines(tmp_path, f"{GOOD}\n{TABLE_LINES[why]}\n")
    frame, _, rest = _read(path)
    assert frame["_line"].to_list() == [1, 2] and rest == []
    _same(tmp_path, DURHAM, path)


def test_the_frames_hold_the_records_as_written(tmp_path: Path) -> None:
    path = _lines(tmp_path, "\n".join([
        GOOD,
        "",
        '{"id": "B", "started": "2021-03-31", "contact": "none", "agency": "North", '
        '"sector": "voluntary", "volunteer": true, "roles": ["trainer", {"role": '
        '"supervisor", "since": "2022-01-31"}], "training": [{"training": "t2", '
        '"completed": "2024-02-29", "hours": 3, "delivery": "inter-agency", '
        '"provider": "P", "level": "2"}, {"training": "t1", "completed": "2021-04-30", '
        '"hours": 2.5}, {"training": "t3", "completed": "2022-05-31"}]}',
    ]) + "\n")
    frame, training, rest = _read(path)
    assert rest == [] and frame.schema == pl.Schema(WORKER_SCHEMA)
    assert training.schema == pl.Schema(TRAINING_SCHEMA)
    assert frame.row(1, named=True) == {
        "id": "B", "started": "2021-03-31", "contact": "none",
        "roles": [{"role": "trainer", "since": None},
                  {"role": "supervisor", "since": "2022-01-31"}],
        "agency": "North", "sector": "voluntary", "volunteer": True, "_line": 3}
    assert frame.row(0, named=True)["roles"] == []
    assert pl.concat(JsonlTable(path).frames(1, ("id", "_line"))).rows() == [("A", 1), ("B", 3)]
    assert training.to_dicts() == [
        {"worker": "A", "training": "safeguarding-induction", "completed": "2020-02-29",
         "delivery": None, "provider": None, "hours": None, "hours_integer": None,
         "level": None, "_line": 1, "_position": 0},
        {"worker": "B", "training": "t2", "completed": "2024-02-29",
         "delivery": "inter-agency", "provider": "P", "hours": 3.0, "hours_integer": True,
         "level": "2", "_line": 3, "_position": 0},
        {"worker": "B", "training": "t1", "completed": "2021-04-30", "delivery": None,
         "provider": None, "hours": 2.5, "hours_integer": False, "level": None,
         "_line": 3, "_position": 1},
        {"worker": "B", "training": "t3", "completed": "2022-05-31", "delivery": None,
         "provider": None, "hours": None, "hours_integer": None, "level": None,
         "_line": 3, "_position": 2},
    ]


def test_batches_are_bounded_and_keep_the_file_order(tmp_path: Path) -> None:
    lines = [GOOD.replace('"A"', f'"W{i}"') if i % 3 else ODD_LINES["id a number"]
             for i in range(10)]
    path = _lines(tmp_path, "\n\n".join(lines))  # no line end after the last
    batches = list(JsonlTable(path).batches(4))
    assert [b.workers.height + len(b.rest) for b in batches] == [4, 4, 2]
    assert [sorted([*b.workers["_line"], *(n for n, _ in b.rest)]) for b in batches] \
        == [[1, 3, 5, 7], [9, 11, 13, 15], [17, 19]]
    assert [n for b in batches for n, _ in b.rest] == [1, 7, 13, 19]
    policy = policyrules.load(DURHAM)
    route = Columnar(policy, path, None, AS_OF, rows=3)
    out = io.BytesIO()
    route.run(out, lambda n: None)
    table = pq.read_table(out)
    assert sorted(set(table["line"].to_pylist())) == table["line"].unique().to_pylist()
    assert route.largest == 3
    _same(tmp_path, DURHAM, path)


def test_a_bom_a_crlf_and_repeated_ids_with_their_own_records(tmp_path: Path) -> None:
    a = GOOD
    b = '{"id": "A", "started": "2020-01-31", "contact": "regular"}'  # no induction
    path = _lines(tmp_path, f"\ufeff{a}\r\n{b}\r\n{a}\r\n\r\n")
    frame, _, rest = _read(path)
    assert [n for n, _ in rest] == [1] and frame["_line"].to_list() == [2, 3]
    columnar, _ = _same(tmp_path, DURHAM, path)
    induction = {row["line"]: row["status"] for row in columnar[0].to_pylist()
                 if row["requirement"] == "induction"}
    assert induction == {1: "met", 2: "overdue", 3: "met"}


def test_a_block_that_is_not_utf8_ends_the_run_as_on_the_row_path(tmp_path: Path) -> None:
    path = _lines(tmp_path, f"{GOOD}\n".encode() + b'{"id": "\xff"}\n' + f"{GOOD}\n".encode())
    columnar, _ = _same(tmp_path, DURHAM, path)
    assert columnar[2] == 2 and "not UTF-8 text (byte 9 of the line is 0xff)" in columnar[1]


def test_an_empty_file_and_one_of_blank_lines(tmp_path: Path) -> None:
    for text in ("", "\n \n\t\n"):
        columnar, _ = _same(tmp_path, DURHAM, _lines(tmp_path, text))
        assert columnar[2] == 0 and "no worker records" in columnar[1]


def test_a_missing_file_is_the_row_paths_error_and_writes_nothing(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.jsonl")
    out = tmp_path / "out.parquet"
    found = [run("evaluate", DURHAM, missing, "-f", "parquet", "-o", str(out), *route)
             for route in ([], ["--log", "/dev/null"])]
    assert found[0].exit_code == found[1].exit_code == 2
    assert found[0].stderr == found[1].stderr and "no such worker file" in found[0].stderr
    assert not out.exists()


def test_a_training_file_and_stdin_take_the_row_path(tmp_path: Path) -> None:
    path = _lines(tmp_path, f"{GOOD}\n")
    assert not columnar_input(path, str(tmp_path / "training.csv"))
    assert not columnar_input("-", None)
    assert columnar_input(_lines(tmp_path, f"{GOOD}\n", "w.NDJSON"), None)


@st.composite
def jsonl_workforces(draw: st.DrawFn) -> tuple[str, str, str]:
    """(policy path, JSON Lines text, as_of): generated workers with bad records, bad
    lines of every kind, month-end dates, roles with dates, hours written as integers and
    as floats, records in and out of date order, unknown courses, extra keys, blank
    lines, a BOM and CRLF line ends, and ids seen before."""
    path, records = broken_records(draw)
    for record in records:
        items = record.get("training") or []
        for item in items:
            if draw(st.booleans()):
                item["completed"] = draw(st.sampled_from(MONTH_ENDS))
            if draw(st.booleans()):
                item["hours"] = draw(st.sampled_from([0, 1, 3, 3.0, 2.5, -0.0, 7, 10**30]))
            if draw(st.booleans()):
                item["room"] = draw(st.sampled_from([1, "B2", None, [1, {"x": 2}]]))
        if items and draw(st.booleans()):
            record["training"] = draw(st.permutations(items))
        if draw(st.booleans()):
            record["training"] = [*items, {"training": "no-such-course",
                                           "completed": draw(st.sampled_from(MONTH_ENDS))}]
        if draw(st.booleans()):
            record["team"] = draw(st.sampled_from(["north", 7, None, {"a": [1, 2]}]))
        if draw(st.booleans()):
            record["roles"] = [*(record.get("roles") or []), "trainer@2024-02-29"]
        if draw(st.booleans()):  # null and absent are alike, and so are [] and no roles
            record.pop(draw(st.sampled_from(["roles", "training", "sector", "volunteer"])),
                       None)
    if records and draw(st.booleans()):
        records.append(dict(draw(st.sampled_from(records))))  # an id seen before
    lines = [json.dumps(r, separators=draw(st.sampled_from([(", ", ": "), (",", ":")])))
             for r in records]
    for odd in draw(st.lists(st.sampled_from(sorted(ODD_LINES)), max_size=3)):
        lines.insert(draw(st.integers(0, len(lines))), ODD_LINES[odd])
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", " ", "\t"])))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = draw(st.sampled_from(["", "\ufeff"])) + end.join(lines) + \
        draw(st.sampled_from(["", end]))
    as_of = draw(st.sampled_from([AS_OF.isoformat(), "2026-02-28", "2024-02-29"]))
    return path, text, as_of


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(jsonl_workforces())
def test_a_generated_jsonl_workforce_gives_the_row_paths_table_stderr_and_status(
        tmp_path: Path, case: tuple[str, str, str]) -> None:
    policy, text, as_of = case
    _same(tmp_path, policy, _lines(tmp_path, text), as_of)


def test_the_example_workforce_in_jsonl_takes_the_columnar_route(tmp_path: Path) -> None:
    workers_file = str(Path(DURHAM).parent.parent / "examples" / "workers.jsonl")
    frame, training, rest = _read(workers_file, 500)
    # Its two lines without an id, or with a volunteer of "maybe", are the row path's.
    assert (frame.height, training.height, [n for n, _ in rest]) == (1998, 6369, [888, 1777])
    columnar, _ = _same(tmp_path, DURHAM, workers_file)
    assert columnar[2] == 1 and "8 rejected" in columnar[1]
