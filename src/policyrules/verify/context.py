"""What every property check shares: the run (the policy, the engine under test,
hypothesis settings and strategies) and `_Found`, the failure a check raises."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from ..contract.decision import Decision, Eligibility
from ..contract.workers import Worker
from ..policy import Policy
from ..semantics import model as m
from .report import PROPERTIES, Counterexample, PropertyResult

Evaluator = Callable[[Worker, datetime.date], Decision]
EligibleFn = Callable[[Worker, str, datetime.date], Eligibility]
DAY = datetime.timedelta(days=1)


class _Found(Exception):
    """A property fails for this worker; raised inside a hypothesis test so that it shrinks."""

    def __init__(self, worker: Worker, as_of: datetime.date, message: str) -> None:
        super().__init__(f"{worker.id}: {message}")
        self.worker = worker
        self.as_of = as_of
        self.message = message


@attrs.define
class _Run:
    policy: Policy
    model: m.PolicyModel
    evaluate_fn: Evaluator
    eligible_fn: EligibleFn
    settings: settings
    seed: int | None
    workers: st.SearchStrategy[Worker]
    dates: st.SearchStrategy[datetime.date]
    citable: frozenset[str]
    trainings: dict[str, m.Training]
    depth: dict[str, int]  # attainable trainings: how many prerequisite steps deep

    @property
    def events(self) -> frozenset[str]:
        """Trainings whose records change what applies or when it is due."""
        return self.model.event_trainings

    def evaluate(self, worker: Worker, day: datetime.date) -> Decision:
        try:
            return self.evaluate_fn(worker, day)
        except Exception as exc:
            raise _Found(worker, day, f"evaluating raised {type(exc).__name__}: {exc}") from exc

    def eligible(self, worker: Worker, training: str, day: datetime.date) -> Eligibility:
        try:
            return self.eligible_fn(worker, training, day)
        except Exception as exc:
            raise _Found(worker, day, f"eligible({training!r}) raised "
                                      f"{type(exc).__name__}: {exc}") from exc

    def given(self, strategy: st.SearchStrategy[Any],
              check: Callable[[Any], None]) -> tuple[_Found | None, int]:
        """Run `check` on examples of `strategy`; the shrunk failure, and examples run."""
        runs = 0

        def test(case: Any) -> None:
            nonlocal runs
            check(case)
            runs += 1  # after: an example that overran the data does not count

        run = self.settings(given(strategy)(test))
        if self.seed is not None:
            run = hypothesis_seed(self.seed)(run)
        try:
            run()
        except _Found as found:
            return found, runs
        except BaseExceptionGroup as group:  # e.g. hypothesis' FlakyFailure
            inner = _first_found(group)
            if inner is None:
                raise
            return _Found(inner.worker, inner.as_of, inner.message + " (and not reproducibly: "
                          "the same input failed once and passed once)"), runs
        return None, runs


def _first_found(group: BaseExceptionGroup[Any]) -> _Found | None:
    for exc in group.exceptions:
        if isinstance(exc, _Found):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_found(exc)
            if found is not None:
                return found
    return None


def _result(number: int, found: _Found | None, examples: int, seconds: float,
            profiles: int = 0, detail: str = "") -> PropertyResult:
    _, name, statement = PROPERTIES[number - 1]
    cx = (None if found is None
          else Counterexample(number, name, found.worker, found.as_of, found.message))
    return PropertyResult(number, name, statement, cx, examples, profiles, seconds, detail)
