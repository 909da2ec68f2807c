"""`verify`: set up the run, prove properties 4 and 5 over every profile, check the six
properties on generated workers, and gather the report."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable, Collection

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st

from ..contract.decision import Eligibility
from ..contract.vocabulary import ROLES
from ..contract.workers import Worker
from ..errors import UsageError
from ..policy import Policy, load
from ..semantics.profiles import mentioned_roles
from ..testing import REFERENCE_DATE, _day, _years, workers
from .context import EligibleFn, Evaluator, _Run
from .exhaustive import _exhaustive, profiles
from .oracles import _attainable
from .properties import (
    _achievable,
    _determinism,
    _eligibility,
    _honest_statuses,
    _monotonic_records,
    _monotonic_time,
)
from .report import PROPERTIES, PropertyResult, Report

DEFAULT_MAX_EXAMPLES = 200


def verify(
    policy: Policy | str | os.PathLike[str],
    *,
    max_examples: int | None = None,
    seed: int | None = None,
    derandomize: bool = False,
    evaluate: Evaluator | None = None,
    eligible: EligibleFn | None = None,
    exhaustive: bool = True,
    properties: Collection[int | str] | None = None,
) -> Report:
    """Check the six consistency properties of a policy; see the docstring of
    `policyrules.verify`.

    `max_examples` hypothesis examples per property (default 200); `seed` or
    `derandomize=True` make the run repeatable. `evaluate(worker, as_of)` and
    `eligible(worker, training_id, on)` default to the policy's own (compiled evaluator,
    `Policy.eligible`); give others to verify them instead. `exhaustive=False` skips the
    profile enumeration. `properties` runs only some of them, by number or name
    (`properties=[3]` or `["monotonic in time"]`).
    """
    began = time.perf_counter()
    loaded = policy if isinstance(policy, Policy) else load(policy)
    model = loaded.model

    def default_eligible(worker: Worker, training: str, day: datetime.date) -> Eligibility:
        return loaded.eligible(worker, training, on=day)

    run = _Run(
        policy=loaded,
        model=model,
        evaluate_fn=evaluate or loaded.evaluate_checked,
        eligible_fn=eligible or default_eligible,
        settings=settings(
            max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples,
            deadline=None,
            database=None,
            derandomize=derandomize,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            print_blob=False,
        ),
        seed=seed,
        workers=_worker_strategy(loaded),
        dates=_day(REFERENCE_DATE, _years(REFERENCE_DATE, -4), _years(REFERENCE_DATE, 4)),
        citable=frozenset(model.paragraphs) | {k for k, _ in model.local_ids},
        trainings={t.id: t for t in model.trainings},
        depth=_attainable(model),
    )
    space, dimensions = profiles(model)
    wanted = _selected(properties)
    if not exhaustive or not wanted & {4, 5}:
        space = ()
    proof = _exhaustive(run, space)
    steps: tuple[Callable[[], PropertyResult], ...] = (
        lambda: _determinism(run),
        lambda: _monotonic_records(run),
        lambda: _monotonic_time(run),
        lambda: _honest_statuses(run, proof),
        lambda: _achievable(run, proof),
        lambda: _eligibility(run),
    )
    results = [step() for number, step in enumerate(steps, 1) if number in wanted]
    unreached = tuple(r.id for r in model.requirements if r.id not in proof.reached) if (
        space) else ()
    return Report(model.id, model.path, tuple(results), len(space), dimensions,
                  proof.uncovered, unreached, time.perf_counter() - began)


def _selected(properties: Collection[int | str] | None) -> set[int]:
    if properties is None:
        return {number for number, _, _ in PROPERTIES}
    by_name = {name: number for number, name, _ in PROPERTIES}
    wanted = set()
    for p in properties:
        if isinstance(p, int) and 1 <= p <= len(PROPERTIES):
            wanted.add(p)
        elif isinstance(p, str) and p in by_name:
            wanted.add(by_name[p])
        else:
            raise UsageError(f"no property {p!r}; the properties are "
                             + ", ".join(f"{n} ({name})" for n, name, _ in PROPERTIES))
    if not wanted:
        raise UsageError("properties: choose at least one property")
    return wanted


def _worker_strategy(policy: Policy) -> st.SearchStrategy[Worker]:
    """Workers whose roles are those the policy reads, and one it does not (if any)."""
    model = policy.model
    mentioned = mentioned_roles(model)
    others = [r for r in (*ROLES, *(r.id for r in model.roles)) if r not in mentioned]
    pool = mentioned + tuple(others[:1])
    # Hours and providers only where a rule reads them: other policies keep plain records.
    details = any(r.hours is not None or r.provider is not None for r in model.requirements)
    return workers(policy, as_of=REFERENCE_DATE, roles_from=pool,
                   max_roles=min(4, len(pool)), max_records=6, details=details)
