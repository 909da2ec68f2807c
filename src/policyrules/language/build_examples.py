"""Lark tree → AST nodes for `example` declarations: a worker, a day, what to expect."""

from __future__ import annotations

from typing import Any

from lark import Token, v_args

from ..diagnostics import Span
from . import nodes as n
from .build_base import BuilderBase, unquote


@v_args(meta=True)
class ExampleBuilder(BuilderBase):
    """The example clauses and expectations (the rest is build_ast.Builder's)."""

    # examples
    def example_decl(self, meta: Any, c: list[Any]) -> n.ExampleDecl:
        f = self._clauses("example", c[1:])
        return n.ExampleDecl(
            unquote(c[0]), f.get("worker"), f.get("started"), f.get("contact"),
            f.get("roles", ()), f.get("sector"), bool(f.get("volunteer", False)),
            tuple(f.get("completed", ())), f.get("as of"), tuple(f.get("expect", ())),
            f["clauses"], self.sp(meta),
        )

    def ex_worker(self, meta: Any, c: list[Token]) -> tuple[str, Any, Span]:
        tok = c[0]
        value = unquote(tok) if tok.type == "STRING" else str(tok)
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
        return ("provider", unquote(c[0]))

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
