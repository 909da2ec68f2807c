"""`evaluate_frame` in parts: a table's rows decided in several threads at once give the
same tables, in the same order, as one thread; an error in a part reaches the caller."""

from __future__ import annotations

import datetime
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from conftest import example_near_bad_rows
from policyrules.engines.columnar import parts, run
from policyrules.errors import UsageError
from test_columnar import broken_cases, cases, tables

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2026, 11, 22)


@contextmanager
def parts_of(size: int) -> Iterator[list[int]]:
    """Parts of at most `size` rows, a thread for any number of rows (a table of a few
    rows is cut as a large one is), and the height of each part decided, least first
    (their threads may start them in any order; the tables' equality with one thread's
    says they are put back in order)."""
    heights: list[int] = []
    evaluate = run._evaluate

    def counted(*args: Any) -> run.FrameResult:
        heights.append(args[2] - args[1])  # the part's rows, from its first to its end
        return evaluate(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "LEAST_PART", 1)
        patch.setattr(run, "PART_ROWS", size)
        patch.setattr(run, "_evaluate", counted)
        yield heights
    heights.sort()


def _orphans(training: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """Records of no worker put between the others, where a cut between parts may fall."""
    rows = training.to_dicts()
    for _ in range(rng.randint(1, 3)):
        rows.insert(rng.randint(0, len(rows)), {**(rows[0] if rows else {}),
                                                "worker": "nobody", "training": "x",
                                                "completed": None})
    return pl.DataFrame(rows, schema=training.schema)


def _agree(policy: policyrules.Policy, workers: pl.DataFrame, training: pl.DataFrame,
           as_of: datetime.date, threads: int, size: int) -> None:
    one = policy.evaluate_frame(workers, training, as_of=as_of, facts=True, threads=1)
    with parts_of(size) as heights:
        many = policy.evaluate_frame(workers, training, as_of=as_of, facts=True,
                                     threads=threads)
    assert heights == sorted(len(p) for p in _bounds(workers.height, size))
    assert many.decisions.equals(one.decisions)
    assert many.findings.equals(one.findings)
    assert many.facts is not None and one.facts is not None
    assert many.facts.equals(one.facts)


def _bounds(n: int, size: int) -> list[range]:
    """Parts of at most `size` rows, as even as they can be."""
    count = max(1, -(-n // size))
    return [range(n * i // count, n * (i + 1) // count) for i in range(count)]


@settings(max_examples=120)
@given(st.one_of(cases(), broken_cases()), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from(["in order", "shuffled", "orphans", "an id twice"]),
       st.sampled_from(["structs", "text"]), st.randoms())
def test_parts_give_one_threads_tables(case: tuple[Any, ...], threads: int, size: int,
                                       order: str, roles: str, rng: random.Random) -> None:
    """Generated workforces (bad rows among them) cut into many small parts, decided by
    one to three threads: records in the workers' order (parts take slices), shuffled
    (parts take the records of their rows), with records of no worker where a cut falls,
    or an id on rows of two parts; roles as structs or as CSV text (read once for the
    whole table, each part taking its rows' items): every table equal to one thread's."""
    policy, records = case[0], case[1]
    as_of = case[2] if len(case) > 2 else AS_OF
    if order == "an id twice" and len(records) > 1:
        records = [*records, {**records[0]}]  # its records go to both parts
    workers, training = tables(records, roles=roles)
    if order == "shuffled":
        training = training.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 99))
    elif order == "orphans":
        training = _orphans(training, rng)
    _agree(policy, workers, training, as_of, threads, size)


def test_the_shipped_workforce_in_parts() -> None:
    """examples/ (bad rows included) read as the command line reads CSV, decided by two
    threads in parts of 40 rows; and in parts of one and seven rows, the workers near
    its bad rows (a part a row costs a whole part's work: 2,000 of them took 90 s)."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers = pl.read_csv(ROOT / "examples" / "workers.csv", infer_schema=False)
    training = pl.read_csv(ROOT / "examples" / "training.csv", infer_schema=False)
    _agree(policy, workers, training, AS_OF, 2, 40)
    near, their_training = example_near_bad_rows()
    assert near.height < 100 and near["id"].null_count() == 1
    for size in (1, 7):
        _agree(policy, near, their_training, AS_OF, 2, size)


def test_no_training_table_in_parts() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers = pl.DataFrame({"id": ["A", "B", "C"], "started": ["2020-01-01"] * 3,
                            "contact": ["regular", "none", "predominant"]})
    one = policy.evaluate_frame(workers, as_of=AS_OF, threads=1)
    with parts_of(2) as heights:
        many = policy.evaluate_frame(workers, as_of=AS_OF, threads=2)
    assert heights == [1, 2]
    assert many.decisions.equals(one.decisions) and many.findings.equals(one.findings)
    assert many.facts is None


class Boom(Exception):
    pass


def _late(ids: list[str]) -> pl.DataFrame:
    # A start so late that a deadline could pass 9999-12-31: the row path decides it.
    return pl.DataFrame({"id": ids, "started": ["9999-12-01" if i.startswith("late")
                                                else "2020-01-01" for i in ids],
                         "contact": ["regular"] * len(ids)})


def _raising(policy: policyrules.Policy, ids: list[str], rows: int) -> run.FrameResult:
    """evaluate_frame in parts of `rows` rows by two threads, the row path raising `Boom`
    for each late row."""
    def decide(worker: Any) -> Any:
        raise Boom(worker.id)

    return run.evaluate_frame(policy.model, policy._roles, _late(ids), None, AS_OF, decide,
                              threads=2, least=1, rows=rows)


def test_an_error_in_a_part_reaches_the_caller() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    with pytest.raises(Boom, match="late-2"):  # in the second part only
        _raising(policy, ["a", "b", "late-2", "c"], 2)
    # In both: the first part's, as one thread deciding the rows in order raises it.
    with pytest.raises(Boom, match="late-1"):
        _raising(policy, ["late-1", "a", "late-2", "b"], 2)
    # Parts of one row, more than the threads: the first part with an error, whichever
    # thread took it and whenever it finished.
    for first in range(6):
        ids = [f"w{i}" for i in range(8)]
        ids[first], ids[7] = f"late-{first}", "late-last"
        with pytest.raises(Boom, match=f"late-{first}"):
            _raising(policy, ids, 1)


def test_one_thread_on_one_core() -> None:
    """The threads follow the cores the process may run on: on one, one thread; the
    parts follow the rows."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers = _late(["a", "b", "c", "d"]).with_columns(started=pl.lit("2020-01-01"))
    in_parts = run.in_parts
    for affinity, threads in (({0}, 1), ({0, 1}, 2), ({0, 1, 2}, 3)):
        used: list[int] = []

        def counted(*args: Any, used: list[int] = used) -> run.FrameResult:
            used.append(args[2])  # the threads
            return in_parts(*args)

        with parts_of(1) as heights, pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "sched_getaffinity", lambda pid, cpus=affinity: cpus,
                          raising=False)
            patch.setattr(run, "in_parts", counted)
            policy.evaluate_frame(workers, as_of=AS_OF)
        assert used == [threads] and heights == [1, 1, 1, 1], affinity


def test_a_table_of_fewer_than_two_least_parts_is_whole() -> None:
    """Without the test's override of `LEAST_PART`: a table of fewer than twice its rows
    (the command line's batches) is decided whole, however small the parts."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    calls: list[int] = []
    evaluate = run._evaluate

    def counted(*args: Any) -> run.FrameResult:
        calls.append(args[2] - args[1])
        return evaluate(*args)

    workers = _late(["a", "b", "c"]).with_columns(started=pl.lit("2020-01-01"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "_evaluate", counted)
        policy.evaluate_frame(workers, as_of=AS_OF, threads=2)
        patch.setattr(run, "PART_ROWS", 1)
        policy.evaluate_frame(workers, as_of=AS_OF, threads=2)
        patch.setattr(run, "LEAST_PART", 2)  # three rows: fewer than two threads' worth
        policy.evaluate_frame(workers, as_of=AS_OF, threads=2)
        patch.setattr(run, "LEAST_PART", 1)
        policy.evaluate_frame(workers, as_of=AS_OF, threads=2)
    assert calls == [3, 3, 3, 1, 1, 1]


@pytest.mark.parametrize("threads", [0, -1, True, 1.5, "2"])
def test_threads_must_be_a_whole_number_of_at_least_one(threads: Any) -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    with pytest.raises(UsageError, match="threads must be a whole number of at least 1"):
        policy.evaluate_frame(_late(["a"]), as_of=AS_OF, threads=threads)


def _records_of_parts(policy: policyrules.Policy, workers: pl.DataFrame,
                      training: pl.DataFrame, size: int) -> tuple[str, list[list[int]]]:
    """How the parts of at most `size` rows found their records ("sliced": each in its
    slice of the table, "gathered": every record's row found once), and the training
    table's rows each part decided with, in the parts' order; the tables equal one
    thread's."""
    seen: list[tuple[int, list[int]]] = []
    routes: list[str] = []
    evaluate = run._evaluate

    def counted(*args: Any) -> run.FrameResult:
        seen.append((args[1], args[3].tolist()))  # the part's first row, its records
        return evaluate(*args)

    def route(name: str) -> Any:
        make = getattr(parts, name)

        def spied(*args: Any) -> Any:
            routes.append(name.strip("_"))
            return make(*args)
        return spied

    one = policy.evaluate_frame(workers, training, as_of=AS_OF, threads=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "LEAST_PART", 1)
        patch.setattr(run, "PART_ROWS", size)
        patch.setattr(run, "_evaluate", counted)
        patch.setattr(parts, "_sliced", route("_sliced"))
        patch.setattr(parts, "_gathered", route("_gathered"))
        many = policy.evaluate_frame(workers, training, as_of=AS_OF, threads=2)
    assert many.decisions.equals(one.decisions) and many.findings.equals(one.findings)
    (taken,) = routes
    return taken, [recs for _, recs in sorted(seen)]


def _training(owners: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"worker": owners, "training": ["safeguarding-induction"] * len(owners),
                         "completed": ["2021-01-01"] * len(owners)})


def test_parts_slice_records_that_follow_the_rows_and_gather_others() -> None:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    ids = ["A", "B", "C", "D", "E", "F"]
    workers = pl.DataFrame({"id": ids, "started": ["2020-01-01"] * 6,
                            "contact": ["regular"] * 6})
    # In the rows' order, a record of no worker at each cut: each part looks in its slice
    # of the table, from its first row's first record (the record of no worker falls in
    # the slice of the part before, and is no part's).
    owners = ["A", "A", "B", "nobody", "C", "D", "nobody", "E", "F", "F"]
    assert _records_of_parts(policy, workers, _training(owners), 2) == (
        "sliced", [[0, 1, 2], [4, 5], [7, 8, 9]])
    # In the rows' order but for a last record of the first part's worker: no part
    # looks in a slice (the last slice would hold it), each takes the records of its rows.
    owners = ["A", "B", "C", "D", "E", "F", "A"]
    assert _records_of_parts(policy, workers, _training(owners), 2) == (
        "gathered", [[0, 1, 6], [2, 3], [4, 5]])
    # The same records shuffled: each part gathers the records of its rows, in order.
    owners = ["F", "C", "A", "nobody", "E", "B", "D", "A", "nobody", "F"]
    assert _records_of_parts(policy, workers, _training(owners), 2) == (
        "gathered", [[2, 5, 7], [1, 6], [0, 4, 9]])
    # Ids that are not in order, records that follow them: the parts' ids (A to F, B to
    # D) do not lie one range after another, so the parts cannot tell by them that no
    # other part's records name their rows: each takes the records of its rows.
    shuffled = workers.with_columns(id=pl.Series(["E", "A", "F", "B", "C", "D"]))
    owners = ["E", "A", "A", "F", "B", "C", "D"]
    assert _records_of_parts(policy, shuffled, _training(owners), 3) == (
        "gathered", [[0, 1, 2, 3], [4, 5, 6]])
    # An id on rows of two parts: its records go to both.
    twice = workers.with_columns(id=pl.Series(["A", "B", "C", "D", "E", "A"]))
    owners = ["A", "B", "C", "D", "E"]
    assert _records_of_parts(policy, twice, _training(owners), 3) == (
        "gathered", [[0, 1, 2], [0, 3, 4]])


def _durham_workers(roles: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"id": [f"W{i}" for i in range(len(roles))],
                         "started": ["2020-01-01"] * len(roles),
                         "contact": ["regular"] * len(roles), "roles": roles},
                        schema={"id": pl.String, "started": pl.String, "contact": pl.String,
                                "roles": pl.String})


def test_parts_without_roles_or_records_among_others() -> None:
    """Parts whose rows hold no role item and parts whose rows have no record, between
    parts that have both: the role items and records read once for the whole table go
    to the right rows (each part's tables, by hand, as well as equal to one thread's)."""
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    workers = _durham_workers([None, "", "supervisor@2019-06-01", "trainer;supervisor",
                               None, None, "", " ; ", "board-member", None])
    # Records of rows 2, 3 and 8 only: the parts of rows 0-1, 4-5 and 6-7 have none.
    training = pl.DataFrame({"worker": ["W2", "W3", "W3", "W8"],
                             "training": ["supervision-skills-training",
                                          "trainer-safeguarding-knowledge",
                                          "safeguarding-induction", "lscb-induction-and-training"],
                             "completed": ["2021-01-01"] * 4})
    for threads in (1, 2, 3):
        _agree(policy, workers, training, AS_OF, threads, 2)
    with parts_of(2):
        result = policy.evaluate_frame(workers, training, as_of=AS_OF, threads=2)
    found = {(f["worker"], f["requirement"]): f["status"] for f in result.findings.to_pylist()}
    assert {w for w, _ in found} == {f"W{i}" for i in range(10)}  # regular contact: all
    # Roles reach their own rows only, from wherever their part starts.
    held = {w for w, r in found if r in ("supervision-skills", "supervisor-knowledge")}
    assert held == {"W2", "W3"}
    assert {w for w, r in found if r == "trainer-knowledge"} == {"W3"}
    assert {w for w, r in found if r == "lscb-induction"} == {"W8"}
    assert found["W2", "supervision-skills"] == "met"
    assert found["W3", "trainer-knowledge"] == "met"
    assert found["W3", "supervision-skills"] == "overdue"
    assert found["W8", "lscb-induction"] == "met"
    assert all(found[f"W{i}", "induction"] == "overdue" for i in range(10) if i != 3)
    assert found["W3", "induction"] == "met"
