"""Plain-English text for findings: the rule, its paragraphs, and the worker's dates.

Sentences a manager can forward: courses are named by their catalogue titles, never by
id and never lower-cased (a title may start with a proper noun), and every list of
records is in date order, so that the text does not depend on the order of the records.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import attrs

from ..contract.workers import TrainingRecord, Worker, evidence_key
from ..semantics.dates import iso
from ..semantics.facts import Facts, Records
from ..semantics.facts import facts as facts_of
from ..semantics.facts import records as records_of
from ..semantics.model import FromCompletion

if TYPE_CHECKING:
    from ..semantics.model import Requirement
    from .decision import Finding


@attrs.frozen
class _Words:
    head: str  # the rule's sentence and its paragraphs
    courses: str  # the courses written in `satisfied by`, by title
    also: str  # the courses that count as those, as a closing aside ("" when none)
    # For the usual finding, met by a record (`met_parts`): each satisfying course's title
    # by id, and what closes the sentence (the note on regular updates, or nothing).
    titles: dict[str, str]
    met_end: str
    # What comes between the worker's id and the record's day in a met finding's text, by
    # course (a catalogue's worth at most).
    met_on: dict[str, str] = attrs.field(factory=dict, eq=False)
    met_head: str = attrs.field(init=False, eq=False)  # `head` and the "; " after it

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "met_head", f"{self.head}; ")


# By identity: hashing a frozen Requirement walks all its fields, which costs more than
# building the words. The rule is kept beside its words so an id is never reused.
_WORDS: dict[int, tuple[Requirement, _Words]] = {}


def _words(rule: Requirement) -> _Words:
    """The parts that depend on the rule alone, built once per rule rather than per finding."""
    cached = _WORDS.get(id(rule))
    if cached is not None and cached[0] is rule:
        return cached[1]
    declared = rule.declared or rule.satisfied_by
    others = [rule.course(t) for t in rule.satisfied_by if t not in declared]
    also = (f" (a record of {listed(others, 'or')} counts too)" if others else "")
    words = _Words(f"{rule.explain.rstrip('.')} ({', '.join(rule.cites)})",
                   listed([rule.course(t) for t in declared], "or"), also,
                   {t: rule.course(t) for t in rule.satisfied_by},
                   f"; {_REGULAR}." if rule.regular_updates else ".")
    if len(_WORDS) > 4096:
        _WORDS.clear()
    _WORDS[id(rule)] = (rule, words)
    return words


def listed(items: Sequence[str], conjunction: str) -> str:
    """`A`, `A or B`, `A, B or C`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def number(value: float) -> str:
    """Hours as people write them: 12, 1.5 (never 12.0 or a float's rounding noise)."""
    return f"{value:.10g}"


def hours(value: float) -> str:
    return f"{number(value)} hour{'' if value == 1 else 's'}"


def finding(f: Finding) -> str:
    rule = f.rule
    words = _words(rule)
    if rule.hours is not None:
        body, notes = _hours_body(f, words), _notes(f)
    elif in_one_step(f):
        head, on, end = met_parts(f)
        last = f.evidence[0]
        renew = "" if f.due is None else f"{RENEW}{iso(f.due)}"
        return f"{head}{f.worker.id}{on}{iso(last.completed)}{renew}{end}"
    else:
        body, notes = _body(f, words, f.records.latest), _notes(f)
    return f"{words.head}; {'; '.join([body, *notes])}."


def in_one_step(f: Finding) -> bool:
    """Whether `finding` writes `f` in one step: the usual met finding, whose text is
    made of `met_parts` (see there)."""
    return (f.rule.hours is None and f.status == "met" and bool(f.evidence)
            and not any_later(f.worker, f.as_of))


# In a met finding written in one step, what comes between the record's day and the
# renewal date, when there is one.
RENEW = " and must renew it by "


