"""Parsing: the AST keeps spans; syntax errors speak plain language."""

import pytest

from policyrules.errors import PolicySyntaxError
from policyrules.language import nodes as n
from policyrules.language.parser import parse


def syntax_error(text: str) -> str:
    with pytest.raises(PolicySyntaxError) as info:
        parse(text, "s.policy")
    (d,) = info.value.diagnostics
    return d.render()


def test_spans_point_at_the_words() -> None:
    f = parse('policy p\nrequirement induction "I"\n  applies to role trainer\n', "p.policy")
    (req,) = f.declarations
    assert isinstance(req, n.RequirementDecl)
    assert (req.name.span.line, req.name.span.column) == (2, 13)
    assert isinstance(req.applies, n.HasRole)
    assert (req.applies.role.span.line, req.applies.role.span.column) == (3, 19)


def test_and_binds_tighter_than_or() -> None:
    f = parse("policy p group g \"G\" members contact none or role trainer and volunteer",
              "p.policy")
    (g,) = f.declarations
    assert isinstance(g, n.GroupDecl) and isinstance(g.members, n.AnyOf)
    assert isinstance(g.members.operands[1], n.AllOf)


def test_number_words_in_durations() -> None:
    f = parse('policy p requirement r "R" due within six months of start', "p.policy")
    (r,) = f.declarations
    assert isinstance(r, n.RequirementDecl) and r.deadline is not None
    assert r.deadline.within is not None and r.deadline.within.duration == n.Duration(6, "months")


def test_comments_are_kept_but_not_inside_text() -> None:
    f = parse('# one\npolicy p  # two\n  title "a # not a comment"\n', "p.policy")
    assert [(c.line, c.text) for c in f.comments] == [(1, "# one"), (2, "# two")]


def test_misspelt_keyword() -> None:
    assert syntax_error('policy p\nrequirment r "R"\n') == (
        "s.policy:2:1: error: unexpected `requirment` here; expected a keyword such as "
        "`amend`, `background`, `definition`, `duty`, `example`, `extends`, `group`, `local`, …\n"
        "    2 | requirment r \"R\"\n"
        "      | ^^^^^^^^^^\n"
        "      = hint: did you mean `requirement`?")


def test_unquoted_title() -> None:
    text = syntax_error("policy p\nrequirement r Safeguarding induction\n")
    assert text.splitlines()[0] == ("s.policy:2:15: error: unexpected `Safeguarding` here; "
                                    'expected a text in double quotes, like "Safeguarding '
                                    'induction"')


def test_missing_anchor() -> None:
    text = syntax_error('policy p\nrequirement r "R"\n  due within 6 months\n  cites 1.1\n')
    assert "unexpected `cites` here; expected `of`" in text
    assert "for example `due within 6 months of start`" in text


def test_single_quotes() -> None:
    text = syntax_error("policy p\n  title 'T'\n")
    assert "unexpected character `'`" in text and 'texts are written in double quotes' in text


def test_file_ends_early() -> None:
    text = syntax_error('policy p\nrequirement r "R"\n  satisfied by\n')
    assert text.startswith("s.policy:3:15: error: the file ends in the middle of a declaration; "
                           "expected a name like `safeguarding-induction`")


def test_file_must_start_with_policy() -> None:
    text = syntax_error('requirement r "R"\n')
    assert "a policy file starts with `policy ID`" in text


def test_file_ending_early_points_at_the_last_word_not_a_blank_line() -> None:
    text = syntax_error('policy p\nexample "e"\n  expect induction\n\n\n')
    assert text.splitlines()[:3] == [
        "s.policy:3:19: error: the file ends in the middle of a declaration; expected `due`, "
        "`met` or `overdue`",
        "    3 |   expect induction",
        "      |                   ^",
    ]


def test_dash_in_a_paragraph_range() -> None:
    text = syntax_error('policy p\n  source "S" paragraphs 4.1 - 4.4\n')
    assert "unexpected character `-`" in text
    assert "a range of paragraphs is written with `to`: `4.1 to 4.42`" in text


def test_a_keyword_read_as_a_name_points_before_it() -> None:
    text = syntax_error('policy p\nrequirement r "R"\n  applies to contact at least\n  cites 4.1\n')
    assert "hint: `cites` was read as a name: is something missing before it, on line 4?" in text
