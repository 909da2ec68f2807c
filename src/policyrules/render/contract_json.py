"""The contract's JSON shape (CONTRACT §2) as text, fast, and the error record (§1.5)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring as _js
from typing import TYPE_CHECKING, Any, cast

from ..contract.decision import Decision, Finding, evidence_dict, new_finding
from ..contract.explain import RENEW, any_later, met_words
from ..contract.explain import finding as finding_text
from ..contract.workers import TrainingRecord, Worker
from ..errors import WorkerError
from ..semantics import model as m
from ..semantics.dates import iso
from ..semantics.facts import NO_RECORDS, Records
from .safe import strict_json

if TYPE_CHECKING:
    from ..engines.compiled import CompactDecision


def error_record(line: int, exc: WorkerError) -> dict[str, Any]:
    """A rejected input record: `{"worker", "error": {"field", "message", "value"}, "line"}`.

    The value is echoed from the input, where a number may be NaN or Infinity: those
    become text, so that the record is strict JSON.
    """
    record = strict_json(exc.to_dict())
    record["line"] = line
    return record  # type: ignore[no-any-return]


_CACHE_LIMIT = 1 << 14


# Stand-ins for a worker's id: control characters, which policy text cannot hold
# (language/source.py); two, so that a text holding one is found out.
_MARKERS = ("\x00", "\x01")


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(map(_js, items)) + "]"


def _inside(text: str) -> str:
    """Text as it shows inside a JSON string (escaped, without the quotes)."""
    return _js(text)[1:-1]


class _Rule:
    """The text a rule's findings share, made on its first finding: everything `text`
    needs of the rule is found with one lookup per finding."""

    __slots__ = ("evidence", "head", "met_end", "met_head", "met_tail", "on", "plain", "rule",
                 "tail", "unrecorded")

    def __init__(self, rule: m.Requirement, explain: bool) -> None:
        self.rule = rule
        self.head = f'{{"requirement": {_js(rule.id)}, "title": {_js(rule.title)}, "status": "'
        self.evidence = f', "satisfied_by": {_list(rule.satisfied_by)}, "evidence": ['
        self.tail = (f'], "cites": {_list(rule.cites)}'
                     + (', "explanation": ' if explain else ""))
        # Without an hours target, an evidence record's text is the record's alone.
        self.plain = rule.hours is None
        # The usual met finding (`explain.in_one_step`): `met_head`, its renewal date,
        # `evidence`, its record's text, `met_tail`, the worker's id, `on[course]`, the
        # record's day, `_RENEW` and the renewal date (when it has one), `met_end`: the
        # words of `explain.met_parts` escaped once (JSON escapes each character on its
        # own, and dates need no escape). The words are set by the first such finding.
        self.met_head = self.head + 'met", "compliant": true, "due": '
        self.met_tail = self.met_end = ""
        self.on: dict[str, str] = {}
        # The explanation of an undated finding with no record of the rule, by status: its
        # escaped text cut where the worker's id goes (empty: written the general way).
        self.unrecorded: dict[str, tuple[str, ...]] = {}


_RENEW = _inside(RENEW)


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
                           d.unrecognised_training, None, None, end)[0]

    def compact(self, model: m.PolicyModel, worker: Worker, as_of: datetime.date,
                decided: CompactDecision, end: str) -> tuple[str, bool]:
        """The same text for the decision of `worker` on `as_of` that the compiled
        evaluator gives in its compact form (`engines.compiled.compile_compact`), and
        whether it is compliant: no `Decision` or `Finding` is made but for a finding
        written the general way."""
        groups, items, unknown, later = decided
        return self._write(worker.id, model.id, as_of, model.fingerprint, groups, items,
                           unknown, worker, later, end)

    def _write(self, worker_id: str, policy: str, as_of: datetime.date,
               fingerprint: str | None, groups: tuple[str, ...],
               items: Sequence[tuple[m.Requirement, str, datetime.date | None,
                                     tuple[TrainingRecord, ...], Finding | Records | None]],
               unknown: tuple[str, ...], worker: Worker | None, later: bool | None,
               end: str) -> tuple[str, bool]:
        """The text of a decision and whether it is compliant. Each item is a finding's
        rule, status, due date and evidence, then its `Finding` (from a `Decision`) or,
        for the compact form, its record facts when known; then `worker` is the worker
        of every finding and `later` whether any of its records is dated after the day.

        The pieces go into one list joined once: a decision's text is then copied once,
        not once per level of nesting (finding, findings, decision, line).
        """
        middle = self._middle
        if middle[0] != policy or middle[1] != as_of or middle[3] != fingerprint:
            shown = "null" if fingerprint is None else _js(fingerprint)
            middle = self._middle = (policy, as_of,
                                     f', "policy": {_js(policy)}, "fingerprint": {shown}, '
                                     f'"as_of": "{iso(as_of)}", "compliant": ', fingerprint)
        out = ['{"worker": ', _js(worker_id), middle[2], "true", ', "groups": ',
               self._names(groups) if groups else "[]", ', "findings": [']
        rules = self._rules
        explain = self._explain
        # Of the worker of the findings (an engine gives all of a decision's the same
        # worker and day): its id as it shows inside a JSON string, and whether any of its
        # records is dated after the day (`explain.in_one_step`). From a Decision, found
        # on its findings.
        seen: tuple[object, object] = (worker, as_of)
        who = "" if worker is None else _inside(worker_id)
        sep = ""
        for rule, status, due, evidence, known in items:
            kept = rules.get(id(rule))
            if kept is None or kept.rule is not rule:
                kept = self._rule(rule)
            if known.__class__ is Finding:
                f = known
                if f.worker is not seen[0] or f.as_of is not seen[1]:
                    seen = (f.worker, f.as_of)
                    who = _inside(f.worker.id)
                    later = None
            else:
                f = None
            if status == "met" and explain and kept.plain and len(evidence) == 1:
                if later is None:
                    later = any_later(cast(Worker, seen[0]), cast(datetime.date, seen[1]))
                if not later:
                    # `explain.in_one_step`: the usual finding, from its parts (`_Rule`).
                    r = evidence[0]
                    on = kept.on.get(r.training)
                    if on is None:
                        on = self._met_words(kept, rule, r.training)
                    if due is None:
                        out += (sep, kept.met_head, "null", kept.evidence, _record_js(rule, r),
                                kept.met_tail, who, on, iso(r.completed), kept.met_end)
                    else:
                        day = iso(due)
                        out += (sep, kept.met_head, '"', day, '"', kept.evidence,
                                _record_js(rule, r), kept.met_tail, who, on,
                                iso(r.completed), _RENEW, day, kept.met_end)
                    sep = ", "
                    continue
            if status == "overdue":
                ok = '", "compliant": false, "due": '
                out[3] = "false"
            else:
                ok = '", "compliant": true, "due": '
            shown_due = f'"{iso(due)}"' if due is not None else "null"
            if not evidence:
                shown = ""
            elif len(evidence) == 1:  # the usual case, without a generator
                shown = _record_js(rule, evidence[0])
            else:
                shown = ", ".join(_record_js(rule, r) for r in evidence)
            if not explain:
                words = ""
            else:
                pieces: tuple[str, ...] | None = None
                if due is None and kept.plain and (
                        (known if f is None else f.records) is NO_RECORDS):
                    # No record of the rule and no date: the same words for every worker
                    # but the id (`_unrecorded_words`), and no Finding to make.
                    pieces = kept.unrecorded.get(status)
                    if pieces is None:
                        pieces = self._unrecorded_words(kept, rule, status,
                                                        cast(datetime.date, seen[1]))
                if pieces:
                    words = who.join(pieces)
                else:
                    if f is None:
                        f = new_finding(rule, status, due, evidence, cast(Worker, seen[0]),
                                        as_of, cast(Records | None, known))
                    words = _js(finding_text(f))
            out += (sep, kept.head, status, ok, shown_due, kept.evidence, shown, kept.tail,
                    words, "}")
            sep = ", "
        out += ('], "unrecognised_training": ', self._names(unknown) if unknown else "[]", "}",
                end)
        return "".join(out), out[3] == "true"

    def _unrecorded_words(self, kept: _Rule, rule: m.Requirement, status: str,
                          as_of: datetime.date) -> tuple[str, ...]:
        """The explanation of an undated finding whose worker has no record of the rule
        (nor one dated later): explain.py's own text for a stand-in worker whose id is a
        marker, escaped and cut at the marker. Its words depend on nothing else of the
        worker; () when the rule's own words could hold the marker."""
        made = []
        for marker in _MARKERS:
            stand_in = Finding(rule, status, None, (), Worker(marker, as_of, "none"),
                               as_of, NO_RECORDS)
            made.append(_js(finding_text(stand_in)).split(_inside(marker)))
        pieces = tuple(made[0]) if made[0] == made[1] and len(made[0]) > 1 else ()
        kept.unrecorded[status] = pieces
        return pieces

    def _met_words(self, kept: _Rule, rule: m.Requirement, training: str) -> str:
        """The words of the usual met finding of the rule (`explain.met_words`), escaped
        once: those for the course of its record, returned, and the rule's own."""
        head, on, end = met_words(rule, training)
        kept.met_tail = kept.tail + '"' + _inside(head)
        kept.met_end = _inside(end) + '"}'
        shown = kept.on[training] = _inside(on)
        return shown


