"""The columnar route's pipeline (batch/columnar.py, batch/colocate.py): batches put out in
the order they were read by a thread of their own, its errors reaching the caller, and the
records' order found as they are read, the output started again on the partitioned route
when a record is out of it."""

from __future__ import annotations

import errno
import io
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.batch import colocate
from policyrules.batch.colocate import OutOfOrder, Owners, Records, WorkerIds
from policyrules.batch.columnar import InOrder
from policyrules.batch.parquet import Columnar
from policyrules.batch.stages import Counts
from policyrules.batch.write import OutputError
from test_columnar import AS_OF
from test_parquet_cli import DURHAM, _example_parquet, _quiet, _routes


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def test_parts_go_out_in_the_order_they_were_put_whenever_they_are_decided() -> None:
    out: list[int] = []
    slots = threading.Semaphore(0)
    writer = InOrder(lambda part: (out.append(part), (part, 0, 0))[1], Counts(), slots)
    futures: list[Future[Any]] = [Future() for _ in range(4)]
    for future in futures:
        writer.put(future)
    for i in (3, 1, 2, 0):  # decided last to first
        futures[i].set_result(i)
    writer.close()
    assert out == [0, 1, 2, 3]
    assert sum(slots.acquire(blocking=False) for _ in range(5)) == 4  # one a part


def test_an_error_putting_a_part_out_stops_the_rest_and_reaches_the_caller() -> None:
    out: list[int] = []

    def put(part: int) -> tuple[int, int, int]:
        if part == 1:
            raise OutputError("cannot write the output: No space left on device")
        out.append(part)
        return (1, 0, 0)

    counts = Counts()
    slots = threading.Semaphore(0)
    writer = InOrder(put, counts, slots)
    for part in range(4):
        writer.put(_done(part))
    with pytest.raises(OutputError, match="No space left"):
        writer.close()
    assert out == [0]  # nothing after the part that failed
    assert counts.as_tuple() == (1, 0, 0)
    assert sum(slots.acquire(blocking=False) for _ in range(5)) == 4  # all given back


def test_an_error_is_raised_at_the_next_put_and_abandon_forgets_it() -> None:
    failed = threading.Event()

    def put(part: int) -> tuple[int, int, int]:
        failed.set()
        raise OutputError("cannot write the output: disk full")

    writer = InOrder(put, Counts(), threading.Semaphore(0))
    writer.put(_done(0))
    assert failed.wait(10)
    with pytest.raises(OutputError):
        for _ in range(1000):  # the writer thread records the error just after `put`
            writer.put(_done(1))
            threading.Event().wait(0.01)
    waiting: Future[Any] = Future()
    writer.put(waiting)
    writer.abandon()  # raises nothing; a part not yet decided is cancelled
    assert waiting.cancelled()


