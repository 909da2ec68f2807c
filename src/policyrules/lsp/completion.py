"""Completion, and the reading of a place that it rests on: what may stand after the words
before the cursor on its clause (a kind of name, keywords, or nothing inside a text). Hover
and definition use the same reading while a text does not parse."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import attrs

from .analysis import VOCABULARY, Analysis, Kind, declarations


@attrs.frozen
class Item:
    label: str
    kind: Kind | Literal["keyword"]
    detail: str = ""


_DECLARATION_KEYWORDS = ("role", "group", "training", "requirement", "amend requirement",
                         "duty", "definition", "background", "example")
_CLAUSES: dict[str, tuple[str, ...]] = {
    "policy": ("title", "source", "text", "extends", "local"),  # `text` ends `source`
    "role": ("cites",),
    "group": ("members", "cites"),
    "training": ("delivery", "topics", "requires", "cites"),
    "requirement": ("applies to", "satisfied by", "due within", "no deadline", "renew every",
                    "grace", "explain", "cites"),
    "note": ("of", "cites"),
    "example": ("worker", "started", "contact", "roles", "sector", "volunteer", "completed",
                "as of", "expect"),
}
_CONDITION_KEYWORDS = ("everyone", "contact", "role", "group", "sector", "volunteer", "not", "(")
_EXPECTATIONS = ("compliant", "not compliant", "groups", "findings", "no finding", "eligible",
                 "not eligible")
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#.*|[,()]|[^\s,()"#]+')
# After this word, a name of this kind (or a value of this vocabulary) comes next.
_NAME_AFTER: dict[str, Kind] = {
    "role": "role", "group": "group", "least": "contact", "sector": "sector",
    "by": "training", "requires": "training", "completed": "training", "eligible": "training",
    "delivery": "delivery", "delivered": "delivery", "finding": "requirement",
    "findings": "requirement", "groups": "group", "roles": "role", "cites": "paragraph",
}


def completions(text: str, line: int, character: int, known: Analysis | None) -> list[Item]:
    """What may be typed at a 0-based cursor, judged from the words before it on its
    clause; names come from `known` (the latest analysis that parsed, if any)."""
    lines = text.split("\n")
    current = lines[line] if line < len(lines) else ""
    before = current[:character]
    typing = re.search(r'[^\s,()"#]+$', before)  # the word being typed, if any
    slot = what_follows(lines, line, before[:typing.start()] if typing else before)
    if slot is None or slot.declares:
        return []
    items = _keywords(slot.keywords)
    if slot.kind is not None:
        items += _names(known).get(slot.kind, [])
    return items


@attrs.frozen
class Slot:
    """What may stand at a place: names of one kind, and keywords."""

    kind: Kind | None = None
    keywords: tuple[str, ...] = ()
    declares: bool = False  # the name a declaration introduces: the author's to choose


def what_follows(lines: Sequence[str], line: int, before: str) -> Slot | None:
    """What may stand after `before` (line `line` up to a place); None in a text or a
    comment."""
    tokens = TOKEN.findall(before)
    if tokens and (tokens[-1].startswith("#") or _open_text(tokens[-1])):
        return None
    margin = not before[:1].isspace()
    if not tokens:
        if margin:
            return Slot(keywords=_DECLARATION_KEYWORDS)
        return Slot(keywords=_CLAUSES.get(enclosing(lines, line)[0], ()))
    previous = tokens[-1]
    if margin and len(tokens) == 1 and previous in ("role", "group", "training",
                                                    "requirement"):
        return Slot(previous, declares=True)
    if previous == "," or (previous == "or" and len(tokens) > 1):
        kind = _list_kind(tokens)
        if kind is not None:
            return Slot(kind)
        # `a or` in a condition goes on with a condition; a list of texts needs no help.
        return Slot(keywords=_CONDITION_KEYWORDS if previous == "or" else ())
    if previous == "contact":
        if enclosing(lines, line)[0] == "example":
            return Slot("contact")
        return Slot("contact", ("at least", "in"))
    if previous == "in" and len(tokens) > 1 and tokens[-2] in ("contact", "sector"):
        return Slot("contact" if tokens[-2] == "contact" else "sector")
    if previous == "requirement" and len(tokens) > 1 and tokens[-2] == "amend":
        return Slot("requirement")
    if previous in ("to", "and", "not", "(", "members"):
        return Slot(keywords=_CONDITION_KEYWORDS)
    if previous == "of" and "within" in tokens:
        return Slot(keywords=("start", "role"))
    if previous == "expect":
        return Slot("requirement", _EXPECTATIONS)
    if len(tokens) >= 2 and tokens[-2] == "expect" and previous not in _EXPECTATIONS:
        return Slot(keywords=("met", "due", "overdue"))
    return Slot(_NAME_AFTER.get(previous))


_CLOSED_TEXT = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _open_text(token: str) -> bool:
    """A text begun and not yet closed (the cursor is inside it)."""
    return token.startswith('"') and not _CLOSED_TEXT.fullmatch(token)


def _list_kind(tokens: Sequence[str]) -> Kind | None:
    """The kind of name a comma- or `or`-separated list holds, from the word before it."""
    i = len(tokens) - 1
    while i >= 1 and tokens[i] in (",", "or"):
        i -= 2  # over `name ,`
    if i < 0:
        return None
    word = tokens[i]
    if word == "in" and i >= 1:
        return "contact" if tokens[i - 1] == "contact" else "sector"
    kind = _NAME_AFTER.get(word)
    # In a condition, `role a or` goes on with another condition, not another role.
    return None if word in ("role", "group", "least", "sector") else kind


def enclosing(lines: Sequence[str], line: int) -> tuple[str, int]:
    """The kind of declaration that line `line` (0-based) is a clause of, and the line
    (0-based) of its head; ("", -1) above the first."""
    for number in range(min(line, len(lines) - 1), -1, -1):
        text = lines[number]
        if text[:1].isspace() or not text.strip() or text.startswith("#"):
            continue
        word = text.split()[0]
        if word in ("duty", "definition", "background"):
            return "note", number
        if word == "amend":
            return "requirement", number
        return (word if word in _CLAUSES else ""), number
    return "", -1


def _keywords(words: Sequence[str]) -> list[Item]:
    return [Item(w, "keyword") for w in words]


def _names(known: Analysis | None) -> dict[Kind, list[Item]]:
    out: dict[Kind, list[Item]] = {kind: [] for kind in ("role", "group", "training",
                                                         "requirement", "paragraph")}
    for kind, (words, about) in VOCABULARY.items():
        out[kind] = [Item(w, kind, about) for w in words]
    if known is None:
        return out
    for (kind, name), decl in declarations(known).items():
        if kind != "note":
            out[kind].append(Item(name, kind, decl.title or ""))
    if known.program is not None:
        out["paragraph"] = [Item(p, "paragraph", known.program.source_name)
                            for p in known.program.paragraphs]
        out["paragraph"] += [Item(k, "paragraph", v.text)
                             for k, v in known.program.local_ids.items()]
    return out
