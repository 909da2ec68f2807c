"""The source document's text beside the rules: `source … text "FILE"`.

A policy may name a file holding its source document's text, so that the authoring tools
(explain, describe, coverage, the editor's hover) can quote the paragraphs it cites. The
file is split into paragraphs by the ids the source declares: a paragraph starts at a line
that begins with its id (after spaces, `-`, `•` or `¶`, if any) and runs to the next such
line.

The file is the author's own copy, so it is read as untrusted input (CONTRACT §9): only a
regular `.txt` or `.md` file (its link target too), at most MAX_TEXT_BYTES, UTF-8, looked
at before it is opened; never by `load()` or `evaluate`; and a file that cannot be read is
a warning of the tool that wanted it, whose text names the file and never its contents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import attrs

from .errors import PolicyFileError
from .pipeline import read_bytes

# A source document's text is tens of kilobytes (Durham's section 4 is about 60 KB); the
# limit keeps a mistaken or hostile file from filling memory.
MAX_TEXT_BYTES = 4 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md")

# A line that may start a paragraph: an id-like token at its start, after spaces and one
# bullet. Whether the token is a paragraph's id is decided against the declared ids.
_HEAD = re.compile(r"[ \t]*(?:[-•¶][ \t]*)?([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)(?![A-Za-z0-9])")
# What may separate the id from the paragraph's words: `4.7. Text`, `4.7) Text`, `4.7: Text`
# (one mark only: `4.8 ...` keeps its dots)
_AFTER_ID = re.compile(r"[ \t]*(?:[.:)](?=\s|$))?[ \t]*")
_SENTENCE = re.compile(r".+?[.!?](?=\s|$)")
FIRST_SENTENCE_CHARS = 240


@attrs.frozen
class Quotes:
    """What a tool can quote: each found paragraph's text (whitespace collapsed), and what
    to warn the author of (the file could not be read; paragraphs not found in it)."""

    paragraphs: dict[str, str]
    warnings: tuple[str, ...] = ()


def split_paragraphs(text: str, ids: Sequence[str]) -> dict[str, str]:
    """The text of each paragraph of `ids` (in document order) that heads a line of `text`.

    A line starts a paragraph only when its id comes after the current paragraph's in the
    declared order: a line that begins with an earlier paragraph's id ("4.7 applies
    here") or the same id again is part of the current paragraph, not the start of one.
    Text before the first paragraph (a title, a contents list) belongs to none.
    """
    order = {pid: i for i, pid in enumerate(ids)}
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    position = -1
    for line in text.splitlines():
        head = _HEAD.match(line)
        index = order.get(head.group(1), -1) if head else -1
        if head is not None and index > position:
            position = index
            current = found.setdefault(head.group(1), [])
            after = _AFTER_ID.match(line, head.end())
            current.append(line[after.end() if after else head.end():])
        elif current is not None:
            current.append(line)
    return {pid: " ".join(" ".join(words).split()) for pid, words in found.items()}


def first_sentence(paragraph: str, limit: int = FIRST_SENTENCE_CHARS) -> str:
    """The paragraph's first sentence, cut at `limit` characters (with `…`)."""
    m = _SENTENCE.match(paragraph)
    sentence = m.group() if m else paragraph
    return sentence if len(sentence) <= limit else sentence[:limit - 1].rstrip() + "…"


def read_text_file(path: str) -> str:
    """The text of a source text file, or PolicyFileError naming the file and what is
    allowed: a regular .txt or .md file (a link must point to one), at most MAX_TEXT_BYTES,
    UTF-8. The error never quotes the file."""
    shown = _shown(path)
    allowed = "a source text is a .txt or .md file beside the policy"
    try:
        real = os.path.realpath(path)
    except ValueError:  # a NUL or a character the file system cannot take
        raise PolicyFileError(f"{shown}: not a usable file name") from None
    if not (path.endswith(TEXT_SUFFIXES) and real.endswith(TEXT_SUFFIXES)):
        target = "" if real == os.path.abspath(path) else " (it links to a file that is not)"
        raise PolicyFileError(f"{shown}: not a .txt or .md file{target}; {allowed}")
    data = read_bytes(path, limit=MAX_TEXT_BYTES, noun="source text file", allowed=allowed)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyFileError(f"{shown}: not UTF-8 text (byte {exc.start}); save the "
                              "source text as UTF-8") from None


def read_paragraphs(path: str | None, ids: Sequence[str]) -> Quotes:
    """The paragraphs of the text file `path` (None: the policy names none), for a tool to
    quote. Never raises for the file: what went wrong is one of the warnings."""
    if path is None:
        return Quotes({})
    try:
        text = read_text_file(path)
    except PolicyFileError as exc:
        return Quotes({}, (f"source text not shown: {exc}",))
    found = split_paragraphs(text, ids)
    missing = [pid for pid in ids if pid not in found]
    if not missing:
        return Quotes(found)
    listed = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8
                                       else "")
    return Quotes(found, (f"{_shown(path)}: no line starts with paragraph {listed}; start each "
                          "paragraph's first line with its id, as in `4.7 Induction …`",))


def _shown(path: str) -> str:
    return path if path.isprintable() else ascii(path)
