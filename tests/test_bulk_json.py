"""The bulk JSON writer (render/bulk_json.py) writes, from the columnar engine's tables,
the bytes the row path's encoders write for the same workers: `--format jsonl` and `json`,
with and without explanations, on generated workforces of every policy."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.records import read_workers
from policyrules.render import bulk_json
from policyrules.render.formats import JsonArray, JsonLines, OutputFormat
from test_columnar import FRAMEWORK, ROOT, Row, cases, dense_framework

FORMATS: dict[str, type[OutputFormat]] = {"jsonl": JsonLines, "json": JsonArray}

# Ids a worker file may hold: JSON escapes, a line separator, non-ASCII text.
ODD_IDS = st.sampled_from(['W"1', "W\\2", "W\t3", "W\u20284", "Wé5", "W\x016", "W\u00857",
                           "W8</script>", "W9\u0000"])


def tables(records: Sequence[Row], *, typed_hours: bool
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The workers and training tables of these §1 mappings. Hours as CSV text keep an
    int an int (`records.hours_cell`); `typed_hours`: a float column, every value a
    float (the generated records' hours made floats, so the row path sees the same)."""
    workers = pl.DataFrame([{
        "id": r["id"], "started": r["started"], "contact": r["contact"],
        "roles": ";".join(x if isinstance(x, str) else f"{x['role']}@{x['since']}"
                          for x in r.get("roles") or []) or None,
        "agency": r.get("agency"), "sector": r.get("sector"),
        "volunteer": r.get("volunteer", False),
    } for r in records], schema={"id": pl.String, "started": pl.String, "contact": pl.String,
                                 "roles": pl.String, "agency": pl.String,
                                 "sector": pl.String, "volunteer": pl.Boolean})
    rows = [{"worker": r["id"], "training": t["training"], "completed": t["completed"],
             "delivery": t.get("delivery"), "provider": t.get("provider"),
             "hours": t.get("hours") if typed_hours or t.get("hours") is None
             else repr(t["hours"]), "level": t.get("level")}
            for r in records for t in r.get("training") or []]
    training = pl.DataFrame(rows, schema={
        "worker": pl.String, "training": pl.String, "completed": pl.String,
        "delivery": pl.String, "provider": pl.String,
        "hours": pl.Float64 if typed_hours else pl.String, "level": pl.String})
    return workers, training


def row_path_texts(policy: policyrules.Policy, records: Sequence[Row], as_of: datetime.date,
                   fmt: str, explain: bool) -> list[str]:
    """What the row path writes for each record (`render.formats`), in order."""
    out = FORMATS[fmt](as_of, explain=explain)
    texts = []
    for line, record in enumerate(records, 1):
        try:
            worker = policy.worker(record)
            texts.append(out.decision(line, worker, policy.evaluate(worker, as_of=as_of)))
        except policyrules.WorkerError as exc:
            texts.append(out.error(line, exc))
    return texts


def agree(policy: policyrules.Policy, records: list[Row], as_of: datetime.date, fmt: str,
          explain: bool, *, typed_hours: bool = False) -> tuple[int, int]:
    """The writer's text of every row is the row path's; (rows, rows it gave back)."""
    if typed_hours:
        for r in records:
            for t in r.get("training") or []:
                if t.get("hours") is not None:
                    t["hours"] = float(t["hours"])
    workers, training = tables(records, typed_hours=typed_hours)
    expected = row_path_texts(policy, records, as_of, fmt, explain)
    return agree_tables(policy, workers, training, expected, as_of, fmt, explain)


def agree_tables(policy: policyrules.Policy, workers: pl.DataFrame, training: pl.DataFrame,
                 expected: list[str], as_of: datetime.date, fmt: str, explain: bool
                 ) -> tuple[int, int]:
    result = policy.evaluate_frame(workers, training, as_of=as_of, facts=True)
    asked: list[int] = []

    def row_path(rows: npt.NDArray[np.int64]) -> list[str]:
        asked.extend(rows.tolist())
        return [expected[i] for i in rows]

    got = bulk_json.texts(policy, as_of, result, workers, training, fmt=fmt,
                          explain=explain, row_path=row_path)
    assert got.to_list() == expected
    assert asked == sorted(set(asked))  # each row once, in order
    return len(expected), len(asked)


def _with_ids(records: list[Row], odd: list[str]) -> list[Row]:
    """Some workers given ids that need escapes in JSON (kept distinct)."""
    for i, (record, prefix) in enumerate(zip(records, odd, strict=False)):
        record["id"] = f"{prefix}-{i}"
    return records


