"""Worker record validation (CONTRACT §1, §1.5): every error names worker, field, value."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules import WorkerError
from policyrules.contract import workers
from policyrules.contract.plain import plain_record
from policyrules.contract.vocabulary import ROLES
from policyrules.contract.workers import parse_worker

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
    ("10/01/2026", "is not a calendar date"),
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
    try:
        got = fn(*args)  # type: ignore[operator]
    except WorkerError as e:
        return ("error", e.to_dict())
    return ("ok", got, dict(getattr(got, "extra", {})))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_RECORD_KEYS, _VALUES, max_size=7),
       st.fixed_dictionaries({"training": st.sampled_from(["x", "course-a"]),
                              "completed": st.sampled_from(["2026-01-02", "2024-02-29"])}))
def test_a_training_record_is_read_the_same_by_the_quick_path(fields: dict, base: dict) -> None:
    for record in (fields, base | fields, fields | base):
        assert _outcome(workers._record, record, 0, "W1") == \
            _outcome(workers._full_record, record, 0, "W1")


@given(_VALUES | st.fixed_dictionaries({"role": _VALUES}))
def test_a_role_is_read_the_same_by_the_quick_path(item: object) -> None:
    assert _outcome(workers._role, item, 0, "W1", ROLES) == \
        _outcome(workers._full_role, item, 0, "W1", ROLES)


@given(_VALUES)
def test_a_start_date_is_read_the_same_by_the_quick_path(value: object) -> None:
    # parse_worker first makes pandas values plain (NaN is a missing cell): so does this
    expected = _outcome(workers._date, plain_record(BASE | {"started": value}), "started", "W7",
                        True)
    got = _outcome(parse_worker, BASE | {"started": value})
    if expected[0] == "error":
        assert got == expected
    else:
        assert got[0] == "ok" and got[1].started == expected[1]  # type: ignore[index, union-attr]
