"""Check-time errors: the text a policy author sees, pinned."""

import textwrap

import pytest

from policyrules.check import context as check_context
from policyrules.check.coverage import MAX_ROLES_TRIED
from policyrules.errors import PolicyCheckError
from policyrules.policy import build
from policyrules.semantics import lower as lower_module

HEADER = """\
policy t
  title "T"
  source "Guide" paragraphs 1.1 to 1.3

training a "A"
  delivery single-agency
  cites 1.1

"""

REQ = """\
requirement r "R"
  applies to everyone
  satisfied by a
  no deadline
  cites 1.2
  explain "E"
"""


def errors(body: str, header: str = HEADER) -> list[str]:
    with pytest.raises(PolicyCheckError) as info:
        build(header + textwrap.dedent(body), "t.policy")
    return [d.render() for d in info.value.diagnostics]


def test_a_clean_policy_checks() -> None:
    policy, warnings = build(HEADER + REQ + 'background b "B" cites 1.3\n', "t.policy")
    assert policy.id == "t" and warnings == ()


def test_uncovered_paragraph_is_a_warning() -> None:
    _, warnings = build(HEADER + REQ, "t.policy")
    assert [w.message for w in warnings] == ["paragraph 1.3 is not accounted for"]
    assert warnings[0].render().startswith("t.policy:3:3: warning: paragraph 1.3")


def test_unknown_training_with_suggestion_and_caret() -> None:
    (e,) = errors(REQ.replace("satisfied by a", "satisfied by aa"))
    assert e == textwrap.dedent("""\
        t.policy:11:16: error: unknown training `aa`
           11 |   satisfied by aa
              |                ^^
              = hint: did you mean `a`?""")


def test_unknown_citation() -> None:
    (e,) = errors(REQ.replace("cites 1.2", "cites 1.4"))
    assert e.splitlines()[0] == "t.policy:13:9: error: paragraph 1.4 is not in the source (Guide)"
    assert "hint:" in e


def test_undeclared_local_id() -> None:
    (e,) = errors(REQ.replace("cites 1.2", "cites 1.2, local:choice"))
    assert "local id `local:choice` is not declared" in e
    assert 'declare it in the header: `local local:choice "' in e


def test_date_where_duration_belongs() -> None:
    (e,) = errors(REQ.replace("no deadline", "due within 2026-01-01 of start"))
    assert e.splitlines()[0] == ("t.policy:12:14: error: expected a duration after `due within`,"
                                 " found a date `2026-01-01`")


def test_number_without_unit() -> None:
    (e,) = errors(REQ + "  renew every 3\n")
    assert "found a bare number `3`" in e and "add a unit: `3 months` or `3 years`" in e


def test_impossible_date_in_example() -> None:
    (e,) = errors(REQ + 'example "x" started 2026-02-30 contact none as of 2026-03-01 '
                  "expect compliant\n")
    assert "`2026-02-30` is not a calendar date" in e


def test_duplicate_names() -> None:
    found = errors(REQ + REQ)
    assert any("requirement `r` is declared twice (first at line 9 of t.policy)" in e
               for e in found)


def test_duplicate_clause_is_a_syntax_level_error() -> None:
    (e,) = errors(REQ.replace("  no deadline\n", "  no deadline\n  due within 6 months of start\n"))
    assert "this requirement already has a `due within` clause" in e


def test_a_clause_written_twice_does_not_hide_the_other_errors() -> None:
    found = errors(REQ.replace("  no deadline\n", "  no deadline\n  no deadline\n")
                   .replace("everyone", "contact at least occasionl")
                   .replace("cites 1.2", "cites 1.9"))
    messages = [e.splitlines()[0].split(": error: ")[1] for e in found]
    assert messages == ["unknown contact level `occasionl`",
                        "this requirement already has a `no deadline` clause",
                        "paragraph 1.9 is not in the source (Guide)"]


def test_every_declaration_that_does_not_parse_is_reported() -> None:
    body = (REQ.replace("cites 1.2", "cites 1.2 1.3")  # lines 9-14, error on 13
            + REQ.replace("requirement r", "requirement s")  # lines 15-20: parses
            + REQ.replace("requirement r", "requirement t")
            .replace("  no deadline\n", "  due within 6 months of\n")  # 21-26, error on 25
            + REQ.replace("requirement r", "requirement u")
            .replace("no deadline", "renew evry 3 years"))  # 27-32, error on 30
    found = errors(body)
    assert [e.splitlines()[0].split(": error: ")[0] for e in found] == [
        "t.policy:13:13", "t.policy:25:3", "t.policy:30:9"]
    assert "unexpected `1.3` here" in found[0]
    assert "unexpected `cites` here; expected `completing`, `role` or `start`" in found[1]
    assert "unexpected `evry` here" in found[2] and "did you mean `every`?" in found[2]


