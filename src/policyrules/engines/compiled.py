"""Decision form → a Python function, generated once per policy load.

What code to write for a policy; how it is written safely (one door for every line,
printable ASCII only, names checked then `repr`'d, a line map instead of comments carrying
paths, a unique linecache key, a structural check) is codegen.py's job.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import assert_never

from ..contract.decision import Decision, new_decision, new_finding
from ..contract.workers import TrainingRecord, Worker, canonical_evidence
from ..language.nodes import Duration
from ..semantics import model as m
from ..semantics.dates import shift
from ..semantics.facts import NO_RECORDS, Records
from ..semantics.hours import lapsed, reach
from ..semantics.profiles import atoms
from .codegen import Generated, Origin, Source, int_literal, name_literal
from .interpret import anchor

Evaluator = Callable[[Worker, datetime.date], Decision]

# A finding in the compact form (`generate(model, compact=True)`): the fields of the
# `Finding` the same code would make, but its worker and day, which are the decision's.
# The last is the record facts when the code knows them (`NO_RECORDS`), else None.
Compact = tuple[m.Requirement, str, datetime.date | None, tuple[TrainingRecord, ...],
                Records | None]
# What the compact form gives for a worker: its groups, its findings in the order
# declared, the unrecognised training ids (sorted), and whether any record is dated
# after the day (`explain.any_later`).
CompactDecision = tuple[tuple[str, ...], list[Compact], tuple[str, ...], bool]
CompactEvaluator = Callable[[Worker, datetime.date], CompactDecision]

_MEMO_LIMIT = 1 << 17


class _Writer(Source):
    def __init__(self, *, compact: bool = False) -> None:
        super().__init__()
        self.compact = compact
        # The generated code makes a Finding and a Decision as their makers do (faster
        # than the classes' own __init__, the same objects: contract/workers.py).
        for name, value in (("Decision", new_decision), ("Finding", new_finding),
                            ("_canon", canonical_evidence), ("_anchor", anchor),
                            ("_EMPTY", frozenset()), ("_reach", reach),
                            ("_lapsed", lapsed), ("_NO_RECORDS", NO_RECORDS)):
            self.bind(name, value)

    def finding(self, r: str, status: str, due: str, evidence: str, facts: str = "None"
                ) -> str:
        """The line that adds a finding: a `Finding`, or in the compact form its fields
        (`Compact`). Every finding of the generated code is made here, so that both forms
        decide alike: they differ in this line and in the last."""
        if self.compact:
            return f"findings.append(({r}, {status}, {due}, {evidence}, {facts}))"
        given = "" if facts == "None" else f", {facts}"
        return f"findings.append(Finding({r}, {status}, {due}, {evidence}, worker, as_of{given}))"

    def cond(self, c: m.Condition) -> str:
        match c:
            case m.Always():
                return "True"
            case m.ContactIn(levels=levels):
                if len(levels) == 1:
                    return f"contact == {name_literal(next(iter(levels)))}"
                return f"contact in {self.const(levels, 'L')}"
            case m.RoleHeld(role=role):
                return f"{name_literal(role)} in held"
            case m.SectorIn(sectors=sectors):
                return f"sector in {self.const(sectors, 'S')}"
            case m.IsVolunteer():
                return "volunteer"
            case m.Completed(trainings=trainings):
                return f"not {self.const(trainings, 'T')}.isdisjoint(done)"
            case m.Negation(operand=operand):
                return f"not ({self.cond(operand)})"
            case m.Conjunction(operands=operands):
                return "(" + " and ".join(self.cond(o) for o in operands) + ")"
            case m.Disjunction(operands=operands):
                return "(" + " or ".join(self.cond(o) for o in operands) + ")"
            case _:
                assert_never(c)

    def memo(self, durations: tuple[Duration | None, ...]) -> tuple[str, str]:
        """A memoised `day -> day + durations` for one requirement (few distinct days):
        the names of the function and of its table."""
        steps = tuple(d for d in durations if d is not None)
        table: dict[datetime.date, datetime.date] = {}

        def memoised(day: datetime.date) -> datetime.date:
            result = shift(day, steps)
            if len(table) > _MEMO_LIMIT:
                table.clear()
            table[day] = result
            return result

        return self.const(memoised, "shift"), self.const(table, "table")


def compile_policy(model: m.PolicyModel) -> tuple[Evaluator, str]:
    """The evaluator function and its generated source (for inspection and tests)."""
    generated = generate(model)
    return generated.function, generated.source


def compile_compact(model: m.PolicyModel) -> CompactEvaluator:
    """The evaluator in the compact form, for writers that need no `Decision`
    (render/contract_json.py's `CompactJson`)."""
    function: CompactEvaluator = generate(model, compact=True).function
    return function


def generate(model: m.PolicyModel, *, compact: bool = False) -> Generated:
    """The evaluator, compiled, with its source, linecache key and line map; `compact`:
    the same code giving a `CompactDecision` instead of a `Decision`."""
    w = _Writer(compact=compact)
    used = list(dict.fromkeys(t for r in model.requirements for t in r.satisfied_by))
    slot = {t.id: -1 for t in model.trainings} | {t: i for i, t in enumerate(used)}
    slots = w.const(slot, "SLOT")
    needs_roles = (any(_reads_roles(r.condition) for r in model.requirements)
                   or any(_reads_roles(g.condition) for g in model.groups))
    policy_id = w.const(model.id, "POLICY")
    conditions = [r.condition for r in model.requirements] + [g.condition for g in model.groups]
    needs_done = any(isinstance(a, m.Completed) for c in conditions for a in atoms(c))
    n_used = int_literal(len(used))

    w.line(0, "def evaluate(worker, as_of):")
    # Zero cost until something raises: then the note names the policy line.
    w.line(1, "try:")
    w.block(2, """
        started = worker.started
        contact = worker.contact
        sector = worker.sector
        volunteer = worker.volunteer
        """)
    if needs_roles:
        w.block(2, """
            roles = worker.roles
            held = {r.role for r in roles if (r.since or started) <= as_of} if roles else _EMPTY
            """)
    # One pass over the records: latest completion (and its records) per training used.
    w.block(2, f"""
        last = [None] * {n_used}
        ev = [None] * {n_used}
        unknown = None
        done = set()
        later = False
        for rec in worker.training:
            c = rec.completed
            if c > as_of:
                later = True
                continue
            {"done.add(rec.training)" if needs_done else "pass"}
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
    # An unmet finding whose rule has no record on file (none by as_of, and no record
    # at all after it) carries its record facts: they are known to be empty.
    w.line(2, "none = None if later else _NO_RECORDS")
    w.line(2, "groups = []")
    for g in model.groups:
        at = Origin(g.span, f"group {g.id}")
        w.line(2, f"if {w.cond(g.condition)}:", at)
        w.line(3, f"groups.append({name_literal(g.id)})", at)
    w.line(2, "findings = []")
    for k, rule in enumerate(model.requirements):
        _requirement(w, k, rule, [slot[t] for t in rule.satisfied_by])
    unknown = "tuple(sorted(unknown)) if unknown else ()"
    if compact:
        w.line(2, f"return (tuple(groups), findings, {unknown}, later)")
    else:
        w.line(2, f"return Decision(worker.id, {policy_id}, as_of, tuple(groups), "
                  f"tuple(findings), {unknown}, {w.const(model, 'MODEL')}, worker)")
    w.block(1, """
        except Exception as exc:
            _note(exc)
            raise
        """)
    return w.compile("evaluate", model.id)


def _requirement(w: _Writer, k: int, rule: m.Requirement, js: list[int]) -> None:
    """One requirement's code, its locals suffixed by its index so none carries over."""
    at = Origin(rule.span, f"requirement {rule.id}")
    r = w.const(rule, "R")
    n = int_literal(k)
    c, e = f"c{n}", f"e{n}"
    slots = [int_literal(j) for j in js]
    test = w.cond(rule.condition)
    if rule.in_force_from is not None:
        test = f"as_of >= {w.const(rule.in_force_from, 'D')} and {test}"
    if rule.in_force_until is not None:
        test = f"as_of <= {w.const(rule.in_force_until, 'D')} and {test}"
    if _needs_records(rule):
        _filtered_requirement(w, rule, r, n, at, test)
        return
    w.line(2, f"if {test}:", at)
    if len(slots) == 1:
        w.line(3, f"{c} = last[{slots[0]}]", at)
        w.line(3, f"if {c} is not None:", at)
        w.line(4, f"{e} = ev[{slots[0]}]", at)
    else:
        w.line(3, f"{c} = None", at)
        for j in slots:
            w.line(3, f"if last[{j}] is not None and ({c} is None or last[{j}] > {c}):", at)
            w.line(4, f"{c} = last[{j}]", at)
        w.line(3, f"if {c} is not None:", at)
        w.line(4, f"{e} = []", at)
        for j in slots:
            w.line(4, f"if last[{j}] == {c}:", at)
            w.line(5, f"{e} += ev[{j}]", at)
    _latest_found(w, rule, r, n, at)
    w.line(3, "else:", at)
    _unmet(w, rule, r, n, at, 4)
    _append_unmet(w, rule, r, n, at, 4, known=True)


def _latest_found(w: _Writer, rule: m.Requirement, r: str, n: str, at: Origin) -> None:
    """With `c{n}` the latest completion and `e{n}` its records: met, or renewal due."""
    c, e, due = f"c{n}", f"e{n}", f"due{n}"
    w.line(4, f"{e} = ({e}[0],) if len({e}) == 1 else _canon({e})", at)
    if rule.renew is None:
        w.line(4, w.finding(r, "'met'", "None", e), at)
        return
    shift, table = w.memo((rule.renew, rule.grace))
    w.line(4, f"{due} = {table}.get({c}) or {shift}({c})", at)
    w.line(4, f"if as_of <= {due}:", at)
    w.line(5, w.finding(r, "'met'", due, e), at)
    w.line(4, "else:", at)
    w.line(5, w.finding(r, "'overdue'", due, "()"), at)


def _needs_records(rule: m.Requirement) -> bool:
    """A rule whose records are not simply the latest of each training: filtered by
    delivery or provider, or counted in hours. (A deadline set by a course is found
    by `_deadline` either way.)"""
    return rule.hours is not None or rule.delivery is not None or rule.provider is not None


def _first(w: _Writer, var: str, trainings: frozenset[str], indent: int, at: Origin) -> None:
    """`var` = the first day one of `trainings` was completed, on or before as_of, or None."""
    w.line(indent, f"{var} = None", at)
    w.line(indent, "for rec in worker.training:", at)
    w.line(indent + 1, f"if rec.training in {w.const(trainings, 'T')} and rec.completed <= "
                       f"as_of and ({var} is None or rec.completed < {var}):", at)
    w.line(indent + 2, f"{var} = rec.completed", at)


def _deadline(w: _Writer, rule: m.Requirement, r: str, n: str, at: Origin,
              indent: int) -> None:
    """`due{n}` = the first deadline: `due within` from its anchor (with grace), brought
    forward to the first `due before first` course; None when there is none yet."""
    due = f"due{n}"
    if rule.within is None:
        w.line(indent, f"{due} = None", at)
    else:
        shift, table = w.memo((rule.within, rule.grace))
        match rule.deadline_from:
            case m.FromStart():
                w.line(indent, f"a{n} = started", at)
            case m.FromRole():
                w.line(indent, f"a{n} = _anchor({r}, worker)", at)
            case m.FromCompletion(trainings=trainings):
                _first(w, f"a{n}", trainings, indent, at)
                # `applies to … completed T` makes it present; the start is the fallback.
                w.line(indent, f"if a{n} is None:", at)
                w.line(indent + 1, f"a{n} = started", at)
            case _:
                assert_never(rule.deadline_from)
        w.line(indent, f"{due} = {table}.get(a{n}) or {shift}(a{n})", at)
    if rule.before_first is not None:
        _first(w, f"b{n}", rule.before_first.trainings, indent, at)
        w.line(indent, f"if b{n} is not None and ({due} is None or b{n} < {due}):", at)
        w.line(indent + 1, f"{due} = b{n}", at)


def _filtered_requirement(w: _Writer, rule: m.Requirement, r: str, n: str, at: Origin,
                          test: str) -> None:
    due, cnt = f"due{n}", f"cnt{n}"
    keep = [f"rec.training in {w.const(frozenset(rule.satisfied_by), 'T')}",
            "rec.completed <= as_of"]
    if rule.delivery is not None:
        keep.append(f"rec.delivery == {name_literal(rule.delivery)}")
    if rule.provider is not None:
        keep.append(f"rec.provider == {w.const(rule.provider, 'P')}")
    w.line(2, f"if {test}:", at)
    w.line(3, f"{cnt} = []", at)
    w.line(3, "for rec in worker.training:", at)
    w.line(4, f"if {' and '.join(keep)}:", at)
    w.line(5, f"{cnt}.append(rec)", at)
    if rule.hours is not None:
        h = w.const(rule.hours, "H")
        w.line(3, f"met{n}, {due}, e{n} = _reach({h}, {cnt}, as_of)", at)
        w.line(3, f"if met{n}:", at)
        w.line(4, w.finding(r, "'met'", due, f"e{n}"), at)
        w.line(3, "else:", at)
        _unmet(w, rule, r, n, at, 4)
        w.line(4, f"l{n} = _lapsed({h}, {cnt})", at)
        # Overdue after it was met: the day it lapsed is the deadline that was missed.
        overdue = (f"(({due} is None and not {_pending(rule)}) "
                   f"or ({due} is not None and as_of > {due}))")
        w.line(4, f"if l{n} is not None and {overdue} and ({due} is None or l{n} > {due}):",
               at)
        w.line(5, f"{due} = l{n}", at)
        _append_unmet(w, rule, r, n, at, 4)
        return
    w.line(3, f"if {cnt}:", at)
    w.line(4, f"c{n} = None", at)
    w.line(4, f"for rec in {cnt}:", at)
    w.line(5, f"if c{n} is None or rec.completed > c{n}:", at)
    w.line(6, f"c{n} = rec.completed", at)
    w.line(6, f"e{n} = [rec]", at)
    w.line(5, f"elif rec.completed == c{n}:", at)
    w.line(6, f"e{n}.append(rec)", at)
    _latest_found(w, rule, r, n, at)
    w.line(3, "else:", at)
    _unmet(w, rule, r, n, at, 4)
    # No record counted: none on file either, unless some delivery or provider is left out.
    _append_unmet(w, rule, r, n, at, 4,
                  known=rule.delivery is None and rule.provider is None)


def _pending(rule: m.Requirement) -> str:
    """Python for: only `due before first`, not yet taken: due, with no date."""
    return "True" if rule.before_first is not None and rule.within is None else "False"


def _unmet(w: _Writer, rule: m.Requirement, r: str, n: str, at: Origin, indent: int) -> None:
    _deadline(w, rule, r, n, at, indent)


def _append_unmet(w: _Writer, rule: m.Requirement, r: str, n: str, at: Origin,
                  indent: int, *, known: bool = False) -> None:
    """The unmet finding; `known`: the worker has no record of the rule (`none`)."""
    due = f"due{n}"
    facts = "none" if known else "None"
    w.line(indent, f"if {due} is None:", at)
    status = "'due'" if _pending(rule) == "True" else "'overdue'"
    w.line(indent + 1, w.finding(r, status, "None", "()", facts), at)
    w.line(indent, "else:", at)
    w.line(indent + 1, w.finding(r, f"'due' if as_of <= {due} else 'overdue'", due, "()",
                                 facts), at)


def _reads_roles(c: m.Condition) -> bool:
    return any(isinstance(a, m.RoleHeld) for a in atoms(c))
