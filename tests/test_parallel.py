"""`--jobs` with a parent that does next to nothing: workers that read their own blocks of a
regular worker file and write their own output, in input order (batch/parallel.py,
batch/turns.py, records.jsonl.block_spans)."""

from __future__ import annotations

import datetime
import errno
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import policyrules
from conftest import write
from policyrules import batch
from policyrules.batch import parallel, turns
from policyrules.batch.read import Spans
from policyrules.batch.write import OutputError, Writer
from policyrules.contract.log import DecisionLog
from policyrules.records import WorkerFileError, WorkerInput
from policyrules.records.jsonl import block_spans, read_span, split_lines

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = datetime.date(2026, 11, 22)


def worker(i: int) -> dict[str, object]:
    if i % 9 == 4:  # a record that breaks the rules: its error record carries its line
        return {"id": f"W{i}", "started": "2024-01-10", "contact": "regualr"}
    return {"id": f"W{i}", "started": "2024-01-10", "contact": "regular",
            "training": [{"training": "induction-course", "completed": "2024-03-01"}]}


def workers_file(tmp_path: Path, count: int) -> str:
    # A blank line and a line of spaces: skipped, but counted in the line numbers.
    lines = [json.dumps(worker(i)) for i in range(count)]
    lines[3:3] = ["", "   "]
    return write(tmp_path, "w.jsonl", "\n".join(lines) + "\n")


def evaluate(path: str, stream: Any, fmt: str = "jsonl", jobs: int = 1,
             **sizes: int) -> batch.Counts:
    with WorkerInput(path) as source:
        return batch.run(policyrules.load(SMALL), source, AS_OF, fmt, jobs=jobs,
                         stdout=stream, console=Console(file=io.StringIO()),
                         progress=lambda n: None, **sizes)


def serial(path: str, fmt: str = "jsonl") -> bytes:
    out = io.BytesIO()
    evaluate(path, out, fmt)
    return out.getvalue()


def parent_writes_no_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the parent fail if a record's text passes through its writer."""
    def refuse(self: Writer, data: bytes) -> None:
        raise AssertionError("the parent wrote a chunk of records")

    monkeypatch.setattr(Writer, "add_chunk", refuse)


def parent_hands_out_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the parent fail if it cuts the file into tasks or starts a process pool."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parent handed tasks out")

    monkeypatch.setattr(WorkerInput, "spans", refuse)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)


def ending(path: str, out: Path, **sizes: int) -> list[BaseException] | None:
    """What a `--jobs 2` run into `out` raised, or None if it went on for a minute."""
    raised: list[BaseException] = []

    def run() -> None:
        with open(out, "wb") as f:
            try:
                evaluate(path, f, jobs=2, **sizes)
            except BaseException as exc:
                raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    return None if thread.is_alive() else raised


# Blocks of a regular file -----------------------------------------------------------------

@given(lines=st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\n"),
                              max_size=30), max_size=40),
       last_newline=st.booleans(), size=st.integers(1, 64))
def test_spans_cover_the_file_in_whole_lines_with_their_first_line_numbers(
        lines: list[str], last_newline: bool, size: int) -> None:
    data = "\n".join(lines).encode() + (b"\n" if last_newline and lines else b"")
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        read: list[int] = []
        spans = list(block_spans(f.fileno(), size, read.append))
        assert [read_span(f.fileno(), offset, length) for _, offset, length in spans] == [
            data[offset:offset + length] for _, offset, length in spans]
    offset = 0
    for i, (first, start, length) in enumerate(spans):
        assert start == offset and length > 0
        assert first == data.count(b"\n", 0, start) + 1
        block = data[start:start + length]
        # Whole lines: a block ends at a newline, only the file's last may not; and it is
        # cut at the last newline of its first `size` bytes, or just after a longer line.
        assert block.endswith(b"\n") or i == len(spans) - 1
        assert b"\n" not in block[:-1][size:] or block.count(b"\n") == 1
        offset += length
    assert offset == len(data) and read == [length for _, _, length in spans]


@given(lines=st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\n"),
                              max_size=30), max_size=40),
       last_newline=st.booleans(), size=st.integers(1, 64))
