"""Decision form → a Python function, generated once per policy load.

The generated code never contains policy text except names that match the grammar's NAME
pattern (checked again here) inlined through repr; every other constant reaches it
through the namespace under a generated identifier. Each line ends with a comment naming
the policy line it comes from, and the source is registered in linecache, so a traceback
shows the generated line and the policy line together.
"""

from __future__ import annotations

import datetime
import linecache
import re
import textwrap
from collections.abc import Callable
from typing import Any

from ..contract.decision import Decision, Finding
from ..contract.workers import Worker, canonical_evidence
from ..language.nodes import Duration
from ..semantics import model as m
from ..semantics.dates import add
from .interpret import anchor

Evaluator = Callable[[Worker, datetime.date], Decision]

_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*\Z")
_MEMO_LIMIT = 1 << 17


def _name(value: str) -> str:
    """A policy name as a Python literal, after checking it is only a name."""
    if not _SAFE_NAME.match(value):
        raise ValueError(f"refusing to inline {value!r} into generated code")
    return repr(value)


class _Writer:
    def __init__(self, model: m.PolicyModel) -> None:
        self.model = model
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "Decision": Decision, "Finding": Finding, "_canon": canonical_evidence,
            "_anchor": anchor, "_EMPTY": frozenset(),
        }
        self.constants: dict[int, str] = {}

    def const(self, value: object, prefix: str) -> str:
        key = id(value)
        if key not in self.constants:
            name = f"_{prefix}{len(self.constants)}"
            self.constants[key] = name
            self.namespace[name] = value
        return self.constants[key]

    def emit(self, indent: int, code: str, where: str = "") -> None:
        line = "    " * indent + code
        if where:
            line += f"  # {where}"
        self.lines.append(line)

    def block(self, indent: int, code: str) -> None:
        """Several lines of fixed code (dedented), at one indentation."""
        for line in textwrap.dedent(code).strip("\n").splitlines():
            self.emit(indent, line)

    def where(self, span: Any) -> str:
        return f"{span.file}:{span.line}"

    def cond(self, c: m.Condition) -> str:
        if isinstance(c, m.Always):
            return "True"
        if isinstance(c, m.ContactIn):
            if len(c.levels) == 1:
                return f"contact == {_name(next(iter(c.levels)))}"
            return f"contact in {self.const(c.levels, 'L')}"
        if isinstance(c, m.RoleHeld):
            return f"{_name(c.role)} in held"
        if isinstance(c, m.SectorIn):
            return f"sector in {self.const(c.sectors, 'S')}"
        if isinstance(c, m.IsVolunteer):
            return "volunteer"
        if isinstance(c, m.Negation):
            return f"not ({self.cond(c.operand)})"
        joiner = " and " if isinstance(c, m.Conjunction) else " or "
        return "(" + joiner.join(self.cond(o) for o in c.operands) + ")"

    def memo(self, durations: tuple[Duration | None, ...]) -> str:
        """A memoised `day -> day + durations` for one requirement (few distinct days)."""
        steps = tuple(d for d in durations if d is not None)
        table: dict[datetime.date, datetime.date] = {}

        def shift(day: datetime.date) -> datetime.date:
            result = day
            for d in steps:
                result = add(result, d)
            if len(table) > _MEMO_LIMIT:
                table.clear()
            table[day] = result
            return result

        name = self.const(shift, "shift")
        self.namespace[name + "_t"] = table
        return name