def test_an_error_at_the_start_of_a_declaration_blames_the_one_before() -> None:
    # `due within 6 months of` runs into the next declaration: one error, and the next
    # declaration (which is fine) is not reported.
    body = REQ.replace("  no deadline\n  cites 1.2\n  explain \"E\"\n",
                       "  due within 6 months of\n") + REQ.replace("requirement r", "requirement s")
    (e,) = errors(body)
    assert e.startswith("t.policy:13:1: error: unexpected `requirement` here")


def test_an_error_in_the_header_stops_there() -> None:
    (e,) = errors(REQ + "requirement x \"X\" cites 1.2 1.3\n", header="policy t titel \"T\"\n")
    assert e.startswith("t.policy:1:10: error: unexpected `titel` here")


def test_missing_clauses_are_each_reported() -> None:
    found = errors('requirement r "R"\n  cites 1.2\n')
    messages = [e.splitlines()[0].split("error: ")[1] for e in found]
    assert messages == [
        "requirement `r` has no `applies to` clause",
        "requirement `r` has no `satisfied by` clause",
        "requirement `r` has no `due within` clause",
        "requirement `r` has no `explain` clause",
    ]


def test_every_error_is_reported_not_just_the_first() -> None:
    body = REQ.replace("satisfied by a", "satisfied by zz").replace("everyone", "role astronaut")
    assert len(errors(body)) == 2


def test_prerequisite_cycle() -> None:
    body = """\
    training b "B"
      delivery inter-agency
      requires c
    training c "C"
      delivery inter-agency
      requires b
    """
    (e,) = errors(body)
    assert "prerequisites go round in a circle: `b` → `c` → `b`" in e


def test_requirement_no_training_can_satisfy() -> None:
    body = """\
    training b "B"
      delivery inter-agency
      requires b
    """ + REQ.replace("satisfied by a", "satisfied by b")
    found = errors(textwrap.dedent(body))
    assert any("no training can satisfy requirement `r`" in e for e in found)


def test_group_cycle() -> None:
    body = """\
    group g "G"
      members group h
      cites 1.2
    group h "H"
      members group g
      cites 1.2
    """
    (e,) = errors(body)
    assert "groups are defined in terms of each other" in e


def test_missing_cites_on_requirement() -> None:
    (e,) = errors(REQ.replace("  cites 1.2\n", ""))
    assert "requirement `r` cites no paragraph" in e


def test_unreachable_requirement_is_a_warning() -> None:
    _, warnings = build(HEADER + REQ.replace("everyone", "contact none and contact regular")
                        + 'background b "B" cites 1.3\n', "t.policy")
    assert [w.code for w in warnings] == ["unreachable"]


def test_header_needs_title_and_source() -> None:
    found = errors(REQ, header="policy t\n")
    assert any("the policy has no `title`" in e for e in found)
    assert any("the policy names no source document" in e for e in found)


def test_bad_paragraph_range() -> None:
    found = errors(REQ, header=HEADER.replace("1.1 to 1.3", "1.3 to 1.1"))
    assert any("`1.3 to 1.1` is not a range of paragraphs" in e for e in found)


@pytest.mark.parametrize(("line", "word", "cells_before"), [
    ("\tmembers contact at least reglar", "reglar", 4 + 25),  # a tab: 4 columns
    ('  title "正規 contact" bogus', "bogus", 2 + 7 + 4 + 10),  # wide characters: 2 each
    ('\t"Zoë"\tbogus', "bogus", 12),  # a tab after text: on to the next multiple of 4
])
def test_the_caret_sits_under_the_span_as_displayed(line: str, word: str,
                                                    cells_before: int) -> None:
    from policyrules.diagnostics import Diagnostic, Span

    column = line.index(word) + 1
    shown = Diagnostic("error", "x", "m", Span("t.policy", 3, column, 3, column + len(word)),
                       line).render().splitlines()
    source, caret = shown[1].split("| ", 1)[1], shown[2].split("| ", 1)[1]
    assert "\t" not in source
    assert caret == " " * cells_before + "^" * len(word)


def test_did_you_mean_prefers_the_candidate_that_starts_alike() -> None:
    from policyrules.diagnostics import closest

    assert closest("CP0008", ["CP01008", "CP00008"]) == "CP00008"
    assert closest("CP0008", ["CP00008", "CP01008"]) == "CP00008"
    assert closest("regualr", ["none", "occasional", "regular", "predominant"]) == "regular"
    assert closest("zzz", ["none", "regular"]) is None


