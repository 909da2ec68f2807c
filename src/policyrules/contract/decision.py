"""Decisions and findings (CONTRACT §2), and eligibility answers."""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from ..semantics.facts import Facts, Records
from ..semantics.facts import facts as facts_of
from ..semantics.facts import records as records_of
from ..semantics.model import PolicyModel, Requirement
from . import explain, explanation
from .explanation import Explanation
from .workers import TrainingRecord, Worker, slot_setters


@attrs.frozen(slots=True)
class Finding:
    """One requirement that applies to a worker, and where the worker stands with it.

    The plain-English `explanation` is built only when read: it is costly and most
    whole-workforce runs never look at it.
    """

    rule: Requirement = attrs.field(repr=False)
    status: str  # "met", "due" or "overdue"
    due: datetime.date | None
    evidence: tuple[TrainingRecord, ...]
    worker: Worker = attrs.field(repr=False, eq=False)
    as_of: datetime.date = attrs.field(repr=False)
    # Supplied by an engine that has them (the interpreter), else computed on first read:
    # the compiled evaluator's hot loop does not pay for facts most runs never read. Until
    # all of them are read, it may hold the record facts alone (`records`).
    _facts: Facts | Records | None = attrs.field(default=None, repr=False, eq=False,
                                                 alias="facts")

    @property
    def facts(self) -> Facts:
        """What the finding rests on: the anchor date, the records that counted, the latest."""
        known = self._facts
        if not isinstance(known, Facts):
            known = facts_of(self.rule, self.worker, self.as_of, known)
            object.__setattr__(self, "_facts", known)  # a cache: frozen for everything else
        return known

    @property
    def records(self) -> Records:
        """The worker's records that satisfy the requirement (counted, later, excluded, the
        latest): the facts of one pass over the records, for what needs no more (a batch
        run explains every finding of the compiled engine)."""
        known = self._facts
        if known is None:
            known = records_of(self.rule, self.worker, self.as_of)
            object.__setattr__(self, "_facts", known)  # a cache, as `facts` is
            return known
        if isinstance(known, Facts):
            return Records(known.counted, known.later, known.excluded, known.latest)
        return known

    @property
    def latest(self) -> TrainingRecord | None:
        """`facts.latest`, without computing the other facts when they are not known yet."""
        return self.records.latest

    @property
    def requirement(self) -> str:
        return self.rule.id

    @property
    def title(self) -> str:
        return self.rule.title

    @property
    def satisfied_by(self) -> tuple[str, ...]:
        return self.rule.satisfied_by

    @property
    def cites(self) -> tuple[str, ...]:
        return self.rule.cites

    @property
    def compliant(self) -> bool:
        return self.status != "overdue"

    @property
    def explanation(self) -> str:
        return explain.finding(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.rule.id,
            "title": self.rule.title,
            "status": self.status,
            "compliant": self.status != "overdue",
            "due": self.due.isoformat() if self.due else None,
            "satisfied_by": list(self.rule.satisfied_by),
            "evidence": [self.evidence_dict(r) for r in self.evidence],
            "cites": list(self.rule.cites),
            "explanation": self.explanation,
        }


    def evidence_dict(self, r: TrainingRecord) -> dict[str, Any]:
        """One evidence record as CONTRACT §2 and §5 show it."""
        return evidence_dict(self.rule, r)


def evidence_dict(rule: Requirement, r: TrainingRecord) -> dict[str, Any]:
    """A record as the evidence of a finding of `rule` shows it (CONTRACT §2 and §5)."""
    out: dict[str, Any] = {"training": r.training, "completed": r.completed.isoformat(),
                           "delivery": r.delivery}
    # The hours that counted: the record's own, else its course's (CONTRACT §5).
    hours = rule.hours.of(r.training, r.hours) if rule.hours else r.hours
    if hours is not None:
        out["hours"] = hours
    if r.provider is not None:
        out["provider"] = r.provider
    if r.level is not None:
        out["level"] = r.level
    return out


@attrs.frozen(slots=True)
class Decision:
    worker: str
    policy: str
    as_of: datetime.date
    groups: tuple[str, ...]
    findings: tuple[Finding, ...]
    unrecognised_training: tuple[str, ...]
    # What made the decision and whom it is about, kept by reference (both engines pass
    # them): the fingerprint and the explanation read them instead of recomputing facts.
    model: PolicyModel | None = attrs.field(default=None, eq=False, repr=False)
    subject: Worker | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def fingerprint(self) -> str | None:
        """The fingerprint of the policy that made the decision (`Policy.fingerprint`)."""
        return self.model.fingerprint if self.model is not None else None

    @property
    def compliant(self) -> bool:
        # A loop rather than all(generator): read once per decision in a batch run.
        for f in self.findings:  # noqa: SIM110
            if f.status == "overdue":
                return False
        return True

    def explain(self) -> Explanation:
        """The decision explained, as `policyrules explain` prints it: per finding its
        paragraphs, policy line, dates and what would satisfy it (`str()` gives the text,
        `to_dict()` the data)."""
        return explanation.explain(self)

    def finding(self, requirement: str) -> Finding | None:
        """The finding for one requirement, or None when it does not apply."""
        for f in self.findings:
            if f.rule.id == requirement:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "policy": self.policy,
            "fingerprint": self.fingerprint,
            "as_of": self.as_of.isoformat(),
            "compliant": self.compliant,
            "groups": list(self.groups),
            "findings": [f.to_dict() for f in self.findings],
            "unrecognised_training": list(self.unrecognised_training),
        }


_NEW = object.__new__
_F = slot_setters(Finding)
_D = slot_setters(Decision)


def new_finding(rule: Requirement, status: str, due: datetime.date | None,
                evidence: tuple[TrainingRecord, ...], worker: Worker, as_of: datetime.date,
                facts: Facts | Records | None = None) -> Finding:
    """`Finding(rule, status, due, evidence, worker, as_of, facts)` for the compiled
    evaluator's hot loop (workers.py says why, and what it relies on)."""
    f = _NEW(Finding)
    _F[0](f, rule)
    _F[1](f, status)
    _F[2](f, due)
    _F[3](f, evidence)
    _F[4](f, worker)
    _F[5](f, as_of)
    _F[6](f, facts)
    return f


def new_decision(worker: str, policy: str, as_of: datetime.date, groups: tuple[str, ...],
                 findings: tuple[Finding, ...], unrecognised_training: tuple[str, ...],
                 model: PolicyModel | None, subject: Worker | None) -> Decision:
    """`Decision(worker, policy, as_of, groups, findings, unrecognised_training, model,
    subject)`, as `new_finding`."""
    d = _NEW(Decision)
    _D[0](d, worker)
    _D[1](d, policy)
    _D[2](d, as_of)
    _D[3](d, groups)
    _D[4](d, findings)
    _D[5](d, unrecognised_training)
    _D[6](d, model)
    _D[7](d, subject)
    return d


@attrs.frozen
class Eligibility:
    """`Policy.eligible`: may the worker attend the training on that day, and why."""

    ok: bool
    training: str
    on: datetime.date
    reasons: tuple[str, ...]
    cites: tuple[str, ...]
    worker: str | None = None  # whom the answer is about

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        return {"worker": self.worker, "training": self.training, "on": self.on.isoformat(),
                "ok": self.ok,
                "reasons": list(self.reasons), "cites": list(self.cites)}
