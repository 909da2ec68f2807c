"""The editor's parser, which parses again only the declarations an edit changed, gives
what `parse` gives: the same tree, the same problems, the same syntax errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from policyrules.errors import PolicyError
from policyrules.language import nodes as n
from policyrules.language.parser import parse
from policyrules.lsp import reparse
from policyrules.lsp.analysis import analyse
from policyrules.lsp.reparse import Reparser

POLICIES = [*sorted((ROOT / "policies").rglob("*.policy")),
            *sorted(FIXTURES.rglob("*.policy"))]
TEXTS = {p: p.read_bytes().decode("utf-8", "replace") for p in POLICIES}
DURHAM = ROOT / "policies" / "durham.policy"


def outcome(parser: Callable[[str, str], n.PolicyFile], text: str, path: str) -> object:
    """What parsing gives: the tree, or the error's class and diagnostics."""
    try:
        result = parser(text, path)
    except PolicyError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "diagnostics", None))
    return result


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the first line of every piece parsed again."""
    parsed: list[int] = []
    real = reparse._parse_piece

    def counted(piece: str, first: int, text_lines: list[str], path: str) -> object:
        parsed.append(first)
        return real(piece, first, text_lines, path)

    monkeypatch.setattr(reparse, "_parse_piece", counted)
    return parsed


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_policy_parses_as_parse_parses_it(path: Path) -> None:
    reparser = Reparser()
    text = TEXTS[path]
    expected = outcome(parse, text, str(path))
    assert outcome(reparser.parse, text, str(path)) == expected
    assert outcome(reparser.parse, text, str(path)) == expected  # from what it kept


def test_declarations_an_edit_did_not_touch_are_not_parsed_again() -> None:
    reparser = Reparser()
    text = TEXTS[DURHAM]
    before = reparser.parse(text, str(DURHAM))
    edited = text.replace("satisfied by safeguarding-induction",
                          "satisfied by safeguarding-inductoin", 1)
    after = reparser.parse(edited, str(DURHAM))
    assert after == parse(edited, str(DURHAM))
    changed = [i for i, (a, b) in enumerate(zip(before.declarations, after.declarations,
                                                 strict=True)) if a is not b]
    assert len(changed) == 1
    assert after.declarations[changed[0]].name.name == "induction"  # type: ignore[union-attr]
    assert after.header is before.header


def test_a_syntax_error_is_worded_as_parse_words_it() -> None:
    reparser = Reparser()
    text = TEXTS[DURHAM]
    reparser.parse(text, str(DURHAM))
    broken = text.replace("satisfied by safeguarding-induction",
                          "satisfied safeguarding-induction", 1)
    expected = outcome(parse, broken, str(DURHAM))
    assert isinstance(expected, tuple) and expected[0] == "PolicySyntaxError"
    assert outcome(reparser.parse, broken, str(DURHAM)) == expected


def test_once_fixed_nothing_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    reparser = Reparser()
    text = TEXTS[DURHAM]
    reparser.parse(text, str(DURHAM))
    broken = text.replace('explain "Induction must', 'explain "Induction must""', 1)
    assert isinstance(outcome(reparser.parse, broken, str(DURHAM)), tuple)
    parsed = _count_parses(monkeypatch)
    assert reparser.parse(text, str(DURHAM)) == parse(text, str(DURHAM))
    assert parsed == []  # every piece, the one that was broken too, kept from before


# What an author types: names, keywords, quotes, brackets, comments, line breaks.
_SNIPPETS = st.sampled_from([
    "\n", "\n\n", " ", '"', "#", "(", ")", "not ", " and ", " or ", ",", "x",
    'role extra "Extra"\n', '\ngroup g "G" members role trainer\n', "requirement ",
    "training ", "  cites 4.7\n", "cites local:x", "example ", "amend requirement ",
    "  satisfied by safeguarding-induction\n", "due within 6 months of start",
])
_TYPED = st.one_of(_SNIPPETS, st.text(alphabet='ab -"#()\n:,.07', max_size=8))


@st.composite
def edit(draw: st.DrawFn, text: str) -> str:
    """`text` with one stretch of it (perhaps empty) replaced by what an author types."""
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 60)))
    return text[:start] + draw(_TYPED) + text[end:]


@settings(max_examples=150)
@given(data=st.data(), path=st.sampled_from(POLICIES))
def test_a_run_of_edits_parses_as_parse_parses_each(data: st.DataObject, path: Path) -> None:
    reparser = Reparser()
    text = TEXTS[path]
    reparser.parse(text, str(path))
    for _ in range(data.draw(st.integers(1, 4))):
        text = data.draw(edit(text))
        assert outcome(reparser.parse, text, str(path)) == outcome(parse, text, str(path))


def test_a_line_break_moves_the_declarations_below_without_parsing_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    reparser = Reparser()
    text = TEXTS[DURHAM]
    reparser.parse(text, str(DURHAM))
    parsed = _count_parses(monkeypatch)
    at = text.index("requirement induction")
    edited = text[:at] + "\n" + text[at:]
    assert reparser.parse(edited, str(DURHAM)) == parse(edited, str(DURHAM))
    assert len(parsed) == 1  # the piece that took the new line; those below only moved


def test_the_benchmark_misspells_differently_each_time() -> None:
    """benchmarks/bench_lsp.py must not send the same text twice in a row of misspellings,
    or a cache of whole texts would pass it; each misspelling is one error, each fix none."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_lsp

    texts = bench_lsp.edits("typo", 40)
    misspelt = [text for text, errors in texts if errors]
    assert len(misspelt) == len(set(misspelt)) == 20
    reparser = Reparser()
    for text, errors in texts:
        found = analyse(text, str(DURHAM), reparser.parse).diagnostics
        assert [d.code for d in found] == ["unknown-name"] * errors
    moved = bench_lsp.edits("line-break", 4)
    assert [e for _, e in moved] == [0, 0, 0, 0] and moved[0][0] != moved[1][0]
