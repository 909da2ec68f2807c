"""Policy text → AST. The grammar is grammar.lark; aliases there name the methods here."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

import attrs
import lark
from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span, closest
from ..errors import PolicySyntaxError
from . import nodes as n

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve"],
        start=1,
    )
}

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


@functools.cache
def _parser() -> lark.Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    # cache=True keeps the built parse tables in the temp dir: a cold load drops from
    # about 300 ms to under 30 ms.
    return lark.Lark(grammar, parser="lalr", strict=True, propagate_positions=True,
                     cache=True)


def parse(text: str, path: str = "<policy>") -> n.PolicyFile:
    """Parse policy text into the AST.

    Syntax errors raise PolicySyntaxError, with one error for each declaration that does
    not parse (not only the first). A problem found while building the AST that leaves it
    whole (a clause written twice: the first is kept) is returned in `problems`, so that
    checking goes on and reports the rest of the file's errors with it.
    """
    tree = _tree(text, path)
    builder = _Builder(path, text.splitlines())
    policy: n.PolicyFile = builder.transform(tree)
    return n.PolicyFile(path, text, policy.header, policy.declarations,
                        tuple(_comments(text)), tuple(builder.diagnostics))


_MAX_SYNTAX_ERRORS = 50

# A line that begins a declaration, for carrying on after a syntax error. Layout is free,
# so this is a reader's guess, not the grammar: a keyword, a name and a title (`role x`
# in a deadline has no title), `amend requirement`, or `example "…"`.
_DECLARATION_START = re.compile(
    r'\s*(?:(?:role|group|training|requirement|duty|definition|background)\s+'
    r'[A-Za-z_][\w-]*\s+"|amend\s+requirement\b|example\s+")')


def _tree(text: str, path: str) -> lark.Tree[Token]:
    """The parse tree of `text`, or PolicySyntaxError with an error per broken declaration.

    After an error, the declaration it is in is blanked out (its lines kept, empty, so
    that line numbers stay) and the text parsed again, until it parses or an error is
    in the header.
    """
    errors: list[Diagnostic] = []
    attempt = text
    while True:
        try:
            tree = _parser().parse(attempt)
        except UnexpectedInput as exc:
            errors.append(_syntax_diagnostic(exc, attempt, path))
            following = _without_broken_declaration(attempt, exc)
            if following is None or len(errors) >= _MAX_SYNTAX_ERRORS:
                raise PolicySyntaxError(errors) from None
            attempt = following
            continue
        if errors:
            raise PolicySyntaxError(errors)
        return tree


def _at_end(exc: UnexpectedInput) -> bool:
    """The text ended where more was expected."""
    return isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END")


def _without_broken_declaration(text: str, exc: UnexpectedInput) -> str | None:
    """`text` with the declaration that `exc` is in blanked out; None if that cannot be
    told (the error is in the header) or nothing would change."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines, 1) if _DECLARATION_START.match(line)]
    at_end = _at_end(exc)
    line = len(lines) if at_end else max(1, getattr(exc, "line", 1) or 1)
    column = max(1, getattr(exc, "column", 1) or 1)
    if not at_end and line in starts and not lines[line - 1][:column - 1].strip():
        line -= 1  # unexpected at the start of a declaration: the one before is unfinished
    first = max((s for s in starts if s <= line), default=None)
    if first is None:
        return None
    end = min((s for s in starts if s > line), default=len(lines) + 1)
    if not any(lines[i].strip() for i in range(first - 1, end - 1)):
        return None
    lines[first - 1:end - 1] = [""] * (end - first)
    return "\n".join(lines)


def _comments(text: str) -> list[n.Comment]:
    """Comments are ignored by the grammar; found again here for `fmt`.

    Texts cannot span lines, so a `#` outside double quotes on a line starts a comment.
    """
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
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


def _syntax_diagnostic(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    lines = text.splitlines()
    line = max(1, getattr(exc, "line", 1) or 1)
    column = max(1, getattr(exc, "column", 1) or 1)
    source_line = lines[line - 1] if line - 1 < len(lines) else ""
    width = 1
    hint: str | None = None
    if _at_end(exc):
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
              and str(previous) in _keyword_table().values()):
            # A keyword where a name belongs was read as a name; the mistake is before it.
            hint = (f"`{previous}` was read as a name: is something missing before it, "
                    f"on line {previous.line}?")
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        message = f"unexpected character `{ch}`"
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
        label = exc.match_examples(_parser().parse, _EXAMPLES, use_accepts=True)
    except Exception:
        return None
    return label if isinstance(label, str) else None


