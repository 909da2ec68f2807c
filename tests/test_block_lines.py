"""A block of JSON Lines decided in one step (`batch.stages.decide_lines`) against the
stages it stands in for (`read.split_block`, then `process`): on generated blocks of good,
bad, blank and odd lines, either no answer (the caller takes the stages) or the same
texts and counts; and the one step is what `evaluate` takes for a block of usual lines,
in one process and with --jobs, so that the stages are not run for nothing."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import policyrules
from policyrules import batch
from policyrules.batch import parallel, read, stages
from policyrules.contract import shape
from policyrules.records import WorkerFileError, WorkerInput
from policyrules.records.jsonl import read_blocks, read_line_blocks, split_lines
from policyrules.render import MACHINE_FORMATS
from test_shape import WORKERS

ROOT = Path(__file__).resolve().parent.parent
POLICY = policyrules.load(ROOT / "policies" / "durham.policy")
USUAL = (ROOT / "examples" / "workers.jsonl").read_bytes().splitlines()[:40]
# Usual lines all: the example's, and one decided as an error record that names its line
# (a deadline past the calendar's end).
FAST = [*USUAL, b'{"id": "W9", "started": "9999-12-31", "contact": "regular"}']
DAYS = st.sampled_from([datetime.date(2026, 11, 22), datetime.date(2028, 2, 29),
                        datetime.date(2026, 1, 31)])

# Lines the one step must leave to the stages, each for its own reason, beside the good
# and bad records of test_shape.py's generator and the example file's usual lines.
ODD = st.sampled_from([
    b"", b"   ", b"\t", b"\r", "\u2028".encode(), b"\x1c",  # blank (isspace)
    b"\xef\xbb\xbf" + USUAL[0],  # a byte order mark (taken off line 1 only)
    USUAL[1] + b"\r",  # a line ended by CR LF
    USUAL[2] + b" " + USUAL[3],  # two records on one line
    USUAL[4][:-1],  # cut short
    b'{"id": "W\xff", "started": "2024-01-01", "contact": "regular"}',  # not UTF-8
    b'{"id": "W\\ud800", "started": "2024-01-01", "contact": "regular"}',  # lone surrogate
    b'{"id": "W1", "started": "2024-01-01", "contact": "regular", "roles": ["nobody"]}',
    b'[1, 2]', b"null", b"{}",
])
LINE = (st.sampled_from(FAST) | ODD
        | WORKERS.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "replace")))


def _job(day: datetime.date, explain: bool = True) -> stages.Job:
    return stages.Job(POLICY, day, MACHINE_FORMATS["jsonl"](day, explain=explain))


def _stages(day: datetime.date, explain: bool, first: int,
            block: bytes) -> tuple[list[Any], tuple[int, int, int]] | str:
    """What the stages give for the block: its texts and counts, or the file error."""
    job = _job(day, explain)
    try:
        chunk = read.split_block(first, block, "w.jsonl")
    except WorkerFileError as exc:
        return str(exc)
    return stages.process(job, chunk), job.counts.as_tuple()


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=8) | st.lists(st.sampled_from(FAST), max_size=8),
       st.integers(1, 40), st.booleans(), DAYS, st.booleans())
def test_a_block_in_one_step_is_what_the_stages_give(lines: list[bytes], first: int,
                                                     ends: bool, day: datetime.date,
                                                     explain: bool) -> None:
    shape.clear()  # the unknown fields learned, as in a fresh process
    block = b"\n".join(lines) + (b"\n" if ends and lines else b"")
    expected = _stages(day, explain, first, block)
    shape.clear()
    job = _job(day, explain)
    texts = stages.decide_lines(job, first, block)
    if texts is not None:
        assert (texts, job.counts.as_tuple()) == expected
    # The same with its lines given, as a reader that split the block gives them.
    shape.clear()
    job = _job(day, explain)
    assert stages.decide_lines(job, first, block, split_lines(block)) == texts
    if texts is not None:
        assert job.counts.as_tuple() == expected[1]
    # A block of usual lines is always taken in one step, whatever its first line number,
    # and from a view of the bytes as from the bytes.
    if all(line in FAST for line in lines):
        shape.clear()
        shape.learn({"job_title": ""})  # the example's one unknown field
        job = _job(day, explain)
        texts = stages.decide_lines(job, first, memoryview(block))
        assert texts is not None and (texts, job.counts.as_tuple()) == expected


def test_a_block_with_an_odd_line_is_left_to_the_stages() -> None:
    day = datetime.date(2026, 11, 22)
    shape.learn({"job_title": ""})
    good = b"\n".join(USUAL[:5]) + b"\n"
    assert stages.decide_lines(_job(day), 1, good) is not None
    unknown_role = json.dumps({**json.loads(USUAL[0]), "roles": ["nobody"]}).encode()
    for odd in (b"", b"  ", b"\xef\xbb\xbf" + USUAL[0], USUAL[0] + b" {}", b'{"id": "\xe9"}',
                unknown_role):
        assert stages.decide_lines(_job(day), 1, good + odd + b"\n" + good) is None, odd
    # Refused at its last line, after the others were written: the job's counts are as
    # they were, for the stages to count the block's lines once.
    job = _job(day)
    job.counts.add((5, 6, 7))
    assert stages.decide_lines(job, 1, good + unknown_role + b"\n") is None
    assert job.counts.as_tuple() == (5, 6, 7)
    # A format that does not fuse (a table's rows, a log) is never taken in one step.
    rows = MACHINE_FORMATS["csv"](day)
    assert stages.decide_lines(stages.Job(POLICY, day, rows), 1, good) is None
    logged = stages.Job(POLICY, day, MACHINE_FORMATS["jsonl"](day), log="line")
    assert stages.decide_lines(logged, 1, good) is None


def test_split_lines_keeps_each_line_s_newline() -> None:
    # As many lines as newlines, each with its own (the usual lane's JSON reader takes it
    # as whitespace), and the file's last line, which may have none.
    assert split_lines(b"") == []
    assert split_lines(b"a\n\nb\r\n") == [b"a\n", b"\n", b"b\r\n"]
    assert split_lines(b"a\n{}") == [b"a\n", b"{}"]
    assert split_lines(b"\n\n") == [b"\n", b"\n"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_evaluate_takes_usual_blocks_in_one_step(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 jobs: int) -> None:
    # The one step stands in for the stages on a file of usual lines: a change that
    # sent such blocks back to the stages would pass the equality tests, and fail here
    # (the worker processes of --jobs are forked, with this patch and the field learned
    # in them).
    def refuse(first: int, block: bytes | memoryview, name: str) -> Any:
        raise AssertionError(f"block at line {first} went through the stages")

    path = tmp_path / "w.jsonl"
    path.write_bytes(b"\n".join(USUAL) + b"\n")
    shape.learn({"job_title": ""})  # as the file's first line with it would teach
    monkeypatch.setattr(read, "split_block", refuse)
    monkeypatch.setattr(parallel, "split_block_partly", refuse)
    out = io.BytesIO()
    with WorkerInput(str(path)) as source:
        counts = batch.run(POLICY, source, datetime.date(2026, 11, 22), "jsonl", jobs=jobs,
                           stdout=out, console=Console(file=io.StringIO()),
                           progress=lambda n: None, block=4096)
    assert counts.total == out.getvalue().count(b"\n") > 10


@settings(max_examples=100, deadline=None)
@given(st.lists(LINE, max_size=30), st.booleans(), st.integers(1, 600))
def test_blocks_read_with_their_lines_are_the_blocks_and_their_lines(
        lines: list[bytes], ends: bool, size: int) -> None:
    # One process reads a JSON Lines file in blocks split as they are read
    # (`read_line_blocks`, for `decide_lines`): the same blocks and first line numbers as
    # `read_blocks`, each with its lines as `split_lines` splits it.
    data = b"\n".join(lines) + (b"\n" if ends and lines else b"")
    with_lines = list(read_line_blocks(io.BytesIO(data), size, lambda n: None))
    assert [(first, block) for first, block, _ in with_lines] == list(
        read_blocks(io.BytesIO(data), size, lambda n: None))
    assert all(split == split_lines(block) for _, block, split in with_lines)
