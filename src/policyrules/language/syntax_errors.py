"""Syntax errors in words a policy author knows: lark's parser states → diagnostics."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span, closest
from .grammar import lark_parser
from .source import describe
from .source import lines as source_lines

# What a non-programmer calls each kind of token (lark's names are not for them).
_TERMINAL_WORDS = {
    "NAME": "a name like `safeguarding-induction`",
    "STRING": 'a text in double quotes, like "Safeguarding induction"',
    "DATE": "a date like 2026-03-01",
    "INT": "a number",
    "NUMBER_WORD": "a number",
    "UNIT": "a unit: days, weeks, months or years",
    "PARA_ID": "a paragraph number like 4.7",
    "LOCAL_ID": "a local id like local:refresher",
    "$END": "the end of the file",
    "COMMA": "`,`",
    "LPAR": "`(`",
    "RPAR": "`)`",
}

# Labelled bad examples (lark's match_examples): parser states → plain explanations.
_EXAMPLES: dict[str, list[str]] = {
    "a title must be written in double quotes, like \"Safeguarding induction\"": [
        "policy p requirement x Safeguarding",
        "policy p training x Safeguarding",
        "policy p group x Regular",
    ],
    "a policy file starts with `policy ID`, for example `policy durham`": [
        "requirement",
        "title",
        "training",
        "group",
    ],
    "only `or` joins trainings here (any one of them will do); to require two trainings, "
    "write two requirements, one `satisfied by` each (or, in a training, two `requires` "
    "clauses)": [
        "policy p requirement x \"t\" satisfied by a and",
        "policy p requirement x \"t\" satisfied by a or b and",
        "policy p requirement x \"t\" applies to everyone satisfied by a and",
        "policy p role r \"r\" requirement x \"t\" satisfied by a and",
        "policy p role r \"r\" requirement x \"t\" applies to everyone satisfied by a and",
        "policy p training x \"t\" requires a and",
        "policy p role r \"r\" training x \"t\" delivery d requires a and",
    ],
    "`due within` takes a duration and `of start` or `of role ROLE`, "
    "for example `due within 6 months of start`": [
        "policy p requirement x \"t\" due within 6 months cites",
        "policy p requirement x \"t\" due within 6 months of",
        "policy p requirement x \"t\" due 6",
        "policy p requirement x \"t\" due within 6 months applies",
    ],
}


def at_end(exc: UnexpectedInput) -> bool:
    """The text ended where more was expected."""
    return isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END")


def syntax_diagnostic(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    lines = source_lines(text)
    line = max(1, getattr(exc, "line", 1) or 1)
    column = max(1, getattr(exc, "column", 1) or 1)
    source_line = lines[line - 1] if line - 1 < len(lines) else ""
    width = 1
    hint: str | None = None
    if at_end(exc):
        # Point just after the last word of the file, on the last line that has one.
        line = max((i for i, text in enumerate(lines, 1) if text.strip()), default=1)
        source_line = lines[line - 1] if lines else ""
        column = len(source_line.rstrip()) + 1
        expected = exc.expected if isinstance(exc, (UnexpectedEOF, UnexpectedToken)) else ()
        message = "the file ends in the middle of a declaration; " + _expected(expected)
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        width = max(1, len(str(tok)))
        expected_here = _in_context(exc.expected, text, exc)
        message = f"unexpected {_describe(tok)} here; " + _expected(expected_here)
        keywords = [k for k in (_keyword(t) for t in exc.expected) if k]
        guess = closest(str(tok), keywords) if tok.type == "NAME" else None
        previous = (exc.token_history or [None])[-1]
        if guess:
            hint = f"did you mean `{guess}`?"
        elif (previous is not None and previous.type == "NAME"
              and str(previous) in keyword_table().values()):
            # A keyword where a name belongs was read as a name; the mistake is before it.
            hint = (f"`{previous}` was read as a name: is something missing before it, "
                    f"on line {previous.line}?")
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        shown = f"`{ch}`" if ch.isprintable() else describe(ch)
        message = f"unexpected character {shown}"
        if ch == "'":
            hint = "texts are written in double quotes: \"…\""
        elif ch == "-":
            hint = "a range of paragraphs is written with `to`: `4.1 to 4.42`"
        elif ch.isdigit():
            hint = "dates are written as YYYY-MM-DD and durations as `6 months`"
    else:  # pragma: no cover - lark raises only the kinds above
        message = str(exc)
    explained = _match_example(exc)
    if explained:
        hint = explained if hint is None else hint + "; " + explained
    span = Span(path, line, column, line, column + width)
    return Diagnostic("error", "syntax", message, span, source_line, hint)


# The clauses of each kind of declaration. LALR merges parser states that look alike
# (a name list after `satisfied by` and after `requires`), so lark's expected set can
# include clauses of other kinds: a syntax error lists only those of the declaration the
# error is in, and what may start the next declaration.
_CLAUSES = {
    "policy": {"title", "source", "extends", "local"},
    "role": {"cites"},
    "group": {"members", "cites"},
    "training": {"delivery", "topics", "requires", "hours", "counts", "cites"},
    "requirement": {"applies", "satisfied", "due", "no", "renew", "grace", "explain", "cites",
                    "at", "delivered", "provided", "in"},
    "note": {"of", "cites"},
    "example": {"worker", "started", "contact", "roles", "sector", "volunteer", "completed",
                "as", "expect"},
}
# Words that also appear inside a clause of that kind (conditions, `due within … of`).
_CONDITION = {"contact", "role", "group", "sector", "volunteer", "completed", "everyone",
              "not", "at", "in"}
_INNER = {"requirement": _CONDITION | {"of"}, "group": _CONDITION, "training": {"as"}}
_HEADS = {"amend": "requirement", "duty": "note", "definition": "note", "background": "note"}
_HEAD = re.compile(r"^(policy|role|group|training|requirement|amend|duty|definition|"
                   r"background|example)\b", re.MULTILINE)


def _in_context(expected: Iterable[str], text: str, exc: UnexpectedInput) -> set[str]:
    pos = getattr(exc, "pos_in_stream", None)
    heads = list(_HEAD.finditer(text, 0, pos if isinstance(pos, int) else len(text)))
    if not heads:
        return set(expected)
    kind = _HEADS.get(heads[-1].group(1), heads[-1].group(1))
    foreign = set().union(*(words for k, words in _CLAUSES.items() if k != kind))
    foreign -= _CLAUSES[kind] | _INNER.get(kind, set())
    return {t for t in expected if _keyword(t) not in foreign}


def _match_example(exc: UnexpectedInput) -> str | None:
    try:
        label = exc.match_examples(lark_parser().parse, _EXAMPLES, use_accepts=True)
    except Exception:
        return None
    return label if isinstance(label, str) else None


@functools.cache
def keyword_table() -> dict[str, str]:
    table = {}
    for term in lark_parser().terminals:
        pattern = term.pattern
        if pattern.type == "str" and pattern.value.isalpha():
            table[term.name] = pattern.value
    return table


def _keyword(terminal: str) -> str | None:
    return keyword_table().get(terminal)


def _describe(tok: Token) -> str:
    if tok.type in ("NAME", "INT", "DATE", "PARA_ID", "LOCAL_ID", "UNIT", "NUMBER_WORD"):
        return f"`{tok}`"
    if tok.type == "STRING":
        return f"text {tok}"
    return f"`{tok}`"


def _expected(expected: Iterable[object]) -> str:
    words = sorted({_word(str(t)) for t in expected if not str(t).startswith("__")})
    if not words:
        return "nothing more was expected"
    if len(words) > 8:
        keywords = [w for w in words if w.startswith("`") and w[1:-1].isalpha()]
        marks = [w for w in words if w.startswith("`") and not w[1:-1].isalpha()]
        if keywords:
            also = f"{' or '.join(marks)}, or " if marks else ""
            return (f"expected {also}a keyword such as " + ", ".join(keywords[:8]) + ", …")
    if len(words) == 1:
        return "expected " + words[0]
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


def _word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    kw = _keyword(terminal)
    return f"`{kw}`" if kw else terminal.lower()
