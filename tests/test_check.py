"""Check-time errors: the text a policy author sees, pinned."""

import textwrap

import pytest

from policyrules.errors import PolicyCheckError
from policyrules.policy import build

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
