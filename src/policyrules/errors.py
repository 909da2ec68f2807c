"""One exception hierarchy for everything policyrules raises."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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


class WorkerError(PolicyError):
    """A worker record breaks CONTRACT §1; names the worker, field, value and what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        worker: str | None,
        field: str,
        value: object = None,
        allowed: str | None = None,
    ) -> None:
        self.worker = worker
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message
        who = f"worker {worker!r}" if worker is not None else "worker (no id)"
        text = f"{who}: field {field!r}: {message}"
        if allowed:
            text += f"; allowed: {allowed}"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments: tell pickle how to rebuild it (for --jobs workers).
        return (_rebuild_worker_error, (self.message, self.worker, self.field, self.value,
                                        self.allowed))

    def to_dict(self) -> dict[str, object]:
        return {
            "worker": self.worker,
            "error": {"field": self.field, "message": str(self), "value": _jsonable(self.value)},
        }


class UnknownTrainingError(PolicyError):
    """A training id that the policy's catalogue does not have was asked for."""


class UsageError(PolicyError):
    """An argument to the API is wrong (for example a date-time where a date belongs)."""


class GeneratedCodeError(PolicyError):
    """policyrules refused the Python it generated for a policy: a bug in policyrules.

    Raised before anything is compiled when generated code would hold a character other
    than printable ASCII, a policy name that is not a name, or a construct the compiler
    never writes; so nothing taken from a policy or its path can run as code.
    """


def _rebuild_worker_error(message: str, worker: str | None, field: str, value: object,
                          allowed: str | None) -> WorkerError:
    return WorkerError(message, worker=worker, field=field, value=value, allowed=allowed)


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)
