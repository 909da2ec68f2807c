"""A record as read, before validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..errors import Problem, WorkerError


@attrs.frozen(slots=True)
class WithTraining:
    """A worker record with training records added from a separate training file.

    `record["training"]` holds the record's own `inline` entries first, then one entry per
    line of `lines` in the training file `path`; an error in one of those names its line.
    """

    record: Mapping[str, Any]
    path: str
    inline: int
    lines: tuple[int, ...]

    def training_line(self, index: int) -> int | None:
        """The training file's line of `record["training"][index]`, or None if inline."""
        return self.lines[index - self.inline] if index >= self.inline else None


class RowError(WorkerError):
    """A record rejected while it was read (a date that does not fit `--date-format`, a row
    with more cells than columns), with the record as far as it was read: `cells`, its
    fields under their mapped names, each value as read (CSV and xlsx text, JSON values).

    `evaluate --keep` takes a rejected record's kept columns from `cells`; they are only
    ever written out as data, never read as anything else.
    """

    cells: Mapping[str, Any]

    @classmethod
    def carrying(cls, error: WorkerError, cells: Mapping[str, Any]) -> RowError:
        first, *more = error.problems
        out = cls(first.message, worker=error.worker, field=first.field, value=first.value,
                  allowed=first.allowed, more=more)
        out.cells = dict(cells)
        return out

    def __reduce__(self) -> tuple[object, ...]:
        # As WorkerError's, and the cells too (for --jobs workers).
        return (_rebuild_row_error, (self.worker, self.problems, self.cells))


def _rebuild_row_error(worker: str | None, problems: Sequence[Problem],
                       cells: Mapping[str, Any]) -> RowError:
    return RowError.carrying(WorkerError.of(worker, problems), cells)


Raw = str | Mapping[str, Any] | WorkerError | WithTraining
"""A record as read: JSON Lines text, a §1 mapping, a mapping with training from a
training file, or an error found while reading (a `RowError` when the record's cells were
read before it)."""
