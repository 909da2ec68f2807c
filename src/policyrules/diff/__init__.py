"""Comparing two policies (CONTRACT §7): over every profile and the dates that matter, or
over a real workforce. `compare.py` decides, `text.py` renders for people.

`diff` is re-exported by `policyrules` itself, so this package is imported by every
program that imports policyrules; `compare.py` is imported only when a comparison is
made (or `Comparison` or `Difference` are asked for), not by `evaluate`'s start-up.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..policy import Policy, WorkerLike
    from .compare import Comparison as Comparison
    from .compare import Difference as Difference


def diff(old: Policy | str | os.PathLike[str], new: Policy | str | os.PathLike[str],
         workers: Iterable[WorkerLike] | None = None, *,
         as_of: datetime.date) -> Comparison:
    """Where `new` decides differently from `old` on `as_of`: `compare.diff` (see its
    docstring), imported on the first call so that `evaluate` does not load it."""
    from .compare import diff as compare

    return compare(old, new, workers, as_of=as_of)


def __getattr__(name: str) -> Any:
    if name in ("Comparison", "Difference"):
        value = getattr(importlib.import_module(".compare", __name__), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Comparison", "Difference", "diff"]
