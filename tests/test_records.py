"""Reading worker files: formats, CSV cells, the training file, bad input, streaming."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import policyrules
from conftest import write
from policyrules import records
from policyrules.records import WorkerFileError, WorkerInput, read_workers, volunteer_cell
from policyrules.testing import workers

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
AS_OF = datetime.date(2026, 11, 22)


@pytest.fixture(scope="module")
def policy() -> policyrules.Policy:
    return policyrules.load(FIXTURES / "small.policy")


def items(path: str, policy: policyrules.Policy, **kw: object) -> list[tuple]:
    return list(read_workers(path, policy, **kw))  # type: ignore[arg-type]


W1 = {"id": "W1", "started": "2024-01-10", "contact": "regular",
      "training": [{"training": "induction-course", "completed": "2024-03-01"}]}
W2 = {"id": "W2", "started": "2020-05-01", "contact": "none", "roles": ["supervisor"]}


# Formats -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt"), [
    ("a.json", "json"), ("a.JSONL", "jsonl"), ("a.ndjson", "jsonl"), ("dir/a.csv", "csv"),
    ("-", "jsonl")])
def test_input_format_from_name(name: str, fmt: str) -> None:
    assert records.input_format(name) == fmt


def test_unknown_extension_is_a_file_error() -> None:
    with pytest.raises(WorkerFileError, match=r"workers\.txt: cannot tell the format"):
        records.input_format("workers.txt")


def test_jsonl_skips_blank_lines_and_keeps_line_numbers(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.jsonl", "\ufeff" + json.dumps(W1) + "\n\n  \n"
                 + json.dumps(W2) + "\n")
    got = items(path, policy)
    assert [(n, wid) for n, wid, _ in got] == [(1, "W1"), (4, "W2")]
    assert all(isinstance(w, policyrules.Worker) for _, _, w in got)
    assert got[0][2].training[0].completed == datetime.date(2024, 3, 1)


def test_jsonl_bad_line_is_an_error_record_and_reading_goes_on(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.jsonl", json.dumps(W1) + '\n{"id": "W9", "started": \n'
                 + json.dumps(W2) + "\n")
    got = items(path, policy)
    assert [wid for _, wid, _ in got] == ["W1", "W9", "W2"]
    err = got[1][2]
    assert isinstance(err, policyrules.WorkerError)
    assert err.field == "(record)" and "not valid JSON" in err.message


def test_jsonl_line_nested_too_deeply_is_an_error_record(tmp_path: Path, policy) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = write(tmp_path, "w.jsonl", deep + "\n" + json.dumps(W1) + "\n")
    got = items(path, policy)
    assert [wid for _, wid, _ in got] == [None, "W1"]
    assert isinstance(got[0][2], policyrules.WorkerError)
    assert "nested too deeply" in got[0][2].message


@pytest.mark.parametrize("chunk", [7, 1000, 1 << 20])
def test_a_json_element_that_cannot_be_read_is_one_error_record(
        tmp_path: Path, policy, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(records.json_array, "_CHUNK", chunk)
    monkeypatch.setattr(records.json_array, "_MAX_ELEMENT", 6000)
    deep = '{"id": "D", "x": ' + "[" * 100_000 + '"]}{\\\\"' + "]" * 100_000 + "}"
    big = json.dumps(dict(W2, id="B", note="x]}\"" * 2000))
    digits = '{"id": "N", "hours": ' + "9" * 5000 + "}"
    text = "[\n" + ",\n".join([json.dumps(W1), deep, big, digits, json.dumps(W2)]) + "\n]"
    got = items(write(tmp_path, "w.json", text), policy)
    assert [(n, wid) for n, wid, _ in got] == [(2, "W1"), (3, "D"), (4, "B"), (5, "N"),
                                               (6, "W2")]
    errors = [w for _, _, w in got[1:4]]
    assert all(isinstance(e, policyrules.WorkerError) and e.field == "(record)"
               for e in errors)
    assert "nested too deeply" in errors[0].message  # type: ignore[union-attr]
    assert "bigger than 6,000 characters" in errors[1].message  # type: ignore[union-attr]
    assert "4300 digits" in errors[2].message  # type: ignore[union-attr]
    assert isinstance(got[4][2], policyrules.Worker)


def test_an_element_bigger_than_the_limit_never_closed_is_a_file_error(
        tmp_path: Path, policy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records.json_array, "_MAX_ELEMENT", 100)
    path = write(tmp_path, "w.json", '[{"id": "A", "x": "' + "y" * 500)
    with pytest.raises(WorkerFileError, match="not closed before the end of the file"):
        items(path, policy)


# Any JSON value, as text; numbers that msgspec and json treat differently included.
_JSON_SCALARS = (st.none() | st.booleans() | st.floats() | st.text()
                 | st.integers(-(10**30), 10**30) | st.sampled_from([1e400, -1e400]))
_JSON_VALUES = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=12)


def _as_parsed(text: str) -> str:
    """What `json.loads` makes of a line (repr keeps int and float apart), or its error."""
    try:
        return repr(json.loads(text))
    except (ValueError, RecursionError) as exc:
        return repr(records.json_error(text, exc).to_dict())


def _parsed(text: str) -> str:
    got = records.parse_line(text)
    return repr(got.to_dict() if isinstance(got, policyrules.WorkerError) else got)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    _JSON_VALUES.map(json.dumps),
    _JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.tuples(_JSON_VALUES.map(json.dumps), st.integers(0, 40), st.text(max_size=3)).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:]),  # text inserted: mostly not JSON
    st.text(max_size=30)))
@example('{"a": "\\ud800", "b": NaN, "c": 123456789012345678901234567890, "c": 1e400}')
@example('\ufeff{"id": "W1"}')
@example('{"id": "W1"} {"id": "W2"}')
def test_a_line_parses_exactly_as_json_loads_would(text: str) -> None:
    # msgspec does the common case; values, types, and every error message must be
    # exactly those of the standard library.
    assert _parsed(text) == _as_parsed(text)


def test_json_object_and_array(tmp_path: Path, policy) -> None:
    one = write(tmp_path, "one.json", json.dumps(W1, indent=2))
    assert [wid for _, wid, _ in items(one, policy)] == ["W1"]
    many = write(tmp_path, "many.json", json.dumps([W1, W2], indent=2))
    got = items(many, policy)
    assert [wid for _, wid, _ in got] == ["W1", "W2"]
    assert got[0][0] == 2  # the line each element starts on
    assert got[1][0] == 2 + len(json.dumps(W1, indent=2).splitlines())


def test_json_array_streams_across_chunk_boundaries(tmp_path: Path, policy,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records.json_array, "_CHUNK", 7)
    people = [dict(W1, id=f"W{i}", note="é" * (i % 5)) for i in range(40)]
    path = write(tmp_path, "w.json", json.dumps(people, ensure_ascii=False, indent=1))
    got = items(path, policy)
    assert [wid for _, wid, _ in got] == [p["id"] for p in people]
    assert [w.extra["note"] for _, _, w in got] == [p["note"] for p in people]


def test_json_array_is_read_lazily(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records.json_array, "_CHUNK", 256)
    path = write(tmp_path, "w.json", json.dumps([dict(W1, id=f"W{i}") for i in range(2000)]))
    with WorkerInput(path) as source:
        first = next(iter(source))
        assert first[1]["id"] == "W0"
        assert source.position < 1024 < source.size  # type: ignore[operator]


def test_jsonl_is_read_lazily(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(dict(W1, id=f"W{i}")) + "\n"
                                              for i in range(5000)))
    with WorkerInput(path) as source:
        next(iter(source))
        assert source.size is not None and source.position < source.size / 10


@pytest.mark.parametrize(("text", "message"), [
    ('[{"id": "W1"}, {"id": ', r"w\.json:1:\d+: not valid JSON"),
    ('[{"id": "W1"},\n {"id": "W2"}', r"w\.json:2:\d+: not valid JSON: the array is not closed"),
    ('[{"id": "W1"},]', r"expected a worker object"),
    ('[{"id": "W1"} {"id": "W2"}]', r"expected `,` or `]`"),
    ("42", r"one worker object or an array"),
    ('[{"id": "W1"}] x', r"unexpected text after the array"),
])
def test_malformed_json_file_is_a_file_error(tmp_path: Path, policy, text: str,
                                             message: str) -> None:
    path = write(tmp_path, "w.json", text)
    with pytest.raises(WorkerFileError, match=message):
        items(path, policy)


@pytest.mark.parametrize("name", ["w.json", "w.jsonl", "w.csv"])
def test_empty_files_hold_no_workers(tmp_path: Path, policy, name: str) -> None:
    assert items(write(tmp_path, name, ""), policy) == []
    assert items(write(tmp_path, "b" + name, " \n\n"), policy) == []


def test_empty_json_array(tmp_path: Path, policy) -> None:
    assert items(write(tmp_path, "w.json", "[ ]"), policy) == []


@pytest.mark.parametrize("name", ["w.json", "w.jsonl", "w.csv"])
def test_not_utf8_is_a_file_error(tmp_path: Path, policy, name: str) -> None:
    good = "id,started,contact\nW1,2024-01-10,regular\n" if name.endswith("csv") else \
        json.dumps(W1) + "\n"
    bad = good.encode() + b'{"id": "Caf\xe9"}\n' if not name.endswith("csv") else \
        good.encode() + b"Caf\xe9,2024-01-10,regular\n"
    if name == "w.json":
        bad = b'[{"id": "Caf\xe9"}]'
    with pytest.raises(WorkerFileError, match="not UTF-8"):
        items(write(tmp_path, name, bad), policy)


def _read_until_error(path: str, policy, **kw: object) -> tuple[list[str | None], str]:
    """The ids read before a file error, and the error."""
    ids: list[str | None] = []
    with pytest.raises(WorkerFileError) as info:
        for _, wid, _ in read_workers(path, policy, **kw):  # type: ignore[arg-type]
            ids.append(wid)
    return ids, str(info.value)


@pytest.mark.parametrize("chunk", [5, 64, 1 << 20])
def test_not_utf8_names_its_line_and_byte_after_reading_what_came_before(
        tmp_path: Path, policy, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(records.json_array, "_CHUNK", chunk)
    rows = "".join(f"W{i},2024-01-10,regular\n" for i in range(3))
    csv_file = write(tmp_path, "w.csv", b"id,started,contact\n" + rows.encode()
                     + "Zoë,2024-01-10,regular\nCaf\xe9".encode() + b"\xe9,2024,none\n")
    ids, error = _read_until_error(csv_file, policy)
    assert ids == ["W0", "W1", "W2", "Zoë"]
    assert error.endswith("w.csv:6: not UTF-8 text (byte 6 of the line is 0xe9); save the "
                          "file as UTF-8")  # "Café" is 5 bytes in UTF-8: the bad one is 6th

    people = [dict(W1, id=f"W{i}") for i in range(3)]
    lines = json.dumps(people, indent=1).encode().replace(b'"W2"', b'"W\xe92"')
    line = lines[:lines.index(b"\xe9")].count(b"\n") + 1
    byte = lines.index(b"\xe9") - lines.rfind(b"\n", 0, lines.index(b"\xe9"))
    ids, error = _read_until_error(write(tmp_path, "w.json", lines), policy)
    assert ids == ["W0", "W1"]
    assert f"w.json:{line}: not UTF-8 text (byte {byte} of the line is 0xe9)" in error

    one_line = json.dumps(people).encode().replace(b'"W2"', b'"W\xe92"')
    ids, error = _read_until_error(write(tmp_path, "w1.json", one_line), policy)
    assert ids == ["W0", "W1"]
    at = one_line.index(b"\xe9") + 1
    assert f"w1.json:1: not UTF-8 text (byte {at} of" in error

    training = write(tmp_path, "t.csv", b"worker,training,completed\nW0,x,2024-01-01\n"
                     b"W\xe91,x,2024-01-01\n")
    _, error = _read_until_error(csv_file, policy, training=training)
    assert "t.csv:3: not UTF-8 text (byte 2 of the line is 0xe9)" in error


@pytest.mark.parametrize("chunk", [5, 64, 1 << 20])
def test_malformed_json_is_placed_as_json_load_places_it(
        tmp_path: Path, policy, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(records.json_array, "_CHUNK", chunk)
    for text in ('[\n{"id": "A"},\n{"id": "B"},\n{"id": "C" "x": 1}\n]\n',
                 '[{"id": "A"}, {"id": "B"}, {"id": "C" "x": 1}]',
                 '[{"id": "A"},\n {"id": "B",'):
        with pytest.raises(json.JSONDecodeError) as expected:
            json.loads(text)
        _, error = _read_until_error(write(tmp_path, "w.json", text), policy)
        place = f"{expected.value.lineno}:{expected.value.colno}"
        assert f"w.json:{place}: not valid JSON: {expected.value.msg}" in error


def test_missing_file_and_directory(tmp_path: Path, policy) -> None:
    with pytest.raises(WorkerFileError, match="no such worker file"):
        items(str(tmp_path / "nope.jsonl"), policy)
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(WorkerFileError, match="is a directory"):
        items(str(tmp_path / "d.csv"), policy)


def test_stdin_is_json_lines(policy) -> None:
    stream = io.BytesIO((json.dumps(W1) + "\n" + json.dumps(W2) + "\n").encode())
    got = items("-", policy, stdin=stream)
    assert [wid for _, wid, _ in got] == ["W1", "W2"]


# CSV ----------------------------------------------------------------------------------------

def test_csv_cells_follow_contract_1_4(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.csv",
                 " ID ,Started,contact,roles,training,volunteer,sector,team\n"
                 "W1, 2024-01-10 ,regular,supervisor@2024-06-01;trainer,"
                 "induction-course@2024-03-01; inter-agency-course@2025-01-02,yes,,North\n"
                 "W2,2020-05-01,none,,,,statutory,\n")
    (n1, _, w1), (n2, _, w2) = items(path, policy)
    assert (n1, n2) == (2, 3)
    assert w1.started == datetime.date(2024, 1, 10)
    assert [(r.role, r.since) for r in w1.roles] == [
        ("supervisor", datetime.date(2024, 6, 1)), ("trainer", None)]
    assert [(t.training, t.completed) for t in w1.training] == [
        ("induction-course", datetime.date(2024, 3, 1)),
        ("inter-agency-course", datetime.date(2025, 1, 2))]
    assert w1.volunteer is True and w1.sector is None
    assert w1.extra == {"team": "North"}
    assert w2.volunteer is False and w2.roles == () and w2.extra == {}


@pytest.mark.parametrize(("cell", "value"), [
    ("true", True), ("Yes", True), ("1", True), ("FALSE", False), ("no", False), ("0", False),
    ("", False), (" ", False)])
def test_volunteer_cell(cell: str, value: bool) -> None:
    assert volunteer_cell(cell, "W1") is value


def test_volunteer_cell_rejects_anything_else() -> None:
    with pytest.raises(policyrules.WorkerError) as info:
        volunteer_cell("maybe", "W1")
    assert info.value.field == "volunteer" and info.value.value == "maybe"
    assert "'maybe'" in str(info.value)


def test_csv_bad_cells_become_error_records(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.csv",
                 "id,started,contact,training,volunteer\n"
                 "W1,2024-01-10,regular,induction-course,\n"
                 "W2,2024-01-10,regular,,perhaps\n"
                 "W3,2024-02-30,regular,,\n"
                 "W4,2024-01-10,regular,,,extra\n"
                 ",2024-01-10,regular,,\n"
                 "W6,2024-01-10,regualr,,\n"
                 "W7,2024-01-10,regular,,\n")
    got = items(path, policy)
    assert [(n, wid) for n, wid, _ in got] == [
        (2, "W1"), (3, "W2"), (4, "W3"), (5, "W4"), (6, None), (7, "W6"), (8, "W7")]
    fields = [w.field if isinstance(w, policyrules.WorkerError) else None for _, _, w in got]
    assert fields == ["training[0]", "volunteer", "started", "(row)", "id", "contact", None]
    assert "did you mean 'regular'" in str(got[5][2])


def test_csv_multiline_cells_keep_row_line_numbers(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.csv", 'id,started,contact,note\nW1,2024-01-10,regular,"two\nlines"\n'
                 "W2,2024-01-10,none,\n")
    assert [(n, wid) for n, wid, _ in items(path, policy)] == [(2, "W1"), (4, "W2")]


def test_csv_header_needs_the_required_columns(tmp_path: Path, policy) -> None:
    path = write(tmp_path, "w.csv", "id,strated,contact\nW1,2024-01-10,regular\n")
    with pytest.raises(WorkerFileError, match=r"needs the column 'started' \(is 'strated'"):
        items(path, policy)
    path = write(tmp_path, "x.csv", "id,started,contact,id\n")
    with pytest.raises(WorkerFileError, match="appears twice"):
        items(path, policy)


# A separate training file ----------------------------------------------------------------------

def test_training_file_in_any_order_is_attached(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact,training\n"
                    "W1,2024-01-10,regular,induction-course@2024-03-01\n"
                    "W2,2020-05-01,occasional,\n")
    training = write(tmp_path, "t.csv", "worker,training,completed,delivery,provider,hours,level\n"
                     "W2,induction-course,2020-06-01,,in-house,2.5,level 1\n"
                     "W1,inter-agency-course,2025-01-02,inter-agency,,6,\n"
                     "W2,first-aid,2021-01-01,,,,\n")
    (_, _, w1), (_, _, w2) = items(workers, policy, training=training)
    assert [(t.training, t.delivery) for t in w1.training] == [
        ("induction-course", "single-agency"), ("inter-agency-course", "inter-agency")]
    assert w1.training[1].hours == 6
    first = w2.training[0]
    assert (first.provider, first.hours, first.level) == ("in-house", 2.5, "level 1")
    assert [t.training for t in w2.training] == ["induction-course", "first-aid"]


def test_training_file_errors_name_its_line(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact\nW1,2024-01-10,regular\n")
    training = write(tmp_path, "t.csv", "worker,training,completed,hours\n"
                     "W1,induction-course,2024-03-01,3\n"
                     "W1,induction-course,2024-13-01,3\n")
    [(_, wid, err)] = items(workers, policy, training=training)
    assert isinstance(err, policyrules.WorkerError) and wid == "W1"
    assert err.field == "training[1].completed"
    assert "t.csv line 3" in err.message


def test_training_file_hours_must_be_a_number(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact\nW1,2024-01-10,regular\n")
    training = write(tmp_path, "t.csv", "worker,training,completed,hours\n"
                     "W1,induction-course,2024-03-01,two\n")
    [(_, _, err)] = items(workers, policy, training=training)
    assert isinstance(err, policyrules.WorkerError) and err.field == "training[0].hours"


def test_training_for_unknown_workers_is_a_warning(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact\nW1,2024-01-10,regular\n")
    training = write(tmp_path, "t.csv", "worker,training,completed\n"
                     "W9,induction-course,2024-03-01\n"
                     ",induction-course,2024-03-01\n")
    with WorkerInput(workers, training=training) as source:
        assert len(list(source.workers(policy))) == 1
    assert any("1 training record for 1 worker not in" in w and "'W9'" in w
               for w in source.warnings)
    assert any("with no worker id" in w for w in source.warnings)


def test_training_file_attaches_to_json_lines_too(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.jsonl", json.dumps(W1) + "\n")
    training = write(tmp_path, "t.csv", "worker,training,completed\n"
                     "W1,inter-agency-course,2025-01-02\n")
    [(_, _, w)] = items(workers, policy, training=training)
    assert [t.training for t in w.training] == ["induction-course", "inter-agency-course"]


def test_training_file_needs_worker_and_training_columns(tmp_path: Path, policy) -> None:
    workers = write(tmp_path, "w.csv", "id,started,contact\n")
    training = write(tmp_path, "t.csv", "id,training,completed\n")
    with pytest.raises(WorkerFileError, match="needs the column 'worker'"):
        items(workers, policy, training=training)
    with pytest.raises(WorkerFileError, match="no such training file"):
        items(workers, policy, training=str(tmp_path / "none.csv"))


def test_the_shipped_examples_read_the_same_from_csv_and_json_lines() -> None:
    examples = Path(__file__).parents[1] / "examples"
    durham = policyrules.load(Path(__file__).parents[1] / "policies" / "durham.policy")
    from_csv = items(str(examples / "workers.csv"), durham,
                     training=str(examples / "training.csv"))
    from_jsonl = items(str(examples / "workers.jsonl"), durham)
    assert len(from_csv) == len(from_jsonl) == 2000
    for (_, id_a, a), (_, id_b, b) in zip(from_csv, from_jsonl, strict=True):
        assert id_a == id_b
        # A CSV row rejected while read is a RowError (a WorkerError with its cells).
        assert isinstance(a, policyrules.Worker) is isinstance(b, policyrules.Worker)
        if isinstance(a, policyrules.Worker):
            assert a == b
            assert durham.evaluate_checked(a, AS_OF) == durham.evaluate_checked(b, AS_OF)
        else:
            assert a.field == b.field
    rejected = [w for _, _, w in from_jsonl if isinstance(w, policyrules.WorkerError)]
    assert len(rejected) == 8


# Properties ---------------------------------------------------------------------------------

DURHAM = policyrules.load(Path(__file__).parents[1] / "policies" / "durham.policy")


def as_csv(people: list[policyrules.Worker]) -> tuple[str, str]:
    """Workers as CONTRACT §1.4 CSV: a worker file and a separate training file."""
    w, t = io.StringIO(), io.StringIO()
    wr, tr = csv.writer(w), csv.writer(t)
    wr.writerow(["id", "started", "contact", "roles", "agency", "sector", "volunteer"])
    tr.writerow(["worker", "training", "completed", "delivery", "provider", "hours", "level"])
    for p in people:
        roles = ";".join(r.role + (f"@{r.since.isoformat()}" if r.since else "")
                         for r in p.roles)
        wr.writerow([p.id, p.started.isoformat(), p.contact, roles, p.agency or "",
                     p.sector or "", "yes" if p.volunteer else "no"])
        for r in p.training:
            tr.writerow([p.id, r.training, r.completed.isoformat(), r.delivery,
                         r.provider or "", "" if r.hours is None else r.hours, r.level or ""])
    return w.getvalue(), t.getvalue()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(workers(DURHAM), max_size=6, unique_by=lambda w: w.id))
def test_csv_with_a_training_file_round_trips(tmp_path: Path,
                                              people: list[policyrules.Worker]) -> None:
    text, training = as_csv(people)
    got = items(write(tmp_path, "w.csv", text), DURHAM,
                training=write(tmp_path, "t.csv", training))
    assert [w for _, _, w in got] == people
    assert [n for n, _, _ in got] == list(range(2, len(people) + 2))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(workers(DURHAM), max_size=6), st.integers(1, 64), st.booleans())
def test_json_array_reads_like_json_load(tmp_path: Path, people: list[policyrules.Worker],
                                         chunk: int, indent: bool) -> None:
    data = [p.to_dict() for p in people]
    path = write(tmp_path, "w.json", json.dumps(data, indent=1 if indent else None))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(records.json_array, "_CHUNK", chunk)
        with WorkerInput(path) as source:
            assert [raw for _, raw in source] == data


# The layout: records from a training file, and looking one worker up ----------------------

def test_a_record_with_a_training_file_says_so_in_its_type(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.jsonl", json.dumps(W1) + "\n" + json.dumps(W2) + "\n")
    training = write(tmp_path, "t.csv", "worker,training,completed\n"
                     "W1,inter-agency-course,2025-01-02\n")
    with WorkerInput(workers, training=training) as source:
        (_, first), (_, second) = list(source)
    assert isinstance(first, records.WithTraining)
    assert (first.path, first.inline, first.lines) == (training, 1, (2,))
    assert set(first.record) == set(W1)  # nothing but the record's own fields
    assert first.training_line(0) is None and first.training_line(1) == 2
    assert not isinstance(second, records.WithTraining)  # W2 has no training in the file


def test_find_worker_finds_the_record_or_suggests_an_id(tmp_path: Path, policy) -> None:
    bad = dict(W2, id="W3", contact="sometimes")
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(r) + "\n" for r in (W1, W2, bad)))
    found = records.find_worker(path, policy, "W2")
    assert (found.source, found.line) == (path, 2)
    assert isinstance(found.worker, policyrules.Worker) and found.worker.id == "W2"
    rejected = records.find_worker(path, policy, "W3").worker
    assert isinstance(rejected, policyrules.WorkerError) and rejected.field == "contact"
    with pytest.raises(records.WorkerNotFoundError, match=r"no worker with id 'W22' "
                       r"\(did you mean 'W2'\?\)"):
        records.find_worker(path, policy, "W22")
    escaped = write(tmp_path, "e.jsonl", '{"id": "W\\u0035", "started": "2024-01-10", '
                    '"contact": "none"}\n')
    assert records.find_worker(escaped, policy, "W5").line == 1


def test_id_in_text_reads_the_id_of_unparsable_json() -> None:
    assert records.id_in_text('{"x": 1, "id" : "W\\"7", "started": ') == 'W"7'
    assert records.id_in_text('{"started": "2024-01-01"}') is None
