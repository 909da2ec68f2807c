"""Worker record validation (CONTRACT §1, §1.5): every error names worker, field, value."""

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules import DateRangeError, RoleAssignment, TrainingRecord, Worker, WorkerError
from policyrules.contract import fields, validation
from policyrules.contract.plain import plain_record
from policyrules.contract.validation import parse_worker
from policyrules.contract.vocabulary import ROLES

SMALL = Path(__file__).parent / "fixtures" / "cli" / "small.policy"
BASE = {"id": "W7", "started": "2026-01-10", "contact": "regular"}


def error(**changes: object) -> WorkerError:
    data = {k: v for k, v in (BASE | changes).items() if v is not ...}
    with pytest.raises(WorkerError) as info:
        parse_worker(data)
    return info.value


def test_valid_record_parses_with_defaults_and_keeps_unknown_fields() -> None:
    w = parse_worker(BASE | {"roles": ["trainer", {"role": "supervisor", "since": "2026-02-01"}],
                             "training": [{"training": "x", "completed": "2026-01-11",
                                           "hours": 3, "provider": "LSCB"}],
                             "team": "north"})
    assert w.started == datetime.date(2026, 1, 10)
    assert [(r.role, r.since) for r in w.roles] == [("trainer", None),
                                                    ("supervisor", datetime.date(2026, 2, 1))]
    assert w.training[0].delivery == "single-agency" and w.training[0].hours == 3
    assert w.volunteer is False and w.extra == {"team": "north"}
    assert w.to_dict()["team"] == "north"


def test_missing_id() -> None:
    e = error(id=...)
    assert (e.worker, e.field) == (None, "id")
    assert "is missing" in str(e)


def test_unknown_contact_suggests() -> None:
    e = error(contact="regularly")
    assert (e.worker, e.field, e.value) == ("W7", "contact", "regularly")
    assert "did you mean 'regular'" in str(e)
    assert "allowed: none, occasional, regular, predominant" in str(e)


def test_unknown_role_names_position() -> None:
    e = error(roles=["trainer", "supervisr"])
    assert e.field == "roles[1]" and e.value == "supervisr"
    assert "did you mean 'supervisor'" in str(e)


@pytest.mark.parametrize("value, why", [
    ("2026-02-30", "'2026-02-30' is not a calendar date"),
    ("2026-01-10T09:00:00", "is a date-time, not a date"),
    ("10/01/2026", "is ambiguous: day and month could be either way round"),
    ("20260110", "is not a calendar date"),
    (20260110, "must be a date string, not a number"),
])
def test_bad_dates(value: object, why: str) -> None:
    e = error(started=value)
    assert e.field == "started" and why in str(e)


def test_datetime_object_is_refused() -> None:
    e = error(started=datetime.datetime(2026, 1, 10, 9, 0))
    assert "is a date-time" in str(e)


def test_training_record_errors_name_the_record() -> None:
    e = error(training=[{"training": "a", "completed": "2026-01-01"},
                        {"training": "b", "completed": "2026-13-01"}])
    assert e.field == "training[1].completed"
    e = error(training=[{"training": "a", "completed": "2026-01-01", "delivery": "online"}])
    assert e.field == "training[0].delivery" and "single-agency, inter-agency" in str(e)
    e = error(training=[{"completed": "2026-01-01"}])
    assert e.field == "training[0].training"


@pytest.mark.parametrize("field, value, text", [
    ("volunteer", "yes", "must be true or false"),
    ("sector", "private", "unknown sector 'private'"),
    ("roles", "trainer", "must be a list"),
    ("id", 7, "must be a string"),
])
def test_wrong_types(field: str, value: object, text: str) -> None:
    assert text in str(error(**{field: value}))


def test_error_to_dict_for_batch_output() -> None:
    e = error(contact="lots")
    assert e.to_dict()["worker"] == "W7"
    assert e.to_dict()["error"]["field"] == "contact"  # type: ignore[index]


def test_worker_error_survives_pickling_for_worker_processes() -> None:
    import pickle

    e = error(contact="lots")
    back = pickle.loads(pickle.dumps(e))
    assert (back.worker, back.field, back.value, str(back)) == (e.worker, e.field, e.value, str(e))


