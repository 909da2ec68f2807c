"""`batch`: the stages of a run, the writer thread, and --jobs, called as the library."""

from __future__ import annotations

import datetime
import errno
import io
import json
import os
import pickle
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import policyrules
import policyrules.render
from conftest import write
from policyrules import batch
from policyrules.batch import stages
from policyrules.batch import write as write_module
from policyrules.batch.write import OutputError, Sink
from policyrules.contract.log import DecisionLog
from policyrules.records import WorkerFileError, WorkerInput

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = datetime.date(2026, 11, 22)


def worker(i: int) -> dict[str, object]:
    return {"id": f"W{i}", "started": "2024-01-10", "contact": "regular",
            "training": [{"training": "induction-course", "completed": "2024-03-01"}]}


class Gate(io.RawIOBase):
    """A stream that takes writes only once `open` is set, and keeps what it was given."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.open.wait()
        self.chunks.append(bytes(data))
        return len(data)


class Failing(io.RawIOBase):
    """A stream whose reader has gone (a closed pipe)."""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def evaluate(path: str, stream: io.RawIOBase, fmt: str = "jsonl", jobs: int = 1,
             **sizes: Any) -> batch.Counts:
    policy = policyrules.load(SMALL)
    with WorkerInput(path) as source:
        return batch.run(policy, source, AS_OF, fmt, jobs=jobs, stdout=stream,  # type: ignore[arg-type]
                         console=Console(file=io.StringIO()), progress=lambda n: None,
                         **sizes)


def test_chunks_are_written_in_order_once_the_stream_takes_them() -> None:
    gate = Gate()
    sink = Sink(gate, depth=2)  # type: ignore[arg-type]

    def produce() -> None:
        for i in range(10):
            sink.write(b"%d," % i)

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join(0.5)
    # Memory stays flat: with the stream stuck, the writer takes one chunk and at most
    # `depth` wait, so the producer is held up instead of queueing all ten.
    assert producer.is_alive()
    gate.open.set()
    producer.join()
    sink.close()
    assert b"".join(gate.chunks) == b"".join(b"%d," % i for i in range(10))


def test_an_error_in_the_writer_thread_reaches_the_caller() -> None:
    sink = Sink(Failing())  # type: ignore[arg-type]
    sink.write(b"x")
    with pytest.raises(BrokenPipeError):
        sink.close()


def test_a_closed_stdout_stops_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(worker(i)) + "\n"
                                              for i in range(3 * batch.BATCH)))
    with pytest.raises(BrokenPipeError):
        evaluate(path, Failing())


def test_a_file_error_mid_run_still_writes_what_was_decided(tmp_path: Path) -> None:
    good = "".join(json.dumps(worker(i)) + "\n" for i in range(5))
    path = write(tmp_path, "w.jsonl", good.encode() + b'{"id": "Caf\xe9"}\n')
    out = io.BytesIO()
    with pytest.raises(WorkerFileError, match=r"w\.jsonl:6: not UTF-8"):
        evaluate(path, out)  # type: ignore[arg-type]
    assert [json.loads(line)["worker"] for line in out.getvalue().splitlines()] == [
        f"W{i}" for i in range(5)]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_output_through_the_thread_is_every_record_in_input_order(tmp_path: Path,
                                                                  fmt: str) -> None:
    count = 2 * batch.BATCH + 7  # several batches and a part batch
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(worker(i)) + "\n"
                                              for i in range(count)))
    out = io.BytesIO()
    counts = evaluate(path, out, fmt)  # type: ignore[arg-type]
    assert counts.total == count
    text = out.getvalue().decode()
    if fmt == "json":
        ids = [d["worker"] for d in json.loads(text)]
    elif fmt == "jsonl":
        ids = [json.loads(line)["worker"] for line in text.splitlines()]
    else:
        ids = list(dict.fromkeys(row.split(",")[0] for row in text.splitlines()[1:]))
    assert ids == [f"W{i}" for i in range(count)]


def test_an_interrupt_does_not_wait_for_a_reader_that_has_stopped(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(worker(i)) + "\n"
                                              for i in range(3 * batch.BATCH)))
    gate = Gate()  # stdout whose reader takes nothing: the writer thread waits on it

    def interrupt(n: int) -> None:
        raise KeyboardInterrupt

    raised: list[BaseException] = []

    def evaluate_until_interrupted() -> None:
        with WorkerInput(path) as source:
            try:
                batch.run(policyrules.load(SMALL), source, AS_OF, "jsonl", jobs=1,
                          stdout=gate,  # type: ignore[arg-type]
                          console=Console(file=io.StringIO()), progress=interrupt)
            except KeyboardInterrupt as exc:
                raised.append(exc)

    run = threading.Thread(target=evaluate_until_interrupted)
    run.start()
    run.join(10)
    stuck = run.is_alive()
    gate.open.set()  # let the writer thread go, whatever happened
    run.join()
    assert not stuck and len(raised) == 1


# --jobs with tiny chunks and blocks: many tasks, and the output still the serial one -----

def people() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i in range(25):
        out.append(worker(i))
        out.append({"id": f"N{i}", "started": "2020-05-01", "contact": "none",
                    "agency": "Council"})
        if i % 7 == 3:
            out.append({"id": f"X{i}", "started": "2024-01-10", "contact": "regualr"})
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_jobs_in_small_blocks_give_the_serial_output(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, "w.jsonl", "".join(json.dumps(p) + "\n" for p in people()))
    one, two = io.BytesIO(), io.BytesIO()
    serial = evaluate(path, one, fmt)  # type: ignore[arg-type]
    parallel = evaluate(path, two, fmt, jobs=2, block=300)  # type: ignore[arg-type]
    assert serial.as_tuple() == parallel.as_tuple() == (25, 25, 4)
    assert one.getvalue() == two.getvalue()


def test_jobs_in_small_chunks_carry_records_rejected_while_reading(tmp_path: Path) -> None:
    """A CSV cell error travels to a worker process and comes back as an error record."""
    path = write(tmp_path, "w.csv", "id,started,contact,volunteer,training\n"
                 "W1,2024-01-10,regular,no,\n"
                 "B1,2024-01-10,regular,maybe,\n"
                 "B2,2024-01-10,regular,,induction-course\n"
                 "W3,2026-10-01,occasional,,\n")
    one, three = io.BytesIO(), io.BytesIO()
    evaluate(path, one)  # type: ignore[arg-type]
    counts = evaluate(path, three, jobs=3, chunk=1)  # type: ignore[arg-type]
    assert counts.rejected == 2
    assert one.getvalue() == three.getvalue()
    assert [json.loads(line).get("error", {}).get("field")
            for line in three.getvalue().splitlines()] == [None, "volunteer", "training[0]",
                                                          None]


@pytest.mark.parametrize("into", ["memory", "file", "file and log"])
def test_jobs_stop_at_a_line_that_is_not_utf8_as_one_process_does(tmp_path: Path,
                                                                  into: str) -> None:
    # One process writes the records before the bad line, then stops with its error; so
    # do --jobs workers: the lines before it in its own block too (`PartlyRead`), and
    # nothing after it. The parent writes (into memory), the workers take their own
    # blocks (a file), or the parent hands them out (a file, with a decision log).
    good = "".join(json.dumps(worker(i)) + "\n" for i in range(20))
    after = "".join(json.dumps(worker(i)) + "\n" for i in range(20, 400))
    path = write(tmp_path, "w.jsonl", good.encode() + b'{"id": "\xe9"}\n' + after.encode())
    outputs, logs = [], []
    for jobs in (1, 2):
        entries: list[dict[str, Any]] = []
        out = (io.BytesIO() if into == "memory"
               else open(tmp_path / f"out{jobs}", "wb+"))  # noqa: SIM115  # closed below
        with out, DecisionLog(entries.append) as log:
            with pytest.raises(WorkerFileError, match=r"w\.jsonl:21: not UTF-8"):
                evaluate(path, out, jobs=jobs, block=300,  # type: ignore[arg-type]
                         **({"log": log} if into == "file and log" else {}))
            out.seek(0)
            outputs.append(out.read())
        logs.append([entry["worker"] for entry in entries])
    ids = [json.loads(line)["worker"] for line in outputs[0].splitlines()]
    assert ids == [f"W{i}" for i in range(20)]
    assert outputs[1] == outputs[0]
    if into == "file and log":
        assert logs[0] == logs[1] == ids


def test_the_stages_run_in_order_on_each_chunk() -> None:
    assert [stage.__name__ for stage in batch.STAGES] == ["validate", "decide", "log", "encode"]
    policy = policyrules.load(SMALL)
    fmt = policyrules.render.JsonLines(AS_OF)
    job = stages.Job(policy, AS_OF, fmt)
    chunk = [(1, json.dumps(worker(1))), (2, "{not json"), (3, {"id": "W3"})]
    texts = stages.process(job, chunk)
    decided = policy.evaluate(worker(1), as_of=AS_OF)
    assert json.loads(texts[0]) == decided.to_dict()
    assert json.loads(texts[1])["error"]["field"] == "(record)"
    assert json.loads(texts[2])["error"]["field"] == "started"
    assert job.counts.as_tuple() == (0, 1, 2)


def test_a_policy_pickles_as_its_model_and_decides_the_same() -> None:
    policy = policyrules.load(SMALL)
    again = pickle.loads(pickle.dumps(policy))
    assert again is not policy and again.model == policy.model
    assert again.generated_source == policy.generated_source
    for i, w in enumerate(people()):
        day = datetime.date(2024 + i % 3, 1 + i % 12, 28)
        try:
            expected = policy.evaluate(w, as_of=day).to_dict()
        except policyrules.WorkerError as exc:
            with pytest.raises(policyrules.WorkerError, match=re.escape(exc.message)):
                again.evaluate(w, as_of=day)
        else:
            assert again.evaluate(w, as_of=day).to_dict() == expected


# Writing: whole records or nothing ----------------------------------------------------------

def test_a_write_that_fails_half_way_leaves_only_whole_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills mid-chunk: the file is cut back to the last whole chunk."""
    real_write = os.write
    room = [25]  # bytes the disk still takes

    def filling(fd: int, data: bytes) -> int:
        if room[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(data[:room[0]]))
        room[0] -= n
        return n

    path = tmp_path / "out.jsonl"
    with open(path, "wb") as f:
        sink = Sink(f)
        monkeypatch.setattr(write_module.os, "write", filling)
        sink.write(b'{"worker": "W1"}\n')  # 17 bytes: fits
        sink.write(b'{"worker": "W2"}\n')  # 8 of 17 fit, then the disk is full
        with pytest.raises(OutputError, match="cannot write the output: No space left"):
            sink.close()
    assert path.read_bytes() == b'{"worker": "W1"}\n'


def test_text_that_is_not_unicode_is_escaped_not_lost() -> None:
    assert write_module.utf8("caf\u00e9") == "caf\u00e9".encode()
    assert write_module.utf8('"W\ud800"') == b'"W\\ud800"'
    assert json.loads(write_module.utf8('"W\ud800"')) == "W\ud800"


def test_terminating_a_pool_whose_result_pipe_holds_half_a_message_ends_its_thread() -> None:
    """A worker killed while sending its result (Ctrl-C during `--jobs`) leaves half a
    message in the result pipe: the pool's manager thread must not wait for the rest
    forever, since interpreter exit joins it (the CLI hung, exit never came)."""
    import multiprocessing
    import os
    import struct
    from concurrent.futures import ProcessPoolExecutor

    from policyrules.batch.parallel import _terminate

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    assert pool.submit(abs, -1).result() == 1  # the worker and the manager thread run
    thread = pool._executor_manager_thread  # type: ignore[attr-defined]
    # A header announcing 100 bytes, and one of them: what a killed sender leaves.
    os.write(pool._result_queue._writer.fileno(),  # type: ignore[attr-defined]
             struct.pack("!i", 100) + b"x")
    _terminate(pool)
    thread.join(60)
    assert not thread.is_alive()
