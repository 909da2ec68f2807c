"""The decision log: one entry per record decided (or rejected), for audit.

The shape follows the decision logs of Open Policy Agent: an id for the decision, when it
was made, which policy (id and fingerprint) made it, a hash of the input and the result.
`batch/` makes the entries (the `log` stage, and `Policy.evaluate_many`); this module
says what an entry is and where entries go. The log holds only a hash of the input
record, never the record: the canonical JSON of the record (keys sorted, no spaces,
UTF-8) through sha256, so that a record kept elsewhere can be shown to be the one
decided. An error entry names the fields that were
wrong, not their values (the messages quote them).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from ..errors import UsageError, WorkerError
from .decision import Decision
from .workers import Worker

if TYPE_CHECKING:
    from ..policy import Policy

Entry = dict[str, Any]
Mask = Callable[[Entry], Entry]


def canonical(record: object) -> bytes:
    """A record as canonical JSON: keys sorted, no spaces, UTF-8. A value JSON has no form
    for (a date, a numpy number) is written as its `str`."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8", "surrogatepass")


def input_sha256(raw: object) -> str | None:
    """sha256 hex of a record's canonical JSON; of its text when that is not JSON (a line
    of a JSON Lines file that does not parse); None when no record was read (the reader's
    own error)."""
    if isinstance(raw, WorkerError):
        return None
    if isinstance(raw, Worker):
        raw = raw.to_dict()
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):  # nested too deeply: not read as JSON either
            return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        return hashlib.sha256(canonical(parsed)).hexdigest()
    return hashlib.sha256(canonical(raw)).hexdigest()


def now() -> str:
    """The time now, UTC, ISO 8601 with microseconds and `Z`."""
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")
    return stamp.removesuffix("+00:00") + "Z"


def entry(policy: Policy, as_of: datetime.date, key: str, position: int, raw: object,
          outcome: Decision | WorkerError) -> Entry:
    """The log entry of one record: at `position` ("line" or "index", as `key` says)."""
    out: Entry = {
        "decision_id": str(uuid.uuid4()),
        "timestamp": now(),
        "policy": policy.id,
        "fingerprint": policy.fingerprint,
        "as_of": as_of.isoformat(),
        key: position,
        "worker": outcome.worker,
        "input_sha256": input_sha256(raw),
    }
    if isinstance(outcome, Decision):
        out["result"] = {
            "compliant": outcome.compliant,
            "findings": [{"requirement": f.rule.id, "status": f.status,
                          "due": f.due.isoformat() if f.due else None}
                         for f in outcome.findings],
        }
    else:
        out["result"] = None
        out["error"] = {"fields": [p.field for p in outcome.problems]}
    return out


def dumps(e: Entry) -> str:
    """One entry as one line of strict JSON (ASCII, so every reader sees one line)."""
    return json.dumps(e, allow_nan=False, separators=(",", ":"))


class DecisionLog:
    """Where decision log entries go: a file (appended to, one JSON line each), an open
    text stream, or a function called with each entry (a `dict`).

    `mask` is given each entry and returns what is logged: to drop or hash a field before
    it is written (the worker id, say). Pass it to `Policy.evaluate_many(..., log=...)`;
    use it as a context manager, or `close()` it, to close a file it opened.
    """

    def __init__(self, target: str | os.PathLike[str] | IO[str] | Callable[[Entry], None],
                 *, mask: Mask | None = None) -> None:
        self._file: IO[str] | None = None
        self._mask = mask
        if isinstance(target, str | os.PathLike):
            try:
                self._file = open(target, "a", encoding="ascii")  # noqa: SIM115  # close()
            except OSError as exc:
                raise UsageError(f"{os.fsdecode(target)}: cannot open the decision log: "
                                 f"{exc.strerror}") from None
            self._write: Callable[[Entry], None] = self._line(self._file)
        elif callable(target):
            self._write = target
        elif hasattr(target, "write"):
            self._write = self._line(target)
        else:
            raise UsageError(f"a decision log goes to a path, a text stream or a function, "
                             f"not {type(target).__name__}")

    def _line(self, stream: IO[str]) -> Callable[[Entry], None]:
        def write(e: Entry) -> None:
            stream.write(dumps(e) + "\n")
        return write

    def write(self, entries: list[Entry]) -> None:
        """Log `entries` in order, each through the mask, and flush a file."""
        for e in entries:
            self.add(e)
        self.flush()

    def add(self, e: Entry) -> None:
        """Log one entry, through the mask."""
        self._write(self._mask(e) if self._mask is not None else e)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_log(log: DecisionLog | str | os.PathLike[str] | IO[str] | Callable[[Entry], None]
           ) -> DecisionLog:
    """A `DecisionLog` for what `evaluate_many(log=...)` was given."""
    return log if isinstance(log, DecisionLog) else DecisionLog(log)