def met_parts(f: Finding) -> tuple[str, str, str]:
    """A finding written in one step (`in_one_step`) as the words around its facts:
    `head`, the worker's id, `on`, the day of its latest record (`evidence[0]`), then,
    when it has a renewal date, `RENEW` and that date, then `end`. The words depend on
    the rule and the record's course alone, so that a writer may keep what it makes of
    them (render/contract_json.py). Its evidence starts with the latest record
    (`latest_record` is the first of `canonical_evidence`), nothing is dated after as_of,
    and a met finding has no note on excluded records: the same text as `_body` and
    `_notes` give it."""
    return met_words(f.rule, f.evidence[0].training)


def met_words(rule: Requirement, training: str) -> tuple[str, str, str]:
    """`met_parts` of a finding of `rule` whose latest record is of `training`."""
    words = _words(rule)
    on = words.met_on.get(training)
    if on is None:
        title = words.titles.get(training) or rule.course(training)
        on = words.met_on[training] = f" completed {title} on "
    return words.met_head, on, words.met_end


# The last worker `any_later` looked at, and its answer: a worker's findings are explained
# one after another, and the answer is the worker's, not the finding's. One tuple, replaced
# whole, so that threads explaining at once never read half of it.
_LATER: tuple[object, datetime.date, bool] = (None, datetime.date.min, False)


def any_later(worker: Worker, as_of: datetime.date) -> bool:
    """Whether any of the worker's records is dated after `as_of` (remembered for the
    last worker asked about: a writer may ask once per finding)."""
    global _LATER
    seen, day, answer = _LATER
    if seen is worker and day == as_of:
        return answer
    answer = False
    for r in worker.training:
        if r.completed > as_of:
            answer = True
            break
    _LATER = (worker, as_of, answer)
    return answer


def _body(f: Finding, words: _Words, last: TrainingRecord | None) -> str:
    """`last`: the latest record that counts: the evidence of a met requirement, or what
    an expired renewal was last met by (`records`, not `facts`: no dates are needed)."""
    rule, who = f.rule, f.worker.id
    if last is not None:
        done = f"{who} completed {rule.course(last.training)} on {iso(last.completed)}"
        if f.due is None:
            return done
        if f.status == "met":
            return f"{done}{RENEW}{iso(f.due)}"
        return f"{done}, and its renewal was due by {iso(f.due)}"
    missing = f"has no {words.courses} on record"
    if f.due is None:
        return f"{who} {missing}{_undated(f)}{words.also}"
    return f"{_start(f)} and {missing}; {_deadline(f)}{words.also}"


def _hours_body(f: Finding, words: _Words) -> str:
    rule, who, facts = f.rule, f.worker.id, f.facts
    assert rule.hours is not None
    target, window = rule.hours.target, rule.hours.window
    within = ("" if window is None else " within the last year" if str(window) == "1 year"
              else f" within the last {window}")
    have = facts.hours or 0.0
    if f.status == "met":
        has = f"{who} has {hours(have)} of {words.courses}{within} ({number(target)} needed)"
        records = _records(rule, f.evidence)
        if f.due is None:
            return f"{has}, from {records}"
        one = len(f.evidence) == 1
        return (f"{has}; {records} {'reaches' if one else 'reach'} {number(target)} and "
                f"{'keeps' if one else 'keep'} it met until {iso(f.due)}")
    has = f"has {number(have)} of {hours(target)} of {words.courses}{within}"
    if f.due is None:
        return f"{who} {has}{_undated(f)}{words.also}"
    if f.status == "overdue" and f.due != facts.deadline:
        # The engines give a lapsed target the day it was last met, not the first deadline.
        return (f"{who} {has}; the hours last added up to {number(target)} on {iso(f.due)}"
                f"{words.also}")
    return f"{_start(f)} and {has}; {_deadline(f)}{words.also}"


