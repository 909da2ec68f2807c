"""Loading a policy (parse → check → compile), cached, and the Policy object of CONTRACT §3."""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import pipeline
from .contract.decision import Decision, Eligibility
from .contract.workers import Worker, check_roles, parse_worker
from .diagnostics import Diagnostic, did_you_mean
from .engines import interpret
from .engines.compiled import compile_policy
from .errors import UnknownTrainingError, UsageError
from .semantics.coverage import ParagraphCoverage, coverage
from .semantics.dates import is_plain_date
from .semantics.model import PolicyModel, Training, condition_text

if TYPE_CHECKING:
    from .engines.columnar import FrameResult

WorkerLike = Worker | Mapping[str, Any]


class Policy:
    """A checked, compiled policy. Obtain one with `policyrules.load`."""

    def __init__(self, model: PolicyModel, warnings: tuple[Diagnostic, ...] = ()) -> None:
        self.model = model
        self.warnings = warnings
        self._evaluate, self.generated_source = compile_policy(model)
        self._roles = model.role_names
        self._trainings = {t.id: t for t in model.trainings}

    # identity -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.model.id

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def path(self) -> str:
        return self.model.path

    def __repr__(self) -> str:
        return f"<Policy {self.id!r} from {self.path!r}>"

    # the API ----------------------------------------------------------------------------
    def worker(self, data: WorkerLike) -> Worker:
        """Validate a worker record against CONTRACT §1 and this policy's roles."""
        if isinstance(data, Worker):
            check_roles(data, self._roles)
            return data
        return parse_worker(data, self._roles)

    def evaluate(self, worker: WorkerLike, as_of: datetime.date) -> Decision:
        """The decision for one worker on `as_of` (compiled evaluator)."""
        return self._evaluate(self.worker(worker), _as_date(as_of, "as_of"))

    def evaluate_checked(self, worker: Worker, as_of: datetime.date) -> Decision:
        """`evaluate` for a worker already validated by `Policy.worker` (batch runs)."""
        return self._evaluate(worker, as_of)

    def evaluate_frame(self, workers: object, training: object = None, *,
                       as_of: datetime.date) -> FrameResult:
        """Decisions and findings for a whole table of workers (CONTRACT §6), as pyarrow
        Tables; the columnar backend, equal to `evaluate` row for row."""
        from .engines.columnar import evaluate_frame  # Polars loads only when used

        return evaluate_frame(self.model, self._roles, workers, training,
                              _as_date(as_of, "as_of"))

    def interpret(self, worker: WorkerLike, as_of: datetime.date) -> Decision:
        """The same decision from the reference interpreter (slow; the semantics)."""
        return interpret.evaluate(self.model, self.worker(worker), _as_date(as_of, "as_of"))

    def eligible(self, worker: WorkerLike, training: str, on: datetime.date) -> Eligibility:
        """May the worker attend `training` on `on`? Prerequisites done on or before `on`."""
        return interpret.eligible(self.model, self.worker(worker), self.training(training),
                                  _as_date(on, "on"))

    def training(self, training_id: str) -> Training:
        try:
            return self._trainings[training_id]
        except KeyError:
            hint = did_you_mean(training_id, self._trainings) or (
                "known: " + ", ".join(sorted(self._trainings)))
            raise UnknownTrainingError(
                f"policy {self.id!r} has no training {training_id!r}; {hint}") from None

    def coverage(self) -> tuple[ParagraphCoverage, ...]:
        return coverage(self.model)

    def describe(self) -> dict[str, Any]:
        """Groups, training catalogue and requirements, with cites (CONTRACT §4 JSON shape)."""
        m = self.model
        return {
            "id": m.id,
            "title": m.title,
            "source": m.source_name,
            "groups": [{"id": g.id, "title": g.title, "members": condition_text(g.condition),
                        "cites": list(g.cites)} for g in m.groups],
            "training": [
                {"id": t.id, "title": t.title, "delivery": t.delivery, "topics": list(t.topics),
                 "requires": [list(alt) for alt in t.requires], "cites": list(t.cites)}
                for t in m.trainings
            ],
            "requirements": [
                {"id": r.id, "title": r.title, "cites": list(r.cites),
                 "applies_to": condition_text(r.condition),
                 "satisfied_by": list(r.satisfied_by),
                 "deadline": str(r.within) if r.within else None,
                 "from": f"role {r.anchor_role}" if r.anchor_role else "start",
                 "renew": str(r.renew) if r.renew else None,
                 "grace": str(r.grace) if r.grace else None,
                 "explain": r.explain}
                for r in m.requirements
            ],
            "notes": [{"kind": x.kind, "id": x.id, "title": x.title, "of": x.subject,
                       "cites": list(x.cites)} for x in m.notes],
        }


def _as_date(value: object, name: str) -> datetime.date:
    if not is_plain_date(value):
        raise UsageError(f"{name} must be a datetime.date (not a date-time or text), "
                         f"got {value!r}")
    return value  # type: ignore[return-value]


# Loading ---------------------------------------------------------------------------------

_cache: dict[str, tuple[tuple[tuple[str, str], ...], Policy]] = {}
_lock = threading.Lock()


def _fingerprint(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for p in paths:
        try:
            digest = hashlib.sha256(Path(p).read_bytes()).hexdigest()
        except OSError:
            digest = ""
        out.append((p, digest))
    return tuple(out)


def build(text: str, path: str = "<policy>") -> tuple[Policy, tuple[Diagnostic, ...]]:
    """Parse, check and compile policy text; raise PolicyCheckError with every error."""
    result = pipeline.run(text, path)
    policy = Policy(result.checked_model(), result.warnings)
    return policy, policy.warnings


def load(path: str | os.PathLike[str]) -> Policy:
    """Parse, check and compile a .policy file. Loading an unchanged file again is cached.

    Raises PolicyFileError when it cannot be read, PolicyCheckError (with every error,
    each with file, line, column and a caret) when it does not check.
    """
    key = os.path.normpath(os.fspath(path))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        fingerprint, policy = cached
        if _fingerprint(tuple(p for p, _ in fingerprint)) == fingerprint:
            return policy
    policy, _ = build(pipeline.read_policy(key), key)
    fingerprint = _fingerprint(policy.model.files)
    with _lock:
        _cache[key] = (fingerprint, policy)
    return policy
