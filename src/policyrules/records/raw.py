"""A record as read, before validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import WorkerError


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


Raw = str | Mapping[str, Any] | WorkerError | WithTraining
"""A record as read: JSON Lines text, a §1 mapping, a mapping with training from a
training file, or an error found while reading."""
