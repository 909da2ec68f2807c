"""pytest plugin: the examples in `.policy` files become test items.

Registered through the `pytest11` entry point. It imports policyrules only when a
`.policy` file is collected, so it costs nothing in projects without policies.
Disable with `-p no:policyrules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .policy import Policy
    from .semantics.model import Example


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "policy(path): the policy file that the `policy` fixture loads"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".policy":
        return PolicyExamples.from_parent(parent, path=file_path)
    return None


class PolicyExamples(pytest.File):
    """A policy file: one item per example, or one failing item if it does not check."""

    def collect(self) -> Iterator[pytest.Item]:
        from .errors import PolicyError
        from .policy import load

        try:
            policy = load(self.path)
        except PolicyError as exc:
            yield PolicyDoesNotCheck.from_parent(self, name="check", error=str(exc))
            return
        for example in policy.model.examples:
            yield PolicyExample.from_parent(self, name=example.title, policy=policy,
                                            example=example)


class PolicyDoesNotCheck(pytest.Item):
    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise PolicyExampleFailure(self.error)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
                     ) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}: check"


class PolicyExampleFailure(Exception):
    pass


class PolicyExample(pytest.Item):
    def __init__(self, *, policy: Policy, example: Example, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.example = example

    def runtest(self) -> None:
        from .examples import failure_text, run_example

        result = run_example(self.policy, self.example)
        if not result.passed:
            raise PolicyExampleFailure(failure_text(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
                     ) -> str:
        if isinstance(excinfo.value, PolicyExampleFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.example.span.line - 1, f"example: {self.example.title}"


@pytest.fixture
def policy(request: pytest.FixtureRequest) -> Policy:
    """The policy named by `@pytest.mark.policy("path/to/file.policy")`, loaded (cached)."""
    from .policy import load

    marker = request.node.get_closest_marker("policy")
    if marker is None or not marker.args:
        raise pytest.UsageError('the `policy` fixture needs @pytest.mark.policy("FILE.policy")')
    return load(marker.args[0])


@pytest.fixture
def load_policy() -> Callable[[str], Policy]:
    """`policyrules.load`, for tests that load several policies."""
    from .policy import load

    return load
