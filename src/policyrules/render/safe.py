"""Text from input made safe for where it is shown: a terminal, a spreadsheet, JSON.

Worker files are not trusted (CONTRACT §9). An id holding `ESC [ 2 J` must not clear the
screen of whoever runs `evaluate -f table`; a cell `=HYPERLINK(…)` must not run as a
formula when the CSV is opened in a spreadsheet; a `NaN` read from a worker file must not
turn the output into something strict JSON parsers refuse.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Characters that move the cursor, change colours, or reorder text on a terminal: C0 and
# C1 controls and DEL, the line and paragraph separators, and the bidirectional overrides
# and isolates ("Trojan Source"). Each is shown as a Python-style escape instead.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """`text` with every control character shown as a visible escape (`\\x1b`)."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


# A spreadsheet takes a cell that starts with one of these as a formula (OWASP, "CSV
# injection"); a leading tab or carriage return is stripped by some and then does the same.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell of text from input, with a `'` in front when a spreadsheet would run it."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def strict_json(value: Any) -> Any:
    """`value` with NaN and ±Infinity (which JSON has no words for) as the text of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict_json(v) for v in value]
    return value


def one_line(text: str) -> str:
    """JSON text whose NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (legal inside JSON
    strings) are written as escapes, so that readers splitting on every kind of line break
    (Python's `str.splitlines`, some editors) still see one record a line."""
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return (text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028")
                .replace("\u2029", "\\u2029"))
    return text