def test_blocks_taken_by_workers_are_the_spans_with_their_bytes(
        lines: list[str], last_newline: bool, size: int) -> None:
    """`Spans.take` (the workers cutting the file themselves) gives the blocks, first line
    numbers and order of `block_spans`, with each block's bytes, and its lines split as
    `split_lines` splits it, when it was read whole on the way (a line longer than a
    block, or the file's last line without a newline, is not: None)."""
    data = "\n".join(lines).encode() + (b"\n" if last_newline and lines else b"")
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        spans = list(block_spans(f.fileno(), size, lambda n: None))
        shared = Spans(multiprocessing.get_context(), f.fileno(), size)
        taken = []
        while (block := shared.take(1)) is not None:
            taken.append(block)
        assert shared.take(0) is None and shared.taken == len(spans)
    assert [block[:3] for block in taken] == [
        (task, first, data[offset:offset + length])
        for task, (first, offset, length) in enumerate(spans)]
    for _, _, block, split in taken:
        assert split is None or split == split_lines(bytes(block))
    # Every block is split but one whose line is longer than a block or lacks its newline.
    assert [split is None for *_, split in taken] == [
        len(block) > size or not bytes(block).endswith(b"\n") for *_, block, _ in taken]
    # Each call said one more record decided, the last (None) too.
    assert shared.read == len(data) and shared.done == len(spans) + 1


