"""The contract's JSON shape (CONTRACT §2) as text, fast, and the error record (§1.5)."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Sequence
from json.encoder import encode_basestring as _js
from typing import Any, cast

from ..contract.decision import Decision, Finding, evidence_dict, new_finding
from ..contract.explain import (
    DATED,
    DATED_FIRST,
    LAPSED,
    RENEW,
    Days,
    Shape,
    any_later,
    met_words,
    shape,
    shaped,
    stand_in,
)
from ..contract.explain import finding as finding_text
from ..contract.shape import as_records
from ..contract.workers import TrainingRecord, Worker
from ..errors import WorkerError
from ..semantics import model as m
from ..semantics.dates import iso
from ..semantics.facts import NO_RECORDS, Records, first_record
from .safe import strict_json


def error_record(line: int, exc: WorkerError) -> dict[str, Any]:
    """A rejected input record: `{"worker", "error": {"field", "message", "value"}, "line"}`.

    The value is echoed from the input, where a number may be NaN or Infinity: those
    become text, so that the record is strict JSON.
    """
    record = strict_json(exc.to_dict())
    record["line"] = line
    return record  # type: ignore[no-any-return]


_CACHE_LIMIT = 1 << 14


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(map(_js, items)) + "]"


def _inside(text: str) -> str:
    """Text as it shows inside a JSON string (escaped, without the quotes)."""
    return _js(text)[1:-1]


def _marks(lead: str) -> tuple[str, tuple[str, ...]]:
    """The markers a stand-in's id and days print as (`explain.stand_in`, in `Days`'
    order): `lead`, a control character that policy text cannot hold
    (language/source.py), and a letter each."""
    return lead + "i", tuple(lead + name for name in ("d", "l", "e", "a", "t"))


# Two sets of markers, so that words that hold one themselves (a rule made in code, a
# record's delivery from the input) are found out: then the finding is written the
# general way.
_ID, _DAYS = _marks("\x00")
_CHECK_ID, _CHECK_DAYS = _marks("\x01")
# The markers as a template holds them (JSON-escaped), and the value each stands for:
# 0 the id, then the days in `Days`' order.
_MARKED = {_inside(mark): k for k, mark in enumerate((_ID, *_DAYS))}
_CUT = re.compile("(" + "|".join(map(re.escape, _MARKED)) + ")")


def template(rule: m.Requirement, as_of: datetime.date, key: Iterable[object]) -> str | None:
    """The explanation of a finding of `rule` on `as_of` of the shape `key` (the parts of
    an `explain.Shape`) as JSON text, with markers where its worker's id and days go
    (`cut` finds them); None when the words hold a marker of their own."""
    s = Shape._make(key)
    text = _js(stand_in(rule, as_of, s, _ID, _DAYS))
    check = text
    for mark, other in zip((_ID, *_DAYS), (_CHECK_ID, *_CHECK_DAYS), strict=True):
        check = check.replace(_inside(mark), _inside(other))
    return text if check == _js(stand_in(rule, as_of, s, _CHECK_ID, _CHECK_DAYS)) else None


def cut(text: str) -> tuple[list[str], list[int]]:
    """A `template`'s text between its markers, and which value each marker stands for
    (0 the id, then the days in `Days`' order)."""
    found = _CUT.split(text)
    return found[0::2], [_MARKED[mark] for mark in found[1::2]]


def _form(text: str | None) -> str:
    """A template as a format string: `form.format(id, *days)`, the id as it shows inside
    a JSON string and the days as ISO text (`explain.Days`); "" for None."""
    if text is None:
        return ""
    texts, marks = cut(text)
    shown = [t.replace("{", "{{").replace("}", "}}") for t in texts]
    return "".join(t + (f"{{{marks[k]}}}" if k < len(marks) else "")
                   for k, t in enumerate(shown))


def _after(worker: Worker, as_of: datetime.date) -> set[str]:
    """The courses of the worker's records dated after the day."""
    return {r.training for r in worker.training if r.completed > as_of}


_RENEW = _inside(RENEW)

# Where a decision's first finding starts in its list of pieces (`DecisionJson._begin`):
# every finding is written after ", ", and the first one's is taken back (`_close`). The
# generated text form writes the same pieces itself (engines/compiled.py `generate`).
_FIRST = 7
# What comes between a finding's status and its due date, as it is compliant or not.
_OK = '", "compliant": true, "due": '
_NOT_OK = '", "compliant": false, "due": '


class _Rule:
    """The text a rule's findings share, made on its first finding: everything `text`
    needs of the rule is found with one lookup per finding."""

    __slots__ = ("closed", "dated", "dated_evidence", "evidence", "head", "lapsed",
                 "met_dated", "met_end", "met_null", "met_tail", "on", "plain", "renew",
                 "rule", "shapes", "tail", "unrecorded", "usual")

    def __init__(self, rule: m.Requirement, explain: bool) -> None:
        self.rule = rule
        self.head = f'{{"requirement": {_js(rule.id)}, "title": {_js(rule.title)}, "status": "'
        self.evidence = f', "satisfied_by": {_list(rule.satisfied_by)}, "evidence": ['
        self.tail = (f'], "cites": {_list(rule.cites)}'
                     + (', "explanation": ' if explain else ""))
        # Without explanations, what ends a finding after its evidence (`tail` then holds
        # no explanation member).
        self.closed = self.tail + "}"
        # Without an hours target, an evidence record's text is the record's alone.
        self.plain = rule.hours is None
        # The usual met finding (`explain.in_one_step`): without a renewal date `met_null`,
        # with one `met_dated`, the date, `dated_evidence`; then its record's text around
        # its day (`_around`), `met_tail`, the worker's id, `on[course]`, the record's
        # day, then `renew` and the renewal date (when it has one), `met_end`: the words
        # of `explain.met_parts` escaped once (JSON escapes each character on its own,
        # and dates need no escape). The words are set by the first such finding. The
        # generated writer (engines/compiled.py, `TextKit`) writes the same pieces in the
        # same order, and without explanations `closed` after the record's text.
        met_head = self.head + "met" + _OK
        self.met_null = met_head + "null" + self.evidence
        self.met_dated = met_head + '"'
        self.dated_evidence = '"' + self.evidence
        self.renew = _RENEW
        self.met_tail = self.met_end = ""
        self.on: dict[str, str] = {}
        # Whether a met finding with one evidence record may be the usual one.
        self.usual = explain and self.plain
        # The explanation of a finding of any other shape (`explain.Shape`) on the day of
        # the run, as a format string (`_form`; empty: written the general way), by shape;
        # the whole text of an undated finding with no record of the rule, by status, cut
        # where the worker's id goes (empty: the general way).
        self.shapes: dict[tuple[object, ...], str] = {}
        self.unrecorded: dict[str, tuple[str, ...]] = {}
        # The whole text of a dated unmet finding with no record counted (`cut_dated`, by
        # its key there) and of a lapsed renewal (`cut_lapsed`, by its latest record's
        # course), cut where the worker's id and days go (empty: the general way).
        self.dated: dict[object, tuple[str, ...]] = {}
        self.lapsed: dict[str, tuple[str, ...]] = {}

    def forget_day(self) -> None:
        """Forget the texts made from templates, which may name the day they were made on
        (the note on records dated after it): the encoder starts another day."""
        self.shapes.clear()
        self.unrecorded.clear()
        self.dated.clear()
        self.lapsed.clear()


# The shape of a dated finding with no evidence and nothing else of the worker's in its
# words (`_cut_dated` and `_cut_lapsed` say what theirs add): no hours target, no record
# dated after the day, none left out.
_UNRECORDED = Shape(status="", dated=True, l_train=None, e_train=None, e_hours=None,
                    has_ev=False, later=None, start=False, since=None, d_train=None,
                    have=None, off_deadline=None, a_train=None, x_train=None,
                    x_delivery=None, x_provider=None)


class DecisionJson:
    """`json.dumps(decision.to_dict(), ensure_ascii=False)`, about twice as fast.

    The constant parts of each finding (id, title, satisfied_by, cites, the words of the
    usual explanation) are encoded once per requirement; tests check that the text parses
    to exactly `Decision.to_dict()`. Nothing is kept per worker or per record: the texts of
    a record's fields and dates cost less to write again than to keep and look up.
    """

    def __init__(self, *, explain: bool = True) -> None:
        # False (`evaluate --no-explain`): findings without `explanation`, which is most of
        # the text and of the time of a decision.
        self._explain = explain
        # By the rule's identity (hashing a frozen Requirement walks all its fields),
        # the rule kept beside its text so that an id is never taken for another's.
        self._rules: dict[int, _Rule] = {}
        # The text between the worker id and `compliant`, for the last (policy, as_of,
        # fingerprint): the same for every decision of a run.
        self._middle: tuple[str, datetime.date, str, str | None] = (
            "", datetime.date.min, "", None)
        # Lists of names (groups, unrecognised training), each encoded once: a run repeats
        # a few of them. Cleared when full.
        self._lists: dict[tuple[str, ...], str] = {}
        # The generated writer's pieces (`kit`), by model, end and line.
        self._kits: dict[tuple[int, str, object], TextKit] = {}

    def _rule(self, rule: m.Requirement) -> _Rule:
        kept = self._rules.get(id(rule))
        if kept is None or kept.rule is not rule:
            kept = self._rules[id(rule)] = _Rule(rule, self._explain)
        return kept

    def _names(self, items: tuple[str, ...]) -> str:
        text = self._lists.get(items)
        if text is None:
            if len(self._lists) >= _CACHE_LIMIT:
                self._lists.clear()
            text = self._lists[items] = _list(items)
        return text

    def __call__(self, d: Decision) -> str:
        return self.text(d, "")

    def text(self, d: Decision, end: str) -> str:
        """The decision's JSON text followed by `end` (JSON Lines: a newline)."""
        items = [(f.rule, f.status, f.due, f.evidence, f) for f in d.findings]
        return self._write(d.worker, d.policy, d.as_of, d.fingerprint, d.groups, items,
                           d.unrecognised_training, end)[0]

    def kit(self, model: m.PolicyModel, end: str,
            line: Callable[[str], str] | None = None) -> TextKit:
        """What the generated writer of `model`'s decisions (`Policy.evaluate_text`) writes
        with: this encoder's pieces, each decision's text followed by `end` and, when it
        is not all ASCII, passed through `line` (when given: a change to characters
        outside ASCII only, as `safe.one_line`). One per model, kept."""
        key = (id(model), end, line)
        kit = self._kits.get(key)
        if kit is None or kit.model is not model:
            kit = self._kits[key] = TextKit(self, model, end, line)
        return kit

    def _write(self, worker_id: str, policy: str, as_of: datetime.date,
               fingerprint: str | None, groups: tuple[str, ...],
               items: Sequence[tuple[m.Requirement, str, datetime.date | None,
                                     tuple[TrainingRecord, ...], Finding]],
               unknown: tuple[str, ...], end: str) -> tuple[str, bool]:
        """The text of a decision and whether it is compliant, from its fields; each item
        is a finding's rule, status, due date, evidence and the `Finding` itself."""
        out = self._begin(worker_id, policy, as_of, fingerprint,
                          (self._lists.get(groups) or self._names(groups)) if groups else "[]")
        self._findings(out, items, None, as_of, "", None)
        return self._close(out, unknown, end)

    def _begin(self, worker_id: str, policy: str, as_of: datetime.date,
               fingerprint: str | None, groups: str) -> list[str]:
        """The pieces of a decision's text up to its findings, `groups` the text of its
        groups: `_FIRST` of them, the fourth "true" until a finding that is overdue makes
        it "false".

        The pieces go into one list joined once: a decision's text is then copied once,
        not once per level of nesting (finding, findings, decision, line).
        """
        middle = self._middle
        if middle[0] != policy or middle[1] != as_of or middle[3] != fingerprint:
            if middle[1] != as_of:
                # A template may name the day (the note on records dated after it).
                for known_rule in self._rules.values():
                    known_rule.forget_day()
                # Its kits' texts are of another day: the next decision of each starts
                # here again (`TextKit.start`).
                for kit in self._kits.values():
                    kit.day = None
            shown = "null" if fingerprint is None else _js(fingerprint)
            middle = self._middle = (policy, as_of,
                                     f', "policy": {_js(policy)}, "fingerprint": {shown}, '
                                     f'"as_of": "{iso(as_of)}", "compliant": ', fingerprint)
        return ['{"worker": ', _js(worker_id), middle[2], "true", ', "groups": ', groups,
                ', "findings": [']

    def _close(self, out: list[str], unknown: tuple[str, ...], end: str,
               line: Callable[[str], str] | None = None) -> tuple[str, bool]:
        """The text of the decision whose pieces are `out` (`_begin`, then its findings',
        each after ", ") and whether it is compliant; a text that is not all ASCII passed
        through `line` when given (`kit`)."""
        if len(out) > _FIRST:
            out[_FIRST] = ""
        out += ('], "unrecognised_training": ',
                (self._lists.get(unknown) or self._names(unknown)) if unknown else "[]", "}",
                end)
        text = "".join(out)
        # `isascii` costs nothing (a flag of the string), and most decisions are ASCII.
        if line is not None and not text.isascii():
            text = line(text)
        return text, out[3] == "true"

    def _findings(self, out: list[str],
                  items: Iterable[tuple[m.Requirement, str, datetime.date | None,
                                        tuple[TrainingRecord, ...],
                                        Finding | Records | None]],
                  worker: Worker | None, as_of: datetime.date, who: str,
                  later: bool | None) -> None:
        """The pieces of findings' text, each after ", ", onto `out` (`_begin`). Each item
        is a finding's rule, status, due date and evidence, then its `Finding` (from a
        `Decision`) or, from the generated writer, its record facts when known; then
        `worker` is the worker of every finding, `who` its id as it shows inside a JSON
        string, and `later` whether any of its records is dated after the day."""
        rules = self._rules
        explain = self._explain
        # Of the worker of the findings (an engine gives all of a decision's the same
        # worker and day): whether any of its records is dated after the day
        # (`explain.in_one_step`), and if so, their courses (found once, when a met
        # finding asks). From a Decision, found on its findings.
        seen: tuple[object, object] = (worker, as_of)
        after: set[str] | None = None
        for rule, status, due, evidence, known in items:
            kept = rules.get(id(rule))
            if kept is None or kept.rule is not rule:
                kept = self._rule(rule)
            if known.__class__ is Finding:
                f = known
                if f.worker is not seen[0] or f.as_of is not seen[1]:
                    seen = (f.worker, f.as_of)
                    who = _inside(f.worker.id)
                    later = after = None
            else:
                f = None
            if status == "met" and kept.usual and len(evidence) == 1:
                if later is None:
                    later = any_later(cast(Worker, seen[0]), cast(datetime.date, seen[1]))
                if later and after is None:
                    after = _after(cast(Worker, seen[0]), cast(datetime.date, seen[1]))
                # Records dated after the day but none of the rule's: the same words, as
                # `explain._notes` names only the rule's. A record of an unusual kind: the
                # same words, its text written below.
                r = evidence[0]
                if ((not later or cast(set[str], after).isdisjoint(rule.satisfied_by))
                        and (around := _around(r)) is not None):
                    # `explain.in_one_step`: the usual finding, from its parts (`_Rule`).
                    on = kept.on.get(r.training)
                    if on is None:
                        on = self._met_words(kept, rule, r.training)
                    done = iso(r.completed)
                    if due is None:
                        out += (", ", kept.met_null, around[0], done, around[1], kept.met_tail,
                                who, on, done, kept.met_end)
                    else:
                        day = iso(due)
                        out += (", ", kept.met_dated, day, kept.dated_evidence, around[0], done,
                                around[1], kept.met_tail, who, on, done, kept.renew, day,
                                kept.met_end)
                    continue
            words = ""
            if explain:
                if not kept.plain:
                    pass
                elif due is None and (known if f is None else f.records) is NO_RECORDS:
                    # No record of the rule and no date: the same text for every worker
                    # but the id, cut where it goes (joining is quicker than a format).
                    pieces = kept.unrecorded.get(status)
                    if pieces is None:
                        pieces = self._unrecorded(kept, rule, status, as_of)
                    if pieces:
                        out += (", ", who.join(pieces))
                        if status == "overdue":
                            out[3] = "false"
                        continue
                else:
                    if later is None:
                        later = any_later(cast(Worker, seen[0]), cast(datetime.date, seen[1]))
                    words = self._templated(kept, rule, as_of, who, shape(
                        rule, status, due, evidence, cast(Worker, seen[0]), as_of,
                        cast(Records | None, known) if f is None else f.records, later))
                if not words:
                    if f is None:
                        f = new_finding(rule, status, due, evidence, cast(Worker, seen[0]),
                                        as_of, cast(Records | None, known))
                    words = _js(finding_text(f))
            _put(out, kept, rule, status, due, evidence, words)

    def _found(self, out: list[str], kept: _Rule, rule: m.Requirement, status: str,
               due: datetime.date | None, evidence: tuple[TrainingRecord, ...],
               latest: TrainingRecord | None, anchor: datetime.date | None, first: bool,
               worker: Worker, as_of: datetime.date, who: str, later: bool) -> None:
        """The text of a finding, onto `out` (`_findings`), of a rule whose records are
        the latest of each course (no hours target, delivery or provider), with the facts
        the generated writer found (engines/compiled.py `_Writer.found`): `latest` the
        latest record counted; for an unmet finding with a due day and no record counted,
        `anchor` the day its deadline counts from (None: not found), `first` whether the
        due day is that of the first `due before first` record. What else its shape
        reads is found here (`explain.shaped`), so that its words come from the same
        template `_findings` would use, without going through the records for the rest;
        the rule's records dated after the day are found only when the worker has any."""
        words = ""
        if self._explain:
            words = self._templated(kept, rule, as_of, who, found_shape(
                rule, status, due, evidence, latest, anchor, first, worker, as_of, later))
            if not words:
                words = _js(finding_text(new_finding(rule, status, due, evidence, worker,
                                                     as_of)))
        _put(out, kept, rule, status, due, evidence, words)

    def _templated(self, kept: _Rule, rule: m.Requirement, as_of: datetime.date, who: str,
                   found: tuple[tuple[object, ...], Days] | None) -> str:
        """The JSON text of the explanation of a finding of the rule of the shape and days
        `found` (`explain.shape`), from its shape's template, its worker's id `who` (as
        it shows inside a JSON string); "" when it has none (written the general way)."""
        if found is None:
            return ""
        form = kept.shapes.get(found[0])
        if form is None:
            form = self._shaped(kept, rule, as_of, found[0])
        return form.format(who, *found[1]) if form else ""

    def _shaped(self, kept: _Rule, rule: m.Requirement, as_of: datetime.date,
                s: tuple[object, ...]) -> str:
        """The explanation of the rule's findings of the shape `s` (`explain.shape`), as
        a format string: explain.py's own words for a stand-in (`template`)."""
        if len(kept.shapes) >= _CACHE_LIMIT:
            kept.shapes.clear()
        form = kept.shapes[s] = _form(template(rule, as_of, s))
        return form

    def _unrecorded(self, kept: _Rule, rule: m.Requirement, status: str,
                    as_of: datetime.date) -> tuple[str, ...]:
        """The text of an undated finding of the rule (without an hours target) with
        status `status` whose worker has no record of the rule (nor one dated later),
        from a template cut where the worker's id goes, the one thing of the worker its
        words read; () when written the general way. Without explanations, one piece."""
        text = (kept.head + status + (_NOT_OK if status == "overdue" else _OK) + "null"
                + kept.evidence + kept.tail)
        pieces: tuple[str, ...] = ()
        if not self._explain:
            pieces = (text + "}",)
        else:
            found = shape(rule, status, None, (), Worker(_ID, as_of, "none"), as_of,
                          NO_RECORDS, False)
            made = None if found is None else template(rule, as_of, found[0])
            texts, marks = cut(made) if made is not None else ([], [])
            if marks and not any(marks):
                pieces = (text + texts[0], *texts[1:-1], texts[-1] + "}")
        kept.unrecorded[status] = pieces
        return pieces

    def _cut_dated(self, kept: _Rule, rule: m.Requirement, key: object, status: str,
                   first: bool, since: bool, as_of: datetime.date) -> tuple[str, ...]:
        """The text of a dated unmet finding of the rule (whose records are the latest of
        each course, with a `due within`) with no record counted and none of its courses
        dated after the day, kept by `key`: `first` whether the due day is its first
        `due before first` record's, `since` whether the worker took the role its
        deadline counts from. Its words read the worker's id, the due day and the anchor
        (a template of `explain.Shape`'s parts, the same `found_shape` gives it); cut
        into the pieces between them, in the order `DATED_FIRST` or `DATED` says
        (`_cut`). The course of the first record is the rule's one `before first` course:
        of several, the worker's record says which, and this gives () for the general
        way."""
        course = rule.before_first
        if first and (course is None or len(course.trainings) != 1):
            pieces: tuple[str, ...] = ()
        else:
            d_train = next(iter(course.trainings)) if first and course is not None else None
            pieces = self._cut(kept, rule, status, as_of, _UNRECORDED._replace(
                status=status, start=True, since=since, d_train=d_train),
                DATED_FIRST if first else DATED)
        kept.dated[key] = pieces
        return pieces

    def _cut_lapsed(self, kept: _Rule, rule: m.Requirement, training: str,
                    as_of: datetime.date) -> tuple[str, ...]:
        """The text of an overdue renewal of the rule (whose records are the latest of
        each course) whose latest record is of `training`, none of its courses dated after
        the day: its words read the worker's id, the due day and that record's day, cut
        in the order `LAPSED` says (`_cut`)."""
        pieces = kept.lapsed[training] = self._cut(kept, rule, "overdue", as_of,
                                                   _UNRECORDED._replace(status="overdue",
                                                                        l_train=training),
                                                   LAPSED)
        return pieces

    def _cut(self, kept: _Rule, rule: m.Requirement, status: str, as_of: datetime.date,
             parts: tuple[object, ...], order: tuple[int, ...]) -> tuple[str, ...]:
        """The text of a dated finding of the rule without evidence, of the shape `parts`
        (`explain.Shape`), cut where its values go: `order` says which goes in each cut
        (0 the id, then the days in `Days`' order: the due day first, in the finding's
        `due`); () when its template's marks are not in that order (or it has none, or
        there are no explanations), for the general way."""
        made = template(rule, as_of, parts) if self._explain else None
        if made is None:
            return ()
        texts, marks = cut(made)
        if (1, *marks) != order:
            return ()
        return (kept.head + status + (_NOT_OK if status == "overdue" else _OK) + '"',
                '"' + kept.evidence + kept.tail + texts[0], *texts[1:-1], texts[-1] + "}")

    def _met_words(self, kept: _Rule, rule: m.Requirement, training: str) -> str:
        """The words of the usual met finding of the rule (`explain.met_words`), escaped
        once: those for the course of its record, returned, and the rule's own."""
        head, on, end = met_words(rule, training)
        kept.met_tail = kept.tail + '"' + _inside(head)
        kept.met_end = _inside(end) + '"}'
        shown = kept.on[training] = _inside(on)
        return shown


def found_shape(rule: m.Requirement, status: str, due: datetime.date | None,
                evidence: tuple[TrainingRecord, ...], latest: TrainingRecord | None,
                anchor: datetime.date | None, first: bool, worker: Worker,
                as_of: datetime.date, later: bool) -> tuple[tuple[object, ...], Days] | None:
    """`explain.shape` of a finding given to `DecisionJson._found`, from the facts the
    generated writer found and the few it did not."""
    after = (tuple(r for r in worker.training
                   if r.completed > as_of and r.training in rule.satisfied_by)
             if later else ())
    start = None
    if due is not None and latest is None and status != "met":
        course = rule.before_first
        deadline = first_record(course, worker, as_of) if first and course is not None else None
        start = (rule.role_since(worker) is not None,
                 rule.anchor(worker, as_of) if anchor is None else anchor,
                 None if deadline is None else deadline.training)
    return shaped(rule, status, due, evidence, latest, later, after, (), start)


def _put(out: list[str], kept: _Rule, rule: m.Requirement, status: str,
         due: datetime.date | None, evidence: tuple[TrainingRecord, ...], words: str) -> None:
    """A finding's text onto `out` (`DecisionJson._begin`), after ", ", `words` the JSON
    text of its explanation ("" without one); an overdue one makes the decision's
    `compliant` false."""
    if status == "overdue":
        ok = _NOT_OK
        out[3] = "false"
    else:
        ok = _OK
    shown_due = f'"{iso(due)}"' if due is not None else "null"
    if not evidence:
        shown = ""
    elif len(evidence) == 1:  # the usual case, without a generator
        shown = _record_js(rule, evidence[0])
    else:
        shown = ", ".join(_record_js(rule, r) for r in evidence)
    out += (", ", kept.head, status, ok, shown_due, kept.evidence, shown, kept.tail, words,
            "}")


class TextKit:
    """What the generated writer of a model's decisions (engines/compiled.py,
    `generate(model, text=True)`) is given to write with: the pieces of text of each of
    the model's rules (`rules`, a `_Rule` by the rule's index), and the encoder's own
    code for all the rest, so that the generated code only puts the usual findings'
    pieces in order (`DecisionJson._findings` writes them the same way) and hands every
    other finding to `found` with the facts it found (a rule whose records are the
    latest of each course) or to `general`. Its pieces are the encoder's: made as it makes them
    (lazily, per rule) and cleared when it clears them (a new day)."""

    __slots__ = (
        "_encoder",
        "_names",
        "around",
        "cut_dated",
        "cut_lapsed",
        "day",
        "end",
        "found",
        "general",
        "groups",
        "line",
        "met_words",
        "middle",
        "model",
        "rules",
        "texts",
        "unrecorded",
    )

    def __init__(self, encoder: DecisionJson, model: m.PolicyModel, end: str,
                 line: Callable[[str], str] | None) -> None:
        self.model = model
        self.rules = [encoder._rule(rule) for rule in model.requirements]
        # The day of the run and the text of its decisions from after the worker's id to
        # `compliant` then (`start`); None until the first, and again whenever the
        # encoder starts another day, which clears what its rules keep.
        self.day: datetime.date | None = None
        self.middle = ""
        self.general = self._general
        self.found = self._found
        self.met_words = encoder._met_words
        self.unrecorded = encoder._unrecorded
        self.cut_dated = encoder._cut_dated
        self.cut_lapsed = encoder._cut_lapsed
        self.around = _around
        # The texts `_around` has made, looked up by the generated code itself (a call
        # fewer a met finding); on a miss it calls `around`.
        self.texts = _AROUND.get
        # What the generated code ends each decision with, and passes a text that is not
        # all ASCII through when not None (as `DecisionJson._close`).
        self.end = end
        self.line = line
        # The text of a decision's groups by the set of them as the generated code finds
        # it: a number whose bit i stands for the model's group i (`group_text`).
        self.groups: dict[int, str] = {}
        self._names = tuple(g.id for g in model.groups)
        self._encoder = encoder

    def start(self, as_of: datetime.date) -> None:
        """Its decisions on `as_of` from here: `middle` their text from after the worker's
        id to `compliant`, as `DecisionJson._begin` writes it (on a new day the encoder
        clears what its rules keep), until the encoder starts another day."""
        model = self.model
        self.middle = self._encoder._begin("", model.id, as_of, model.fingerprint, "")[2]
        self.day = as_of

    # The generated code reads a worker and its records by their fields alone, and may be
    # given a line as msgspec decoded it (`shape.lines_as_read`); the encoder's own code
    # takes a `Worker` and `TrainingRecord`s, so such a line and the records of its
    # findings are given it as `shape.as_records` builds them (a finding in a hundred,
    # or fewer).
    def _found(self, out: list[str], kept: _Rule, rule: m.Requirement, status: str,
               due: datetime.date | None, evidence: tuple[TrainingRecord, ...],
               latest: TrainingRecord | None, anchor: datetime.date | None, first: bool,
               worker: Worker, as_of: datetime.date, who: str, later: bool) -> None:
        built = as_records(worker)
        if built is not None:
            worker, by_id = built
            evidence = tuple(by_id[id(r)] for r in evidence)
            latest = None if latest is None else by_id[id(latest)]
        self._encoder._found(out, kept, rule, status, due, evidence, latest, anchor, first,
                             worker, as_of, who, later)

    def _general(self, out: list[str],
                 items: Iterable[tuple[m.Requirement, str, datetime.date | None,
                                       tuple[TrainingRecord, ...], Records | None]],
                 worker: Worker, as_of: datetime.date, who: str, later: bool) -> None:
        built = as_records(worker)
        if built is not None:
            worker, by_id = built

            def mapped(records: tuple[TrainingRecord, ...]) -> tuple[TrainingRecord, ...]:
                return tuple(by_id[id(r)] for r in records)

            items = [(rule, status, due, mapped(evidence),
                      facts if facts is None or facts is NO_RECORDS else Records(
                          mapped(facts.counted), mapped(facts.later), mapped(facts.excluded),
                          None if facts.latest is None else by_id[id(facts.latest)]))
                     for rule, status, due, evidence, facts in items]
        self._encoder._findings(out, items, worker, as_of, who, later)

    def unrecognised(self, courses: set[str]) -> str:
        """The text of a decision's unrecognised training, the courses `courses`."""
        names = tuple(sorted(courses))
        return self._encoder._names(names)

    def group_text(self, held: int) -> str:
        """The text of the groups whose bits are set in `held` (bit i: the model's group
        i), kept in `groups` (cleared when full)."""
        names = tuple(name for i, name in enumerate(self._names) if held >> i & 1)
        groups = self.groups
        if len(groups) >= _CACHE_LIMIT:
            groups.clear()
        text = groups[held] = self._encoder._names(names) if names else "[]"
        return text


# The text of an evidence record of the usual kind before and after its day
# (`_around`), by (course, delivery, hours, provider, level, the type of hours): the type
# so that 1, 1.0 and True, equal as keys, are kept apart. Only records of the usual kind
# are put in, so that one of any other kind (a provider of None...) is never found. One
# lookup a record; the generated code (engines/compiled.py `_Writer.met`) builds the
# same key and looks it up itself (`TextKit.texts`). Cleared when full, never replaced.
_AROUND: dict[tuple[str, str, int, str, str, type], tuple[str, str]] = {}


def _around(r: TrainingRecord) -> tuple[str, str] | None:
    """The text of an evidence record of the usual kind (hours an int, provider and level
    text) of a rule without an hours target, before and after its day (the same text as
    `_record_js` writes, each part escaped once); None for a record of any other kind."""
    provider, level, hours = r.provider, r.level, r.hours
    # (`type(...) is` keeps 1, 1.0 and True apart, which a key would not.)
    if type(hours) is int and type(provider) is str and type(level) is str:
        key = (r.training, r.delivery, hours, provider, level, int)
        around = _AROUND.get(key)
        if around is None:
            if len(_AROUND) >= _CACHE_LIMIT:
                _AROUND.clear()
            around = _AROUND[key] = (
                f'{{"training": {_js(r.training)}, "completed": "',
                f'", "delivery": {_js(r.delivery)}, "hours": {hours!r}, '
                f'"provider": {_js(provider)}, "level": {_js(level)}}}')
        return around
    return None


def _record_js(rule: m.Requirement, r: TrainingRecord) -> str:
    rule_hours = rule.hours
    if rule_hours is None:
        around = _around(r)
        if around is not None:  # the usual record of a batch
            return around[0] + iso(r.completed) + around[1]
    provider, level, hours = r.provider, r.level, r.hours
    head = (f'{{"training": {_js(r.training)}, "completed": "{iso(r.completed)}", '
            f'"delivery": {_js(r.delivery)}')
    if hours is None and provider is None and level is None and rule_hours is None:
        return head + "}"
    # The members `Finding.evidence_dict` adds, in its order, as json writes them: an int
    # or a finite float by its repr, text by the same escaping as everything else here.
    if rule_hours is not None:
        hours = rule_hours.of(r.training, hours)
    if ((hours is None or type(hours) is int or (type(hours) is float and _finite(hours)))
            and (provider is None or type(provider) is str)
            and (level is None or type(level) is str)):
        return "".join((head,
                        "" if hours is None else f', "hours": {hours!r}',
                        "" if provider is None else f', "provider": {_js(provider)}',
                        "" if level is None else f', "level": {_js(level)}', "}"))
    # Anything else (a value of another type, not a finite number): the general path,
    # through one encoder made once (json.dumps with any option builds one per call).
    return _ENCODE(evidence_dict(rule, r))


def _finite(x: float) -> bool:
    return -_INF < x < _INF


_INF = float("inf")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
