"""Decision form → a Python function, generated once per policy load.

What code to write for a policy; how it is written safely (one door for every line,
printable ASCII only, names checked then `repr`'d, a line map instead of comments carrying
paths, a unique linecache key, a structural check) is codegen.py's job.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, TypeVar, assert_never

from ..contract.decision import Decision, new_decision, new_finding
from ..contract.explain import DATED, DATED_FIRST, LAPSED
from ..contract.workers import Worker, canonical_evidence
from ..language.nodes import Duration
from ..semantics import model as m
from ..semantics.dates import iso, shift
from ..semantics.facts import NO_RECORDS
from ..semantics.hours import lapsed, reach
from ..semantics.profiles import atoms
from .codegen import Generated, Origin, Source, int_literal, name_literal
from .interpret import anchor

if TYPE_CHECKING:
    from ..render.contract_json import TextKit

Evaluator = Callable[[Worker, datetime.date], Decision]
# The text form (`generate(model, text=True)`): the decision's JSON text, written with a
# `render.contract_json.TextKit`, and whether it is compliant.
TextEvaluator = Callable[[Worker, datetime.date, "TextKit"], tuple[str, bool]]

_MEMO_LIMIT = 1 << 17

# What the text form reads of its kit (`TextKit`), of a rule's pieces there (`_Rule`),
# and of text.
_TEXT_ATTRIBUTES = frozenset({"rules", "day", "start", "middle", "general", "found",
                              "met_words", "unrecorded", "unrecognised", "isascii",
                              "around", "texts", "end", "line", "usual", "on",
                              "met_null", "met_dated", "dated_evidence", "met_tail", "met_end",
                              "renew", "closed", "join", "hours", "level",
                              "groups", "group_text", "dated", "lapsed", "cut_dated",
                              "cut_lapsed"})


class _Writer(Source):
    def __init__(self, *, text: bool = False) -> None:
        super().__init__()
        self.text = text
        # Each course's place in `last` and `ev` (-1: none, for a course no rule counts).
        self.slot: dict[str, int] = {}
        self._courses: dict[int, tuple[m.Requirement, str]] = {}
        # The generated code makes a Finding and a Decision as their makers do (faster
        # than the classes' own __init__, the same objects: contract/workers.py).
        for name, value in (("Decision", new_decision), ("Finding", new_finding),
                            ("_canon", canonical_evidence), ("_anchor", anchor),
                            ("_EMPTY", frozenset()), ("_reach", reach),
                            ("_lapsed", lapsed), ("_NO_RECORDS", NO_RECORDS),
                            ("_iso", iso), ("_type", type),
                            ("_since", m.Requirement.role_since),
                            # How the text form writes the worker's id (`TextKit`'s).
                            ("_js", encode_basestring)):
            self.bind(name, value)

    def finding(self, indent: int, at: Origin, r: str, status: str, due: str, evidence: str,
                facts: str = "None") -> None:
        """The line that adds a finding: a `Finding`, or in the text form its text,
        written by the kit's general code. Every finding of the generated code is made
        here or by `found`, `met` or `undated`, which write the text form's otherwise
        and decide as this does, so that both forms decide alike."""
        if self.text:
            self.line(indent, f"kit.general(out, (({r}, {status}, {due}, {evidence}, {facts}),), "
                              "worker, as_of, who, later)", at)
            return
        given = "" if facts == "None" else f", {facts}"
        self.line(indent, f"findings.append(Finding({r}, {status}, {due}, {evidence}, worker, "
                          f"as_of{given}))", at)

    def found(self, indent: int, at: Origin, rule: m.Requirement, n: str, r: str,
              status: str, due: str, evidence: str, latest: str = "None",
              anchor: str = "None", first: str = "False", facts: str = "None") -> None:
        """A finding of `rule`, the `n`th, that `met` and `undated` do not write: `latest`
        its latest record counted; unmet, dated and with none counted, `anchor` the day
        its deadline counts from (when found) and `first` whether the due day is the
        first `due before first` record's. In the text form, of a rule whose records are
        the latest of each course, written by the kit from those facts
        (`TextKit.found`), which are most of what its words read; else as `finding`."""
        if not self.text or _needs_records(rule):
            self.finding(indent, at, r, status, due, evidence, facts)
            return
        self.line(indent, f"kit.found(out, rules[{n}], {r}, {status}, {due}, {evidence}, "
                          f"{latest}, {anchor}, {first}, worker, as_of, who, later)", at)

    def met(self, indent: int, at: Origin, rule: m.Requirement, n: str, r: str, c: str,
            due: str, e: str) -> None:
        """A met finding of `rule`, the `n`th (without an hours target): `c` its latest
        completion, `e` the list of its records then (in the order read).

        In the text form one with one record of the usual kind (`TextKit.around`) is
        written from its rule's pieces, as `DecisionJson._findings` writes it: explained
        (`usual`), the usual one of `explain.in_one_step` (no record of the rule's
        courses dated after the day); without explanations, any. Any other is the kit's
        general code's."""
        canonical = f"({e}[0],) if len({e}) == 1 else _canon({e})"
        if not self.text:
            self.line(indent, f"{e} = {canonical}", at)
            self.finding(indent, at, r, "'met'", due, e)
            return
        k, t, x, on, d, u, q = (f"k{n}", f"t{n}", f"x{n}", f"on{n}", f"d{n}", f"u{n}",
                                f"q{n}")
        self.line(indent, f"{k} = rules[{n}]", at)
        self.line(indent, f"if len({e}) == 1 and not (later and {k}.usual and not "
                          f"{self.courses(rule)}.isdisjoint(after)):", at)
        # The record's text, looked up here by its key (`contract_json._AROUND`), made by
        # `kit.around` the first time (None: a record of another kind).
        self.line(indent + 1, f"{q} = {e}[0]", at)
        self.cached(indent + 1, at, t, f"texts(({q}.training, {q}.delivery, {q}.hours, "
                                       f"{q}.provider, {q}.level, _type({q}.hours)))",
                    f"kit.around({q})")
        self.line(indent, "else:", at)
        self.line(indent + 1, f"{t} = None", at)
        self.line(indent, f"if {t} is not None:", at)
        self.line(indent + 1, f"{d} = _iso({c})", at)
        if due == "None":
            head = f"{k}.met_null, {t}[0], {d}, {t}[1]"
            renew = ""
        else:
            self.line(indent + 1, f"{u} = _iso({due})", at)
            head = f"{k}.met_dated, {u}, {k}.dated_evidence, {t}[0], {d}, {t}[1]"
            renew = f"{k}.renew, {u}, "
        self.line(indent + 1, f"if {k}.usual:", at)
        self.line(indent + 2, f"{x} = {e}[0].training", at)
        self.cached(indent + 2, at, on, f"{k}.on.get({x})", f"kit.met_words({k}, {r}, {x})")
        self.line(indent + 2, f"out += (', ', {head}, {k}.met_tail, who, {on}, {d}, {renew}"
                              f"{k}.met_end)", at)
        self.line(indent + 1, "else:", at)
        self.line(indent + 2, f"out += (', ', {head}, {k}.closed)", at)
        self.line(indent, "else:", at)
        self.line(indent + 1, f"{e} = {canonical}", at)
        self.found(indent + 1, at, rule, n, r, "'met'", due, e, f"{e}[0]")

    def undated(self, indent: int, at: Origin, rule: m.Requirement, n: str, r: str,
                status: str, facts: str) -> None:
        """An unmet finding of `rule`, the `n`th, without a due date, `status` a literal;
        `facts`: its record facts when known (`none`: the worker has no record of the
        rule's courses by the day, nor any record after it).

        In the text form one of a worker with no record of the rule's courses at all,
        of a rule without an hours target, is its rule's text for the status with the
        worker's id put in (`DecisionJson._unrecorded`); any other is the general
        code's."""
        if not (self.text and rule.hours is None and facts == "none"):
            self.finding(indent, at, r, status, "None", "()", facts)
            return
        k = f"k{n}"
        p = self.pieces(indent, at, rule, n, f"{k}.unrecorded.get({status})",
                        f"kit.unrecorded({k}, {r}, {status}, as_of)")
        self.line(indent + 1, f"out += (', ', who.join({p}))", at)
        if status == "'overdue'":
            # The decision's `compliant` (`DecisionJson._begin`), as the general code sets it.
            self.line(indent + 1, "out[3] = 'false'", at)
        self.line(indent, "else:", at)
        self.found(indent + 1, at, rule, n, r, status, "None", "()", facts=facts)

    def dated(self, indent: int, at: Origin, rule: m.Requirement, n: str, r: str, due: str,
              facts: str) -> None:
        """An unmet finding of `rule`, the `n`th, with a due day `due` and no record
        counted; `facts` as `undated`'s.

        In the text form, of a rule whose records are the latest of each course and whose
        deadline counts from somewhere (`due within`), one of a worker with none of the
        rule's courses dated after the day is its rule's text for its status, whether
        the due day is the first `due before first` record's, and (counting from a role)
        whether the worker took the role, with the worker's id, the due day and the
        anchor put in (`DecisionJson._cut_dated`); any other is `found`'s."""
        status = f"'due' if as_of <= {due} else 'overdue'"
        anchor = "None" if rule.within is None else f"a{n}"
        first = "False" if rule.before_first is None else f"f{n}"
        if not self.text or _needs_records(rule) or rule.within is None:
            self.found(indent, at, rule, n, r, status, due, "()", anchor=anchor, first=first,
                       facts=facts)
            return
        s, k, u = f"s{n}", f"k{n}", f"u{n}"
        self.line(indent, f"{s} = {status}", at)
        since, before = "False", ""
        if isinstance(rule.deadline_from, m.FromRole):
            since = f"g{n}"
            before = f"{since} = _since({r}, worker) is not None"
        # What of the worker's tells the words apart: the status alone, when nothing else.
        told = [v for v in (s, first, since) if v != "False"]
        key = s if len(told) == 1 else f"({', '.join(told)})"
        p = self.pieces(indent, at, rule, n, f"{k}.dated.get({key})",
                        f"kit.cut_dated({k}, {r}, {key}, {s}, {first}, {since}, as_of)", before)
        self.line(indent + 1, f"{u} = _iso({due})", at)
        values = {0: "who", 1: u, 4: f"_iso({anchor})"}
        if first == "False":
            self.cuts(indent + 1, at, p, DATED, values)
        else:
            self.line(indent + 1, f"if {first}:", at)
            self.cuts(indent + 2, at, p, DATED_FIRST, values)
            self.line(indent + 1, "else:", at)
            self.cuts(indent + 2, at, p, DATED, values)
        self.line(indent + 1, f"if {s} == 'overdue':", at)
        self.line(indent + 2, "out[3] = 'false'", at)
        self.line(indent, "else:", at)
        self.found(indent + 1, at, rule, n, r, s, due, "()", anchor=anchor, first=first,
                   facts=facts)

    def lapsed(self, indent: int, at: Origin, rule: m.Requirement, n: str, r: str,
               due: str) -> None:
        """The overdue finding of `rule`, the `n`th, whose renewal was due by `due`, with
        `c{n}` the latest completion and `e{n}` its records.

        In the text form, of a rule whose records are the latest of each course, one of a
        worker with none of the rule's courses dated after the day is its rule's text for
        the course of its latest record, with the worker's id, the due day and that
        record's day put in (`DecisionJson._cut_lapsed`); any other is `found`'s."""
        c, e, y, k, u = f"c{n}", f"e{n}", f"y{n}", f"k{n}", f"u{n}"
        latest = f"{e}[0] if len({e}) == 1 else _canon({e})[0]"
        if not self.text or _needs_records(rule):
            self.found(indent, at, rule, n, r, "'overdue'", due, "()", latest)
            return
        self.line(indent, f"{y} = {latest}", at)
        p = self.pieces(indent, at, rule, n, f"{k}.lapsed.get({y}.training)",
                        f"kit.cut_lapsed({k}, {r}, {y}.training, as_of)")
        self.line(indent + 1, f"{u} = _iso({due})", at)
        self.cuts(indent + 1, at, p, LAPSED, {0: "who", 1: u, 2: f"_iso({c})"})
        self.line(indent + 1, "out[3] = 'false'", at)
        self.line(indent, "else:", at)
        self.found(indent + 1, at, rule, n, r, "'overdue'", due, "()", y)

    def pieces(self, indent: int, at: Origin, rule: m.Requirement, n: str, lookup: str,
               make: str, before: str = "") -> str:
        """`p{n}`: the pieces of a finding's text of `rule`, the `n`th, that the kit keeps
        with `k{n}` its rule's (`lookup`, `make` as `cached`'s, after `before` when
        given), of a worker with none of the rule's courses dated after the day, else
        None; then the line that tests them, leaving the code that writes with them to
        the caller, one level in. (Records after the day of other courses only: the
        rule's record facts are the same, `facts.records`.)"""
        p = f"p{n}"
        self.line(indent, f"if not later or {self.courses(rule)}.isdisjoint(after):", at)
        self.line(indent + 1, f"k{n} = rules[{n}]", at)
        if before:
            self.line(indent + 1, before, at)
        self.cached(indent + 1, at, p, lookup, make)
        self.line(indent, "else:", at)
        self.line(indent + 1, f"{p} = None", at)
        self.line(indent, f"if {p}:", at)
        return p

    def cuts(self, indent: int, at: Origin, p: str, order: tuple[int, ...],
             values: dict[int, str]) -> None:
        """The line that writes a finding's text from `p`, its pieces cut where its values
        go (`DecisionJson._cut`), and the values in `order` (by `values`, the Python for
        each: 0 the id, 1 + i the i-th of `explain.Days`)."""
        parts = ["', '"]
        for i, mark in enumerate(order):
            parts += (f"{p}[{i}]", values[mark])
        parts.append(f"{p}[{len(order)}]")
        self.line(indent, f"out += ({', '.join(parts)})", at)

    def cached(self, indent: int, at: Origin, name: str, lookup: str, make: str) -> None:
        """`name` set to what the kit keeps (`lookup`, None when not kept yet), else to what
        its code makes and keeps (`make`)."""
        self.line(indent, f"{name} = {lookup}", at)
        self.line(indent, f"if {name} is None:", at)
        self.line(indent + 1, f"{name} = {make}", at)

    def courses(self, rule: m.Requirement) -> str:
        """The name of the set of the rule's courses (`satisfied_by`)."""
        known = self._courses.get(id(rule))
        if known is None or known[0] is not rule:
            known = self._courses[id(rule)] = (rule, self.const(frozenset(rule.satisfied_by),
                                                                "T"))
        return known[1]

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
                js = _slots_of(self.slot, trainings)
                if js is None:
                    return f"not {self.const(trainings, 'T')}.isdisjoint(done)"
                # Each course a rule counts has its latest record by the day in `last`.
                return "(" + " or ".join(f"last[{j}] is not None" for j in js) + ")"
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


