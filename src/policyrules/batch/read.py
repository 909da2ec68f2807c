"""The first stage: a worker file read as chunks of raw records (or, for JSON Lines sent
to `--jobs` workers, as blocks of whole lines that the workers split themselves)."""

from __future__ import annotations

from collections.abc import Iterator

from ..records import Raw, WorkerInput, block_lines


def chunks(source: WorkerInput, size: int) -> Iterator[list[tuple[int, Raw]]]:
    """(line, raw record) in file order, `size` at a time.

    When the file turns out to be unreadable part way (not UTF-8, malformed JSON), the
    records read before that point still come out, as a last chunk, and then the error.
    """
    chunk: list[tuple[int, Raw]] = []
    try:
        for item in source.raw():
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


def split_block(first: int, block: bytes, name: str) -> list[tuple[int, Raw]]:
    """A block of JSON Lines (from `WorkerInput.blocks`) as raw records."""
    return list(block_lines(first, block, name))


def whole_blocks(source: WorkerInput) -> bool:
    """Whether `source` can go to workers as blocks of bytes: JSON Lines with nothing to
    attach from a training file."""
    return source.format == "jsonl" and source.training_path is None
