"""Decision form (semantics/model.py) → Polars expressions over a whole workforce.

The columnar twin of engines/compiled.py: the same model, the same rules as the reference
interpreter (engines/interpret.py), written as expressions over columns instead of
statements over one worker. Policy names never become code or column names: requirements,
roles and trainings are referred to by position (`_t3`, `_h1`), and names reach the data
only as literal values.

The frame the expressions run on has, per worker: `contact`, `sector`, `volunteer`,
`started`, `_h{i}` (holds role i on `as_of`), `_a{i}` (earliest day role i was taken, or
null) and `_t{j}` (latest completion of training j on or before `as_of`, or null).
"""

from __future__ import annotations

import datetime
from typing import assert_never

import attrs
import polars as pl

from ...contract.vocabulary import STATUSES
from ...language.nodes import Duration
from ...semantics import model as m

_UNITS = {"days": "d", "weeks": "w", "months": "mo", "years": "y"}
# Statuses as a small enum while deciding (cheap to compare and to move), text at the end.
STATUS = pl.Enum(STATUSES)


def _status(name: str) -> pl.Expr:
    return pl.lit(name, STATUS)


def plus(day: pl.Expr, *durations: Duration | None) -> pl.Expr:
    """`day` + each duration in turn, calendar arithmetic clipped to the month's end.

    Polars' `offset_by` clips as relativedelta does (2025-08-31 + 6mo = 2026-02-28); a
    test holds it to `semantics.dates.add`, leap days included.
    """
    for d in durations:
        if d is not None:
            day = day.dt.offset_by(f"{d.amount}{_UNITS[d.unit]}")
    return day


@attrs.frozen
class Plan:
    """What a policy needs from the tables, by position."""

    roles: tuple[str, ...]  # roles a condition tests (`_h{i}`)
    anchors: tuple[str, ...]  # roles a deadline counts from (`_a{i}`)
    trainings: tuple[str, ...]  # trainings that satisfy a requirement (`_t{j}`)

    @classmethod
    def of(cls, model: m.PolicyModel) -> Plan:
        conditions = [g.condition for g in model.groups]
        conditions += [r.condition for r in model.requirements]
        roles: dict[str, None] = {}
        for c in conditions:
            _roles(c, roles)
        return cls(
            roles=tuple(roles),
            anchors=tuple(dict.fromkeys(r.anchor_role for r in model.requirements
                                        if r.anchor_role is not None)),
            trainings=tuple(dict.fromkeys(t for r in model.requirements
                                          for t in r.satisfied_by)),
        )

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
            case m.Negation(operand=operand):
                return ~self.holds(operand)
            case m.Conjunction(operands=operands):
                return pl.all_horizontal([self.holds(o) for o in operands])
            case m.Disjunction(operands=operands):
                return pl.any_horizontal([self.holds(o) for o in operands])
            case _:
                assert_never(c)

    def finding(self, rule: m.Requirement, as_of: datetime.date) -> tuple[pl.Expr, pl.Expr]:
        """(status, due) of one requirement for every worker, as interpret.finding."""
        lasts = [pl.col(f"_t{self.trainings.index(t)}") for t in rule.satisfied_by]
        last = lasts[0] if len(lasts) == 1 else pl.max_horizontal(lasts)
        done = last.is_not_null()
        today = pl.lit(as_of, pl.Date)
        if rule.renew is None:
            renewal_status: pl.Expr = _status("met")
            renewal_due = pl.lit(None, pl.Date)
        else:
            renewal_due = plus(last, rule.renew, rule.grace)
            renewal_status = pl.when(today <= renewal_due).then(_status("met")) \
                .otherwise(_status("overdue"))
        if rule.within is None:
            first_status: pl.Expr = _status("overdue")
            first_due = pl.lit(None, pl.Date)
        else:
            start = pl.col("started")
            if rule.anchor_role is not None:
                start = pl.coalesce(pl.col(f"_a{self.anchors.index(rule.anchor_role)}"), start)
            first_due = plus(start, rule.within, rule.grace)
            first_status = pl.when(today <= first_due).then(_status("due")) \
                .otherwise(_status("overdue"))
        status = pl.when(done).then(renewal_status).otherwise(first_status)
        due = pl.when(done).then(renewal_due).otherwise(first_due)
        return status, due


def _roles(c: m.Condition, into: dict[str, None]) -> None:
    match c:
        case m.RoleHeld(role=role):
            into[role] = None
        case m.Negation(operand=operand):
            _roles(operand, into)
        case m.Conjunction(operands=operands) | m.Disjunction(operands=operands):
            for o in operands:
                _roles(o, into)
        case m.Always() | m.ContactIn() | m.SectorIn() | m.IsVolunteer():
            pass
        case _:
            assert_never(c)
