"""Running the examples written in a policy file (`policyrules test`, the pytest plugin)."""

from __future__ import annotations

from typing import assert_never

import attrs

from .contract.decision import Decision
from .errors import PolicyError
from .policy import Policy
from .semantics.model import Example, Expect


@attrs.frozen
class Mismatch:
    expectation: str  # the `expect` line as written
    line: int
    expected: str
    actual: str


@attrs.frozen
class ExampleResult:
    example: Example
    policy: str
    path: str
    mismatches: tuple[Mismatch, ...]
    decision: Decision | None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None

    @property
    def name(self) -> str:
        return self.example.title


def run_example(policy: Policy, example: Example) -> ExampleResult:
    try:
        decision = policy.evaluate(example.worker, as_of=example.as_of)
        mismatches = tuple(m for e in example.expectations
                           if (m := _check(policy, example, decision, e)) is not None)
    except PolicyError as exc:
        return ExampleResult(example, policy.id, policy.path, (), None, str(exc))
    return ExampleResult(example, policy.id, policy.path, mismatches, decision)


def run_examples(policy: Policy) -> list[ExampleResult]:
    return [run_example(policy, ex) for ex in policy.model.examples]


def failure_text(result: ExampleResult) -> str:
    """A failed example as text, the same for `policyrules test` and the pytest plugin:
    where the example is, each `expect` line that failed (FILE:LINE, to click on) with
    what it expected and what it got, then every finding the worker actually has."""
    ex = result.example
    lines = [f'{ex.span.file}:{ex.span.line}: example "{ex.title}" failed']
    if result.error:
        lines.append(f"  error: {result.error}")
    for miss in result.mismatches:
        lines.append(f"  {ex.span.file}:{miss.line}: {miss.expectation.strip()}")
        lines.append(f"    expected: {miss.expected}")
        lines.append(f"    actual:   {miss.actual}")
    d = result.decision
    if d is not None:
        found = "; ".join(f"{f.requirement} {f.status}"
                          + (f" deadline {f.due.isoformat()}" if f.due else "")
                          for f in d.findings) or "none"
        lines.append(f"  actual findings: {found}; {_compliance(d.compliant)}")
    return "\n".join(lines)


def _names(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "none"


def _check(policy: Policy, ex: Example, d: Decision, e: Expect) -> Mismatch | None:
    def miss(expected: str, actual: str) -> Mismatch:
        return Mismatch(e.text, e.span.line, expected, actual)

    match e.kind:
        case "compliant":
            if d.compliant != e.flag:
                return miss(_compliance(e.flag), _compliance(d.compliant))
            return None
        case "no-finding":
            assert e.name is not None
            f = d.finding(e.name)
            return miss(f"no finding for {e.name}", f"{e.name} {f.status}") if f else None
        case "status":
            assert e.name is not None
            f = d.finding(e.name)
            if f is None:
                return miss(f"{e.name} {e.status}",
                            f"no finding for {e.name} (it does not apply)")
            want = f"{e.name} {e.status}" + (_deadline(e.deadline) if e.check_deadline else "")
            got = f"{e.name} {f.status}" + (_deadline(f.due) if e.check_deadline else "")
            return miss(want, got) if want != got else None
        case "groups" | "findings":
            actual = (list(d.groups) if e.kind == "groups"
                      else [f.requirement for f in d.findings])
            if sorted(actual) != sorted(e.names):
                return miss(f"{e.kind} {_names(e.names)}", f"{e.kind} {_names(actual)}")
            return None
        case "eligible":
            assert e.name is not None
            on = e.on or ex.as_of
            result = policy.eligible(ex.worker, e.name, on=on)
            if result.ok != e.flag:
                word = {True: "eligible", False: "not eligible"}
                return miss(f"{word[e.flag]} for {e.name} on {on}",
                            f"{word[result.ok]}: " + "; ".join(result.reasons))
            return None
        case _:
            assert_never(e.kind)


def _compliance(flag: bool) -> str:
    return "compliant" if flag else "not compliant"


def _deadline(day: object) -> str:
    return f" deadline {day}" if day is not None else " no deadline"
