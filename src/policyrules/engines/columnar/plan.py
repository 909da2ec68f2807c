"""Decision form (semantics/model.py) → Polars expressions over a whole workforce.

The columnar twin of engines/compiled.py: the same model, the same rules as the reference
interpreter (engines/interpret.py with semantics/facts.py and semantics/hours.py), written
as expressions over columns instead of statements over one worker. Policy names never
become code or column names: roles, courses and requirements are referred to by position
(`_h1`, `_e0`, `_l3`), and names reach the data only as literal values.

The frame the expressions run on has, per worker: `contact`, `sector`, `volunteer`,
`started`, and

* `_h{i}`: holds role `roles[i]` on as_of; `_a{i}`: the earliest day role `anchors[i]` was
  taken (or null);
* `_e{k}`: the first completion, on or before as_of, of any course of `events[k]` (or
  null): `completed T` conditions, `of completing T` anchors and `due before first T`;
* `_l{i}`: the latest record counting towards `rules[i]` (its courses, delivery and
  provider), on or before as_of, or null;
* for an hours target `rules[i]`, the columns of hours.py: `_ht{i}` (the hours still
  counting on as_of), `_hr{i}` (the day of the record at which they reach the target,
  newest first) and `_hl{i}` (the last day the target was reached, when it has lapsed).
"""

from __future__ import annotations

import datetime
import functools
from typing import assert_never

import attrs
import numpy as np
import polars as pl

from ...contract.vocabulary import STATUSES
from ...language.nodes import Duration
from ...semantics import model as m
from . import arrays

_DAYS = {"days": 1, "weeks": 7}
_MONTHS = {"months": 1, "years": 12}
# Statuses as a small enum while deciding (cheap to compare and to move), text at the end.
STATUS = pl.Enum(STATUSES)


def _status(name: str) -> pl.Expr:
    return pl.lit(name, STATUS)


def plus(day: pl.Expr, *durations: Duration | None) -> pl.Expr:
    """`day` + each duration in turn, calendar arithmetic clipped to the month's end
    (`semantics.dates.add`: 2025-08-31 + 6 months = 2026-02-28); a test holds it to `add`,
    month ends, leap days and the calendar's last year included."""
    for d in durations:
        if d is None:
            continue
        if d.unit in _DAYS:
            day = day + pl.duration(days=d.amount * _DAYS[d.unit])
        else:
            months = d.amount * _MONTHS[d.unit]
            day = day.map_batches(functools.partial(later_months, months=months),
                                  return_dtype=pl.Date, is_elementwise=True)
    return day


