"""`Policy.evaluate_many` (the batch path as the library) and the decision log."""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import write
from policyrules import DecisionLog, WorkerError
from strategies import worker_dicts
from test_cli import run

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = datetime.date(2026, 11, 22)
POLICY = policyrules.load(SMALL)
TRAININGS = ["induction-course", "inter-agency-course", "supervision-course"]
ROLES = ["supervisor"]


def worker(i: int) -> dict[str, Any]:
    return {"id": f"W{i}", "started": "2024-01-10", "contact": "regular",
            "training": [{"training": "induction-course", "completed": "2024-03-01"}]}


BAD = {"id": "B1", "started": "2024-01-10", "contact": "regualr"}


def outcome(record: Any) -> policyrules.Decision | str:
    """What `evaluate` says of one record: its decision, or its error's text."""
    try:
        return POLICY.evaluate(record, as_of=AS_OF)
    except WorkerError as exc:
        return str(exc)


# evaluate_many ------------------------------------------------------------------------
records = st.lists(st.one_of(worker_dicts(ROLES, TRAININGS),
                             st.just(BAD), st.just({"id": 7}), st.integers()),
                   max_size=40)


@settings(max_examples=40, deadline=None)
@given(records)
def test_evaluate_many_gives_what_evaluate_gives_in_input_order(items: list[Any]) -> None:
    got = list(POLICY.evaluate_many(items, as_of=AS_OF))
    assert len(got) == len(items)
    for n, (item, result) in enumerate(zip(items, got, strict=True)):
        if isinstance(result, WorkerError):
            assert result.index == n
            assert str(result) == outcome(item)
        else:
            assert result == outcome(item)
            assert result.to_dict() == POLICY.evaluate(item, as_of=AS_OF).to_dict()


def test_evaluate_many_crosses_chunks_in_order() -> None:
    # More than one chunk of the batch path, errors among them.
    items = [worker(i) if i % 97 else BAD for i in range(700)]
    got = list(POLICY.evaluate_many(items, as_of=AS_OF))
    errors = [r.index for r in got if isinstance(r, WorkerError)]
    assert errors == [i for i in range(700) if i % 97 == 0]
    assert [r.worker for r in got] == [f"W{i}" if i % 97 else "B1" for i in range(700)]


def test_evaluate_many_is_lazy_on_an_endless_source() -> None:
    taken: list[int] = []

    def endless() -> Iterator[dict[str, Any]]:
        for i in itertools.count():
            taken.append(i)
            yield worker(i)

    first = list(itertools.islice(POLICY.evaluate_many(endless(), as_of=AS_OF), 3))
    assert [d.worker for d in first] == ["W0", "W1", "W2"]
    assert len(taken) < 1000  # read a chunk ahead, not the whole source


def test_evaluate_many_takes_workers_and_refuses_text() -> None:
    typed = POLICY.worker(worker(1))
    text = json.dumps(worker(2))
    got = list(POLICY.evaluate_many([typed, text], as_of=AS_OF))
    assert got[0] == POLICY.evaluate(typed, as_of=AS_OF)
    assert isinstance(got[1], WorkerError) and got[1].index == 1
    assert "must be an object, not a string" in str(got[1])


def test_evaluate_many_checks_as_of_before_it_reads() -> None:
    def never() -> Iterator[dict[str, Any]]:
        raise AssertionError("read")
        yield {}

    with pytest.raises(policyrules.UsageError, match="as_of"):
        POLICY.evaluate_many(never(), as_of=datetime.datetime(2026, 1, 1))  # type: ignore[arg-type]


def test_a_deadline_past_9999_is_the_records_error() -> None:
    late = {"id": "L", "started": "9999-12-01", "contact": "regular"}
    got = list(POLICY.evaluate_many([late, worker(1)], as_of=AS_OF))
    assert isinstance(got[0], policyrules.DateRangeError) and got[0].index == 0
    assert isinstance(got[1], policyrules.Decision)


# the decision log ---------------------------------------------------------------------
def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_log_entries_have_the_decision_and_only_a_hash_of_the_record() -> None:
    entries: list[dict[str, Any]] = []
    record = {"started": "2024-01-10", "id": "W1", "contact": "regular",
              "agency": "Café Nord"}
    d = next(POLICY.evaluate_many([record], as_of=AS_OF, log=entries.append))
    assert isinstance(d, policyrules.Decision)
    [e] = entries
    uuid.UUID(e.pop("decision_id"))
    stamp = datetime.datetime.fromisoformat(e.pop("timestamp"))
    assert stamp.utcoffset() == datetime.timedelta(0)
    # The canonical JSON, written out by hand: keys sorted, no spaces, UTF-8.
    canonical = '{"agency":"Café Nord","contact":"regular","id":"W1","started":"2024-01-10"}'
    assert e == {
        "policy": "small", "fingerprint": POLICY.fingerprint, "as_of": "2026-11-22",
        "index": 0, "worker": "W1", "input_sha256": sha(canonical),
        "result": {"compliant": d.compliant,
                   "findings": [{"requirement": f.rule.id, "status": f.status,
                                 "due": f.due.isoformat() if f.due else None}
                                for f in d.findings]},
    }
    assert "Café" not in json.dumps(e, ensure_ascii=False)