def compile_text(model: m.PolicyModel) -> TextEvaluator:
    """The evaluator in the text form, for a writer of JSON text that needs no `Decision`
    (`Policy.evaluate_text`)."""
    function: TextEvaluator = generate(model, text=True).function
    return function


def generate(model: m.PolicyModel, *, text: bool = False) -> Generated:
    """The evaluator, compiled, with its source, linecache key and line map; `text`: the
    same code writing the decision's JSON text with a kit (`TextKit`: the encoder's
    pieces and code, given to it at each call) instead of making a `Decision`."""
    w = _Writer(text=text)
    used = list(dict.fromkeys(t for r in model.requirements for t in r.satisfied_by))
    slot = {t.id: -1 for t in model.trainings} | {t: i for i, t in enumerate(used)}
    slots = w.const(slot, "SLOT")
    w.slot = slot
    needs_roles = (any(_reads_roles(r.condition) for r in model.requirements)
                   or any(_reads_roles(g.condition) for g in model.groups))
    policy_id = w.const(model.id, "POLICY")
    conditions = [r.condition for r in model.requirements] + [g.condition for g in model.groups]
    # The set of courses done by the day, for a `completed` of a course no rule counts
    # (of the others, `last` tells: `_Writer.cond`).
    needs_done = any(isinstance(a, m.Completed) and _slots_of(slot, a.trainings) is None
                     for c in conditions for a in atoms(c))
    n_used = int_literal(len(used))

    w.line(0, "def evaluate(worker, as_of, kit):" if text else "def evaluate(worker, as_of):")
    # Zero cost until something raises: then the note names the policy line.
    w.line(1, "try:")
    w.block(2, """
        started = worker.started
        contact = worker.contact
        sector = worker.sector
        volunteer = worker.volunteer
        """)
    if needs_roles:
        # A loop, not a set comprehension: before Python 3.12 that is a call of its own.
        w.block(2, """
            roles = worker.roles
            if roles:
                held = set()
                for role in roles:
                    if (role.since or started) <= as_of:
                        held.add(role.role)
            else:
                held = _EMPTY
            """)
    # One pass over the records: latest completion (and its records) per training used;
    # in the text form, the courses of the records dated after the day too (`after`),
    # whose words name only the rule's (`DecisionJson._findings`).
    w.block(2, f"""
        last = [None] * {n_used}
        ev = [None] * {n_used}
        unknown = None
        {"done = set()" if needs_done else "pass"}
        later = False
        """)
    if text:
        w.block(2, """
            after = _EMPTY
            for rec in worker.training:
                c = rec.completed
                if c > as_of:
                    if not later:
                        later = True
                        after = set()
                    after.add(rec.training)
                    continue
            """)
    else:
        w.block(2, """
            for rec in worker.training:
                c = rec.completed
                if c > as_of:
                    later = True
                    continue
            """)
    w.block(3, f"""
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
    if text:
        # The groups as a number, bit i for group i (`TextKit.groups`): no list is made.
        w.line(2, "groups = 0")
    else:
        w.line(2, "groups = []")
    for run, groups in _role_runs(list(enumerate(model.groups)),
                                  lambda g: g[1].condition, needs_roles):
        with w.nested(2, "if held:") if run else contextlib.nullcontext():
            for i, g in groups:
                at = Origin(g.span, f"group {g.id}")
                w.line(2, f"if {w.cond(g.condition)}:", at)
                if text:
                    w.line(3, f"groups |= {int_literal(1 << i)}", at)
                else:
                    w.line(3, f"groups.append({name_literal(g.id)})", at)
    if text:
        # The decision's text so far, its findings' pieces (`rules`), and its worker's id
        # as it shows inside a JSON string (the second piece is it, quoted).
        # The pieces are `DecisionJson._begin`'s, written here (a call fewer a worker),
        # its text of the day kept by the kit (`TextKit.start`).
        w.block(2, """
            rules = kit.rules
            texts = kit.texts
            if kit.day != as_of:
                kit.start(as_of)
            out = ['{"worker": ', _js(worker.id), kit.middle, 'true', ', "groups": ',
                   kit.groups.get(groups) or kit.group_text(groups), ', "findings": [']
            who = out[1][1:-1]
            """)
    else:
        w.line(2, "findings = []")
    for run, rules in _role_runs(list(enumerate(model.requirements)),
                                 lambda r: r[1].condition, needs_roles):
        with w.nested(2, "if held:") if run else contextlib.nullcontext():
            for k, rule in rules:
                _requirement(w, k, rule, [slot[t] for t in rule.satisfied_by])
    if text:
        # `DecisionJson._close`, written here: the first finding's ", " taken back.
        w.block(2, """
            if len(out) > 7:
                out[7] = ''
            out += ('], "unrecognised_training": ',
                    kit.unrecognised(unknown) if unknown else '[]', '}', kit.end)
            text = ''.join(out)
            if kit.line is not None and not text.isascii():
                text = kit.line(text)
            return text, out[3] == 'true'
            """)
    else:
        w.line(2, f"return Decision(worker.id, {policy_id}, as_of, tuple(groups), "
                  f"tuple(findings), tuple(sorted(unknown)) if unknown else (), "
                  f"{w.const(model, 'MODEL')}, worker)")
    w.block(1, """
        except Exception as exc:
            _note(exc)
            raise
        """)
    return w.compile("evaluate", model.id, _TEXT_ATTRIBUTES if text else frozenset())


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
    if rule.renew is None:
        w.met(4, at, rule, n, r, c, "None", e)
        return
    shift, table = w.memo((rule.renew, rule.grace))
    w.line(4, f"{due} = {table}.get({c}) or {shift}({c})", at)
    w.line(4, f"if as_of <= {due}:", at)
    w.met(5, at, rule, n, r, c, due, e)
    w.line(4, "else:", at)
    w.lapsed(5, at, rule, n, r, due)


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
        w.line(indent, f"f{n} = b{n} is not None and ({due} is None or b{n} < {due})", at)
        w.line(indent, f"if f{n}:", at)
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
        w.finding(4, at, r, "'met'", due, f"e{n}")
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
    w.undated(indent + 1, at, rule, n, r, status, facts)
    w.line(indent, "else:", at)
    w.dated(indent + 1, at, rule, n, r, due, facts)


def _slots_of(slot: dict[str, int], trainings: frozenset[str]) -> list[int] | None:
    """The places in `last` of these courses, in order; None if one has none."""
    js = sorted(slot.get(t, -1) for t in trainings)
    return None if not js or js[0] < 0 else js


_T = TypeVar("_T")


def _role_runs(items: list[_T], condition: Callable[[_T], m.Condition],
               roles: bool) -> list[tuple[bool, list[_T]]]:
    """`items` (groups or requirements, in order) cut into runs: (True, a run of two or
    more whose conditions each hold only for a worker holding some role: a worker who
    holds none, most of a workforce, skips the run at one test, `if held:`), or (False,
    the items between)."""
    runs: list[tuple[bool, list[_T]]] = []
    for item in items:
        needs = roles and _needs_a_role(condition(item))
        if runs and runs[-1][0] == needs:
            runs[-1][1].append(item)
        else:
            runs.append((needs, [item]))
    # A run of one is no cheaper behind `if held:`: its own test fails as fast.
    return [(run and len(group) > 1, group) for run, group in runs]


def _needs_a_role(c: m.Condition) -> bool:
    """Whether `c` can hold only for a worker holding some role (`held` not empty)."""
    match c:
        case m.RoleHeld():
            return True
        case m.Conjunction(operands=operands):
            return any(_needs_a_role(o) for o in operands)
        case m.Disjunction(operands=operands):
            return all(_needs_a_role(o) for o in operands)
        case _:
            return False


def _reads_roles(c: m.Condition) -> bool:
    return any(isinstance(a, m.RoleHeld) for a in atoms(c))