def compile_policy(model: m.PolicyModel) -> tuple[Evaluator, str]:
    """The evaluator function and its generated source (for inspection and tests)."""
    w = _Writer(model)
    used = list(dict.fromkeys(t for r in model.requirements for t in r.satisfied_by))
    slot = {t.id: -1 for t in model.trainings} | {t: i for i, t in enumerate(used)}
    slots = w.const(slot, "SLOT")
    needs_roles = any(_mentions(r.condition, m.RoleHeld) for r in model.requirements) or any(
        _mentions(g.condition, m.RoleHeld) for g in model.groups)
    policy_id = w.const(model.id, "POLICY")

    w.emit(0, "def evaluate(worker, as_of):", f"{model.path}:1")
    w.block(1, """
        started = worker.started
        contact = worker.contact
        sector = worker.sector
        volunteer = worker.volunteer
        """)
    if needs_roles:
        w.block(1, """
            roles = worker.roles
            held = {r.role for r in roles if (r.since or started) <= as_of} if roles else _EMPTY
            """)
    # One pass over the records: latest completion (and its records) per training used.
    w.block(1, f"""
        last = [None] * {len(used)}
        ev = [None] * {len(used)}
        unknown = None
        for rec in worker.training:
            c = rec.completed
            if c > as_of:
                continue
            j = {slots}.get(rec.training)
            if j is None:
                if unknown is None:
                    unknown = set()
                unknown.add(rec.training)
            elif j >= 0:
                p = last[j]
                if p is None or c > p:
                    last[j] = c
                    ev[j] = [rec]
                elif c == p:
                    ev[j].append(rec)
        """)
    w.emit(1, "groups = []")
    for g in model.groups:
        w.emit(1, f"if {w.cond(g.condition)}:", w.where(g.span))
        w.emit(2, f"groups.append({_name(g.id)})", w.where(g.span))
    w.emit(1, "findings = []")
    for rule in model.requirements:
        _requirement(w, rule, [slot[t] for t in rule.satisfied_by])
    w.emit(1, f"return Decision(worker.id, {policy_id}, as_of, tuple(groups), tuple(findings), "
              f"tuple(sorted(unknown)) if unknown else (), {w.const(model, 'M')}, worker)")

    source = "\n".join(w.lines) + "\n"
    filename = f"<policyrules compiled {model.path}>"
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, w.namespace)  # generated from the checked model, never from policy text
    fn: Evaluator = w.namespace["evaluate"]
    return fn, source


def _requirement(w: _Writer, rule: m.Requirement, js: list[int]) -> None:
    at = w.where(rule.span)
    r = w.const(rule, "R")
    w.emit(1, f"if {w.cond(rule.condition)}:", at)
    if len(js) == 1:
        w.emit(2, f"c = last[{js[0]}]", at)
        w.emit(2, "if c is not None:", at)
        w.emit(3, f"e = ev[{js[0]}]", at)
        w.emit(3, "e = (e[0],) if len(e) == 1 else _canon(e)", at)
    else:
        w.emit(2, "c = None", at)
        for j in js:
            w.emit(2, f"if last[{j}] is not None and (c is None or last[{j}] > c):", at)
            w.emit(3, f"c = last[{j}]", at)
        w.emit(2, "if c is not None:", at)
        w.emit(3, "e = []", at)
        for j in js:
            w.emit(3, f"if last[{j}] == c:", at)
            w.emit(4, f"e += ev[{j}]", at)
        w.emit(3, "e = (e[0],) if len(e) == 1 else _canon(e)", at)
    if rule.renew is None:
        w.emit(3, f"findings.append(Finding({r}, 'met', None, e, worker, as_of))", at)
    else:
        shift = w.memo((rule.renew, rule.grace))
        w.emit(3, f"due = {shift}_t.get(c) or {shift}(c)", at)
        w.emit(3, "if as_of <= due:", at)
        w.emit(4, f"findings.append(Finding({r}, 'met', due, e, worker, as_of))", at)
        w.emit(3, "else:", at)
        w.emit(4, f"findings.append(Finding({r}, 'overdue', due, (), worker, as_of))", at)
    w.emit(2, "else:", at)
    if rule.within is None:
        w.emit(3, f"findings.append(Finding({r}, 'overdue', None, (), worker, as_of))", at)
        return
    shift = w.memo((rule.within, rule.grace))
    start = f"_anchor({r}, worker)" if rule.anchor_role is not None else "started"
    w.emit(3, f"a = {start}", at)
    w.emit(3, f"due = {shift}_t.get(a) or {shift}(a)", at)
    w.emit(3, f"findings.append(Finding({r}, 'due' if as_of <= due else 'overdue', due, (), "
              "worker, as_of))", at)


def _mentions(c: m.Condition, kind: type) -> bool:
    if isinstance(c, kind):
        return True
    if isinstance(c, m.Negation):
        return _mentions(c.operand, kind)
    if isinstance(c, (m.Conjunction, m.Disjunction)):
        return any(_mentions(o, kind) for o in c.operands)
    return False