def test_records_with_all_known_fields_take_the_same_checks() -> None:
    good = {"training": "x", "completed": "2026-01-02", "delivery": "inter-agency",
            "provider": "LSCB", "hours": 2.5, "level": "2"}
    w = parse_worker(BASE | {"training": [good]})
    assert w.training[0].hours == 2.5 and w.training[0].delivery == "inter-agency"
    # NaN is a missing cell (pandas' marker), not a bad number: see tests/test_plain.py
    assert parse_worker(BASE | {"training": [good | {"hours": float("nan")}]}
                        ).training[0].hours is None
    for bad, field in (({"hours": -1}, "hours"), ({"hours": float("inf")}, "hours"),
                       ({"hours": True}, "hours"), ({"level": 2}, "level"),
                       ({"completed": "2026-02-30"}, "completed")):
        assert error(training=[good | bad]).field == f"training[0].{field}"


# The quick paths for the usual shapes must agree with the full checks on every input.

_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=True),
                    st.sampled_from(["", "x", "2026-01-02", "2026-02-30", "2026-01-02T09:00",
                                     "single-agency", "inter-agency", "trainer", "LSCB"]),
                    st.just([]), st.just({}))
_RECORD_KEYS = st.sampled_from(["training", "completed", "delivery", "provider", "hours",
                                "level", "note"])


def _outcome(fn: object, *args: object) -> object:
    """What a check gives: the value, or the problems it reported."""
    problems: list[object] = []
    try:
        got = fn(*args, problems)  # type: ignore[operator]
    except WorkerError as e:
        return ("error", e.to_dict())
    if problems:
        return ("error", repr(problems))
    return ("ok", got, dict(getattr(got, "extra", {})))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_RECORD_KEYS, _VALUES, max_size=7),
       st.fixed_dictionaries({"training": st.sampled_from(["x", "course-a"]),
                              "completed": st.sampled_from(["2026-01-02", "2024-02-29"])}))
def test_a_training_record_is_read_the_same_by_the_quick_path(fields: dict, base: dict) -> None:
    for record in (fields, base | fields, fields | base):
        assert _outcome(validation._record, record, 0) == \
            _outcome(validation._full_record, record, 0)


@given(_VALUES | st.fixed_dictionaries({"role": _VALUES}))
def test_a_role_is_read_the_same_by_the_quick_path(item: object) -> None:
    assert _outcome(validation._role, item, 0, ROLES) == \
        _outcome(validation._full_role, item, 0, ROLES)


@given(_VALUES)
def test_a_start_date_is_read_the_same_by_the_quick_path(value: object) -> None:
    problems: list[object] = []
    # parse_worker first makes pandas values plain (NaN is a missing cell): so does this
    day = fields.date_value(plain_record({"started": value}).get("started"), "started",
                            problems, True)
    try:
        got = parse_worker(BASE | {"started": value})
    except WorkerError as e:
        assert problems and repr(list(e.problems)) == repr(problems)
    else:
        assert not problems and got.started == day


# Every problem of a record, at once ------------------------------------------------------------

def test_every_problem_of_a_record_is_reported() -> None:
    e = error(id=..., started="2026-02-30", contact="sometimes",
              training=[{"training": "a", "completed": "2026-13-01", "delivery": "online"}])
    assert e.worker is None
    assert [p.field for p in e.problems] == ["id", "started", "contact",
                                             "training[0].completed", "training[0].delivery"]
    assert (e.field, e.message) == ("id", "is missing")  # the first, as before
    text = str(e)
    assert text.startswith("worker (no id): 5 problems: (1) field 'id': is missing; ")
    assert "(3) field 'contact': unknown contact level 'sometimes'" in text
    assert "(5) field 'training[0].delivery'" in text
    listed = e.to_dict()["error"]["problems"]  # type: ignore[index]
    assert [p["field"] for p in listed] == [p.field for p in e.problems]
    assert listed[1]["value"] == "2026-02-30"


def test_one_problem_keeps_its_wording() -> None:
    e = error(contact="regualr")
    assert str(e) == ("worker 'W7': field 'contact': unknown contact level 'regualr' (did you "
                      "mean 'regular'?); allowed: none, occasional, regular, predominant")
    assert len(e.problems) == 1 and "problems" not in e.to_dict()["error"]  # type: ignore[operator]


def test_several_problems_survive_pickling() -> None:
    import pickle

    e = error(contact="x", volunteer="no")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is WorkerError and str(back) == str(e)
    assert [p.field for p in back.problems] == ["contact", "volunteer"]


@pytest.mark.parametrize("value", [{}, "", 0, False, "trainer", {"role": "trainer"}])
@pytest.mark.parametrize("field", ["roles", "training"])
def test_roles_and_training_must_be_lists(field: str, value: object) -> None:
    e = error(**{field: value})
    assert (e.field, e.value) == (field, value)
    assert "must be a list" in str(e) and "or no field" in str(e)