class _SlowFirst(Columnar):
    """The first batch is decided only once the second has been."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.second = threading.Event()
        self.waited = False
        self._calls = 0
        self._lock = threading.Lock()

    def _batch(self, frame: pl.DataFrame, records: pl.DataFrame | None,
               rest: Any) -> pa.Table:
        with self._lock:
            call, self._calls = self._calls, self._calls + 1
        if call == 0:
            self.waited = self.second.wait(30)
        part = super()._batch(frame, records, rest)
        if call == 1:
            self.second.set()
        return part


def test_a_batch_decided_after_the_next_is_still_written_first(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    policy = policyrules.load(DURHAM)
    slow = _SlowFirst(policy, workers, training, AS_OF, rows=300, threads=2)
    out = io.BytesIO()
    counts = slow.run(out, _quiet)
    assert slow.waited  # the second batch was decided before the first
    one = Columnar(policy, workers, training, AS_OF, rows=300, threads=1)
    expect = io.BytesIO()
    assert one.run(expect, _quiet).as_tuple() == counts.as_tuple()
    assert out.getvalue() == expect.getvalue()


class _FullDisk(io.BytesIO):
    """A stream that takes `room` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_full_disk_met_by_the_writer_thread_is_an_output_error(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    route = Columnar(policyrules.load(DURHAM), workers, training, AS_OF, rows=200)
    stream = _FullDisk(20_000)  # the file's header and a batch or two
    with pytest.raises(OutputError, match=r"cannot write the output: .*No space left"):
        route.run(stream, _quiet)


class _Recorded(io.BytesIO):
    """A seekable stream that remembers how much it held when it was cut back."""

    def __init__(self) -> None:
        super().__init__()
        self.cut: list[int] = []

    def truncate(self, size: int | None = None) -> int:
        self.cut.append(len(self.getvalue()))
        return super().truncate(size)


class _OneWay(io.BytesIO):
    """A stream that cannot be written again from an earlier point (a pipe)."""

    def seekable(self) -> bool:
        return False


def _out_of_order(tmp_path: Path) -> tuple[str, str]:
    """The example workforce with its first worker's first record moved to the end."""
    workers, training = _example_parquet(tmp_path)
    records = pl.read_parquet(training)
    assert records.tail(1)["worker"][0] != records["worker"][0]
    pl.concat([records.slice(1), records.head(1)]).write_parquet(training)
    return workers, training


def test_a_record_out_of_order_starts_the_output_again_partitioned(tmp_path: Path) -> None:
    workers, training = _out_of_order(tmp_path)
    policy = policyrules.load(DURHAM)
    again = Columnar(policy, workers, training, AS_OF, rows=97)
    rewound = _Recorded()
    counts = again.run(rewound, _quiet)
    # Batches had been written before the last record was met, and were thrown away.
    assert len(rewound.cut) == 1 and rewound.cut[0] > 50_000
    assert not again.ordered
    # Into a pipe the first pass finds the order before anything is written: the same
    # file, byte for byte, the same counts and warnings.
    first_pass = Columnar(policy, workers, training, AS_OF, rows=97)
    pipe = _OneWay()
    assert first_pass.run(pipe, _quiet).as_tuple() == counts.as_tuple()
    assert not first_pass.ordered
    assert rewound.getvalue() == pipe.getvalue()
    assert again.warnings == first_pass.warnings
    row_path = _routes(policy, workers, training, AS_OF, 97)[1]
    assert pq.read_table(io.BytesIO(rewound.getvalue())).equals(row_path[0])
    assert counts.as_tuple() == row_path[1]


def test_records_in_order_into_a_pipe_are_read_beside_the_workers(tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    policy = policyrules.load(DURHAM)
    files = []
    for stream in (_OneWay(), _Recorded()):
        route = Columnar(policy, workers, training, AS_OF, rows=97)
        counts = route.run(stream, _quiet)
        assert route.ordered
        files.append((stream.getvalue(), counts.as_tuple(), route.warnings))
    assert files[0] == files[1]


def test_a_file_that_changes_order_after_the_first_pass_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers, training = _out_of_order(tmp_path)
    # The first pass as it would have been, had the file not changed since.
    monkeypatch.setattr("policyrules.batch.parquet.in_order",
                        lambda source, training, rows: WorkerIds(colocate.worker_ids(source)))
    route = Columnar(policyrules.load(DURHAM), workers, training, AS_OF, rows=97)
    with pytest.raises(OutOfOrder, match="no longer in the workers' order"):
        route.run(_OneWay(), _quiet)


def _owners(ids: list[str]) -> Owners:
    return Owners(WorkerIds(pl.Series(ids, dtype=pl.String)), "t.parquet", 1)


def test_records_go_with_their_worker_and_those_of_none_with_the_one_before() -> None:
    owners = _owners(["A", "B", "C"])
    row, check = owners.rows(pl.Series(["X", "A", "A", None, "C", "Z", "C"]))
    assert row.tolist() == [0, 0, 0, 0, 2, 2, 2]
    assert check.tolist() == [False, True, False, False, True, False, True]
    assert owners.anonymous == (1, 4)
    assert [f.to_dicts() for f in owners.unused] == [[
        {"worker": "X", "_line": 1}, {"worker": "Z", "_line": 6}]]
    with pytest.raises(OutOfOrder):
        owners.rows(pl.Series(["B"]))  # after C's


def test_records_are_handed_out_with_their_batch_read_a_frame_ahead() -> None:
    ids = ["A", "B", "C", "D"]
    frames = [pl.DataFrame({"worker": w, "_line": [i]})
              for i, w in enumerate(["A", "A", "B", "D", "D", "D"], start=1)]
    read: list[int] = []

    def stream() -> Any:
        for frame in frames:
            read.append(int(frame["_line"][0]))
            yield frame

    records = Records(stream(), _owners(ids))
    batch = pl.DataFrame({"id": ids})
    first = records.take(batch.slice(0, 2), 0)
    assert first is not None and first["_line"].to_list() == [1, 2, 3]
    assert read == [1, 2, 3, 4]  # up to the first record of a later worker
    assert records.take(batch.slice(2, 1), 2) is None  # C has none
    last = records.take(batch.slice(3, 1), 3)
    assert last is not None and last["_line"].to_list() == [4, 5, 6]


def test_an_id_that_only_shares_a_hash_is_out_of_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    owners = _owners(["A", "B"])
    # "X" is no worker's id, but as if its hash were A's.
    monkeypatch.setattr(owners.ids, "find", lambda heads: (
        np.zeros(len(heads), np.int64), np.ones(len(heads), np.bool_)))
    records = Records(iter([pl.DataFrame({"worker": ["X"], "_line": [1]})]), owners)
    with pytest.raises(OutOfOrder):
        records.take(pl.DataFrame({"id": ["A", "B"]}), 0)


def test_a_repeated_id_among_the_workers_is_seen_in_their_hashes() -> None:
    assert WorkerIds(pl.Series(["A", "B", None, None])).distinct
    assert not WorkerIds(pl.Series(["A", "B", "A"])).distinct


@settings(max_examples=60)
@given(st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 7, 2**63, 2**64 - 1]),
                max_size=40))
def test_argsort_puts_hashes_in_order(values: list[int]) -> None:
    hashes = np.array(values, np.uint64)
    order = colocate.argsort(hashes)
    assert sorted(order.tolist()) == list(range(len(values)))
    assert hashes[order].tolist() == sorted(values)


def test_worker_ids_leave_null_ids_out_and_find_the_rest() -> None:
    ids = WorkerIds(pl.Series(["B", None, "A", None, "C"]))
    assert ids.count == 5 and len(ids.hashes) == 3
    row, found = ids.find(pl.Series(["C", None, "A", "Z", "B"]))
    assert found.tolist() == [True, False, True, False, True]
    assert row[found].tolist() == [4, 2, 0]


def test_repeated_values_are_written_in_dictionary_pages_lists_included(
        tmp_path: Path) -> None:
    workers, training = _example_parquet(tmp_path)
    out = io.BytesIO()
    Columnar(policyrules.load(DURHAM), workers, training, AS_OF).run(out, _quiet)
    group = pq.ParquetFile(io.BytesIO(out.getvalue())).metadata.row_group(0)
    encodings = {group.column(i).path_in_schema: group.column(i).encodings
                 for i in range(group.num_columns)}
    for column in ("groups.list.element", "cites.list.element", "requirement", "status"):
        assert "RLE_DICTIONARY" in encodings[column], column
    for column in ("line", "worker"):  # few repeats: plain
        assert "RLE_DICTIONARY" not in encodings[column], column
