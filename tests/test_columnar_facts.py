"""The columnar engine's facts (`evaluate_frame(..., facts=True)`) are the row path's:
every fact of every finding, and its evidence, equal to `semantics.facts.facts` and to
`evaluate`, on generated workforces of every policy."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.contract.decision import Finding
from policyrules.contract.explanation import dates, to_satisfy
from policyrules.contract.workers import TrainingRecord
from policyrules.engines.columnar import facts as columnar_facts
from policyrules.semantics.facts import facts as row_facts
from test_columnar import FRAMEWORK, LIBRARIES, Row, cases, dense_framework, tables

D = datetime.date


def _agree(policy: policyrules.Policy, records: list[Row], as_of: datetime.date,
           library: str = "polars") -> int:
    """Every finding's facts and evidence from the columns equal the row path's; how
    many findings were compared."""
    frame, training = tables(records)
    convert = LIBRARIES[library]
    result = policy.evaluate_frame(convert(frame), convert(training), as_of=as_of,
                                   facts=True)
    assert result.facts is not None
    assert result.facts.num_rows == result.findings.num_rows
    # The training table's records as objects, by position (the table's row order).
    checked = [policy.worker(r) for r in records]
    objects: list[TrainingRecord] = [t for w in checked for t in w.training]
    found = iter(zip(result.findings.to_pylist(), result.facts.to_pylist(), strict=True))
    compared, first = 0, 0
    for worker in checked:
        decision = policy.evaluate(worker, as_of=as_of)
        mine = range(first, first + len(worker.training))
        first += len(worker.training)
        for f in decision.findings:
            finding, cells = next(found)
            assert finding["requirement"] == f.requirement
            row = tuple(cells[name] for name in columnar_facts.FACTS.names)
            facts = columnar_facts.value(row, objects)
            assert facts == row_facts(f.rule, worker, as_of)
            evidence = tuple(objects[i] for i in cells["evidence"])
            assert evidence == f.evidence
            # One definition of the words: a finding carrying the columns' facts is
            # explained as the row path's finding is.
            carried = Finding(f.rule, finding["status"], finding["due"], evidence, worker,
                              as_of, facts)
            assert carried.explanation == f.explanation
            assert (dates(carried), to_satisfy(carried)) == (dates(f), to_satisfy(f))
            # Positions of this worker's own records, not of equal ones of another.
            named = [*cells["counted"], *cells["later"], *cells["excluded"],
                     *cells["evidence"], cells["latest"], cells["deadline_record"]]
            assert all(i in mine for i in named if i is not None)
            compared += 1
    assert next(found, None) is None
    return compared


@settings(max_examples=150)
@given(cases(), st.sampled_from(sorted(LIBRARIES)))
def test_facts_in_columns_are_the_row_paths(
        case: tuple[policyrules.Policy, list[Row], datetime.date], library: str) -> None:
    policy, records, as_of = case
    _agree(policy, records, as_of, library)


@settings(max_examples=100)
@given(st.data())
def test_hours_evidence_and_lapses_dense(data: st.DataObject) -> None:
    """Many records of the framework's levels per worker: hours windows met, lapsed and
    never met, `due before first`, ties on a day (evidence order), later records."""
    policy = policyrules.load(FRAMEWORK)
    records, as_of = dense_framework(data, policy)
    _agree(policy, records, as_of)


def _one(training: list[dict[str, Any]], **worker: Any) -> list[Row]:
    return [{"id": "W1", "started": "2024-01-31", "contact": "regular", **worker,
             "training": training}]


def test_facts_by_hand() -> None:
    """Ties on the latest day are broken by evidence order, a record after as_of is
    `later`, and the anchor and deadline are those of the row path."""
    policy = policyrules.load("policies/durham.policy")
    records = _one([
        {"training": "safeguarding-induction", "completed": "2024-05-01",
         "provider": "b"},
        {"training": "safeguarding-induction", "completed": "2024-05-01",
         "provider": "a"},
        {"training": "safeguarding-induction", "completed": "2027-01-01"},
    ])
    frame, training = tables(records)
    result = policy.evaluate_frame(frame, training, as_of=D(2026, 11, 22), facts=True)
    assert result.facts is not None
    first = result.facts.to_pylist()[0]
    assert result.findings["requirement"][0].as_py() == "induction"
    assert first["anchor"] == D(2024, 1, 31)
    assert first["deadline"] == D(2024, 7, 31)
    assert first["counted"] == [0, 1] and first["later"] == [2]
    assert first["latest"] == 1  # provider "a" sorts before "b"
    assert first["evidence"] == [1, 0]
    assert _agree(policy, records, D(2026, 11, 22)) >= 2


def test_without_facts_there_is_no_facts_table() -> None:
    policy = policyrules.load("policies/durham.policy")
    frame, training = tables(_one([]))
    assert policy.evaluate_frame(frame, training, as_of=D(2026, 11, 22)).facts is None


def test_rows_the_row_path_decides_have_no_column_facts() -> None:
    """A worker whose deadline would pass 9999-12-31 is decided by the row path inside
    the engine: its findings come with null facts (the row path's Finding has its own)."""
    policy = policyrules.load("policies/durham.policy")
    records = [*_one([], started="9999-06-01"),
               {"id": "W2", "started": "2024-01-31", "contact": "regular", "training": []}]
    frame, training = tables(records)
    result = policy.evaluate_frame(frame, training, as_of=D(2026, 11, 22), facts=True)
    assert result.facts is not None
    rows = list(zip(result.findings["worker"].to_pylist(),
                    result.facts["anchor"].to_pylist(), strict=True))
    assert rows and {w for w, _ in rows} >= {"W2"}
    assert all((anchor is None) == (w == "W1") for w, anchor in rows)
    assert pl.DataFrame(result.facts).height == result.findings.num_rows


def test_facts_without_a_training_table() -> None:
    """No records at all: every list is empty, the anchor is the start, and the deadline
    is the start + the requirement's period, clipped to the month's end."""
    policy = policyrules.load("policies/durham.policy")
    frame, _ = tables(_one([], started="2025-08-31"))
    result = policy.evaluate_frame(frame, None, as_of=D(2026, 11, 22), facts=True)
    assert result.facts is not None
    induction = result.facts.to_pylist()[0]
    assert result.findings["requirement"][0].as_py() == "induction"
    assert induction == {"anchor": D(2025, 8, 31), "role_since": None,
                         "deadline": D(2026, 2, 28), "deadline_record": None,
                         "latest": None, "counted": [], "later": [], "excluded": [],
                         "evidence": [], "hours": None}