def _undated(f: Finding) -> str:
    """Why a finding that is not met has no date: not needed yet, or needed now."""
    first = f.rule.before_first
    if f.status == "due" and first is not None:
        # Only `due before first T`, and T not yet taken.
        return f"; it is needed before {f.worker.id}'s first {f.rule.course(first.name)}"
    return ", and the document sets no deadline, so it is needed now"


def _start(f: Finding) -> str:
    """The worker and the day the deadline counts from."""
    rule, who, facts = f.rule, f.worker.id, f.facts
    role = rule.anchor_role
    if role is not None and facts.role_since is not None:
        return f"{who} took the role {role} on {iso(facts.anchor)}"
    completing = rule.deadline_from
    if isinstance(completing, FromCompletion):
        return f"{who} completed {rule.course(completing.name)} on {iso(facts.anchor)}"
    return f"{who} started on {iso(facts.anchor)}"


def _deadline(f: Finding) -> str:
    assert f.due is not None
    verb = "is due by" if f.status == "due" else "was due by"
    first = f.facts.deadline_record
    if first is not None and first.completed == f.due:
        return (f"it {verb} {iso(f.due)}, the day of {f.worker.id}'s first "
                f"{f.rule.course(first.training)}, before which it is needed")
    return f"it {verb} {iso(f.due)}"


def _notes(f: Finding, *, later: bool = True) -> list[str]:
    """What else a manager should know: records that do not count, and why. `later=False`:
    the caller knows no record is dated after as_of, and the finding is met."""
    rule = f.rule
    notes = []
    if not later:
        if rule.regular_updates:
            notes.append(_REGULAR)
        return notes
    facts = f.records
    if f.status != "met" and facts.excluded:
        if rule.delivery is not None and (wrong := [r for r in facts.excluded
                                                    if r.delivery != rule.delivery]):
            kinds = listed(sorted({r.delivery for r in wrong}), "or")
            notes.append(f"{_some(rule, wrong, kinds)} {_do(wrong)} not count, as only "
                         f"{rule.delivery} records do")
        if rule.provider is not None and (wrong := [r for r in facts.excluded
                                                    if r.provider != rule.provider]):
            notes.append(f"{_some(rule, wrong)} from another provider {_do(wrong)} not "
                         f"count, as only those provided by {rule.provider} do")
    if facts.later:
        after = facts.later
        notes.append(f"{_some(rule, after)} dated {listed(_days(after), 'and')}, after "
                     f"{iso(f.as_of)}, {'is' if len(after) == 1 else 'are'} not counted")
    if rule.regular_updates:
        notes.append(_REGULAR)
    return notes


_REGULAR = ("the document asks for regular updates but gives no period, so the policy "
            "checks only that it was done")


def _sorted(records: Iterable[TrainingRecord]) -> list[TrainingRecord]:
    return sorted(records, key=lambda r: (r.completed, evidence_key(r)))


def _some(rule: Requirement, records: Sequence[TrainingRecord], kind: str = "") -> str:
    """`a single-agency record of X`, `records of X and Y`."""
    titles = listed(list(dict.fromkeys(rule.course(r.training) for r in _sorted(records))),
                    "and")
    kind = f"{kind} " if kind else ""
    if len(records) == 1:
        article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
        return f"{article} {kind}record of {titles}"
    return f"{kind}records of {titles}"


def _do(records: Sequence[TrainingRecord]) -> str:
    return "does" if len(records) == 1 else "do"


def _days(records: Sequence[TrainingRecord]) -> list[str]:
    return list(dict.fromkeys(iso(r.completed) for r in _sorted(records)))


def _records(rule: Requirement, records: Sequence[TrainingRecord]) -> str:
    """The records that counted towards hours, newest first as the evidence lists them:
    `Level 3 safeguarding on 2025-11-20 (4 hours) and on 2025-06-01 (5 hours)`."""
    assert rule.hours is not None
    parts, previous = [], None
    for r in records:
        title = rule.course(r.training)
        named = "on" if title == previous else f"{title} on"
        parts.append(f"{named} {iso(r.completed)} ({hours(rule.hours.of(r.training, r.hours))})")
        previous = title
    return listed(parts, "and")