def test_roles_and_training_may_be_empty_or_null() -> None:
    for value in ([], None):
        w = parse_worker(BASE | {"roles": value, "training": value})
        assert w.roles == () and w.training == ()


# Text that UTF-8 cannot hold (a lone surrogate) --------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"id": "W\ud800"}, "id"),
    ({"agency": "Council \udfff"}, "agency"),
    ({"training": [{"training": "x\ud800", "completed": "2026-01-02"}]}, "training[0].training"),
    ({"training": [{"training": "x", "completed": "2026-01-02", "provider": "\ud800"}]},
     "training[0].provider"),
    ({"team": ["north", {"k": "\ud800"}]}, "team"),
])
def test_unencodable_text_is_an_error_of_the_record(changes: dict, field: str) -> None:
    e = error(**changes)
    assert e.field == field and "lone surrogate" in str(e)
    json.dumps(e.to_dict(), ensure_ascii=False).encode("utf-8")  # the echo itself encodes
    str(e).encode("utf-8")
    assert e.worker is None or e.worker.encode("utf-8")


def test_a_role_or_contact_with_a_surrogate_is_unknown_and_echoed_escaped() -> None:
    e = error(contact="regular\ud800", roles=["trainer\ud800"])
    assert [p.field for p in e.problems] == ["contact", "roles[0]"]
    assert "\\ud800" in json.dumps(e.to_dict(), ensure_ascii=False)
    str(e).encode("utf-8")


def test_error_records_are_strict_json() -> None:
    for value in (float("inf"), -float("inf")):
        e = error(contact=value)
        text = json.dumps(e.to_dict(), ensure_ascii=False)
        record = json.loads(text, parse_constant=_no_constant)
        assert record["error"]["value"] in ("Infinity", "-Infinity")
    # NaN is a missing cell (contract/plain.py): a required field is then missing
    assert error(contact=float("nan")).to_dict()["error"]["value"] is None  # type: ignore[index]
    e = error(training=[{"training": "x", "completed": "2026-01-02", "hours": float("inf")}])
    json.loads(json.dumps(e.to_dict()), parse_constant=_no_constant)


def _no_constant(name: str) -> object:
    raise AssertionError(f"{name} is not strict JSON")


# Typed workers are checked as strictly as mappings -------------------------------

DAY = datetime.date(2026, 1, 10)
AS_OF = datetime.date(2026, 11, 22)


def typed_error(policy: policyrules.Policy, worker: Worker) -> WorkerError:
    with pytest.raises(WorkerError) as info:
        policy.evaluate(worker, as_of=AS_OF)
    with pytest.raises(WorkerError):
        policy.interpret(worker, as_of=AS_OF)
    return info.value


@pytest.mark.parametrize(("worker", "field", "text"), [
    (Worker("a", DAY, "bogus"), "contact", "unknown contact level 'bogus'"),
    (Worker("a", DAY, "regular", volunteer="no"), "volunteer",  # type: ignore[arg-type]
     "must be true or false, not 'no'"),
    (Worker("a", "2026-01-10", "regular"), "started",  # type: ignore[arg-type]
     "must be a datetime.date, not a string"),
    (Worker("a", datetime.datetime(2026, 1, 10, 9), "regular"), "started", "is a date-time"),
    (Worker("a", DAY, "regular", roles=None), "roles", "must be a tuple, not null"),  # type: ignore[arg-type]
    (Worker("a", DAY, "regular", roles=("trainer",)), "roles[0]",  # type: ignore[arg-type]
     "must be a RoleAssignment, not a string"),
    (Worker("a", DAY, "regular", roles=(RoleAssignment("trainr"),)), "roles[0]",
     "did you mean 'trainer'"),
    (Worker("a", DAY, "regular", roles=(RoleAssignment("trainer", "2026-01-01"),)),  # type: ignore[arg-type]
     "roles[0].since", "must be a datetime.date"),
    (Worker("a", DAY, "regular", training=(TrainingRecord("x", "2026-01-01"),)),  # type: ignore[arg-type]
     "training[0].completed", "must be a datetime.date"),
    (Worker("a", DAY, "regular", training=(TrainingRecord("x", DAY, "online"),)),
     "training[0].delivery", "unknown delivery 'online'"),
    (Worker("a", DAY, "regular", training=(TrainingRecord("x", DAY, hours=-1),)),
     "training[0].hours", "non-negative"),
    (Worker("a", DAY, "regular", training=(TrainingRecord("", DAY),)),
     "training[0].training", "is missing"),
    (Worker("a", DAY, "regular", sector="private"), "sector", "unknown sector"),
    (Worker("a", DAY, "regular", agency=5), "agency", "must be a string"),  # type: ignore[arg-type]
    (Worker("", DAY, "regular"), "id", "is missing"),
    (Worker(7, DAY, "regular"), "id", "must be a string"),  # type: ignore[arg-type]
])
def test_typed_workers_are_validated(worker: Worker, field: str, text: str) -> None:
    e = typed_error(policyrules.load(SMALL), worker)
    assert e.field == field and text in str(e)


