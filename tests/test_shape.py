"""The usual-record lane of JSON Lines validation (contract/shape.py) against the general
path (`parse_worker`): on generated good and bad lines, the same `Worker` (its unknown
fields, the type of every record's hours and the records it shares with other workers
included) or no answer, so that the general path gives the error; and `validate` gives
the same result, error text and line as it gives without the lane."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import policyrules
from policyrules.contract import shape
from policyrules.contract.validation import parse_worker
from policyrules.contract.workers import Worker
from policyrules.errors import WorkerError
from policyrules.records import validate
from policyrules.records.jsonl import parse_line

ROOT = Path(__file__).resolve().parent.parent
POLICY = policyrules.load(ROOT / "policies" / "durham.policy")
ROLES = POLICY.model.role_names

_ODD = st.sampled_from([None, True, 0, -1, 2.5, math.nan, math.inf, 10**30, "", "é",
                        "\ud800", [], ["x"], {}, {"a": None}])
_DATE = st.sampled_from(["2024-02-29", "2025-02-30", "2025-1-1", "0000-01-01",
                         "2025-06-01T00:00", " 2025-06-01", "9999-12-31", "2022-09-15"])
_RECORD = st.fixed_dictionaries(
    {"training": st.sampled_from(["safeguarding-induction", "inter-agency-foundation",
                                  "unknown-course", "é-course"]),
     "completed": _DATE},
    optional={
        "delivery": st.sampled_from(["single-agency", "inter-agency", "interagency", ""]),
        "provider": st.sampled_from(["in-house", "e-learning", "Ünïversity"]),
        "hours": st.sampled_from([0, 1, 1.0, 2, 2.5, 0.0, -0.0, True, -1, 1e7, math.nan]),
        "level": st.sampled_from(["level 1", "level 2"]),
        "notes": st.sampled_from(["kept", 1]),  # a field of the record's own
    }).map(lambda r: r)
_ROLE = st.sampled_from(["trainer", "supervisor", "trainr", ""]) | st.fixed_dictionaries(
    {"role": st.sampled_from(["trainer", "nobody"])},
    optional={"since": _DATE, "note": st.just("ignored")})
WORKERS = st.fixed_dictionaries(
    {"id": st.sampled_from(["W1", "W2", "Wé", ""]) | _ODD,
     "started": _DATE | _ODD,
     "contact": st.sampled_from(["none", "occasional", "regular", "predominant", "often"])
     | _ODD},
    optional={
        "roles": st.lists(_ROLE, max_size=3) | _ODD,
        "training": st.lists(_RECORD | _ODD, max_size=4) | _ODD,
        "agency": st.sampled_from(["Police", "Ägency"]) | _ODD,
        "sector": st.sampled_from(["statutory", "voluntary", "charity"]) | _ODD,
        "volunteer": st.booleans() | _ODD,
        "team": st.sampled_from(["north", "south"]) | _ODD,  # unknown fields: kept
        "score": st.sampled_from([1, 2.5, math.nan, None]),
        # Names that a Struct's own fields could be mistaken for, or that need renaming.
        "x0": st.sampled_from([1, "x", None]),
        "": st.just("empty name"),
        "Job Title é": st.sampled_from(["Nurse", {"nested": [1, None]}]),
    })


def _line(record: Any, data: st.DataObject) -> str:
    # json's own text (NaN written as NaN, which msgspec refuses and json.loads reads),
    # sometimes with a key given twice (the last one counts).
    text = json.dumps(record)
    if isinstance(record, dict) and record and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(record)))
        text = "{" + json.dumps(key) + ': "first", ' + text[1:]
    return text


def _general(data: Any) -> Worker | WorkerError:
    try:
        return parse_worker(data, ROLES)
    except WorkerError as exc:
        return exc


def _fields(w: Worker) -> tuple[object, ...]:
    # Equality of a Worker leaves out `extra` (and a record's), and 1 == 1.0 == True:
    # compare what is written out, types and all.
    return (w, w.extra, [(r, r.extra, repr(r.hours), type(r.hours)) for r in w.training],
            [(r.role, r.since) for r in w.roles])


@given(st.lists(WORKERS, min_size=1, max_size=5), st.data())
def test_the_usual_lane_is_the_general_path(records: list[dict[str, Any]],
                                             data: st.DataObject) -> None:
    shape.clear()
    for record in records + records:  # twice: the second time from the records kept
        text = _line(record, data)
        parsed = parse_line(text)
        if not isinstance(parsed, dict):
            continue
        fast = shape.usual_worker(parsed, ROLES)
        general = _general(parse_line(text))
        if fast is not None:
            assert isinstance(general, Worker)
            assert _fields(fast) == _fields(general)
        # The typed lane, straight from the text, with the unknown fields learned so far
        # (`validate` below learns those of a worker it accepts: the second time round,
        # such a line takes the typed lane).
        typed = shape.usual_line(text, ROLES)
        if typed is not None:
            assert isinstance(general, Worker)
            assert _fields(typed) == _fields(general)
        # The same line as the text form reads it: none, or the same fields, and the same
        # `Worker` once built (`as_records`), each record built from the one read.
        read = shape.lines_as_read([text], ROLES)
        assert (read is None) == (typed is None)
        if read is not None:
            (line,) = read
            assert type(line) is not Worker
            assert all(type(r) is shape.LineRecord for r in line.training)
            built = shape.as_records(line)
            assert built is not None
            worker, by_id = built
            assert type(worker) is Worker and _fields(worker) == _fields(general)
            assert [by_id[id(r)] for r in line.training] == list(worker.training)
            assert shape.as_records(worker) is None
        # And through `validate`, as a batch run reads the line: the same either way.
        item = validate(POLICY, 7, text)
        if isinstance(general, WorkerError):
            assert isinstance(item[2], WorkerError)
            assert (item[0], item[1], str(item[2]), item[2].to_dict()) == (
                7, general.worker, str(general), general.to_dict())
        else:
            assert isinstance(item[2], Worker) and _fields(item[2]) == _fields(general)


@pytest.mark.parametrize("empty", [{}, {"roles": [], "training": []},
                                   {"roles": None, "training": None}])
def test_a_line_as_read_without_roles_or_records_builds_the_usual_worker(
        empty: dict[str, Any]) -> None:
    # Left out, empty or null: the worker `as_records` builds equals `usual_line`'s, its
    # roles and records empty tuples as a `Worker` has them.
    text = json.dumps({"id": "W1", "started": "2024-01-31", "contact": "regular", **empty})
    (line,) = shape.lines_as_read([text], ROLES) or [None]
    built = shape.as_records(line)
    assert built is not None
    usual = shape.usual_line(text, ROLES)
    assert usual is not None and _fields(built[0]) == _fields(usual)
    assert built[0].roles == () and built[0].training == ()


def test_every_worker_of_the_example_file_takes_the_usual_lane() -> None:
    # The lane is what makes the batch path fast: a change that sends the usual record
    # back to the general path would pass every test above, and fail here.
    lines = (ROOT / "examples" / "workers.jsonl").read_text(encoding="utf-8").splitlines()
    taken = 0
    for text in lines:
        parsed = parse_line(text)
        general = _general(parse_line(text))
        fast = shape.usual_worker(parsed, ROLES)
        if isinstance(general, Worker):
            taken += fast is not None
            if fast is not None:
                assert _fields(fast) == _fields(general)
        else:
            assert fast is None
    assert taken >= 0.95 * len(lines)


def test_every_worker_of_the_example_files_takes_the_typed_lane() -> None:
    # Once a line with an unknown field (job_title) has been accepted, the lines like it
    # are decoded straight into a Struct: a change that sends them back to the dict
    # lane would pass the equality tests, and fail here.
    shape.clear()
    lines = (ROOT / "examples" / "workers.jsonl").read_text(encoding="utf-8").splitlines()
    for n, text in enumerate(lines, 1):
        validate(POLICY, n, text)
    taken = good = 0
    for text in lines:
        general = _general(parse_line(text))
        typed = shape.usual_line(text, ROLES)
        if isinstance(general, Worker):
            good += 1
            taken += typed is not None
            if typed is not None:
                assert _fields(typed) == _fields(general)
        else:
            assert typed is None
    assert good > 1000 and taken >= 0.95 * good


def test_the_unknown_fields_learned_stay_within_their_bound() -> None:
    shape.clear()
    for n in range(3 * shape.EXTRA_NAMES):
        text = json.dumps({"id": f"W{n}", "started": "2024-01-01", "contact": "regular",
                           f"column {n}": n, "team": "north"})
        item = validate(POLICY, n, text)
        assert isinstance(item[2], Worker)
        assert item[2].extra == {f"column {n}": n, "team": "north"}
    learned = shape._LINES.names
    assert len(learned) == shape.EXTRA_NAMES and "team" in learned
    # A line with only names learned takes the typed lane; one with another does not.
    known = {"id": "W1", "started": "2024-01-01", "contact": "regular", "team": "south",
             "column 1": None}
    typed = shape.usual_line(json.dumps(known), ROLES)
    assert typed is not None and typed.extra == {"column 1": None, "team": "south"}
    assert shape.usual_line(json.dumps({**known, "column 99": 1}), ROLES) is None
    shape.clear()
    assert shape.usual_line(json.dumps(known), ROLES) is None


def test_the_typed_lane_keeps_hours_as_written() -> None:
    # The typed lane decodes each record with its line: texts that read as equal values
    # (1 and 1.0 hours, 0.0 and -0.0) each give their own record, written as given, and a
    # record's delivery is its own or single-agency.
    shape.clear()
    record = '{"training": "safeguarding-induction", "completed": "2025-06-01", "hours": HOURS}'
    for n, hours in enumerate(["1", "1.0", "0.0", "-0.0", "1", "1e3"]):
        text = (f'{{"id": "W{n}", "started": "2024-01-01", "contact": "regular", '
                f'"training": [{record.replace("HOURS", hours)}, '
                '{"training": "inter-agency-foundation", "completed": "2025-07-01", '
                '"delivery": "inter-agency"}]}')
        w = shape.usual_line(text, ROLES)
        assert w is not None
        assert repr(w.training[0].hours) == repr(json.loads(hours))
        assert type(w.training[0].hours) is type(json.loads(hours))
        assert [r.delivery for r in w.training] == ["single-agency", "inter-agency"]
        assert _fields(w) == _fields(parse_worker(json.loads(text), ROLES))


@pytest.mark.parametrize("hours", [0.0, -0.0])
def test_zero_and_minus_zero_hours_are_not_shared(hours: float) -> None:
    shape.clear()
    record = {"training": "safeguarding-induction", "completed": "2025-06-01"}
    first = {"id": "W1", "started": "2024-01-01", "contact": "regular",
             "training": [{**record, "hours": -hours}]}
    second = {**first, "id": "W2", "training": [{**record, "hours": hours}]}
    for w in (first, second):
        made = shape.usual_worker(w, ROLES)
        assert made is not None and made.training[0].hours is not None
        given_hours = w["training"][0]["hours"]  # type: ignore[index]
        assert repr(made.training[0].hours) == repr(given_hours)
        assert repr(parse_worker(w, ROLES).training[0].hours) == repr(given_hours)


def test_kept_records_share_their_texts_and_one_bound() -> None:
    # The records kept hold one copy of each text (a provider, a course's id), not the
    # copy each line was decoded into; JSON Lines' lane and validation's quick path keep
    # their records in one cache, under one bound.
    from policyrules.contract import validation

    shape.clear()
    lines = [json.dumps({"id": f"W{n}", "started": "2024-01-01", "contact": "regular",
                         "training": [{"training": "safeguarding-induction",
                                       "completed": f"2025-06-{n + 1:02d}",
                                       "provider": "in-house", "level": "level 1"}]})
             for n in range(3)]
    made = [shape.usual_worker(parse_line(text), ROLES) for text in lines]
    records = [w.training[0] for w in made if w is not None]
    assert len(records) == 3
    assert records[0].provider is records[1].provider is records[2].provider
    assert records[0].training is records[2].training
    again = shape.usual_worker(parse_line(lines[1]), ROLES)
    assert again is not None and again.training[0] is records[1]  # kept, not rebuilt
    parse_worker({"id": "W9", "started": "2024-01-01", "contact": "regular",
                  "training": [{"training": "safeguarding-induction",
                                "completed": "2025-07-01"}]}, ROLES)
    assert len(validation.KEPT_RECORDS) == 4  # both readers' records, in the one cache


def test_the_records_kept_stay_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from policyrules.contract import validation

    monkeypatch.setattr(shape, "RECORDS_KEPT", 4)
    monkeypatch.setattr(validation, "RECORDS_KEPT", 4)
    shape.clear()
    for n in range(1, 20):
        record = {"training": "safeguarding-induction", "completed": f"2025-06-{n:02d}"}
        w = {"id": "W1", "started": "2024-01-01", "contact": "regular", "training": [record]}
        made = shape.usual_worker(w, ROLES) if n % 2 else parse_worker(w, ROLES)
        assert made is not None and _fields(made) == _fields(parse_worker(w, ROLES))
        assert 1 <= len(validation.KEPT_RECORDS) <= 4


def test_each_policy_validates_with_its_own_roles() -> None:
    # `validate` keeps the role names of the last policy it saw: a record with a role
    # that one policy declares and the other does not is judged by each policy's own.
    from conftest import FIXTURES

    fostering = policyrules.load(FIXTURES / "features.policy")
    text = json.dumps({"id": "W1", "started": "2024-01-01", "contact": "regular",
                       "roles": ["foster-carer"]})
    for policy, accepted in ((fostering, True), (POLICY, False), (fostering, True),
                             (POLICY, False)):
        item = validate(policy, 1, text)
        assert isinstance(item[2], Worker) is accepted, (policy, item[2])


_UNUSUAL = {"id": "Wé", "started": "2024-01-01", "contact": "regular", "agency": "Ägency",
            "sector": "voluntary", "team": "nörth",
            "training": [{"training": "é-course", "completed": "2025-06-01",
                          "provider": "Ünïversity", "level": "level 1"}]}


def test_the_typed_lane_takes_text_that_is_not_ascii() -> None:
    # msgspec refuses every lone surrogate: the typed lane has no `isascii` checks left,
    # and a line with accented text takes it, as parse_worker accepts it.
    shape.clear()
    text = json.dumps(_UNUSUAL, ensure_ascii=False)
    validate(POLICY, 1, text)  # learns "team"
    typed = shape.usual_line(text, ROLES)
    assert typed is not None
    assert _fields(typed) == _fields(parse_worker(json.loads(text), ROLES))


@pytest.mark.parametrize("path", [("id",), ("agency",), ("team",), ("training", 0, "training"),
                                  ("training", 0, "provider"), ("training", 0, "level")])
def test_a_lone_surrogate_anywhere_is_passed_on(path: tuple[Any, ...]) -> None:
    # Escaped (json's own text) or not, a lone surrogate is never taken by the typed lane:
    # the general path says the text cannot be written as UTF-8.
    shape.clear()
    validate(POLICY, 1, json.dumps(_UNUSUAL))  # learns "team"
    record = json.loads(json.dumps(_UNUSUAL))
    where = record
    for step in path[:-1]:
        where = where[step]
    where[path[-1]] = "a\ud800"
    for text in (json.dumps(record), json.dumps(record, ensure_ascii=False)):
        assert shape.usual_line(text, ROLES) is None
        item = validate(POLICY, 3, text)
        assert isinstance(item[2], WorkerError) and "UTF-8" in str(item[2])


def test_records_without_fields_of_their_own_share_one_read_only_mapping() -> None:
    import copy
    import pickle

    shape.clear()
    text = ('{"id": "W1", "started": "2024-01-01", "contact": "regular", "training": ['
            '{"training": "safeguarding-induction", "completed": "2024-02-01"}, '
            '{"training": "inter-agency-foundation", "completed": "2024-03-01"}]}')
    w = shape.usual_line(text, ROLES)
    assert w is not None
    first, second = w.training
    assert first.extra is second.extra and first.extra == {} and not first.extra
    for change in (lambda m: m.__setitem__("x", 1), lambda m: m.update(x=1),
                   lambda m: m.setdefault("x", 1), lambda m: m.clear()):
        with pytest.raises(TypeError, match="read-only"):
            change(first.extra)
    assert first.extra == {} and first.to_dict() == json.loads(text)["training"][0] | {
        "delivery": "single-agency"}
    # A worker read from a line pickles and copies whole, its records' fields still the
    # one read-only mapping.
    for again in (pickle.loads(pickle.dumps(w)), copy.deepcopy(w), copy.copy(w)):
        assert _fields(again) == _fields(w)
        assert again.training[0].extra is again.training[1].extra is first.extra


def test_lines_are_read_one_at_a_time_until_one_is_not_usual() -> None:
    # `each_as_read` decodes a line only when the one before has been taken (a block is
    # written line by line while each is in the cache), and raises NotUsual at the first
    # line `lines_as_read` refuses: the lines before it come out first.
    good = [json.dumps({"id": f"W{n}", "started": "2024-01-31", "contact": "regular"})
            for n in range(3)]
    bad = json.dumps({"id": "W9", "started": "2024-01-31", "contact": "regular",
                      "roles": ["nobody"]})
    pulled = []

    def lines() -> Iterator[str]:
        for text in [*good, bad, *good]:
            pulled.append(text)
            yield text

    read = shape.each_as_read(lines(), ROLES)
    assert next(read).id == "W0" and len(pulled) == 1
    assert [line.id for line in itertools.islice(read, 2)] == ["W1", "W2"]
    with pytest.raises(shape.NotUsual):
        next(read)
    assert len(pulled) == 4
    assert shape.lines_as_read([*good, bad], ROLES) is None
    for broken in ("{", "[1]", '{"id": "W1"}'):
        with pytest.raises(shape.NotUsual):
            list(shape.each_as_read([good[0], broken], ROLES))