def _counting(monkeypatch: pytest.MonkeyPatch, module: object) -> list[int]:
    """Count the calls of `module.lines` (splitting a file into lines)."""
    calls: list[int] = []
    real = module.lines  # type: ignore[attr-defined]

    def counted(text: str) -> list[str]:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(module, "lines", counted)
    return calls


def test_a_file_is_split_into_lines_once_however_many_errors_it_has(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, check_context)
    body = "".join(f'training t{i} "T" delivery nowhere cites 1.9\n' for i in range(300))
    found = errors(body)
    assert len(found) == 600  # an unknown delivery and an unknown cite each
    assert len(calls) == 1


def test_examples_split_the_file_into_lines_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, lower_module)
    examples = "".join(
        f'example "e{i}" started 2020-01-01 contact regular as of 2026-01-01 expect r met\n'
        for i in range(200))
    policy, _ = build(HEADER + REQ + examples, "t.policy")
    assert len(policy.model.examples) == 200
    assert policy.model.examples[199].expectations[0].text == "expect r met"
    assert len(calls) == 1


def test_prerequisites_declared_last_first_are_all_attainable() -> None:
    chain = "".join(f'training c{i} "C" delivery single-agency requires c{i - 1} cites 1.1\n'
                    for i in range(400, 0, -1))
    policy, _ = build(HEADER + 'training c0 "C" delivery single-agency cites 1.1\n' + chain
                      + REQ.replace("satisfied by a", "satisfied by c400"), "t.policy")
    assert policy.training("c400").requires == (("c399",),)


def _roles_condition(count: int, joiner: str, extra: str = "") -> str:
    roles = "".join(f'role r{i} "R{i}"\n  cites 1.1\n' for i in range(count))
    condition = f" {joiner} ".join(f"role r{i}" for i in range(count)) + extra
    return roles + REQ.replace("applies to everyone", f"applies to {condition}")


def test_a_condition_naming_many_roles_is_checked_up_to_the_limit_then_skipped() -> None:
    never = _roles_condition(MAX_ROLES_TRIED, "and", " and not role r0")
    _, warnings = build(HEADER + never, "t.policy")
    assert [w.code for w in warnings if w.code != "uncovered"] == ["unreachable"]
    # 40 roles would be 2^40 profiles to try: a warning says the check is skipped.
    _, warnings = build(HEADER + _roles_condition(40, "or"), "t.policy")
    (skipped,) = [w for w in warnings if w.code != "uncovered"]
    assert skipped.code == "unchecked"
    assert skipped.message == ("requirement `r` names more than 10 roles in its condition, "
                               "too many to check that it applies to anyone")


@pytest.mark.parametrize("paragraphs", ["1.1 to 1.100000000", "1.1 to 1." + "9" * 5000,
                                        "1.1 to 1.9000, 2.1 to 2.1001"])
def test_a_source_lists_at_most_ten_thousand_paragraphs(paragraphs: str) -> None:
    header = HEADER.replace("1.1 to 1.3", paragraphs)
    with pytest.raises(PolicyCheckError, match="the source lists more than 10,000 paragraphs"):
        build(header + REQ, "t.policy")


def test_a_long_paragraph_number_on_its_own_is_a_paragraph() -> None:
    long_id = "1." + "7" * 40
    policy, _ = build(HEADER.replace("1.1 to 1.3", f"1.1 to 1.3, {long_id}")
                      + REQ.replace("cites 1.2", f"cites 1.2, {long_id}"), "t.policy")
    assert policy.model.paragraphs[-1] == long_id


@pytest.mark.parametrize("duration, ok", [
    ("100 years", True), ("101 years", False), ("1200 months", True), ("1201 months", False),
    ("5218 weeks", True), ("5219 weeks", False), ("36525 days", True), ("36526 days", False),
    ("9" * 5000 + " days", False)])
def test_a_duration_is_at_most_a_century(duration: str, ok: bool) -> None:
    text = HEADER + REQ.replace("no deadline", f"due within 1 month of start\n  renew every "
                                f"{duration}")
    if ok:
        build(text, "t.policy")
        return
    with pytest.raises(PolicyCheckError) as info:
        build(text, "t.policy")
    (error,) = info.value.diagnostics
    assert error.message.endswith("is longer than 100 years")
    assert error.hint == "the longest is `100 years` (1200 months, 5218 weeks, 36525 days)"
