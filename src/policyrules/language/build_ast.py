"""Lark tree → AST nodes (nodes.py). Method names are the grammar's rule aliases."""

from __future__ import annotations

import datetime
from typing import Any

import attrs
from lark import Token, v_args

from ..diagnostics import Diagnostic, Span
from . import nodes as n
from .build_base import unquote
from .build_examples import ExampleBuilder

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve"],
        start=1,
    )
}

# Bigger than any number a policy may use (durations stop at 100 years), so a larger one
# is reported where it is used, as too large; Python also refuses to convert a string of
# more than 4,300 digits.
_LARGEST = 10**9


def _whole(digits: str) -> int:
    return int(digits) if len(digits) <= 9 else _LARGEST


@v_args(meta=True)
class Builder(ExampleBuilder):
    """Lark tree → AST nodes. Clause keywords are kept for `fmt` and duplicate checks."""

    # values
    def date_value(self, meta: Any, c: list[Token]) -> n.Value:
        text = str(c[0])
        try:
            day: datetime.date | None = datetime.date.fromisoformat(text)
        except ValueError:
            day = None
        return n.Value("date", text, self.sp(c[0]), date=day)

    def duration_value(self, meta: Any, c: list[Token]) -> n.Value:
        return self._duration(_whole(str(c[0])), c)

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
        if text.count(".") > 1 or len(text) > 12:
            self.diagnostics.append(Diagnostic(
                "error", "bad-number", f"`{text}` is not a number of hours", span,
                self.lines[span.line - 1] if span.line <= len(self.lines) else "",
                "write hours as a whole number or a decimal, like 8 or 1.5"))
            text = "0"
        return n.Number(float(text), text, span)

    def int_value(self, meta: Any, c: list[Token]) -> n.Value:
        return n.Value("number", str(c[0]), self.sp(c[0]), number=_whole(str(c[0])))

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
        return ("title", unquote(c[0]), self.sp(meta))

    def source(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        text = c[2] if len(c) > 2 else None
        return ("source", n.Source(unquote(c[0]), c[1], self.sp(meta), text), self.sp(meta))

    def source_text(self, meta: Any, c: list[Token]) -> tuple[str, Span]:
        return (unquote(c[0]), self.sp(c[0]))

    def extends(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("extends", (unquote(c[0]), self.sp(c[0])), self.sp(meta))

    def local_id(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        cite = n.Cite(str(c[0]), self.sp(c[0]))
        return ("local", n.LocalId(cite, unquote(c[1])), self.sp(meta))

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
        return n.RoleDecl(self.ident(c[0]), unquote(c[1]), tuple(f.get("cites", ())),
                          f["clauses"], self.sp(meta))

    def group_decl(self, meta: Any, c: list[Any]) -> n.GroupDecl:
        f = self._clauses("group", c[2:])
        return n.GroupDecl(self.ident(c[0]), unquote(c[1]), f.get("members"),
                           tuple(f.get("cites", ())), f["clauses"], self.sp(meta))

    def members(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("members", c[0], self.sp(meta))

    def training_decl(self, meta: Any, c: list[Any]) -> n.TrainingDecl:
        f = self._clauses("training", c[2:])
        return n.TrainingDecl(
            self.ident(c[0]), unquote(c[1]), f.get("delivery"), f.get("topics", ()),
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
        return ("topics", tuple(unquote(t) for t in c), self.sp(meta))

    def requires(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("requires", c[0], self.sp(meta))

    def requirement_decl(self, meta: Any, c: list[Any]) -> n.RequirementDecl:
        return self._requirement(meta, self.ident(c[0]), unquote(c[1]), c[2:], amend=False)

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
        return ("provided by", unquote(c[0]), self.sp(meta))

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
        return ("explain", unquote(c[0]), self.sp(meta))

    def note_decl(self, meta: Any, c: list[Any]) -> n.NoteDecl:
        f = self._clauses(c[0], c[3:])
        return n.NoteDecl(c[0], self.ident(c[1]), unquote(c[2]), f.get("of"),
                          tuple(f.get("cites", ())), f["clauses"], self.sp(meta))

    def duty(self, meta: Any, c: list[Any]) -> str:
        return "duty"

    def definition(self, meta: Any, c: list[Any]) -> str:
        return "definition"

    def background(self, meta: Any, c: list[Any]) -> str:
        return "background"

    def subject(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return ("of", unquote(c[0]), self.sp(meta))

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


@attrs.frozen
class _Completing:
    """`of completing TRAINING` in a deadline, told apart from `of role ROLE`."""

    training: n.Ident