@settings(max_examples=150, deadline=None)
@given(cases(), st.sampled_from(sorted(FORMATS)), st.booleans(), st.booleans(),
       st.lists(ODD_IDS, max_size=3))
def test_the_writers_text_is_the_row_paths(
        case: tuple[policyrules.Policy, list[Row], datetime.date], fmt: str, explain: bool,
        typed_hours: bool, odd: list[str]) -> None:
    policy, records, as_of = case
    agree(policy, _with_ids(records, odd), as_of, fmt, explain, typed_hours=typed_hours)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from(sorted(FORMATS)), st.booleans())
def test_hours_windows_and_first_completions(data: st.DataObject, fmt: str,
                                             typed_hours: bool) -> None:
    """The framework's levels, many records a worker: hours met by one record or by
    several, lapsed, never met; `due before first`; records after as_of."""
    policy = policyrules.load(FRAMEWORK)
    records, as_of = dense_framework(data, policy)
    agree(policy, records, as_of, fmt, True, typed_hours=typed_hours)


@pytest.mark.parametrize(("fmt", "explain"), [("jsonl", True), ("json", True),
                                              ("jsonl", False)])
def test_the_shipped_workforce_mostly_without_the_row_path(fmt: str, explain: bool) -> None:
    """The example workforce read from its CSV files, bad rows included: the same text,
    and the writer makes most rows itself (the rest: rejected rows, and records after
    as_of or left out by a delivery rule)."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    as_of = datetime.date(2026, 11, 22)
    workers_csv = ROOT / "examples" / "workers.csv"
    training_csv = ROOT / "examples" / "training.csv"
    out = FORMATS[fmt](as_of, explain=explain)
    expected = [out.decision(line, item, policy.evaluate(item, as_of=as_of))
                if isinstance(item, policyrules.Worker) else out.error(line, item)
                for line, _, item in read_workers(str(workers_csv), policy,
                                                  training=str(training_csv))]
    rows, asked = agree_tables(policy, pl.read_csv(workers_csv, infer_schema=False),
                               pl.read_csv(training_csv, infer_schema=False), expected,
                               as_of, fmt, explain)
    assert rows == 2000
    assert 8 <= asked < rows // 5


def test_a_worker_with_the_placeholder_in_its_id() -> None:
    """An id holding the character explanations are built around is still its own."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    records: list[Row] = [{"id": "A\x00B", "started": "2025-01-31", "contact": "regular"},
                          {"id": "C", "started": "2025-08-31", "contact": "regular",
                           "training": [{"training": "safeguarding-induction",
                                         "completed": "2025-09-01", "hours": 3}]}]
    assert agree(policy, records, datetime.date(2026, 11, 22), "jsonl", True) == (2, 0)


def test_only_json_formats() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers, training = tables([{"id": "A", "started": "2025-01-31", "contact": "none"}],
                               typed_hours=False)
    result = policy.evaluate_frame(workers, training, as_of=datetime.date(2026, 1, 1),
                                   facts=True)
    with pytest.raises(ValueError, match="not 'csv'"):
        bulk_json.texts(policy, datetime.date(2026, 1, 1), result, workers, training,
                        fmt="csv", row_path=lambda rows: [])




def test_hours_of_a_float_column_are_floats() -> None:
    """A float column's hours are written as floats (2.0, not 2), as the row path reads
    them from such a column."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    as_of = datetime.date(2026, 11, 22)
    records: list[Row] = [
        {"id": f"W{i}", "started": "2025-01-31", "contact": "regular",
         "training": [{"training": "safeguarding-induction", "completed": "2025-03-01",
                       "hours": hours}]}
        for i, hours in enumerate([0.0, 2.0, 2.5, None])]
    assert agree(policy, records, as_of, "jsonl", True, typed_hours=True) == (4, 0)
    workers, training = tables(records, typed_hours=True)
    got = bulk_json.texts(policy, as_of, policy.evaluate_frame(
        workers, training, as_of=as_of, facts=True), workers, training,
        row_path=lambda rows: [])
    assert ['"hours": 0.0}' in got[0], '"hours": 2.0}' in got[1], '"hours": 2.5}' in got[2],
            '"hours"' in got[3]] == [True, True, True, False]


def test_hours_a_json_lines_table_says_were_integers() -> None:
    """A table with `hours_integer` (the JSON Lines reader's) writes those hours as ints."""
    training = pl.DataFrame({"hours": [3.0, 3.0, None, 2.5],
                             "hours_integer": [True, False, None, False]})
    assert bulk_json._hours_json(training).to_list() == ["3", "3.0", None, "2.5"]
