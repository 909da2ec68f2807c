"""Policy text as every stage reads it: line breaks, a byte-order mark, refused characters."""

from pathlib import Path

import pytest

import policyrules
from conftest import FIXTURES, write
from policyrules.errors import PolicySyntaxError
from policyrules.language import nodes as n
from policyrules.language.parser import parse
from policyrules.pipeline import run

TEXT = 'policy p\n  title "P"\n\nrequirement r "R"\n  applies to role trainr\n'


def first_error(text: str, code: str | None = None) -> policyrules.Diagnostic:
    return next(e for e in run(text, "p.policy").errors if code in (None, e.code))


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_cr_lf_and_a_lone_cr_are_line_breaks(newline: str) -> None:
    f = parse(TEXT.replace("\n", newline), "p.policy")
    (req,) = f.declarations
    assert isinstance(req, n.RequirementDecl) and isinstance(req.applies, n.HasRole)
    assert (req.applies.role.span.line, req.applies.role.span.column) == (5, 19)
    assert f.text == TEXT
    error = first_error(TEXT.replace("\n", newline), "unknown-name")
    assert str(error.span) == "p.policy:5:19"
    assert error.source_line == "  applies to role trainr"


def test_a_byte_order_mark_at_the_start_is_accepted(tmp_path: Path) -> None:
    text = (FIXTURES / "features.policy").read_text()
    path = write(tmp_path, "bom.policy", b"\xef\xbb\xbf" + text.encode())
    assert policyrules.load(path).id == "features"
    # Columns on the first line are counted as an editor shows them, without the mark.
    error = first_error("\ufeffpolicy P\n")
    assert str(error.span) == "p.policy:1:8"


@pytest.mark.parametrize("ch, name", [
    ("\x0b", "U+000B (VERTICAL TAB)"), ("\x0c", "U+000C (FORM FEED)"),
    ("\x1c", "U+001C (FILE SEPARATOR)"), ("\x1d", "U+001D (GROUP SEPARATOR)"),
    ("\x1e", "U+001E (RECORD SEPARATOR)"), ("\x85", "U+0085 (NEXT LINE)"),
    ("\u2028", "U+2028 (LINE SEPARATOR)"), ("\u2029", "U+2029 (PARAGRAPH SEPARATOR)"),
    ("\x00", "U+0000 (NUL)"), ("\x1b", "U+001B (ESCAPE)"),
    ("\ud800", "U+D800 (half of a surrogate pair, not a character)"),
])
@pytest.mark.parametrize("where", ["comment", "text"])
def test_characters_that_hide_or_break_lines_are_refused_at_the_character(
        ch: str, name: str, where: str) -> None:
    line = f'  title "a{ch}b"' if where == "text" else f"  title \"T\"  # a{ch}b"
    with pytest.raises(PolicySyntaxError) as info:
        parse(f"policy p\n{line}\n", "p.policy")
    (d,) = info.value.diagnostics
    column = line.index(ch) + 1
    assert str(d.span) == f"p.policy:2:{column}"
    assert d.message == f"the character {name} is not allowed in a policy"
    rendered = d.render()
    assert ch not in rendered
    gutter, caret = rendered.splitlines()[1:3]
    assert caret.index("^") == gutter.index("| ") + 2 + column - 1


def test_every_line_with_a_refused_character_is_reported() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse('policy p\n# a\x0bb\n  title "T\u2028"\n', "p.policy")
    assert [str(d.span) for d in info.value.diagnostics] == ["p.policy:2:4", "p.policy:3:11"]


def test_an_invisible_character_in_code_is_named() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse("policy p\u200b\n", "p.policy")
    (error,) = info.value.diagnostics
    assert error.message == "unexpected character U+200B (ZERO WIDTH SPACE)"


def test_policy_text_that_is_not_str_is_a_usage_error() -> None:
    with pytest.raises(policyrules.UsageError, match="policy text is a str, not bytes"):
        run(b"policy p\n", "p.policy")  # type: ignore[arg-type]