@functools.cache
def _keyword_table() -> dict[str, str]:
    table = {}
    for term in _parser().terminals:
        pattern = term.pattern
        if pattern.type == "str" and pattern.value.isalpha():
            table[term.name] = pattern.value
    return table


def _keyword(terminal: str) -> str | None:
    return _keyword_table().get(terminal)


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


def _span(path: str, item: Any) -> Span:
    if isinstance(item, Token):
        return Span(path, item.line or 1, item.column or 1, item.end_line or 1,
                    item.end_column or 1)
    meta = item
    return Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


def _unquote(tok: Token) -> str:
    body = str(tok)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


@v_args(meta=True)
class _Builder(Transformer[Token, Any]):
    """Lark tree → AST nodes. Clause keywords are kept for `fmt` and duplicate checks."""

    def __init__(self, path: str, lines: list[str]) -> None:
        super().__init__()
        self.path = path
        self.lines = lines
        self.diagnostics: list[Diagnostic] = []

    # helpers
    def sp(self, item: Any) -> Span:
        return _span(self.path, item)

    def ident(self, tok: Token) -> n.Ident:
        return n.Ident(str(tok), self.sp(tok))

    def _clauses(self, kind: str, items: list[Any]) -> dict[str, Any]:
        """Fold clause tuples into fields, reporting clauses written twice."""
        fields: dict[str, Any] = {}
        clauses: list[n.Clause] = []
        for keyword, value, span in items:
            clauses.append(n.Clause(keyword, span))
            if keyword in ("cites",):
                fields.setdefault("cites", []).extend(value)
            elif keyword in ("requires",):
                fields.setdefault("requires", []).append(value)
            elif keyword in ("expect",):
                fields.setdefault("expect", []).append(value)
            elif keyword in ("completed",):
                fields.setdefault("completed", []).append(value)
            elif keyword in fields or any(
                keyword in pair and any(k in fields for k in pair) for pair in _EXCLUSIVE
            ):
                self.diagnostics.append(
                    Diagnostic(
                        "error",
                        "duplicate-clause",
                        f"this {kind} already has a `{_clause_word(keyword)}` clause",
                        span,
                        self.lines[span.line - 1] if span.line <= len(self.lines) else "",
                        "write each clause once; join conditions with `and` / `or`",
                    )
                )
            else:
                fields[keyword] = value
        fields["clauses"] = tuple(clauses)
        return fields

    # values
    def date_value(self, meta: Any, c: list[Token]) -> n.Value:
        text = str(c[0])
        try:
            day: datetime.date | None = datetime.date.fromisoformat(text)
        except ValueError:
            day = None
        return n.Value("date", text, self.sp(c[0]), date=day)

    def duration_value(self, meta: Any, c: list[Token]) -> n.Value:
        return self._duration(int(c[0]), c)

    def duration_word_value(self, meta: Any, c: list[Token]) -> n.Value:
        return self._duration(_NUMBER_WORDS[str(c[0])], c)

    def _duration(self, amount: int, c: list[Token]) -> n.Value:
        unit = str(c[1])
        unit = unit if unit.endswith("s") else unit + "s"
        span = Span(self.path, c[0].line or 1, c[0].column or 1, c[1].end_line or 1,
                    c[1].end_column or 1)
        return n.Value("duration", f"{c[0]} {c[1]}", span, duration=n.Duration(amount, unit))

    def number(self, meta: Any, c: list[Token]) -> n.Number:
        text = str(c[0])
        span = self.sp(c[0])
        if text.count(".") > 1:
            self.diagnostics.append(Diagnostic(
                "error", "bad-number", f"`{text}` is not a number", span,
                self.lines[span.line - 1] if span.line <= len(self.lines) else "",
                "write hours as a whole number or a decimal, like 8 or 1.5"))
            text = text.split(".")[0]
        return n.Number(float(text), text, span)

    def int_value(self, meta: Any, c: list[Token]) -> n.Value:
        return n.Value("number", str(c[0]), self.sp(c[0]), number=int(c[0]))

    def string_value(self, meta: Any, c: list[Token]) -> n.Value:
        return n.Value("text", str(c[0]), self.sp(c[0]))

    # header
    def start(self, meta: Any, c: list[Any]) -> n.PolicyFile:
        return n.PolicyFile(self.path, "", c[0], tuple(c[1:]), ())

    def header(self, meta: Any, c: list[Any]) -> n.Header:
        items = c[1:]
        locals_ = tuple(v for k, v, _ in items if k == "local")
        f = self._clauses("policy header", [i for i in items if i[0] != "local"])
        clauses = tuple(n.Clause(k, s) for k, _, s in items)
        return n.Header(
            self.ident(c[0]), f.get("title"), f.get("source"), f.get("extends"),
            locals_, clauses, self.sp(meta),
        )

    def title(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("title", _unquote(c[0]), self.sp(meta))

    def source(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("source", n.Source(_unquote(c[0]), c[1], self.sp(meta)), self.sp(meta))

    def extends(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("extends", (_unquote(c[0]), self.sp(c[0])), self.sp(meta))

    def local_id(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        cite = n.Cite(str(c[0]), self.sp(c[0]))
        return ("local", n.LocalId(cite, _unquote(c[1])), self.sp(meta))

    def para_ranges(self, meta: Any, c: list[n.ParaRange]) -> tuple[n.ParaRange, ...]:
        return tuple(c)

    def para_range(self, meta: Any, c: list[Token]) -> n.ParaRange:
        first = n.Cite(str(c[0]), self.sp(c[0]))
        last = n.Cite(str(c[1]), self.sp(c[1])) if len(c) > 1 else None
        return n.ParaRange(first, last)

    # shared clauses
    def cites(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("cites", [n.Cite(str(t), self.sp(t)) for t in c], self.sp(meta))

    def name_alternatives(self, meta: Any, c: list[Token]) -> tuple[n.Ident, ...]:
        return tuple(self.ident(t) for t in c)

    def name_list(self, meta: Any, c: list[Token]) -> tuple[n.Ident, ...]:
        return tuple(self.ident(t) for t in c)

    def no_names(self, meta: Any, c: list[Token]) -> tuple[n.Ident, ...]:
        return ()

    # declarations
    def role_decl(self, meta: Any, c: list[Any]) -> n.RoleDecl:
        f = self._clauses("role", c[2:])
        return n.RoleDecl(self.ident(c[0]), _unquote(c[1]), tuple(f.get("cites", ())),
                          f["clauses"], self.sp(meta))

    def group_decl(self, meta: Any, c: list[Any]) -> n.GroupDecl:
        f = self._clauses("group", c[2:])
        return n.GroupDecl(self.ident(c[0]), _unquote(c[1]), f.get("members"),
                           tuple(f.get("cites", ())), f["clauses"], self.sp(meta))

    def members(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("members", c[0], self.sp(meta))

    def training_decl(self, meta: Any, c: list[Any]) -> n.TrainingDecl:
        f = self._clauses("training", c[2:])
        return n.TrainingDecl(
            self.ident(c[0]), _unquote(c[1]), f.get("delivery"), f.get("topics", ()),
            tuple(f.get("requires", ())), tuple(f.get("cites", ())), f["clauses"], self.sp(meta),
            hours=f.get("hours"), counts_as=f.get("counts as", ()),
        )

    def default_hours(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("hours", c[0], self.sp(meta))

    def counts_as(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("counts as", c[0], self.sp(meta))

    def delivery(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("delivery", self.ident(c[0]), self.sp(meta))

    def topics(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("topics", tuple(_unquote(t) for t in c), self.sp(meta))

    def requires(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("requires", c[0], self.sp(meta))

    def requirement_decl(self, meta: Any, c: list[Any]) -> n.RequirementDecl:
        return self._requirement(meta, self.ident(c[0]), _unquote(c[1]), c[2:], amend=False)

    def amend_decl(self, meta: Any, c: list[Any]) -> n.RequirementDecl:
        return self._requirement(meta, self.ident(c[0]), None, c[1:], amend=True)

    def _requirement(
        self, meta: Any, name: n.Ident, title: str | None, items: list[Any], amend: bool
    ) -> n.RequirementDecl:
        f = self._clauses("requirement", items)
        deadline = f.get("due", f.get("no deadline"))
        return n.RequirementDecl(
            name, title, f.get("applies"), f.get("satisfied by"), deadline, f.get("renew"),
            f.get("grace"), tuple(f.get("cites", ())), f.get("explain"), f["clauses"],
            self.sp(meta), amend,
            before_first=f.get("due before"), hours=f.get("at least"),
            delivered=f.get("delivered"), provider=f.get("provided by"),
            in_force_from=f.get("in force from"), in_force_until=f.get("in force until"),
            regularly=f.get("renew regularly"),
        )

    def applies(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("applies", c[0], self.sp(meta))

    def satisfied_by(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("satisfied by", c[0], self.sp(meta))

    def due_within(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        if isinstance(c[1], _Completing):
            deadline = n.Deadline(c[0], None, self.sp(meta), completing=c[1].training)
        else:
            deadline = n.Deadline(c[0], c[1], self.sp(meta))
        return ("due", deadline, self.sp(meta))

    def due_before_first(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("due before", self.ident(c[0]), self.sp(meta))

    def hours_target(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        window = c[1] if len(c) > 1 else None
        return ("at least", n.HoursTarget(c[0], window, self.sp(meta)), self.sp(meta))

    def delivered(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("delivered", self.ident(c[0]), self.sp(meta))

    def provided_by(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("provided by", _unquote(c[0]), self.sp(meta))

    def in_force_from(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("in force from", c[0], self.sp(meta))

    def in_force_until(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("in force until", c[0], self.sp(meta))

    def renew_regularly(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("renew regularly", n.Clause("renew regularly", self.sp(meta)), self.sp(meta))

    def anchor_completing(self, meta: Any, c: list[Token]) -> _Completing:
        return _Completing(self.ident(c[0]))

    def no_deadline(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("no deadline", n.Deadline(None, None, self.sp(meta)), self.sp(meta))

    def anchor_start(self, meta: Any, c: list[Any]) -> None:
        return None

    def anchor_role(self, meta: Any, c: list[Token]) -> n.Ident:
        return self.ident(c[0])

    def renew(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("renew", c[0], self.sp(meta))

    def grace(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("grace", c[0], self.sp(meta))

    def explain(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("explain", _unquote(c[0]), self.sp(meta))

    def note_decl(self, meta: Any, c: list[Any]) -> n.NoteDecl:
        f = self._clauses(c[0], c[3:])
        return n.NoteDecl(c[0], self.ident(c[1]), _unquote(c[2]), f.get("of"),
                          tuple(f.get("cites", ())), f["clauses"], self.sp(meta))

    def duty(self, meta: Any, c: list[Any]) -> str:
        return "duty"

    def definition(self, meta: Any, c: list[Any]) -> str:
        return "definition"

    def background(self, meta: Any, c: list[Any]) -> str:
        return "background"

    def subject(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("of", _unquote(c[0]), self.sp(meta))

    # conditions
    def any_of(self, meta: Any, c: list[Any]) -> n.Cond:
        return c[0] if len(c) == 1 else n.AnyOf(tuple(c), self.sp(meta))

    def all_of(self, meta: Any, c: list[Any]) -> n.Cond:
        return c[0] if len(c) == 1 else n.AllOf(tuple(c), self.sp(meta))

    def negation(self, meta: Any, c: list[Any]) -> n.Cond:
        return n.Not(c[0], self.sp(meta))

    def everyone(self, meta: Any, c: list[Any]) -> n.Cond:
        return n.Everyone(self.sp(meta))

    def contact_is(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.ContactIs((self.ident(c[0]),), self.sp(meta))

    def contact_in(self, meta: Any, c: list[Any]) -> n.Cond:
        return n.ContactIs(c[0], self.sp(meta))

    def contact_at_least(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.ContactAtLeast(self.ident(c[0]), self.sp(meta))

    def has_role(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.HasRole(self.ident(c[0]), self.sp(meta))

    def in_group(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.InGroup(self.ident(c[0]), self.sp(meta))

    def sector_is(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.SectorIs((self.ident(c[0]),), self.sp(meta))

    def sector_in(self, meta: Any, c: list[Any]) -> n.Cond:
        return n.SectorIs(c[0], self.sp(meta))

    def is_volunteer(self, meta: Any, c: list[Any]) -> n.Cond:
        return n.Volunteer(self.sp(meta))

    def completed_training(self, meta: Any, c: list[Token]) -> n.Cond:
        return n.Completed(self.ident(c[0]), self.sp(meta))

    # examples
    def example_decl(self, meta: Any, c: list[Any]) -> n.ExampleDecl:
        f = self._clauses("example", c[1:])
        return n.ExampleDecl(
            _unquote(c[0]), f.get("worker"), f.get("started"), f.get("contact"),
            f.get("roles", ()), f.get("sector"), bool(f.get("volunteer", False)),
            tuple(f.get("completed", ())), f.get("as of"), tuple(f.get("expect", ())),
            f["clauses"], self.sp(meta),
        )

    def ex_worker(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        tok = c[0]
        value = _unquote(tok) if tok.type == "STRING" else str(tok)
        return ("worker", value, self.sp(meta))

    def ex_started(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("started", c[0], self.sp(meta))

    def ex_contact(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("contact", self.ident(c[0]), self.sp(meta))

    def ex_roles(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("roles", tuple(c), self.sp(meta))

    def role_item(self, meta: Any, c: list[Any]) -> n.RoleItem:
        return n.RoleItem(self.ident(c[0]), c[1] if len(c) > 1 else None)

    def ex_sector(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("sector", self.ident(c[0]), self.sp(meta))

    def ex_volunteer(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("volunteer", True, self.sp(meta))

    def ex_completed(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        details = dict(c[2:])
        completion = n.Completion(self.ident(c[0]), c[1], details.get("delivered"),
                                  self.sp(meta), hours=details.get("hours"),
                                  provider=details.get("provider"))
        return ("completed", completion, self.sp(meta))

    def rec_delivered(self, meta: Any, c: list[Token]) -> tuple[str, Any]:
        return ("delivered", self.ident(c[0]))

    def rec_hours(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("hours", c[0])

    def rec_provider(self, meta: Any, c: list[Token]) -> tuple[str, Any]:
        return ("provider", _unquote(c[0]))

    def ex_as_of(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("as of", c[0], self.sp(meta))

    def ex_expect(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("expect", c[0], self.sp(meta))

    def expect_compliant(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectCompliant(True, self.sp(meta))

    def expect_not_compliant(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectCompliant(False, self.sp(meta))

    def expect_status(self, meta: Any, c: list[Any]) -> n.Expectation:
        deadline = c[2] if len(c) > 2 else None
        return n.ExpectStatus(
            self.ident(c[0]), c[1],
            deadline if isinstance(deadline, n.Value) else None,
            deadline == "none", self.sp(meta),
        )

    def met(self, meta: Any, c: list[Any]) -> str:
        return "met"

    def due(self, meta: Any, c: list[Any]) -> str:
        return "due"

    def overdue(self, meta: Any, c: list[Any]) -> str:
        return "overdue"

    def deadline_on(self, meta: Any, c: list[Any]) -> n.Value:
        value: n.Value = c[0]
        return value

    def deadline_none(self, meta: Any, c: list[Any]) -> str:
        return "none"

    def expect_groups(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectNames("groups", c[0], self.sp(meta))

    def expect_findings(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectNames("findings", c[0], self.sp(meta))

    def expect_no_finding(self, meta: Any, c: list[Token]) -> n.Expectation:
        return n.ExpectNoFinding(self.ident(c[0]), self.sp(meta))

    def expect_eligible(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectEligible(self.ident(c[0]), c[1] if len(c) > 1 else None, True,
                                self.sp(meta))

    def expect_not_eligible(self, meta: Any, c: list[Any]) -> n.Expectation:
        return n.ExpectEligible(self.ident(c[0]), c[1] if len(c) > 1 else None, False,
                                self.sp(meta))


@attrs.frozen
class _Completing:
    """`of completing TRAINING` in a deadline, told apart from `of role ROLE`."""

    training: n.Ident


# Clauses that say the same thing two ways: a requirement has at most one of each pair.
_EXCLUSIVE = (("due", "no deadline"), ("renew", "renew regularly"))


def _clause_word(keyword: str) -> str:
    return {"due": "due within", "applies": "applies to", "at least": "at least … hours",
            "due before": "due before first"}.get(keyword, keyword)
