"""Loading a policy (parse → check → compile), cached, and the Policy object of CONTRACT §3."""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import pipeline
from .contract.decision import Decision, Eligibility
from .contract.validation import check_worker, date_range_error, parse_worker
from .contract.workers import Worker
from .diagnostics import Diagnostic, did_you_mean
from .engines import interpret
from .engines.compiled import TextEvaluator, compile_policy, compile_text
from .errors import PolicyFileError, UnknownTrainingError, UsageError, WorkerError
from .semantics.coverage import ParagraphCoverage, coverage
from .semantics.dates import OutsideCalendar, is_plain_date
from .semantics.model import PolicyModel, Training
from .semantics.wording import anchor_text, condition_text

if TYPE_CHECKING:
    from .batch.many import LogTarget
    from .engines.columnar import FrameResult
    from .render.contract_json import TextKit

WorkerLike = Worker | Mapping[str, Any]


class Policy:
    """A checked, compiled policy. Obtain one with `policyrules.load`."""

    def __init__(self, model: PolicyModel, warnings: tuple[Diagnostic, ...] = ()) -> None:
        self.model = model
        self.warnings = warnings
        self._evaluate, self.generated_source = compile_policy(model)
        self._text: TextEvaluator | None = None  # `evaluate_text`, made when used
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

    @property
    def fingerprint(self) -> str:
        """sha256 hex of the library version and the text of this policy and every file it
        extends (base first): the same in every decision's `to_dict()`."""
        return self.model.fingerprint

    def __repr__(self) -> str:
        return f"<Policy {self.id!r} from {self.path!r}>"

    def __reduce__(self) -> tuple[type[Policy], tuple[PolicyModel, tuple[Diagnostic, ...]]]:
        # By content: the checked model (plain frozen data) travels, and the evaluator is
        # compiled again on arrival, so no file needs to exist where it is unpickled.
        return (Policy, (self.model, self.warnings))

    # the API ----------------------------------------------------------------------------
    def worker(self, data: WorkerLike) -> Worker:
        """Validate a worker record against CONTRACT §1 and this policy's roles: a mapping
        becomes a `Worker`; a `Worker` built by hand is checked field by field."""
        if isinstance(data, Worker):
            check_worker(data, self._roles)
            return data
        return parse_worker(data, self._roles)

    def evaluate(self, worker: WorkerLike, as_of: datetime.date) -> Decision:
        """The decision for one worker on `as_of` (compiled evaluator)."""
        return self.evaluate_checked(self.worker(worker), _as_date(as_of, "as_of"))

    def evaluate_checked(self, worker: Worker, as_of: datetime.date) -> Decision:
        """`evaluate` for a worker already validated by `Policy.worker` (batch runs).

        Raises DateRangeError (a WorkerError) when a deadline from one of the worker's
        dates would fall after 9999-12-31."""
        try:
            return self._evaluate(worker, as_of)
        except OutsideCalendar as exc:
            raise date_range_error(worker, exc) from None

    def evaluate_text(self, worker: Worker, as_of: datetime.date,
                      kit: TextKit) -> tuple[str, bool]:
        """`evaluate_checked` in the compiled evaluator's text form (the same code writing
        the decision's JSON text with `kit` instead of making a `Decision`:
        `engines.compiled.generate`), and whether it is compliant: the text
        `kit`'s encoder writes for the decision (`render.contract_json.DecisionJson.kit`).
        Compiled on first use."""
        try:
            return self.text_writer()(worker, as_of, kit)
        except OutsideCalendar as exc:
            raise date_range_error(worker, exc) from None

    def text_writer(self) -> TextEvaluator:
        """The text form `evaluate_text` calls, itself: for a batch stage that calls it for
        each worker and makes the `DateRangeError` of an `OutsideCalendar` it raises
        (`contract.validation.date_range_error`), one Python call a worker fewer."""
        write = self._text
        if write is None:
            write = self._text = compile_text(self.model)
        return write

    def evaluate_many(self, workers: Iterable[WorkerLike], as_of: datetime.date, *,
                      log: LogTarget | None = None) -> Iterator[Decision | WorkerError]:
        """Each worker record's `Decision`, or the `WorkerError` that rejects it, in input
        order: the batch path of `policyrules evaluate` (docs/api.md). Lazy; a WorkerError
        has the record's 0-based `index`. `log`: a `DecisionLog`, or a path, text stream
        or function to make one of, given one entry per record."""
        from .batch.many import evaluate_many  # batch/ imports this module

        return evaluate_many(self, workers, _as_date(as_of, "as_of"), log)
    def evaluate_frame(self, workers: object, training: object = None, *,
                       as_of: datetime.date, facts: bool = False,
                       threads: int | None = None) -> FrameResult:
        """Decisions and findings for a whole table of workers (CONTRACT §6), as pyarrow
        Tables; the columnar backend, equal to `evaluate` row for row. With `facts`,
        `result.facts` says what each finding rests on (docs/columnar.md). `threads`: at
        most this many threads deciding the parts of a large table (default: one a core
        the process may use; 1: one thread)."""
        from .engines.columnar import evaluate_frame  # Polars loads only when used

        day = _as_date(as_of, "as_of")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 1):
            raise UsageError(f"threads must be a whole number of at least 1, not {threads!r}")
        return evaluate_frame(self.model, self._roles, workers, training, day,
                              lambda worker: self.evaluate_checked(worker, day),
                              with_facts=facts, threads=threads)

    def interpret(self, worker: WorkerLike, as_of: datetime.date) -> Decision:
        """The same decision from the reference interpreter (slow; the semantics)."""
        checked = self.worker(worker)
        try:
            return interpret.evaluate(self.model, checked, _as_date(as_of, "as_of"))
        except OutsideCalendar as exc:
            raise date_range_error(checked, exc) from None

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
            "fingerprint": m.fingerprint,
            "source": m.source_name,
            "groups": [{"id": g.id, "title": g.title, "members": condition_text(g.condition),
                        "cites": list(g.cites)} for g in m.groups],
            "training": [
                {"id": t.id, "title": t.title, "delivery": t.delivery, "topics": list(t.topics),
                 "requires": [list(alt) for alt in t.requires], "cites": list(t.cites),
                 "hours": t.hours, "counts_as": list(t.counts_as)}
                for t in m.trainings
            ],
            "requirements": [
                {"id": r.id, "title": r.title, "cites": list(r.cites),
                 "applies_to": condition_text(r.condition),
                 "satisfied_by": list(r.satisfied_by),
                 "deadline": str(r.within) if r.within else None,
                 "from": anchor_text(r.deadline_from),
                 "due_before_first": r.before_first.name if r.before_first else None,
                 "renew": str(r.renew) if r.renew else None,
                 "renew_regularly": r.regular_updates,
                 "grace": str(r.grace) if r.grace else None,
                 "hours": None if r.hours is None else {
                     "at_least": r.hours.target,
                     "within": str(r.hours.window) if r.hours.window else None},
                 "delivered": r.delivery,
                 "provided_by": r.provider,
                 "in_force_from": r.in_force_from.isoformat() if r.in_force_from else None,
                 "in_force_until": r.in_force_until.isoformat() if r.in_force_until else None,
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


def _digests(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for p in paths:
        try:  # read as loading reads it: a file swapped for a FIFO must not hang the cache
            digest = hashlib.sha256(pipeline.read_bytes(p)).hexdigest()
        except PolicyFileError:
            digest = ""
        out.append((p, digest))
    return tuple(out)


def build(text: str, path: str = "<policy>",
          resolve_extends: Callable[[str, str], str] = pipeline.resolve,
          ) -> tuple[Policy, tuple[Diagnostic, ...]]:
    """Parse, check and compile policy text; raise PolicyCheckError with every error."""
    result = pipeline.run(text, path, resolve_extends)
    policy = Policy(result.checked_model(), result.warnings)
    return policy, policy.warnings


def loads(text: str, name: str = "inline.policy",
          base_dir: str | os.PathLike[str] | None = None) -> Policy:
    """Parse, check and compile policy text (a policy kept in a database, say).

    `name` stands for the file in messages. An `extends` is resolved against `base_dir`,
    never against the working directory: without `base_dir` it is a PolicyFileError.
    Not cached: each call compiles the text afresh.
    """
    if not isinstance(text, str):
        raise UsageError(f"loads needs the policy as text (str), got {type(text).__name__}; "
                         "for a file use policyrules.load(path)")
    directory = None if base_dir is None else os.fspath(base_dir)

    def resolve_extends(from_path: str, rel: str) -> str:
        if from_path != name:  # a file reached through `extends`: relative to itself
            return pipeline.resolve(from_path, rel)
        if directory is None:
            raise PolicyFileError(
                f"{name}: the policy extends {rel!r}, but it was given as text, so there is "
                "no directory to find that file in; pass base_dir= the directory to "
                "resolve `extends` against")
        return os.path.normpath(os.path.join(directory, rel))

    policy, _ = build(text, name, resolve_extends)
    return policy


def load(path: str | os.PathLike[str]) -> Policy:
    """Parse, check and compile a .policy file. Loading an unchanged file again is cached.

    Raises UsageError when `path` is not a path, PolicyFileError when the file cannot be
    read (or is not a regular file, or is over 10 MiB), PolicyCheckError (with every
    error, each with file, line, column and a caret) when it does not check.
    """
    key = pipeline.policy_path(path)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        digests, policy = cached
        if _digests(tuple(p for p, _ in digests)) == digests:
            return policy
    policy, _ = build(pipeline.read_policy(key), key)
    digests = _digests(policy.model.files)
    with _lock:
        _cache[key] = (digests, policy)
    return policy