def test_a_typed_worker_reports_every_problem() -> None:
    e = typed_error(policyrules.load(SMALL),
                    Worker("a", "2026-01-10", "bogus", volunteer=1))  # type: ignore[arg-type]
    assert [p.field for p in e.problems] == ["started", "contact", "volunteer"]


def test_a_valid_typed_worker_decides_as_its_mapping_does() -> None:
    policy = policyrules.load(SMALL)
    w = Worker("a", DAY, "regular", roles=(RoleAssignment("supervisor", DAY),),
               training=(TrainingRecord("induction-course", DAY, hours=2.5, provider="LSCB"),))
    assert policy.worker(w) is w
    assert policy.evaluate(w, as_of=AS_OF) == policy.evaluate(w.to_dict(), as_of=AS_OF)


# Dates past 9999-12-31 --------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "fields"), [
    ({"started": "9999-12-31"}, ["started"]),
    ({"started": "9999-12-31", "training": [{"training": "induction-course",
                                             "completed": "9999-12-31"}]},
     ["started", "training[0].completed"]),
    ({"training": [{"training": "induction-course", "completed": "9999-06-01"}]},
     ["training[0].completed"]),
    ({"roles": [{"role": "supervisor", "since": "9999-11-01"}]}, ["roles[0].since"]),
])
def test_a_deadline_after_9999_is_an_error_of_the_record(changes: dict, fields: list) -> None:
    policy = policyrules.load(SMALL)
    record = BASE | changes
    for evaluate in (policy.evaluate, policy.interpret):
        with pytest.raises(DateRangeError) as info:
            evaluate(record, as_of=datetime.date(9999, 12, 31))
        e = info.value
        assert isinstance(e, WorkerError) and e.worker == "W7"
        assert [p.field for p in e.problems] == fields
        assert "is after 9999-12-31" in str(e) and str(e.value).startswith("9999-")



# The makers of the batch's hot paths (contract/workers.py `new_record`, `new_worker`;
# contract/decision.py `new_finding`, `new_decision`) set the slots themselves: each must
# take its class's fields in order and make the object its class makes, every field
# (those left out of equality too) the very value given.
def _makers() -> list[tuple[type, Any]]:
    from policyrules.contract.decision import Decision, Finding, new_decision, new_finding
    from policyrules.contract.workers import new_record, new_worker

    return [(TrainingRecord, new_record), (Worker, new_worker), (Finding, new_finding),
            (Decision, new_decision)]


def test_each_maker_takes_its_class_s_fields_in_order() -> None:
    import inspect

    import attrs

    for cls, make in _makers():
        names = [a.alias for a in attrs.fields(cls)]
        assert list(inspect.signature(make).parameters) == names, cls
        assert list(inspect.signature(cls).parameters) == names, cls


@given(st.data())
def test_each_maker_makes_what_its_class_makes(data: st.DataObject) -> None:
    import attrs

    for cls, make in _makers():
        # Any values will do: neither the class nor the maker checks them.
        values = [data.draw(st.none() | st.integers() | st.text(max_size=3) | st.dates()
                            | st.tuples(st.integers()), label=a.name)
                  for a in attrs.fields(cls)]
        made, expected = make(*values), cls(*values)
        assert type(made) is cls
        assert made == expected
        for a, value in zip(attrs.fields(cls), values, strict=True):
            assert getattr(made, a.name) is getattr(expected, a.name) is value
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.status = "changed"


@given(st.data())
def test_record_of_is_new_record_of_a_struct_s_fields(data: st.DataObject) -> None:
    import types

    from policyrules.contract.workers import new_record, record_of

    names = ("training", "completed", "delivery", "provider", "hours", "level")
    value = (st.none() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3)
             | st.dates())
    values = {name: data.draw(value, label=name) for name in names}
    made = record_of(types.SimpleNamespace(**values))
    expected = new_record(*values.values(), {})
    assert type(made) is TrainingRecord and made == expected and made.extra == {}
    for name in names:
        assert getattr(made, name) is values[name]
