"""`evaluate --keep COL,…`: input columns carried into every output record (CONTRACT §8).

A kept column is written under its own name: in JSON after the contract's keys, in CSV
right after `worker`. Values come from the input as it was read (a date field of a
decided worker as its ISO text); a column the record does not have is null (CSV: empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..contract.workers import Worker
from ..errors import PolicyError
from ..records import Raw, RowError, WithTraining, parse_line

# Keys of a decision (CONTRACT §2) and of an error record (§1.5): a kept column under one
# of these names would overwrite what the contract says is there.
CONTRACT_KEYS = ("worker", "policy", "fingerprint", "as_of", "compliant", "groups",
                 "findings", "unrecognised_training", "error", "line")
# Lists, already in a decision as groups and evidence; not one value a column can hold.
_LISTS = ("roles", "training")
_ATTRIBUTES = frozenset(("id", "started", "contact", "agency", "sector", "volunteer"))


class KeepError(PolicyError):
    """`--keep` names a column that cannot be carried into the output."""


def keep_columns(values: Iterable[str], taken: Sequence[str] = CONTRACT_KEYS) -> tuple[str, ...]:
    """The columns of `--keep a,b --keep c`, in order, each once.

    Raises KeepError for an empty name, a name of the output's own (`taken`), or a list
    field (`roles`, `training`).
    """
    names: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if not name:
                raise KeepError(f"--keep {value!r}: an empty column name; give column names "
                                "separated by commas, e.g. --keep team,agency")
            if name in taken:
                raise KeepError(f"--keep {name!r}: the output already has a {name!r} "
                                f"column; keep input columns other than {', '.join(taken)}")
            if name in _LISTS:
                raise KeepError(f"--keep {name!r}: a list field cannot be kept (it is in "
                                "the findings' evidence and groups already)")
            if name not in names:
                names.append(name)
    return tuple(names)


def worker_values(worker: Worker, keep: Sequence[str]) -> list[Any]:
    """The kept columns of a decided worker, as JSON values."""
    out: list[Any] = []
    for name in keep:
        if name in _ATTRIBUTES:
            value = getattr(worker, name)
            out.append(value.isoformat() if name == "started" else value)
        else:
            out.append(worker.extra.get(name))
    return out


def raw_values(raw: Raw, keep: Sequence[str]) -> list[Any]:
    """The kept columns of a record as read (for a record that is rejected): those of its
    cells when it was rejected while being read; null for a record that is not an object
    at all (a JSON Lines line that is not JSON)."""
    data: Any = raw
    if isinstance(raw, RowError):
        data = raw.cells
    elif isinstance(raw, str):
        data = parse_line(raw)
    if isinstance(data, WithTraining):
        data = data.record
    if not isinstance(data, Mapping):
        return [None] * len(keep)
    return [data.get(name) for name in keep]
