"""One raw record → a validated `Worker`, or the `WorkerError` saying what is wrong."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..contract.shape import learn, usual_line, usual_worker
from ..errors import WorkerError
from .jsonl import parse_line
from .raw import Raw, WithTraining

if TYPE_CHECKING:
    from ..contract.workers import Worker
    from ..policy import Policy

Item = tuple[int, "str | None", "Worker | WorkerError"]
"""A validated record: (line or row number, worker id or None, Worker or WorkerError)."""

_TRAINING_FIELD = re.compile(r"training\[(\d+)\]")


def validate(policy: Policy, line: int, raw: Raw) -> Item:
    """One raw record → (line, worker id or None, Worker or WorkerError)."""
    data: Any = raw
    text = type(raw) is str or isinstance(raw, str)
    if text:  # JSON Lines text, the common case first
        # The usual line decoded into a Struct, then the usual record from a dict
        # (contract/shape.py); anything else, and every error, from the general path.
        roles = policy.model.role_names
        usual = usual_line(raw, roles)  # type: ignore[arg-type]
        if usual is not None:
            return line, usual.id, usual
        data = parse_line(raw)  # type: ignore[arg-type]
        if type(data) is WorkerError:
            return line, data.worker, data
        usual = usual_worker(data, roles)
        if usual is not None:
            if usual.extra:
                learn(usual.extra)  # so that the next such line takes the typed lane
            return line, usual.id, usual
    elif isinstance(raw, WorkerError):
        return line, raw.worker, raw
    attached = None
    if isinstance(data, WithTraining):
        attached, data = data, data.record
    try:
        worker = policy.worker(data)
    except WorkerError as exc:
        if attached is not None:
            exc = _from_training_file(exc, attached)
        return line, exc.worker, exc
    if text and worker.extra:
        learn(worker.extra)
    return line, worker.id, worker


def _from_training_file(exc: WorkerError, attached: WithTraining) -> WorkerError:
    """An error in a record from the training file names that file and line."""
    m = _TRAINING_FIELD.match(exc.field)
    line = attached.training_line(int(m.group(1))) if m else None
    if line is None:
        return exc
    return WorkerError(f"{exc.message} ({attached.path} line {line})", worker=exc.worker,
                       field=exc.field, value=exc.value, allowed=exc.allowed)