def later_months(dates: pl.Series, months: int) -> pl.Series:
    """Each date + `months` calendar months, clipped to the month's end.

    A workforce's dates span a few thousand days but number millions: the answer is
    worked out once for each day of the span (NumPy over day numbers) and looked up (a
    Polars gather, which keeps the nulls).
    """
    values = dates.to_physical()
    first, last = values.min(), values.max()
    if not isinstance(first, int) or not isinstance(last, int):
        return dates  # no dates at all
    blocks = (months, first // _BLOCK, last // _BLOCK)
    start, table = (_kept_table if blocks[2] - blocks[1] < _KEPT_BLOCKS
                    else _month_table)(*blocks)
    return table.gather(values - start).cast(pl.Date).alias(dates.name)


# The span of a month table: whole blocks of days (about 22 years each), so that a table
# of a workforce's dates serves every part of the table and every later call; a span of
# more blocks (dates far apart) gets a table of its own each time (it could be large).
_BLOCK = 1 << 13
_KEPT_BLOCKS = 4


def _month_table(months: int, first: int, last: int) -> tuple[int, pl.Series]:
    """(the first day, each day's `months` later) for the blocks `first` to `last`."""
    start = first * _BLOCK
    return start, pl.Series(arrays.add_months(
        np.arange(start, (last + 1) * _BLOCK, dtype=np.int64), months))


_kept_table = functools.lru_cache(maxsize=32)(_month_table)


@attrs.frozen
class Plan:
    """What a policy needs from the tables on one day, by position."""

    as_of: datetime.date
    rules: tuple[m.Requirement, ...]  # the requirements in force on as_of, as declared
    roles: tuple[str, ...]  # roles a condition tests (`_h{i}`)
    anchors: tuple[str, ...]  # roles a deadline counts from (`_a{i}`)
    courses: tuple[str, ...]  # courses whose records the plan reads (a record's `_slot`)
    events: tuple[frozenset[str], ...]  # course sets whose first completion counts (`_e{k}`)
    deliveries: tuple[str, ...]  # deliveries a requirement asks for
    providers: tuple[str, ...]  # providers a requirement asks for

    @classmethod
    def of(cls, model: m.PolicyModel, as_of: datetime.date) -> Plan:
        # A requirement not in force gives no finding at all (`in force from/until`); as_of
        # is one day for the whole table, so that is decided here, once.
        rules = tuple(r for r in model.requirements if r.in_force(as_of))
        conditions = [g.condition for g in model.groups] + [r.condition for r in rules]
        atoms = [a for c in conditions for a in m.condition_atoms(c)]
        events = [a.trainings for a in atoms if isinstance(a, m.Completed)]
        for r in rules:
            if isinstance(r.deadline_from, m.FromCompletion):
                events.append(r.deadline_from.trainings)
            if r.before_first is not None:
                events.append(r.before_first.trainings)
        courses = sorted({t for r in rules for t in r.satisfied_by}
                         | {t for e in events for t in e})
        return cls(
            as_of=as_of,
            rules=rules,
            roles=tuple(dict.fromkeys(a.role for a in atoms if isinstance(a, m.RoleHeld))),
            anchors=tuple(dict.fromkeys(r.anchor_role for r in rules
                                        if r.anchor_role is not None)),
            courses=tuple(courses),
            events=tuple(dict.fromkeys(events)),
            deliveries=tuple(sorted({r.delivery for r in rules if r.delivery is not None})),
            providers=tuple(sorted({r.provider for r in rules if r.provider is not None})),
        )

    # Records -------------------------------------------------------------------------------

    def kind(self) -> pl.Expr:
        """A record's kind (-1: a course no rule reads): its course's position in `courses`
        (`_slot`), and which of `deliveries` and `providers` it has (`_delivery`,
        `_provider`: positions, -1 for none); `counts` gives the same answer for every
        record of a kind, so it is asked once per kind."""
        slot = pl.col("_slot")
        delivery = pl.col("_delivery")
        provider = pl.col("_provider")
        return (pl.when(slot >= 0)
                .then((slot * (len(self.deliveries) + 1) + delivery + 1)
                      * (len(self.providers) + 1) + provider + 1)
                .otherwise(-1))

    def kinds(self) -> pl.DataFrame:
        """One row per kind, in kind order, with the columns `counts` reads (null: a
        delivery or provider that none of the plan's is)."""
        return pl.DataFrame(
            [(s, d, p) for s in range(len(self.courses)) for d in (None, *self.deliveries)
             for p in (None, *self.providers)],
            schema={"_slot": pl.Int32, "delivery": pl.String, "provider": pl.String},
            orient="row")

    def _slots(self, trainings: frozenset[str] | tuple[str, ...]) -> list[int]:
        return sorted(self.courses.index(t) for t in trainings)

    def counts(self, rule: m.Requirement) -> pl.Expr:
        """True on the rows (`_slot` and the texts `delivery` and `provider`: the kinds of
        `kinds`, and an hours rule's records) that count towards `rule`: its courses,
        delivered and provided as it asks (Requirement.counts)."""
        out = pl.col("_slot").is_in(self._slots(rule.satisfied_by))
        if rule.delivery is not None:
            out = out & (pl.col("delivery") == rule.delivery).fill_null(False)
        if rule.provider is not None:
            out = out & (pl.col("provider") == rule.provider).fill_null(False)
        return out

    def record_masks(self) -> tuple[list[pl.Expr], list[tuple[int, pl.Expr]]]:
        """(for each of `events`, true on the records whose first completion sets `_e{k}`;
        for each requirement `i` without an hours target, true on the records whose latest
        sets `_l{i}`)."""
        firsts = [pl.col("_slot").is_in(self._slots(e)) for e in self.events]
        latests = [(i, self.counts(r)) for i, r in enumerate(self.rules) if r.hours is None]
        return firsts, latests

    # Conditions ----------------------------------------------------------------------------

    def holds(self, c: m.Condition) -> pl.Expr:
        """The condition, true or false on every worker (never null)."""
        match c:
            case m.Always():
                return pl.lit(True)
            case m.ContactIn(levels=levels):
                return pl.col("contact").is_in(sorted(levels))
            case m.RoleHeld(role=role):
                return pl.col(f"_h{self.roles.index(role)}")
            case m.SectorIn(sectors=sectors):
                return pl.col("sector").is_in(sorted(sectors)).fill_null(False)
            case m.IsVolunteer():
                return pl.col("volunteer")
            case m.Completed(trainings=trainings):
                return self._first(trainings).is_not_null()
            case m.Negation(operand=operand):
                return ~self.holds(operand)
            case m.Conjunction(operands=operands):
                return pl.all_horizontal([self.holds(o) for o in operands])
            case m.Disjunction(operands=operands):
                return pl.any_horizontal([self.holds(o) for o in operands])
            case _:
                assert_never(c)

    def _first(self, trainings: frozenset[str]) -> pl.Expr:
        return pl.col(f"_e{self.events.index(trainings)}")

    # Findings ------------------------------------------------------------------------------

    def anchor(self, rule: m.Requirement) -> pl.Expr:
        """The day the deadline counts from (Requirement.anchor)."""
        start = pl.col("started")
        match rule.deadline_from:
            case m.FromStart():
                return start
            case m.FromRole(role=role):
                return pl.coalesce(pl.col(f"_a{self.anchors.index(role)}"), start)
            case m.FromCompletion(trainings=trainings):
                return pl.coalesce(self._first(trainings), start)
        assert_never(rule.deadline_from)

    def first_deadline(self, rule: m.Requirement) -> pl.Expr:
        """`due within` from the anchor (with grace), brought forward to the first `due
        before first` course; null when there is none (yet) (facts.first_deadline)."""
        due = (pl.lit(None, pl.Date) if rule.within is None
               else plus(self.anchor(rule), rule.within, rule.grace))
        if rule.before_first is not None:
            # min_horizontal skips nulls: the earlier of the two, or whichever there is.
            due = pl.min_horizontal(due, self._first(rule.before_first.trainings))
        return due

    def not_met(self, rule: m.Requirement) -> tuple[pl.Expr, pl.Expr]:
        """(status, due) with nothing that meets the requirement (interpret._not_met)."""
        today = pl.lit(self.as_of, pl.Date)
        due = self.first_deadline(rule)
        # Only `due before first T`, and T not yet taken: not needed until then.
        pending = _status("due" if rule.before_first is not None and rule.within is None
                          else "overdue")
        status = (pl.when(due.is_null()).then(pending)
                  .when(today <= due).then(_status("due")).otherwise(_status("overdue")))
        return status, due

    def finding(self, i: int) -> tuple[pl.Expr, pl.Expr]:
        """(status, due) of `rules[i]` for every worker, as interpret.finding."""
        rule = self.rules[i]
        if rule.hours is not None:
            return self._hours_finding(i, rule.hours)
        today = pl.lit(self.as_of, pl.Date)
        last = pl.col(f"_l{i}")
        if rule.renew is None:
            met_status: pl.Expr = _status("met")
            met_due = pl.lit(None, pl.Date)
        else:
            met_due = plus(last, rule.renew, rule.grace)
            met_status = pl.when(today <= met_due).then(_status("met")) \
                .otherwise(_status("overdue"))
        status, due = self.not_met(rule)
        done = last.is_not_null()
        return (pl.when(done).then(met_status).otherwise(status),
                pl.when(done).then(met_due).otherwise(due))

    def _hours_finding(self, i: int, hours: m.Hours) -> tuple[pl.Expr, pl.Expr]:
        """interpret._hours_finding: met while the hours still counting reach the target;
        else the first deadline, or the day it lapsed when that is later and overdue."""
        met = pl.col(f"_ht{i}") >= hours.target_units
        met_due = (pl.lit(None, pl.Date) if hours.window is None
                   else plus(pl.col(f"_hr{i}"), hours.window))
        status, due = self.not_met(self.rules[i])
        lapsed = pl.col(f"_hl{i}")
        relapse = ((status == "overdue") & lapsed.is_not_null()
                   & (due.is_null() | (lapsed > due)).fill_null(False))
        return (pl.when(met).then(_status("met")).otherwise(status),
                pl.when(met).then(met_due).when(relapse).then(lapsed).otherwise(due))
