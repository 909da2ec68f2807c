"""JSON Lines worker files read as tables (CONTRACT §1), for the columnar route.

Each line is decoded by msgspec into typed structs (`_Worker`, `_Role`, `_Record`) whose
fields have exactly the types the row path accepts without a word: text where §1 wants
text, true/false for `volunteer`, a number from 0 to `MAX_HOURS` for `hours`. A line that
decodes so gives the columnar backend the values `json.loads` would give the row path
(`records/jsonl.py`), so both check and decide it alike; a rejected row's error text is
worded by the row path from those same values (`engines/columnar/row_path.py`), and the only
value that a table cannot give back as written, an integer `hours`, is always a good one
here, which no error text shows. Every other line is the row path's, per line, read by
`block_lines` exactly as `evaluate` reads it: invalid JSON, a value of another type or out
of range, a missing required field, NaN, a number too large, a lone surrogate (`\\ud800`,
which UTF-8 cannot hold, and which the typed decoder may skip in a field it does not
read), a line with more than `_DEPTH` brackets (nested deeply, it may be too deep for the
row path's reader), the BOM of line 1 and lines of Unicode space. A block of the file
that is not UTF-8 is read line by line up to the bad line, whose error then ends the run,
as it ends the row path's. Unknown fields, of the worker or of a record, change no
decision (§1) and are not read.

msgspec was measured against Polars' `read_ndjson` with an explicit schema on 200,000
lines of `examples/generate.py --clean --jsonl`: about 3 µs a line against 35 µs, and it
says per line whether the line has the shape, which Polars' reader (one schema, values of
other types cast or the whole batch refused) cannot.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import re
from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, Annotated, Any

import attrs
import msgspec
import numpy as np
import polars as pl
import pyarrow as pa

from ..contract.vocabulary import MAX_HOURS
from .jsonl import block_lines, read_blocks
from .text import not_utf8, open_file

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

BLOCK = 1 << 22  # bytes read and decoded at a time
_DEPTH = 400  # brackets in a line beyond which it is the row path's (see `_lines`)

_Hours = (Annotated[int, msgspec.Meta(ge=0, le=MAX_HOURS)]
          | Annotated[float, msgspec.Meta(ge=0, le=MAX_HOURS)] | None)


# gc=False: a batch makes millions of these, which hold no cycles; tracked, they set off
# the cyclic collector over and over (a third of the decoding time, measured).
class _Role(msgspec.Struct, gc=False):
    role: str
    since: str | None = None


class _Record(msgspec.Struct, gc=False):
    training: str
    completed: str
    delivery: str | None = None
    provider: str | None = None
    hours: _Hours = None
    level: str | None = None


class _Worker(msgspec.Struct, gc=False):
    id: str
    started: str
    contact: str
    roles: list[str | _Role] | None = None
    training: list[_Record] | None = None
    agency: str | None = None
    sector: str | None = None
    volunteer: bool | None = None


_decode = msgspec.json.Decoder(_Worker).decode
# A `\uD800`–`\uDFFF` escape (a surrogate, lone or in a pair): such lines go to the row
# path, which says whether UTF-8 can hold the text. A false match (`\\uD800`, an escaped
# backslash) only sends a good line there.
_SURROGATE = re.compile(rb"\\u[dD][89abAB]")
_Line = tuple[int, bytes, bool]  # a line's number, bytes, and whether it is the row path's
_ROLE = pl.Struct({"role": pl.String, "since": pl.String})

WORKER_SCHEMA: dict[str, PolarsDataType] = {
    "id": pl.String, "started": pl.String, "contact": pl.String, "roles": pl.List(_ROLE),
    "agency": pl.String, "sector": pl.String, "volunteer": pl.Boolean, "_line": pl.Int64}
TRAINING_SCHEMA: dict[str, PolarsDataType] = {
    "worker": pl.String, "training": pl.String, "completed": pl.String,
    "delivery": pl.String, "provider": pl.String, "hours": pl.Float64,
    "hours_integer": pl.Boolean, "level": pl.String, "_line": pl.Int64,
    "_position": pl.Int64}


@attrs.frozen
class JsonBatch:
    """Consecutive lines of a JSON Lines file: those read as tables, and the rest.

    `workers`: one row per line read (`WORKER_SCHEMA`: the §1 scalar columns, `roles` as
    a list of `{role, since}`, a name given alone having a null `since`, and the line in
    `_line`). `training`: one row per nested record of those lines, in file order, with
    the worker's `id` in `worker`, its line in `_line` and its place in the worker's list
    in `_position` (`TRAINING_SCHEMA`); `hours_integer` says whether `hours` was written
    as an integer (`3`, not `3.0`), which the number column alone cannot. `rest`: the
    other lines that hold a record, as `(line, text)` for the row path, in file order.
    """

    workers: pl.DataFrame
    training: pl.DataFrame
    rest: list[tuple[int, str]]


class JsonlTable:
    """A JSON Lines worker file opened for the columnar route (see the module's doc)."""

    first_line = 1

    def __init__(self, path: str) -> None:
        self.path = path
        self.columns = [name for name in WORKER_SCHEMA if name != "_line"]
        open_file(path, "worker").close()  # the row path's error for a missing file

    def close(self) -> None:
        """Nothing is held open between reads."""

    def frames(self, size: int, columns: tuple[str, ...] | None = None
               ) -> Iterator[pl.DataFrame]:
        """The workers frames of `batches` (the lines read as tables), `columns` of them."""
        for batch in self.batches(size):
            yield batch.workers if columns is None else batch.workers.select(columns)

    def batches(self, size: int) -> Iterator[JsonBatch]:
        """The file's lines, `size` records at most at a time, in file order. A block
        that is not UTF-8 ends the reading with the row path's WorkerFileError, after the
        lines before its bad line.

        Each block of the file is decoded on its own, so only a block's lines and their
        decoded values are held at once (they take ten times the room of the frames),
        and its frames are joined to the batch's."""
        held: list[JsonBatch] = []
        count = 0
        with open_file(self.path, "worker") as f:
            for first, block in read_blocks(f, BLOCK, lambda n: None):
                found, error = _lines(first, block, self.path)
                for start in range(0, len(found), size):
                    part = batch(found[start:start + size], self.path)
                    records = part.workers.height + len(part.rest)
                    if held and count + records > size:
                        yield _joined(held)
                        held, count = [], 0
                    held.append(part)
                    count += records
                if error is not None:
                    if held:
                        yield _joined(held)
                    raise error
        if held:
            yield _joined(held)


def _joined(parts: list[JsonBatch]) -> JsonBatch:
    if len(parts) == 1:
        return parts[0]
    return JsonBatch(pl.concat([p.workers for p in parts]),
                     pl.concat([p.training for p in parts]),
                     [item for p in parts for item in p.rest])


def _lines(first: int, block: bytes, name: str) -> tuple[list[_Line], Exception | None]:
    """The block's lines that are not blank (only ASCII space), and the error of its
    first line that is not UTF-8, if any (the lines before it are given)."""
    parts = block.split(b"\n")
    if block.endswith(b"\n"):
        parts.pop()
    # A line nested deeper than _DEPTH may hold more than the row path's reader can
    # (which ends near Python's recursion limit, where the typed decoder may not): it is
    # the row path's. Such a line has more brackets than that, and twice as many bytes.
    if _SURROGATE.search(block) is None:
        found = [(n, data, len(data) > 2 * _DEPTH
                  and data.count(b"[") + data.count(b"{") > _DEPTH)
                 for n, data in enumerate(parts, first) if data.strip()]
    else:
        found = [(n, data, _SURROGATE.search(data) is not None or (
                  len(data) > 2 * _DEPTH and data.count(b"[") + data.count(b"{") > _DEPTH))
                 for n, data in enumerate(parts, first) if data.strip()]
    if block.isascii():
        return found, None
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return found, None
    for i, (n, data, _) in enumerate(found):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return found[:i], not_utf8(name, n, exc.start + 1, data[exc.start])
    raise AssertionError("a block that is not UTF-8 has a line that is not")  # pragma: no cover


def batch(lines: list[_Line], name: str) -> JsonBatch:
    """The lines, none blank, each decoded as a table row or left to the row path."""
    # The decoded lines hold two lists each, which the cyclic collector would go over
    # again and again while the batch is built (five times the time of the rest, measured
    # on 40,000 lines); nothing here makes a cycle, and what is freed is freed at once.
    with _collector_off():
        return _batch(lines, name)


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _batch(lines: list[_Line], name: str) -> JsonBatch:
    decoded: list[_Worker] = []
    numbers: list[int] = []
    rest: list[tuple[int, str]] = []
    for n, data, odd in lines:
        if not odd:
            try:
                decoded.append(_decode(data))
            except (msgspec.DecodeError, RecursionError):
                pass
            else:
                numbers.append(n)
                continue
        rest.extend(block_lines(n, data, name))
    return JsonBatch(*_frames(decoded, numbers), rest)


def _frames(decoded: list[_Worker], numbers: list[int]
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The workers and training frames of decoded lines."""
    line = np.array(numbers, np.int64)
    roles = _values(decoded, "roles")
    items = list(chain.from_iterable(r for r in roles if r))
    role_offsets = np.zeros(len(decoded) + 1, np.int32)
    np.cumsum([len(r) if r else 0 for r in roles], out=role_offsets[1:])
    role_names = [i if isinstance(i, str) else i.role for i in items]
    since = [None if isinstance(i, str) else i.since for i in items]
    role_list = pa.ListArray.from_arrays(pa.array(role_offsets), pa.StructArray.from_arrays(
        [pa.array(role_names, pa.string()), pa.array(since, pa.string())], ["role", "since"]))
    workers = pl.DataFrame([
        *(_column(decoded, name) for name in ("id", "started", "contact")),
        pl.Series("roles", role_list, dtype=pl.List(_ROLE)),
        _column(decoded, "agency"), _column(decoded, "sector"),
        _column(decoded, "volunteer", pl.Boolean),
        pl.Series("_line", line)])

    trainings = _values(decoded, "training")
    counts = np.array([len(t) if t else 0 for t in trainings], np.int64)
    records = list(chain.from_iterable(t for t in trainings if t))
    owner = np.repeat(np.arange(len(decoded)), counts)
    starts = np.cumsum(counts) - counts
    hours = _values(records, "hours")
    training = pl.DataFrame([
        workers["id"].gather(owner).alias("worker"),
        *(_column(records, name) for name in ("training", "completed", "delivery",
                                              "provider")),
        # Every number here is at most MAX_HOURS (the decoder's bound): exact as a float.
        pl.Series("hours", hours, dtype=pl.Float64, strict=False),
        pl.Series("hours_integer", [None if h is None else type(h) is int for h in hours],
                  dtype=pl.Boolean),
        _column(records, "level"),
        pl.Series("_line", line[owner]),
        pl.Series("_position", np.arange(len(records), dtype=np.int64) - starts[owner])])
    return workers, training


def _values(items: list[_Worker] | list[_Record], field: str) -> list[Any]:
    # `map` with an attrgetter: the loop runs in C (half the time of a comprehension).
    return list(map(operator.attrgetter(field), items))


def _column(items: list[_Worker] | list[_Record], field: str,
            dtype: PolarsDataType = pl.String) -> pl.Series:
    return pl.Series(field, _values(items, field), dtype=dtype)
