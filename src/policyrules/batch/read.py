"""The first stage: a worker file read as chunks of raw records (or, for JSON Lines sent
to `--jobs` workers, as blocks of whole lines that the workers split themselves, or that
they take from a regular file themselves, one after another: `Spans`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..records import Raw, WorkerFileError, WorkerInput, block_lines
from ..records.jsonl import next_lines, read_span

if TYPE_CHECKING:  # multiprocessing loads only for --jobs (tests/test_imports.py)
    from multiprocessing.context import BaseContext


def chunks(source: Iterable[tuple[int, Raw]], size: int) -> Iterator[list[tuple[int, Raw]]]:
    """(line, raw record) in file order, `size` at a time, from a `WorkerInput` (its
    `raw` records) or a block's lines (`block_lines`).

    When the file turns out to be unreadable part way (not UTF-8, malformed JSON), the
    records read before that point still come out, as a last chunk, and then the error.
    """
    chunk: list[tuple[int, Raw]] = []
    try:
        for item in source:
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except Exception:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


def split_block(first: int, block: bytes | memoryview, name: str) -> list[tuple[int, Raw]]:
    """A block of JSON Lines (from `WorkerInput.blocks`) as raw records."""
    records, failure = split_block_partly(first, block, name)
    if failure is not None:
        raise failure
    return records


def split_block_partly(first: int, block: bytes | memoryview, name: str
                       ) -> tuple[list[tuple[int, Raw]], WorkerFileError | None]:
    """`split_block`, and the file error it would raise (a line that is not UTF-8) with
    the records before that line, which one process decides and writes before it stops:
    so do `--jobs` workers (`parallel.PartlyRead`)."""
    records: list[tuple[int, Raw]] = []
    try:
        for record in block_lines(first, block, name):
            records.append(record)
    except WorkerFileError as exc:
        return records, exc
    return records, None


def whole_blocks(source: WorkerInput) -> bool:
    """Whether `source` can go to workers as blocks of bytes: JSON Lines with nothing to
    attach from a training file."""
    return source.format == "jsonl" and source.training_path is None


# The slots of `Spans`' shared state.
_OFFSET = 0  # where the next block starts
_LINE = 1  # the line number of its first line
_TASK = 2  # its number, in input order
_DONE = 3  # records decided so far, for progress
_STOP = 4  # 1 once no more blocks are to be taken


class Spans:
    """A regular JSON Lines file (`WorkerInput.regular_file`) cut into blocks of whole
    lines by the `--jobs` worker processes themselves, each taking the next block when it
    is ready for one: no process hands blocks out, and a worker that is slowed down takes
    fewer. A block's lines are counted as it is taken, under the lock, so that its first
    line number (which its error records carry) is known; the bytes read for that are the
    block's own, read once, and they are split into lines there (`readlines`: in less time
    than `bytes.count` counts them, 37 µs against 132 on 256 KiB), for the taker, which
    would split them anyway. Made before the workers are
    forked, shared with them."""

    def __init__(self, ctx: BaseContext, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self._lock = ctx.Lock()
        self._state: Any = ctx.RawArray("q", 5)  # written under `_lock`
        self._state[_LINE] = 1

    def take(self, done: int
             ) -> tuple[int, int, bytes | memoryview, list[bytes] | None] | None:
        """After `done` more records decided, the next block: (its number, the line number
        of its first line, its bytes, its lines when split on the way: see `next_lines`);
        None at the end of the file or after `stop`."""
        state = self._state
        with self._lock:
            state[_DONE] += done
            offset = state[_OFFSET]
            if state[_STOP]:
                return None
            length, count, data, lines = next_lines(self.fd, self.size, offset)
            if not length:
                return None
            task, first = state[_TASK], state[_LINE]
            state[_OFFSET], state[_LINE], state[_TASK] = offset + length, first + count, task + 1
        return task, first, data or read_span(self.fd, offset, length), lines

    def stop(self) -> None:
        """No more blocks are taken (after a failure)."""
        with self._lock:
            self._state[_STOP] = 1

    # Read without the lock by the parent, for progress: one aligned 8-byte word each.

    @property
    def read(self) -> int:
        """Bytes of the file taken so far."""
        return int(self._state[_OFFSET])

    @property
    def taken(self) -> int:
        """Blocks taken so far."""
        return int(self._state[_TASK])

    @property
    def done(self) -> int:
        """Records decided so far (as of each worker's last block taken)."""
        return int(self._state[_DONE])
