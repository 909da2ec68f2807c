"""The editor's answers without the protocol: references, the quoting comment, completion
contexts. (The server itself is tested end to end in test_lsp.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from policyrules.lsp.analysis import analyse, references
from policyrules.lsp.completion import completions
from policyrules.lsp.quoting import mentions, quoting_comment

POLICIES = [*sorted((ROOT / "policies").rglob("*.policy")), FIXTURES / "features.policy",
            FIXTURES / "features_local.policy"]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_reference_spans_exactly_its_name(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = analyse(text, str(path))
    assert result.syntax is not None and result.program is not None
    lines = text.splitlines()
    refs = list(references(result.syntax))
    assert len(refs) > 10
    for ref in refs:
        s = ref.span
        assert s.line == s.end_line
        written = lines[s.line - 1][s.column - 1:s.end_column - 1]
        assert written == (f'"{ref.name}"' if ref.kind == "extends" else ref.name), ref


@given(st.lists(st.integers(1, 12), min_size=1, max_size=3), st.integers(1, 60),
       st.integers(1, 60), st.integers(1, 60))
def test_a_range_mentions_exactly_the_paragraphs_inside_it(head: list[int], a: int, b: int,
                                                           p: int) -> None:
    prefix = ".".join(map(str, head))
    comment = f"see ({prefix}.{a} to {prefix}.{b}) above"
    assert mentions(comment, f"{prefix}.{p}") == (a <= p <= b or p == a)
    assert not mentions(comment, f"{prefix}.{p}.1")
    assert not mentions(comment, f"9{prefix}.{p}")


def test_a_paragraph_is_named_as_a_whole_number() -> None:
    assert mentions("# 4.7: quoted", "4.7")
    assert not mentions("# 4.71: quoted", "4.7")
    assert not mentions("# 14.7: quoted", "4.7")
    assert not mentions("pages 125 to 131", "4.7")


TEXT = """\
# Section (1.1 to 1.5)
# -----------------------
# 1.2: "a quotation"
role a "A"
  cites 1.1, 1.2

role b "B"
  cites 1.3

# "a bare quotation"
role c "C"  # trailing, not a block
  cites 1.4

# 9.9 something else
role d "D"
  cites 1.5
"""


def test_the_quoting_comment() -> None:
    # Right above, naming the paragraph.
    assert quoting_comment(TEXT, 4, "1.2") == ["Section (1.1 to 1.5)", '1.2: "a quotation"']
    # Right above names 1.2 and the range: the block is the heading and the quotation.
    assert quoting_comment(TEXT, 4, "1.1") == ["Section (1.1 to 1.5)", '1.2: "a quotation"']
    # Nothing right above: the nearest comment naming it.
    assert quoting_comment(TEXT, 7, "1.3") == ["Section (1.1 to 1.5)", '1.2: "a quotation"']
    # A bare quotation right above is the paragraph's, whatever it cites.
    assert quoting_comment(TEXT, 11, "1.4") == ['"a bare quotation"']
    # Right above names another paragraph: the heading that names this one wins.
    assert quoting_comment(TEXT, 15, "1.5") == ["Section (1.1 to 1.5)", '1.2: "a quotation"']
    # Nothing names it at all: the comment right above, else none.
    assert quoting_comment(TEXT, 15, "2.1") == ["9.9 something else"]
    assert quoting_comment(TEXT, 7, "2.1") == []


SMALL = (FIXTURES / "cli" / "small.policy").read_text()


def labels(text: str, line: int, character: int) -> list[str]:
    known = analyse(SMALL, str(FIXTURES / "cli" / "small.policy"))
    return [item.label for item in completions(text, line, character, known)]


@pytest.mark.parametrize(("line", "expected", "absent"), [
    ("  applies to ", {"contact", "role", "group", "not", "everyone"}, {"regular"}),
    ("  applies to contact ", {"at least", "in", "regular"}, {"trainer"}),
    ("  applies to contact in none, ", {"occasional", "predominant"}, {"in"}),
    ("  applies to role trainer or ", {"role", "group", "contact"}, {"trainer"}),
    ("  applies to sector in ", {"voluntary", "statutory"}, set()),
    ("  delivery ", {"inter-agency", "single-agency"}, set()),
    ("  due within 6 months of ", {"start", "role"}, {"regular"}),
    ("  due within 6 months of role ", {"trainer", "supervisor"}, {"start"}),
    ("  expect ", {"compliant", "not compliant", "no finding"}, set()),
    ('  explain "not here ', set(), {"role", "cites"}),
    ('  explain "not \\" here ', set(), {"1.1"}),
    ('  explain "a closed \\\\" cites ', {"1.1", "1.6"}, {"role"}),
    ("  # a comment ", set(), {"role", "cites"}),
    ("role ", set(), {"trainer"}),
    ("  topics \"a\", ", set(), {"role"}),
])
def test_completion_contexts(line: str, expected: set[str], absent: set[str]) -> None:
    text = f'policy p\nrequirement r "R"\n{line}\n'
    found = set(labels(text, 2, len(line)))
    assert expected <= found and not absent & found
    if not expected:
        assert found == set()


def test_completion_of_the_word_being_typed_and_of_names() -> None:
    known = analyse(SMALL, "small.policy")
    assert known.program is not None
    trainings = {t.name.name for t in known.program.trainings}
    text = 'policy p\nrequirement r "R"\n  satisfied by ind\n'
    assert set(labels(text, 2, len("  satisfied by ind"))) == trainings
    example = 'policy p\nexample "e"\n  contact \n'
    assert set(labels(example, 2, len("  contact "))) == {"none", "occasional", "regular",
                                                          "predominant"}
    assert "expect" in labels(example + "  \n", 3, 2)
