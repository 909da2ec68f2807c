"""The comment that quotes a paragraph: the shipped policies quote the source document in
comments above the declarations that cite it, so hover on a citation shows that comment
(until a policy can name the source's own text)."""

from __future__ import annotations

import re

_PARAGRAPH = re.compile(r"(?<![\w.])(\d+(?:\.\d+)+)(?:\s+to\s+(\d+(?:\.\d+)+))?(?![\w])")
_RULE = re.compile(r"#[\s#=*-]*")  # a comment line drawn as a separator: no words in it


def comment_blocks(text: str) -> list[tuple[int, list[str]]]:
    """Runs of comment lines as (last line number, their text without `#` and separator
    lines), in file order. A comment after code on its line is not one of them: whole-line
    comments are told by their first character, so no parse is needed."""
    blocks: list[tuple[int, list[str]]] = []
    last = -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        words = [] if _RULE.fullmatch(stripped) else [stripped[1:].strip()]
        if blocks and last == number - 1:
            blocks[-1] = (number, blocks[-1][1] + words)
        else:
            blocks.append((number, words))
        last = number
    return [(end, words) for end, words in blocks if words]


def mentions(text: str, paragraph: str) -> bool:
    """Whether a comment names `paragraph`, alone (`4.7`) or in a range (`4.1 to 4.42`)."""
    for m in _PARAGRAPH.finditer(text):
        first, last = m.group(1), m.group(2)
        if first == paragraph:
            return True
        if last is not None and _in_range(paragraph, first, last):
            return True
    return False


def _in_range(paragraph: str, first: str, last: str) -> bool:
    *head, number = paragraph.split(".")
    *head_a, a = first.split(".")
    *head_b, b = last.split(".")
    return head == head_a == head_b and int(a) <= int(number) <= int(b)


def quoting_comment(text: str, declaration_line: int, paragraph: str) -> list[str]:
    """The comment lines of a policy text that quote `paragraph` for the declaration on
    that line (1-based).

    The comment right above the declaration, if it names this paragraph or no paragraph at
    all (a bare quotation); else the nearest comment above that names the paragraph (a
    section heading such as `Roles and responsibilities (4.5 to 4.12)`); else the comment
    right above, whatever it names; else none.
    """
    above = [(end, words) for end, words in comment_blocks(text) if end < declaration_line]
    adjacent = above[-1][1] if above and above[-1][0] == declaration_line - 1 else None
    if adjacent is not None:
        joined = " ".join(adjacent)
        if mentions(joined, paragraph) or not _PARAGRAPH.search(joined):
            return adjacent
    for _, words in reversed(above):
        if mentions(" ".join(words), paragraph):
            return words
    return adjacent or []
