"""The nesting limit: deep conditions are a policy error with a caret, never a crash."""

import datetime

import pytest

from policyrules import PolicyCheckError, PolicySyntaxError
from policyrules.language.nesting import MAX_NESTING
from policyrules.policy import build

HEAD = '''policy p
  title "P"
  source "S" paragraphs 1.1
training t "T" delivery single-agency cites 1.1
'''
REQUIREMENT = ('requirement r "R"\n  applies to {}\n  satisfied by t\n  no deadline\n'
               '  cites 1.1\n  explain "E"\n')
WORKERS = [{"id": "a", "started": "2020-01-01", "contact": "none", "roles": ["trainer"]},
           {"id": "b", "started": "2020-01-01", "contact": "regular", "volunteer": True}]
DAY = datetime.date(2026, 1, 1)


def brackets(depth: int) -> str:
    return "(" * depth + "role trainer or volunteer" + ")" * depth


def nots(depth: int) -> str:
    return "not " * depth + "volunteer"


def mixed(depth: int) -> str:
    return "(not " * (depth // 2) + "volunteer" + ")" * (depth // 2)


@pytest.mark.parametrize("condition", [brackets, nots, mixed])
def test_a_condition_at_the_limit_loads_and_both_engines_agree(condition) -> None:
    policy, _ = build(HEAD + REQUIREMENT.format(condition(MAX_NESTING)), "p.policy")
    for worker in WORKERS:
        assert policy.evaluate(worker, as_of=DAY) == policy.interpret(worker, as_of=DAY)
    decided = [len(policy.evaluate(w, as_of=DAY).findings) for w in WORKERS]
    expected = {brackets: [1, 1], nots: [0, 1], mixed: [0, 1]}[condition]  # even `not`s
    assert decided == expected


@pytest.mark.parametrize("condition, token", [(brackets, "("), (nots, "not")])
def test_one_level_more_is_a_syntax_error_at_the_token(condition, token: str) -> None:
    text = HEAD + REQUIREMENT.format(condition(MAX_NESTING + 1))
    with pytest.raises(PolicySyntaxError) as info:
        build(text, "p.policy")
    (error,) = info.value.diagnostics
    assert error.code == "too-deep"
    line = text.splitlines()[error.span.line - 1]
    # The level past the limit is the last bracket or the last `not` written.
    assert error.span.column - 1 == line.rindex(token)
    assert "nests more than 32 levels deep" in error.message
    assert error.render().splitlines()[2].endswith(" " * (error.span.column - 1) + "^")


def test_the_bracket_is_found_past_a_comment_and_a_line_break() -> None:
    condition = ("volunteer and (  # why\n" + "(" * MAX_NESTING + "  # (more)\n"
                 "  role trainer or volunteer" + ")" * (MAX_NESTING + 1))
    with pytest.raises(PolicySyntaxError) as info:
        build(HEAD + REQUIREMENT.format(condition), "p.policy")
    (error,) = info.value.diagnostics
    assert (error.span.line, error.span.column) == (7, MAX_NESTING)


@pytest.mark.parametrize("condition", [brackets, nots])
def test_ten_thousand_levels_are_a_syntax_error_not_a_recursion_error(condition) -> None:
    with pytest.raises(PolicySyntaxError, match="nests more than 32 levels"):
        build(HEAD + REQUIREMENT.format(condition(10_000)), "p.policy")


def chain(length: int, nested_in: str = "group g{}") -> str:
    groups = ['group g0 "G0" members volunteer cites 1.1']
    groups += [f'group g{i} "G{i}" members {nested_in.format(i - 1)} cites 1.1'
               for i in range(1, length)]
    return HEAD + "\n".join(groups) + "\n" + REQUIREMENT.format(f"group g{length - 1}")


def test_groups_named_inside_groups_count_as_levels() -> None:
    policy, _ = build(chain(MAX_NESTING), "p.policy")  # r names g31, which names … g0
    assert [len(policy.evaluate(w, as_of=DAY).findings) for w in WORKERS] == [0, 1]
    with pytest.raises(PolicyCheckError) as info:
        build(chain(MAX_NESTING + 2), "p.policy")
    errors = [e for e in info.value.diagnostics if e.code == "too-deep"]
    # g33 names g32 (32 levels): the first to go past; naming g33 is not reported again.
    assert [str(e.span) for e in errors] == [f"p.policy:{5 + MAX_NESTING + 1}:25"]
    assert errors[0].message == ("with the members of group `g32` in its place, this "
                                 "condition nests more than 32 levels deep")


def test_a_long_chain_of_groups_or_prerequisites_is_no_recursion_error() -> None:
    # 1,500 links: more than Python's default recursion limit of 1,000 frames.
    with pytest.raises(PolicyCheckError, match="nests more than 32 levels"):
        build(chain(1500), "p.policy")
    trainings = ['training t0 "T" delivery single-agency cites 1.1']
    trainings += [f'training t{i} "T" delivery single-agency requires t{i - 1} cites 1.1'
                  for i in range(1, 1500)]
    text = HEAD + "\n".join(trainings) + "\n" + REQUIREMENT.format("everyone").replace(
        "satisfied by t", "satisfied by t1499")
    policy, _ = build(text, "p.policy")
    assert policy.training("t1499").requires == (("t1498",),)
    cycle = text.replace("requires t0 ", "requires t1499 ")
    with pytest.raises(PolicyCheckError, match="prerequisites go round in a circle"):
        build(cycle, "p.policy")


def test_every_condition_that_nests_too_deep_is_reported() -> None:
    groups = "".join(f'group g{i} "G"\n  members {brackets(MAX_NESTING + 1 + i)}\n  cites 1.1\n'
                     for i in range(3))
    with pytest.raises(PolicySyntaxError) as info:
        build(HEAD + groups, "p.policy")
    columns = [len("  members ") + MAX_NESTING + 1 for _ in range(3)]
    assert [(e.span.line, e.span.column) for e in info.value.diagnostics] == list(
        zip([6, 9, 12], columns, strict=True))
