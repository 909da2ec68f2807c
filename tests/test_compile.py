"""The compiled evaluator: agrees with the reference interpreter; generated code is safe."""

import datetime
import linecache
import traceback
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyrules
from policyrules.engines.compiled import compile_policy
from policyrules.semantics import model as m
from strategies import DAYS, worker_dicts

FIXTURES = Path(__file__).parent / "fixtures"
POLICIES = [FIXTURES / "features.policy", FIXTURES / "features_local.policy",
            FIXTURES / "framework.policy",
            *sorted((Path(__file__).parent.parent / "policies").rglob("*.policy"))]


@st.composite
def case(draw: st.DrawFn) -> tuple[policyrules.Policy, dict[str, object], datetime.date]:
    policy = policyrules.load(draw(st.sampled_from(POLICIES)))
    roles = sorted(policy.model.role_names)
    trainings = [t.id for t in policy.model.trainings]
    return policy, draw(worker_dicts(roles, trainings)), draw(DAYS)


@settings(max_examples=400)
@given(case())
def test_compiled_equals_interpreted(c: tuple[policyrules.Policy, dict[str, object],
                                              datetime.date]) -> None:
    policy, worker, as_of = c
    compiled = policy.evaluate(worker, as_of=as_of)
    reference = policy.interpret(worker, as_of=as_of)
    assert compiled == reference
    assert compiled.to_dict() == reference.to_dict()


def test_generated_code_names_its_policy_lines(features: policyrules.Policy) -> None:
    src = features.generated_source
    req = next(r for r in features.model.requirements if r.id == "supervision")
    assert f"# {req.span.file}:{req.span.line}" in src
    filename = f"<policyrules compiled {features.path}>"
    assert linecache.getline(filename, 1).startswith("def evaluate(worker, as_of):")


def test_traceback_from_generated_code_points_at_the_policy_line(
        features: policyrules.Policy) -> None:
    class Broken:
        id = "B1"
        started = datetime.date(2026, 1, 1)
        contact = "regular"
        sector = None
        volunteer = False
        roles = ()
        training = (object(),)  # not a record: fails inside the generated loop

    with pytest.raises(AttributeError) as info:
        features.evaluate_checked(Broken(), datetime.date(2026, 2, 1))  # type: ignore[arg-type]
    text = "".join(traceback.format_exception(info.value))
    assert f"<policyrules compiled {features.path}>" in text
    assert "c = rec.completed" in text


def test_names_that_are_not_names_are_refused(features: policyrules.Policy) -> None:
    rule = features.model.requirements[0]
    group = m.Group("x') or __import__('os') or ('", "G", m.RoleHeld("trainer"), ("1.1",),
                    rule.span)
    bad = m.PolicyModel(**{**_fields(features.model), "groups": (group,)})
    with pytest.raises(ValueError, match="refusing to inline"):
        compile_policy(bad)


def test_role_names_are_checked_before_inlining(features: policyrules.Policy) -> None:
    rule = features.model.requirements[0]
    sneaky = m.Requirement(**{**_fields(rule), "condition": m.RoleHeld("a' + b + '")})
    bad = m.PolicyModel(**{**_fields(features.model), "requirements": (sneaky,)})
    with pytest.raises(ValueError, match="refusing to inline"):
        compile_policy(bad)


def _fields(obj: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(obj, recurse=False)  # type: ignore[arg-type]