class Shape(NamedTuple):
    """Everything `finding` reads of a finding but its rule, its day (as_of), its
    worker's id and its days (`Days`): findings of one rule on one day with the same shape
    have the same words but for those, so that a writer may word each shape once
    (`stand_in`) and put each finding's id and days in place. A part the words of the
    shape do not read is None (False for the flags), so that such findings share one."""

    status: str
    dated: bool  # whether it has a due day
    l_train: str | None  # no hours target: the course of the latest record (`_body`)
    e_train: str | None  # met: the course of the first evidence record (`met_parts`)
    e_hours: float | None  # met, an hours target: that record's hours
    has_ev: bool  # met, with evidence
    later: bool | None  # met, no hours target: whether the worker has any record dated
    #                     after the day (`in_one_step`)
    start: bool  # the words say when the deadline counts from (`_start`, `_deadline`)
    since: bool | None  # then: whether the worker took the role it counts from
    d_train: str | None  # then: the course whose first record's day is the due day
    have: float | None  # an hours target: the hours its records add up to
    off_deadline: bool | None  # an hours target, not met, dated: due is not the deadline
    a_train: str | None  # the one record of the rule dated after the day: its course
    x_train: str | None  # not met: the one record a delivery or provider rule leaves out
    x_delivery: str | None  # its delivery
    x_provider: bool | None  # whether its provider is the rule's (when the rule names one)


# A finding's days, as its words may print them (`Shape` says which): the due day, the
# latest record's, the first evidence record's, the anchor, the later record's; ISO text,
# "" where the finding has none. `stand_in` takes stand-ins for them in this order.
Days = tuple[str, str, str, str, str]

# Which of a finding's values its text holds where, in order, for the writers that cut the
# text of a dated finding without evidence where they go (render/contract_json.py
# `DecisionJson._cut`, engines/compiled.py `_Writer.cuts`): 0 the worker's id, 1 + i the
# i-th of `Days`; first the due day (the finding's `due`), then its words': an unmet
# finding with no record counted ("<id> started on <anchor> ...; it was due by <due>"),
# the same when the due day is its first `due before first` record's (", the day of
# <id>'s first ..."), and a lapsed renewal ("<id> completed ... on <latest>, and its
# renewal was due by <due>").
DATED = (1, 0, 4, 1)
DATED_FIRST = (1, 0, 4, 1, 0)
LAPSED = (1, 0, 2, 1)


def shape(rule: Requirement, status: str, due: datetime.date | None,
          evidence: tuple[TrainingRecord, ...], worker: Worker, as_of: datetime.date,
          known: Facts | Records | None, later: bool
          ) -> tuple[tuple[object, ...], Days] | None:
    """The parts of the shape (`Shape`, as a plain tuple: one is made per finding, where a
    NamedTuple costs a function call) of a finding of a rule without an hours target,
    and its days. The finding is given by its fields (`Finding`'s, its facts as far as
    known), so that a writer need not make one; `later`: whether its worker has any
    record dated after the day (`any_later`). None when the words read a list of
    records (two or more dated after the day, or two or more left out of an unmet
    finding). What each sentence above reads of a finding is here: a new read there is
    a new part of the shape."""
    if rule.hours is not None:
        return None
    if known is None:
        known = records_of(rule, worker, as_of)
    met = status == "met"
    latest = known.latest
    start = None
    if due is not None and not met and latest is None:  # `_body` calls `_start`
        facts = known if isinstance(known, Facts) else facts_of(rule, worker, as_of, known)
        record = facts.deadline_record
        start = (facts.role_since is not None, facts.anchor,
                 record.training if record is not None and record.completed == due else None)
    # `_notes` names the records a delivery or provider rule leaves out when not met.
    return shaped(rule, status, due, evidence, latest, later, known.later,
                  () if met else known.excluded, start)


