"""One exception hierarchy for everything policyrules raises."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .diagnostics import Diagnostic


class PolicyError(Exception):
    """Root of every error policyrules raises."""


class PolicyFileError(PolicyError):
    """A policy file cannot be read (missing, unreadable, not UTF-8)."""


class PolicyCheckError(PolicyError):
    """A policy does not parse or does not check; carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(self.render())

    def render(self, color: bool = False) -> str:
        return "\n".join(d.render(color=color) for d in self.diagnostics)


class PolicySyntaxError(PolicyCheckError):
    """The policy text does not follow the grammar."""


@attrs.frozen
class Problem:
    """One thing wrong with a worker record: the field, what is wrong, the value, what is
    allowed."""

    field: str
    message: str
    value: object = None
    allowed: str | None = None

    def __str__(self) -> str:
        text = f"field {self.field!r}: {self.message}"
        return text + f"; allowed: {self.allowed}" if self.allowed else text


class WorkerError(PolicyError):
    """A worker record breaks CONTRACT §1; names the worker, field, value and what is allowed.

    `problems` lists everything wrong with the record; `field`, `message`, `value` and
    `allowed` are those of the first.
    """

    # The record's 0-based position in the iterable given to `Policy.evaluate_many`
    # (None elsewhere: a file's error record carries its `line` instead).
    index: int | None = None

    def __init__(
        self,
        message: str,
        *,
        worker: str | None,
        field: str,
        value: object = None,
        allowed: str | None = None,
        more: Sequence[Problem] = (),
    ) -> None:
        # An id that cannot be written as UTF-8 (a lone surrogate) is shown escaped, so
        # that the error record itself can always be written.
        self.worker = worker if worker is None or worker.isascii() else encodable(worker)
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message
        self.problems = (Problem(field, message, value, allowed), *more)
        who = f"worker {worker!r}" if worker is not None else "worker (no id)"
        if more:
            text = f"{who}: {len(self.problems)} problems: " + "; ".join(
                f"({n}) {p}" for n, p in enumerate(self.problems, 1))
        else:
            text = f"{who}: {self.problems[0]}"
        super().__init__(text)

    @classmethod
    def of(cls, worker: str | None, problems: Sequence[Problem]) -> WorkerError:
        """One error for every problem of a record (at least one)."""
        first = problems[0]
        return cls(first.message, worker=worker, field=first.field, value=first.value,
                   allowed=first.allowed, more=problems[1:])

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments: tell pickle how to rebuild it (for --jobs workers).
        return (_rebuild_worker_error, (type(self), self.worker, self.problems))

    def details(self) -> str:
        """Every problem, without the worker: `FIELD: MESSAGE; allowed: ...` (numbered
        when there are several)."""
        parts = [f"{p.field}: {p.message}" + (f"; allowed: {p.allowed}" if p.allowed else "")
                 for p in self.problems]
        if len(parts) == 1:
            return parts[0]
        return "; ".join(f"({n}) {text}" for n, text in enumerate(parts, 1))

    def to_dict(self) -> dict[str, object]:
        """The error record's JSON shape; every value in it is strict JSON. With several
        problems, `error.problems` lists each (the first is also `error.field`/`value`)."""
        error: dict[str, object] = {"field": self.field, "message": str(self),
                                    "value": _jsonable(self.value)}
        if len(self.problems) > 1:
            error["problems"] = [{"field": p.field, "message": p.message,
                                  "value": _jsonable(p.value), "allowed": p.allowed}
                                 for p in self.problems]
        return {"worker": self.worker, "error": error}


class DateRangeError(WorkerError):
    """Date arithmetic on one of a worker's dates goes outside the calendar (after
    9999-12-31): an error of that worker's record, not of the run."""


class UnknownTrainingError(PolicyError):
    """A training id that the policy's catalogue does not have was asked for."""


class UsageError(PolicyError):
    """An argument to the API is wrong (for example a date-time where a date belongs)."""


class WorkerProcessError(PolicyError):
    """A `--jobs` worker process stopped unexpectedly; the run cannot go on."""


class GeneratedCodeError(PolicyError):
    """policyrules refused the Python it generated for a policy: a bug in policyrules.

    Raised before anything is compiled when generated code would hold a character other
    than printable ASCII, a policy name that is not a name, or a construct the compiler
    never writes; so nothing taken from a policy or its path can run as code.
    """


def _rebuild_worker_error(cls: type[WorkerError], worker: str | None,
                          problems: Sequence[Problem]) -> WorkerError:
    return cls.of(worker, problems)


def encodable(text: str) -> str:
    """`text` with what UTF-8 cannot hold (lone surrogates) written as `\\udxxx` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _jsonable(value: object) -> object:
    """A value as an error record echoes it: strict JSON (no NaN), always encodable."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, str):
        return value if value.isascii() else encodable(value)
    return encodable(repr(value))
