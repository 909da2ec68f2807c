"""`batch`: the writer that puts a whole workforce's decisions on stdout from a thread."""

from __future__ import annotations

import datetime
import errno
import io
import json
import threading
from pathlib import Path

import pytest
from rich.console import Console

import policyrules
from conftest import write
from policyrules import batch
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


def evaluate(path: str, stream: io.RawIOBase, fmt: str = "jsonl") -> batch.Counts:
    policy = policyrules.load(SMALL)
    with WorkerInput(path) as source:
        return batch.run(policy, SMALL, source, AS_OF, fmt, jobs=1, stdout=stream,  # type: ignore[arg-type]
                         console=Console(file=io.StringIO()), progress=lambda n: None)


def test_chunks_are_written_in_order_once_the_stream_takes_them() -> None:
    gate = Gate()
    sink = batch._Sink(gate, depth=2)  # type: ignore[arg-type]

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
    sink = batch._Sink(Failing())  # type: ignore[arg-type]
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
                batch.run(policyrules.load(SMALL), SMALL, source, AS_OF, "jsonl", jobs=1,
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
