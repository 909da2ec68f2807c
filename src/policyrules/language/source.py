"""Policy text as every stage reads it: one kind of line break, no hidden characters.

Line numbers must agree between the parser, diagnostics, `fmt` and the author's editor.
So `\\r\\n` and a lone `\\r` become `\\n` before anything else reads the text, a byte-order
mark at its start is dropped, and `\\n` is then the only line break. Characters that some
tools take for a line break and others do not (`\\v`, `\\f`, U+001C–U+001E, U+0085,
U+2028, U+2029), other control characters and unpaired surrogates are refused with an
error at the character: they would otherwise shift line numbers in one tool and not in
another, or reach a terminal from a title.
"""

from __future__ import annotations

import re
import unicodedata

from ..diagnostics import Diagnostic, Span

BOM = "\ufeff"

# Tab and line feed are the only control characters a policy may hold.
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

_NAMES = {
    "\x00": "NUL", "\x0b": "VERTICAL TAB", "\x0c": "FORM FEED", "\x1b": "ESCAPE",
    "\x1c": "FILE SEPARATOR", "\x1d": "GROUP SEPARATOR", "\x1e": "RECORD SEPARATOR",
    "\x1f": "UNIT SEPARATOR", "\x7f": "DELETE", "\x85": "NEXT LINE",
}
_LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Shown in the quoted source line in place of a refused character, one cell wide, so
# that the caret still lines up and nothing reaches the terminal.
_SHOWN_AS = "\ufffd"
_MAX_REPORTED = 50


def normalise(text: str) -> str:
    """`text` with a leading byte-order mark dropped and every line break made `\\n`."""
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines(text: str) -> list[str]:
    """The lines of normalised text, numbered as the parser numbers them."""
    return text.split("\n")


def line_at(text_lines: list[str], number: int) -> str:
    """Line `number` (1-based), or "" past the end."""
    return text_lines[number - 1] if 0 < number <= len(text_lines) else ""


def refused_characters(text: str, path: str) -> list[Diagnostic]:
    """An error for the first refused character on each line of normalised `text`."""
    found: list[Diagnostic] = []
    for number, line in enumerate(lines(text), start=1):
        match = _REFUSED.search(line)
        if match is None:
            continue
        ch = match.group()
        column = match.start() + 1
        if ch in _LINE_BREAKS:
            hint = ("some editors end a line there and the policy reader does not: "
                    "use a plain line break, or a space")
        else:
            hint = "policy text is printable text: delete it, or write a space"
        found.append(Diagnostic(
            "error", "bad-character", f"the character {describe(ch)} is not allowed in a "
            "policy", Span(path, number, column, number, column + 1),
            _REFUSED.sub(_SHOWN_AS, line), hint))
        if len(found) >= _MAX_REPORTED:
            break
    return found


def describe(ch: str) -> str:
    """`ch` as an author can look it up: `U+2028 (LINE SEPARATOR)`."""
    code = f"U+{ord(ch):04X}"
    if "\ud800" <= ch <= "\udfff":
        return f"{code} (half of a surrogate pair, not a character)"
    name = _NAMES.get(ch) or unicodedata.name(ch, "") or "a control character"
    return f"{code} ({name})"
