"""The contract's JSON shape (CONTRACT §2) as text, fast, and the error record (§1.5)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _js
from typing import Any

from ..contract.decision import Decision, Finding
from ..contract.explain import finding as finding_text
from ..contract.explain import in_one_step, met_parts
from ..contract.validation import RECORDS_KEPT
from ..contract.workers import TrainingRecord, Worker
from ..errors import WorkerError
from ..semantics import model as m
from ..semantics.dates import iso
from ..semantics.facts import NO_RECORDS
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
# As many texts as validation keeps records (contract/validation.py): the texts are keyed
# by the shared records, and each holds its record, so a bigger cache would only keep
# records alive that validation has let go.
_TEXTS_KEPT = RECORDS_KEPT


# Stand-ins for a worker's id: control characters, which policy text cannot hold
# (language/source.py); two, so that a text holding one is found out.
_MARKERS = ("\x00", "\x01")


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(map(_js, items)) + "]"


class DecisionJson:
    """`json.dumps(decision.to_dict(), ensure_ascii=False)`, about twice as fast.

    The constant parts of each finding (id, title, satisfied_by, cites) are encoded once
    per requirement; tests check that the text parses to exactly `Decision.to_dict()`.
    """

    def __init__(self, *, explain: bool = True) -> None:
        # False (`evaluate --no-explain`): findings without `explanation`, which is most of
        # the text and of the time of a decision.
        self._explain = explain
        self._parts: dict[int, tuple[m.Requirement, str, str, str]] = {}
        # The text between the worker id and `compliant`, for the last (policy, as_of,
        # fingerprint): the same for every decision of a run.
        self._middle: tuple[str, datetime.date, str, str | None] = (
            "", datetime.date.min, "", None)
        # Lists of names (groups, unrecognised training), each encoded once: a run repeats
        # a few of them. Cleared when full.
        self._lists: dict[tuple[str, ...], str] = {}
        # Evidence records' text by identity (kept beside the record so an id is never
        # reused): validation gives the workers who share a record one object
        # (contract/validation.py), so each is encoded once. Cleared when full.
        self._texts: dict[int, tuple[TrainingRecord, str]] = {}
        # The constant parts of the usual met finding (`explain.met_parts`) by rule: its
        # text is these, the renewal date, the evidence record's text (kept above) and
        # the explanation's words after the worker's id (kept by explain.py). No text of
        # a whole finding is kept: there are as many as records, rules and dates.
        self._met: dict[int, tuple[m.Requirement, str, str, str]] = {}
        # The explanation of an undated finding with no record of its rule, by rule and
        # status: its escaped text cut where the worker's id goes (none: the general way).
        self._unrecorded: dict[tuple[int, str], tuple[m.Requirement, tuple[str, ...]]] = {}

    def _rule(self, rule: m.Requirement) -> tuple[str, str, str]:
        cached = self._parts.get(id(rule))
        if cached is None or cached[0] is not rule:
            cached = (
                rule,
                f'{{"requirement": {_js(rule.id)}, "title": {_js(rule.title)}, "status": "',
                f', "satisfied_by": {_list(rule.satisfied_by)}, "evidence": [',
                f'], "cites": {_list(rule.cites)}'
                + (', "explanation": ' if self._explain else ""),
            )
            self._parts[id(rule)] = cached
        return cached[1], cached[2], cached[3]

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
        """The decision's JSON text followed by `end` (JSON Lines: a newline).

        The pieces go into one list joined once: a decision's text is then copied once,
        not once per level of nesting (finding, findings, decision, line).
        """
        middle = self._middle
        fingerprint = d.fingerprint
        if middle[0] != d.policy or middle[1] != d.as_of or middle[3] != fingerprint:
            shown = "null" if fingerprint is None else _js(fingerprint)
            middle = self._middle = (d.policy, d.as_of,
                                     f', "policy": {_js(d.policy)}, "fingerprint": {shown}, '
                                     f'"as_of": "{iso(d.as_of)}", "compliant": ', fingerprint)
        groups = d.groups
        out = ['{"worker": ', _js(d.worker), middle[2], "true", ', "groups": ',
               self._names(groups) if groups else "[]", ', "findings": [']
        parts = self._parts
        texts = self._texts
        explain = self._explain
        mets = self._met
        unrecorded = self._unrecorded
        who = ""  # the worker's id as it shows inside a JSON string, when needed
        sep = ""
        for f in d.findings:
            rule = f.rule
            status = f.status
            if explain and status == "met" and len(f.evidence) == 1 and in_one_step(f):
                # The usual finding, from its parts (`_met_parts`).
                met = mets.get(id(rule))
                if met is None or met[0] is not rule:
                    met = self._met_parts(f)
                r = f.evidence[0]
                hit = texts.get(id(r))
                shown = hit[1] if hit is not None and hit[0] is r else self._evidence(f, r)
                if not who:
                    who = _js(f.worker.id)[1:-1]
                renew = f.due
                out += (sep, met[1], f'"{iso(renew)}"' if renew is not None else "null", met[2],
                        shown, met[3], who, _js(met_parts(f)[1])[1:], "}")
                sep = ", "
                continue
            cached = parts.get(id(rule))
            if cached is None or cached[0] is not rule:
                self._rule(rule)
                cached = parts[id(rule)]
            if status == "overdue":
                ok = '", "compliant": false, "due": '
                out[3] = "false"
            else:
                ok = '", "compliant": true, "due": '
            due = f'"{iso(f.due)}"' if f.due is not None else "null"
            evidence = f.evidence
            if not evidence:
                shown = ""
            elif len(evidence) == 1:  # the usual case, without a generator
                r = evidence[0]
                hit = texts.get(id(r))
                shown = (hit[1] if hit is not None and hit[0] is r and rule.hours is None
                         else self._evidence(f, r))
            else:
                shown = ", ".join(_record_js(f, r) for r in evidence)
            if not explain:
                words = ""
            elif f.due is None and rule.hours is None and f.records is NO_RECORDS:
                # No record of the rule and no date: the same words for every worker
                # but the id (`_unrecorded`).
                pieces = unrecorded.get((id(rule), status))
                if pieces is None or pieces[0] is not rule:
                    pieces = self._unrecorded_words(f)
                if not who:
                    who = _js(f.worker.id)[1:-1]
                words = who.join(pieces[1]) if pieces[1] else _js(finding_text(f))
            else:
                words = _js(finding_text(f))
            out += (sep, cached[1], status, ok, due, cached[2], shown, cached[3], words, "}")
            sep = ", "
        unknown = d.unrecognised_training
        out += ('], "unrecognised_training": ', self._names(unknown) if unknown else "[]", "}",
                end)
        return "".join(out)

    def _evidence(self, f: Finding, r: TrainingRecord) -> str:
        """The text of an evidence record, kept by the record when the rule does not
        count hours (else the hours shown are the rule's to give)."""
        shown = _record_js(f, r)
        if f.rule.hours is None:
            texts = self._texts
            if len(texts) >= _TEXTS_KEPT:
                texts.clear()
            texts[id(r)] = (r, shown)
        return shown

    def _unrecorded_words(self, f: Finding) -> tuple[m.Requirement, tuple[str, ...]]:
        """The explanation of an undated finding whose worker has no record of the rule
        (nor one dated later): explain.py's own text for a stand-in worker whose id is a
        marker, escaped and cut at the marker. Its words depend on nothing else of the
        worker; () when the rule's own words could hold the marker."""
        made = []
        for marker in _MARKERS:
            stand_in = Finding(f.rule, f.status, None, (), Worker(marker, f.as_of, "none"),
                               f.as_of, NO_RECORDS)
            made.append(_js(finding_text(stand_in)).split(_js(marker)[1:-1]))
        pieces = tuple(made[0]) if made[0] == made[1] and len(made[0]) > 1 else ()
        kept = (f.rule, pieces)
        self._unrecorded[(id(f.rule), f.status)] = kept
        return kept

    def _met_parts(self, f: Finding) -> tuple[m.Requirement, str, str, str]:
        """The parts of the rule's usual met finding around its renewal date, its evidence
        record and the worker's id, as `text` writes any finding (JSON escapes each
        character on its own, so the explanation's parts escaped apart are the whole
        escaped)."""
        rule_head, evidence, rule_tail = self._rule(f.rule)
        met = (f.rule, rule_head + 'met", "compliant": true, "due": ', evidence,
               rule_tail + _js(met_parts(f)[0])[:-1])
        self._met[id(f.rule)] = met
        return met


def _record_js(f: Finding, r: TrainingRecord) -> str:
    rule_hours, provider, level, hours = f.rule.hours, r.provider, r.level, r.hours
    if (rule_hours is None and type(hours) is int and type(provider) is str
            and type(level) is str):
        # The usual record of a batch, whole, in one step: the same text as below.
        return (f'{{"training": {_js(r.training)}, "completed": "{iso(r.completed)}", '
                f'"delivery": {_js(r.delivery)}, "hours": {hours!r}, '
                f'"provider": {_js(provider)}, "level": {_js(level)}}}')
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
    return _ENCODE(f.evidence_dict(r))


def _finite(x: float) -> bool:
    return -_INF < x < _INF


_INF = float("inf")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
