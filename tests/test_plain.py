"""pandas and numpy values in worker mappings (contract/plain.py)."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

import policyrules
from conftest import AS_OF, ROOT
from policyrules.contract.plain import plain_record
from strategies import worker_dicts

POLICY = policyrules.load(ROOT / "policies" / "durham.policy")
ROLES = sorted(POLICY.model.role_names)
TRAININGS = [t.id for t in POLICY.model.trainings]

FRAME = pd.DataFrame({
    "id": ["W1", "W2", "W3"],
    "started": ["2025-03-01", "2024-01-15", "2019-06-30"],
    "contact": ["regular", "occasional", "predominant"],
    "agency": ["Police", np.nan, pd.NA],
    "sector": [np.nan, "statutory", None],
    "volunteer": pd.array([True, pd.NA, False], dtype="boolean"),
    "headcount": np.array([1, 2, 3], dtype=np.int64),
})
PLAIN = [
    {"id": "W1", "started": "2025-03-01", "contact": "regular", "agency": "Police",
     "volunteer": True, "headcount": 1},
    {"id": "W2", "started": "2024-01-15", "contact": "occasional", "sector": "statutory",
     "headcount": 2},
    {"id": "W3", "started": "2019-06-30", "contact": "predominant", "volunteer": False,
     "headcount": 3},
]


def _decided(records: list[Any]) -> list[dict[str, Any]]:
    return [POLICY.evaluate(r, as_of=AS_OF).to_dict() for r in records]


def test_dataframe_records_decide_as_plain_records() -> None:
    expected = _decided(PLAIN)
    assert _decided(FRAME.to_dict("records")) == expected
    # Cells read from the columns' arrays: numpy scalars, not Python values.
    rows = [{c: FRAME[c].to_numpy()[i] for c in FRAME.columns} for i in range(len(FRAME))]
    assert any(isinstance(v, np.generic) for row in rows for v in row.values())
    assert _decided(rows) == expected
    worker = POLICY.worker(rows[1])
    assert worker.agency is None and worker.volunteer is False and worker.sector == "statutory"
    assert POLICY.worker(rows[0]).extra == {"headcount": 1}
    assert type(POLICY.worker(rows[0]).extra["headcount"]) is int


def test_training_records_with_numpy_values_and_missing_cells() -> None:
    records = pd.DataFrame({
        "training": ["safeguarding-induction", "safeguarding-refresher"],
        "completed": ["2025-04-01", "2025-05-01"],
        "hours": [np.nan, 2.5],
        "provider": ["in-house", np.nan],
        "delivery": [None, "single-agency"],
    })
    worker = dict(PLAIN[0], training=[{c: records[c].to_numpy()[i] for c in records.columns}
                                      for i in range(len(records))])
    w = POLICY.worker(worker)
    assert [(t.training, t.hours, t.provider, t.delivery) for t in w.training] == [
        ("safeguarding-induction", None, "in-house", "single-agency"),
        ("safeguarding-refresher", 2.5, None, "single-agency")]
    assert type(w.training[1].hours) is float


def test_roles_as_an_array_and_a_day_precision_datetime64() -> None:
    w = POLICY.worker({"id": np.str_("W9"), "started": np.datetime64("2024-02-29"),
                       "contact": "none", "roles": np.array(["supervisor", "trainer"])})
    assert w.id == "W9" and type(w.id) is str
    assert w.started == datetime.date(2024, 2, 29)
    assert [r.role for r in w.roles] == ["supervisor", "trainer"]


@pytest.mark.parametrize("value", [pd.Timestamp("2025-03-01"), datetime.datetime(2025, 3, 1),
                                   np.datetime64("2025-03-01T00:00:00")])
def test_a_date_time_is_still_an_error_that_says_how_to_convert(value: object) -> None:
    with pytest.raises(policyrules.WorkerError) as info:
        POLICY.worker(dict(PLAIN[0], started=value))
    assert info.value.field == "started" and info.value.worker == "W1"
    assert ".date()" in str(info.value) and ".dt.date" in str(info.value)
    training = [{"training": "safeguarding-induction", "completed": value}]
    with pytest.raises(policyrules.WorkerError) as info:
        POLICY.worker(dict(PLAIN[0], training=training))
    assert info.value.field == "training[0].completed" and ".dt.date" in str(info.value)


def test_a_missing_id_or_date_is_missing() -> None:
    with pytest.raises(policyrules.WorkerError, match="is missing") as info:
        POLICY.worker(dict(PLAIN[0], id=np.nan))
    assert info.value.field == "id"
    with pytest.raises(policyrules.WorkerError, match="is missing") as info:
        POLICY.worker(dict(PLAIN[0], started=pd.NaT))
    assert info.value.field == "started"


def _numpy(value: Any) -> Any:
    """The value as a DataFrame would hand it over."""
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, str):
        return np.str_(value)
    if isinstance(value, list):
        return [_numpy(v) for v in value]
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    return value


@given(worker_dicts(ROLES, TRAININGS))
def test_numpy_values_validate_as_their_python_values(worker: dict[str, Any]) -> None:
    assert plain_record(worker) is worker  # plain JSON is passed through untouched
    try:
        expected = POLICY.worker(worker)
    except policyrules.WorkerError as exc:
        with pytest.raises(policyrules.WorkerError) as info:
            POLICY.worker(_numpy(worker))
        assert info.value.field == exc.field
        return
    assert POLICY.worker(_numpy(worker)) == expected