# The text of an evidence record of the usual kind around its day (`_record_js`): by
# course, and by (delivery, hours, provider, level), hours an int. Cleared when full.
_BEFORE: dict[str, str] = {}
_AFTER: dict[tuple[str, int, str, str], str] = {}


def _record_js(rule: m.Requirement, r: TrainingRecord) -> str:
    rule_hours, provider, level, hours = rule.hours, r.provider, r.level, r.hours
    if (rule_hours is None and type(hours) is int and type(provider) is str
            and type(level) is str):
        # The usual record of a batch: the same text as below, from the text before its
        # day (by course) and after it (by the other fields), each escaped once. A
        # workforce has few of each, though most of its records differ in one of them.
        training = r.training
        before = _BEFORE.get(training)
        if before is None:
            if len(_BEFORE) >= _CACHE_LIMIT:
                _BEFORE.clear()
            before = _BEFORE[training] = f'{{"training": {_js(training)}, "completed": "'
        key = (r.delivery, hours, provider, level)
        after = _AFTER.get(key)
        if after is None:
            if len(_AFTER) >= _CACHE_LIMIT:
                _AFTER.clear()
            after = _AFTER[key] = (f'", "delivery": {_js(r.delivery)}, "hours": {hours!r}, '
                                   f'"provider": {_js(provider)}, "level": {_js(level)}}}')
        return before + iso(r.completed) + after
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