def test_a_regular_file_is_read_at_offsets_and_stdin_is_not(tmp_path: Path) -> None:
    path = workers_file(tmp_path, 3)
    with WorkerInput(path) as source:
        assert source.regular_file() is not None
        assert [first for first, _, _ in source.spans(64)][:2] == [1, 2]
        assert source.position == os.path.getsize(path)
    with WorkerInput("-", stdin=io.BytesIO(b"{}\n")) as piped:
        assert piped.regular_file() is None


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_workers_read_their_blocks_and_write_them_in_order(
        tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workers_file(tmp_path, 60)
    expected = serial(path, fmt)

    def unread(self: WorkerInput, size: int = 0) -> None:
        raise AssertionError("the parent read the blocks' bytes")

    monkeypatch.setattr(WorkerInput, "blocks", unread)
    parent_writes_no_records(monkeypatch)
    parent_hands_out_nothing(monkeypatch)
    out = tmp_path / f"out.{fmt}"
    shown: list[int] = []
    with open(out, "wb") as f, WorkerInput(path) as source:
        counts = batch.run(policyrules.load(SMALL), source, AS_OF, fmt, jobs=2, stdout=f,
                           console=Console(file=io.StringIO()), progress=shown.append,
                           block=300)
        assert source.position == os.path.getsize(path)  # for the progress bar
    assert counts.as_tuple() == (0, 53, 7)
    assert out.read_bytes() == expected  # error records with their line numbers too
    assert shown[-1] == 60 and shown == sorted(shown)


def test_with_a_decision_log_the_parent_hands_out_the_tasks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log's entries come back to the parent in input order: the process pool."""
    path = workers_file(tmp_path, 60)
    expected = serial(path)
    pool = parallel.ProcessPoolExecutor
    started: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        started.append(1)
        return pool(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counted)
    entries: list[dict[str, Any]] = []
    out = tmp_path / "out.jsonl"
    with WorkerInput(path) as source, open(out, "wb") as f, DecisionLog(
            entries.append) as log:
        batch.run(policyrules.load(SMALL), source, AS_OF, "jsonl", jobs=2, stdout=f,
                  console=Console(file=io.StringIO()), progress=lambda n: None, block=300,
                  log=log)
    assert started == [1] and out.read_bytes() == expected
    lines = [e["line"] for e in entries]
    assert lines == sorted(lines) and len(lines) == 60


def after_each_block(monkeypatch: pytest.MonkeyPatch, hook: Callable[[int], None]) -> None:
    """`hook(first line)` in the worker process that has decided a block (inherited by
    the forked workers), whichever way it decided it: in one step, or through the
    stages (a block with a blank line)."""
    real_process, real_lines = parallel.process, parallel.decide_lines

    def process(job: Any, chunk: Any) -> Any:
        texts = real_process(job, chunk)
        if chunk:
            hook(chunk[0][0])
        return texts

    def decide_lines(job: Any, first: int, block: Any, lines: Any = None) -> Any:
        texts = real_lines(job, first, block, lines)
        if texts is not None:
            hook(first)
        return texts

    monkeypatch.setattr(parallel, "process", process)
    monkeypatch.setattr(parallel, "decide_lines", decide_lines)


@pytest.mark.parametrize("alone", [True, False])
def test_workers_hand_the_turn_on_without_waiting_out_python_s_switch_interval(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alone: bool) -> None:
    # A worker's writer thread gets the GIL within `SWITCH_INTERVAL` (docs/cli.md):
    # a worker made either way (taking its own blocks, or in the pool) has it, and the
    # parent keeps Python's own.
    path = workers_file(tmp_path, 40)
    seen = tmp_path / "seen"

    def note(first: int) -> None:
        with open(seen, "a") as f:
            f.write(f"{sys.getswitchinterval()}\n")

    after_each_block(monkeypatch, note)
    before = sys.getswitchinterval()
    if alone:
        parent_hands_out_nothing(monkeypatch)
        out = tmp_path / "out.jsonl"
        with open(out, "wb") as f:
            evaluate(path, f, jobs=2, block=400)
        written = out.read_bytes()
    else:  # an output without a file descriptor: a pool of workers, the parent writes
        stream = io.BytesIO()
        evaluate(path, stream, jobs=2, block=400)
        written = stream.getvalue()
    assert written == serial(path)
    intervals = {float(x) for x in seen.read_text().split()}
    assert intervals == {parallel.SWITCH_INTERVAL} and sys.getswitchinterval() == before


def test_a_block_that_finishes_last_is_still_written_in_its_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first block is held back in its worker: the other worker decides (and queues)
    the blocks after it meanwhile, and the output still comes out in input order."""
    path = workers_file(tmp_path, 40)
    expected = serial(path)
    finished = tmp_path / "finished"

    def slow_first(first: int) -> None:
        if first == 1:
            time.sleep(1.0)
        with open(finished, "a") as f:  # one short append per block: whole lines
            f.write(f"{first}\n")

    after_each_block(monkeypatch, slow_first)
    parent_writes_no_records(monkeypatch)
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f:
        evaluate(path, f, jobs=2, block=400)
    order = [int(line) for line in finished.read_text().split()]
    assert len(order) >= 4 and order[0] != 1  # a later block did finish first
    assert out.read_bytes() == expected


def test_a_task_whose_turn_has_come_is_written_at_once_and_the_others_in_turn(
        tmp_path: Path) -> None:
    with open(tmp_path / "out", "wb") as f:
        shared = turns.Turns(multiprocessing.get_context(), f.fileno(), 0, b"\n")
        shared.put(0, b"zero")
        assert (tmp_path / "out").read_bytes() == b"zero"
        assert shared._queue is None  # no writer thread: its turn had come
        shared.put(2, b"two")  # its turn comes after 1: to the writer thread
        shared.put(1, b"one")  # its turn has come: written here, then 2 in its turn
        shared.drain()
        assert shared.wait(3, 10) and shared.ended() == (True, 12)
    assert (tmp_path / "out").read_bytes() == b"zero\none\ntwo"


def test_a_write_error_in_a_worker_ends_the_run_after_whole_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workers_file(tmp_path, 60)
    expected = serial(path).splitlines(keepends=True)
    real_write_all = turns.write_all
    count = tmp_path / "count"
    count.write_text("")

    def filling(fd: int, data: bytes) -> None:
        with open(count, "a") as f:  # shared by the workers: the writes so far
            f.write("w")
        if len(count.read_text()) > 3:
            real_write_all(fd, data[:10])  # part of the chunk, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write_all(fd, data)

    monkeypatch.setattr(turns, "write_all", filling)
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f, pytest.raises(
            OutputError, match=r"^cannot write the output: No space left on device$"):
        evaluate(path, f, jobs=2, block=300)
    written = out.read_bytes().splitlines(keepends=True)
    assert 0 < len(written) < len(expected) and written == expected[:len(written)]


def test_a_worker_that_dies_while_writing_ends_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when it has sent back the result of the last task already: nothing else would
    tell the parent, waiting for the last writes."""
    path = workers_file(tmp_path, 3)  # one block, one task

    def die(fd: int, data: bytes) -> None:
        os._exit(1)

    monkeypatch.setattr(turns, "write_all", die)
    raised = ending(path, tmp_path / "out.jsonl")
    assert raised is not None, "the run waits for a worker that has died"
    assert len(raised) == 1 and isinstance(raised[0], batch.WorkerProcessError)


def test_a_block_that_fails_ends_the_run_after_the_blocks_before_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's task fails while the other worker holds the tasks after it, waiting for
    their turn: the run ends with the failure (it does not wait for them for ever), and
    the output is the blocks before the failed one, whole."""
    path = workers_file(tmp_path, 60)
    expected = serial(path).splitlines(keepends=True)

    def failing(first: int) -> None:
        if 20 <= first < 30:
            time.sleep(0.5)  # the other worker takes and decides the blocks after
            raise ValueError("this block fails")

    after_each_block(monkeypatch, failing)
    parent_hands_out_nothing(monkeypatch)
    out = tmp_path / "out.jsonl"
    raised = ending(path, out, block=300)
    assert raised is not None, "the run waits for workers that hold later tasks"
    assert len(raised) == 1 and isinstance(raised[0], ValueError)
    written = out.read_bytes().splitlines(keepends=True)
    assert 0 < len(written) < 20 and written == expected[:len(written)]
    assert json.loads(written[-1])["worker"] == "W17"  # the whole block before the failed one


def test_a_worker_that_dies_mid_run_ends_it(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = workers_file(tmp_path, 60)
    expected = serial(path).splitlines(keepends=True)
    after_each_block(monkeypatch, lambda first: os._exit(1) if 20 <= first < 30 else None)
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f, pytest.raises(batch.WorkerProcessError):
        evaluate(path, f, jobs=2, block=300)
    written = out.read_bytes().splitlines(keepends=True)
    assert written == expected[:len(written)] and len(written) < 20


def test_blocks_before_a_line_that_is_not_utf8_are_written_by_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "".join(json.dumps(worker(i)) + "\n" for i in range(20))
    path = write(tmp_path, "w.jsonl", good.encode() + b'{"id": "\xe9"}\n')
    parent_writes_no_records(monkeypatch)
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f, pytest.raises(WorkerFileError, match=r"w\.jsonl:21: not UTF-8"):
        evaluate(path, f, jobs=2, block=100)
    ids = [json.loads(line)["worker"] for line in out.read_bytes().splitlines()]
    assert ids == [f"W{i}" for i in range(len(ids))] and len(ids) >= 15


# The command ------------------------------------------------------------------------------

COMMAND = [sys.executable, "-m", "policyrules", "evaluate", SMALL]


def command(*args: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    return subprocess.run([*COMMAND, *args, "--as-of", AS_OF.isoformat(), "-q"],
                          stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_stdout_and_a_file_get_the_output_of_one_process(tmp_path: Path, fmt: str) -> None:
    path = workers_file(tmp_path, 3000)  # several blocks of batch.BLOCK bytes
    one = command(path, "-f", fmt, "-j", "1")
    piped = command(path, "-f", fmt, "-j", "2")  # stdout: a pipe
    assert one.returncode == piped.returncode == 1  # rejected records
    out = tmp_path / "out"
    into_file = command(path, "-f", fmt, "-j", "2", "-o", str(out))
    assert into_file.returncode == 1 and into_file.stdout == b""
    with open(tmp_path / "redirected", "wb") as f:  # stdout: a file
        redirected = command(path, "-f", fmt, "-j", "2", stdout=f)
    assert redirected.returncode == 1
    assert one.stdout == piped.stdout == out.read_bytes() == (
        tmp_path / "redirected").read_bytes()
    assert one.stdout.count(b"W2999") >= 1


def test_stdout_opened_for_appending_keeps_what_it_held(tmp_path: Path) -> None:
    path = workers_file(tmp_path, 3000)
    one = command(path, "-f", "json", "-j", "1")
    target = tmp_path / "appended"
    target.write_bytes(b"already there\n")
    with open(target, "ab") as f:
        assert command(path, "-f", "json", "-j", "2", stdout=f).returncode == 1
    assert target.read_bytes() == b"already there\n" + one.stdout


def test_a_full_device_met_by_the_workers_is_one_error_line(tmp_path: Path) -> None:
    path = workers_file(tmp_path, 3000)
    with open("/dev/full", "wb") as full:
        proc = command(path, "-j", "2", stdout=full)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "error: cannot write the output: No space left on device\n")
