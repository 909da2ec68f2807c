"""Comments: the grammar ignores them; `fmt` needs them back, with their positions."""

from __future__ import annotations

from . import nodes as n
from .source import lines


def find_comments(text: str) -> list[n.Comment]:
    """Comments are ignored by the grammar; found again here for `fmt`.

    Texts cannot span lines, so a `#` outside double quotes on a line starts a comment.
    """
    out = []
    for number, line in enumerate(lines(text), start=1):
        if "#" not in line:  # most lines: nothing to look for (the editor runs this often)
            continue
        in_text = escaped = False
        for col, ch in enumerate(line, start=1):
            if escaped:
                escaped = False
            elif ch == "\\" and in_text:
                escaped = True
            elif ch == '"':
                in_text = not in_text
            elif ch == "#" and not in_text:
                out.append(n.Comment(line[col - 1 :].rstrip(), number, col))
                break
    return out