def test_a_rejected_record_is_logged_with_its_fields_not_its_values() -> None:
    entries: list[dict[str, Any]] = []
    list(POLICY.evaluate_many([{"id": "B1", "started": "2024-01-10", "contact": "secret"}],
                              as_of=AS_OF, log=entries.append))
    [e] = entries
    assert e["result"] is None and e["error"] == {"fields": ["contact"]}
    assert "secret" not in json.dumps(e)


def test_log_to_a_file_appends_strict_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "decisions.log"
    for _ in range(2):
        list(POLICY.evaluate_many([worker(1), BAD], as_of=AS_OF, log=path))
    lines = path.read_text("ascii").splitlines()
    assert len(lines) == 4

    def no_constants(name: str) -> None:
        raise AssertionError(name)

    entries = [json.loads(line, parse_constant=no_constants) for line in lines]
    assert [e["worker"] for e in entries] == ["W1", "B1", "W1", "B1"]
    assert len({e["decision_id"] for e in entries}) == 4


def test_only_records_given_back_are_logged() -> None:
    stream = io.StringIO()
    many = POLICY.evaluate_many((worker(i) for i in range(600)), as_of=AS_OF, log=stream)
    list(itertools.islice(many, 5))
    many.close()
    assert [json.loads(line)["index"] for line in stream.getvalue().splitlines()] == \
        [0, 1, 2, 3, 4]


def test_a_mask_changes_what_is_logged() -> None:
    entries: list[dict[str, Any]] = []

    def mask(e: dict[str, Any]) -> dict[str, Any]:
        e["worker"] = sha(e["worker"])
        return e

    with DecisionLog(entries.append, mask=mask) as log:
        list(POLICY.evaluate_many([worker(1)], as_of=AS_OF, log=log))
    assert entries[0]["worker"] == sha("W1")


def test_a_log_target_that_is_not_one_is_refused() -> None:
    with pytest.raises(policyrules.UsageError, match="path, a text stream or a function"):
        DecisionLog(42)  # type: ignore[arg-type]


# evaluate --log ---------------------------------------------------------------------------
def test_evaluate_log_is_the_same_with_jobs_and_in_input_order(tmp_path: Path) -> None:
    lines = [json.dumps(worker(i)) if i % 7 else "{not json" for i in range(60)]
    path = write(tmp_path, "w.jsonl", "".join(line + "\n" for line in lines))
    logs = []
    for jobs in ("1", "2"):
        log = tmp_path / f"log{jobs}"
        result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl",
                     "-j", jobs, "--log", str(log))
        assert result.exit_code == 1  # some records rejected
        logs.append([json.loads(line) for line in log.read_text().splitlines()])
    one, two = logs
    assert [e["line"] for e in two] == list(range(1, 61))
    for e in one + two:
        del e["decision_id"], e["timestamp"]
    assert one == two
    assert one[1]["input_sha256"] == sha(
        json.dumps(worker(1), sort_keys=True, separators=(",", ":")))
    # A line that is not JSON: the hash of its text.
    assert one[0]["input_sha256"] == sha("{not json") and one[0]["result"] is None
    assert one[1]["result"] == {
        "compliant": False,
        "findings": [{"requirement": "induction", "status": "met", "due": "2027-03-01"},
                     {"requirement": "inter-agency", "status": "overdue", "due": None}]}


def test_evaluate_log_of_a_line_nested_too_deeply_is_the_hash_of_its_text(
        tmp_path: Path) -> None:
    deep = '{"id": "W1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = write(tmp_path, "w.jsonl", deep + "\n")
    log = tmp_path / "log"
    result = run("evaluate", SMALL, path, "--as-of", "2026-11-22", "-f", "jsonl",
                 "--log", str(log))
    assert result.exit_code == 1 and "nested too deeply" in result.stdout
    entry = json.loads(log.read_text())
    assert entry["input_sha256"] == sha(deep) and entry["result"] is None


def test_evaluate_log_that_cannot_be_opened_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", json.dumps(worker(1)) + "\n")
    result = run("evaluate", SMALL, path, "--log", str(tmp_path / "no" / "log"))
    assert result.exit_code == 2
    assert "cannot open the decision log" in result.stderr


# the FastAPI example of docs/api.md -------------------------------------------------------
def test_the_fastapi_service_of_the_docs_answers_as_evaluate_does() -> None:
    from fastapi.testclient import TestClient

    from test_docs import blocks

    [code] = [b for b in blocks("api.md", "python") if "FastAPI()" in b]
    namespace: dict[str, Any] = {}
    root = Path(__file__).resolve().parent.parent
    code = code.replace('"policies/durham.policy"', repr(str(root / "policies" / "durham.policy")))
    exec(compile(code, "api.md", "exec"), namespace)  # our own documentation
    client = TestClient(namespace["app"])
    durham = namespace["policy"]
    records = [worker(1), BAD, {"id": "W3", "started": "2026-10-01", "contact": "none"}]
    answer = client.post("/decisions", params={"as_of": "2026-11-22"}, json=records)
    assert answer.status_code == 200
    body = answer.json()
    assert body[0] == durham.evaluate(records[0], as_of=AS_OF).to_dict()
    assert body[1]["index"] == 1 and body[1]["error"]["field"] == "contact"
    assert body[2] == durham.evaluate(records[2], as_of=AS_OF).to_dict()
    bad_day = client.post("/decisions", params={"as_of": "2026-02-30"}, json=records)
    assert bad_day.status_code == 422