def shaped(rule: Requirement, status: str, due: datetime.date | None,
           evidence: Sequence[TrainingRecord], latest: TrainingRecord | None, later: bool,
           after: Sequence[TrainingRecord], left_out: Sequence[TrainingRecord],
           start: tuple[bool, datetime.date, str | None] | None
           ) -> tuple[tuple[object, ...], Days] | None:
    """`shape` from the finding's facts, for a caller that has found them itself:
    `latest` the latest record counted (`Records.latest`), `after` the records of the
    rule dated after the day (`Records.later`), `left_out` those a delivery or provider
    rule leaves out (`Records.excluded`; () when met), and, for an unmet finding with a
    due day and no record counted, `start`: whether the worker took the role its
    deadline counts from, the day it counts from (`Facts.anchor`), and the course of the
    deadline record when its day is the due day (else None)."""
    if len(after) > 1 or len(left_out) > 1:
        return None
    met = status == "met"
    first = evidence[0] if met and evidence else None
    since = d_train = None
    anchor = ""
    if start is not None:
        since, day, d_train = start
        anchor = iso(day)
    a = after[0] if after else None
    x = left_out[0] if left_out else None
    return ((status, due is not None, None if latest is None else latest.training,
             None if first is None else first.training, None, first is not None,
             later if met else None, start is not None, since, d_train, None, None,
             None if a is None else a.training, None if x is None else x.training,
             None if x is None else x.delivery,
             None if x is None or rule.provider is None else x.provider == rule.provider),
            ("" if due is None else iso(due), "" if latest is None else iso(latest.completed),
             "" if first is None else iso(first.completed), anchor,
             "" if a is None else iso(a.completed)))


class Slot(datetime.date):
    """A day that prints (`isoformat`, which `semantics.dates.iso` calls) as a marker:
    a template's place for the finding's own day. Equal only to a slot with its marker,
    never to a real day: `iso` caches by day, and the sentences compare days only where
    the shape says how (`due` with the deadline record's day)."""

    marker: str

    def __new__(cls, marker: str) -> Slot:
        day = super().__new__(cls, 2000, 1, 1)
        day.marker = marker
        return day

    def isoformat(self) -> str:
        return self.marker

    def __str__(self) -> str:
        return self.marker

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slot) and other.marker == self.marker

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(("slot", self.marker))


def stand_in(rule: Requirement, as_of: datetime.date, s: Shape, who: str,
             days: Sequence[str]) -> str:
    """`finding`'s words for a finding of `rule` on `as_of` of the shape `s`, made up of
    stand-ins: its worker's id is `who` and its days (in `Days`' order) print as `days`.
    The words hold those where the finding's own id and days go."""
    from .decision import Finding  # decision.py imports this module

    due, l_day, e_day, anchor, a_day = (Slot(mark) for mark in days)
    latest = None if s.l_train is None else TrainingRecord(s.l_train, l_day)
    evidence: tuple[TrainingRecord, ...] = ()
    if s.has_ev and s.e_train is not None:
        evidence = (TrainingRecord(s.e_train, e_day, hours=s.e_hours),)
    # A record of no course dated after the day, for `any_later` alone.
    after = (TrainingRecord("", as_of + datetime.timedelta(days=1)),) if s.later else ()
    first = TrainingRecord(s.d_train, due) if s.d_train is not None else None
    later = () if s.a_train is None else (TrainingRecord(s.a_train, a_day),)
    left_out = () if s.x_train is None or s.x_delivery is None else (TrainingRecord(
        s.x_train, as_of, s.x_delivery, rule.provider if s.x_provider else None),)
    facts = Facts(anchor if s.since else None, anchor, (), latest, later,
                  None if s.off_deadline else due, s.have, left_out, first)
    worker = Worker(who, anchor, "none", training=after)
    return finding(Finding(rule, s.status, due if s.dated else None, evidence, worker, as_of,
                           facts))
