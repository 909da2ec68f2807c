"""What the plan's conditions read of each worker, as columns: contact, sector,
volunteer, started, the roles held on as_of (`_h{i}`) and role anchors (`_a{i}`).

The text of the whole table is read once a call (`Workers.of`): the checks of §1, the
vocabularies as small codes, each role item's name and day. A part of the table then
takes its rows' slice of each (`Workers.facts`), with no query of its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

import attrs
import numpy as np
import polars as pl

from . import arrays, inputs
from .arrays import Days, Mask, Rows
from .plan import Plan

EPOCH = datetime.date(1970, 1, 1)


def day_number(day: datetime.date) -> int:
    """`day` as a day number (arrays.py: days since 1970-01-01)."""
    return (day - EPOCH).days


@attrs.frozen
class Workers:
    """Every row of the table with what the plan reads of it, worked out once a call.

    `columns` holds contact and sector (as enums: conditions test them many times, and an
    enum compares as a small integer; a value outside the vocabulary is on a bad row, set
    aside), volunteer and started. `bad` marks the rows whose scalar fields or role items
    break §1, `late` those with a day so late that a deadline could pass 9999-12-31
    (row_path.py). The role items that set a column are kept as pairs sorted by row:
    `held_row`/`held` (role `roles[held]` held on as_of) and `anchor_row`/`anchor`/
    `anchor_since` (role `anchors[anchor]` taken on that day)."""

    columns: pl.DataFrame
    start: Days
    bad: Mask
    late: Mask
    held_row: Rows
    held: Rows
    anchor_row: Rows
    anchor: Rows
    anchor_since: Days

    @classmethod
    def of(cls, frame: pl.DataFrame, roles: Collection[str], plan: Plan,
           last: int) -> Workers:
        """`frame`: the workers' §1 columns and `_row`; `last`: the last day number from
        which every deadline stays within Python's calendar."""
        # One query: Polars runs its expressions at once, in its own threads.
        columns = inputs.worker_columns(frame).collect()
        start = arrays.days(columns["started"], arrays.EARLIEST)
        bad = columns["_bad"].to_numpy().copy()
        # Each role item's name as its position among the roles the plan reads.
        names = tuple(dict.fromkeys((*plan.roles, *plan.anchors)))
        items = inputs.role_items(frame, roles, names)
        row, since = items.row, items.since
        bad[row[items.bad]] = True
        late = start > last
        late[row[since > last]] = True
        # A role without a `since` is held from the worker's start.
        since = np.where(since == arrays.EARLIEST, start[row], since)
        held = _positions(names, plan.roles)[items.role]
        on = (held >= 0) & (since != arrays.EARLIEST) & (since <= day_number(plan.as_of))
        anchor = _positions(names, plan.anchors)[items.role]
        taken = (anchor >= 0) & (since != arrays.EARLIEST)
        return cls(columns.drop("_bad"), start, bad, late, row[on], held[on], row[taken],
                   anchor[taken], since[taken])

    def facts(self, lo: int, hi: int, plan: Plan) -> list[pl.Series]:
        """The columns of rows `lo` to `hi` (the part's rows, from 0): contact, sector,
        volunteer, started, `_h{i}` and `_a{i}`."""
        n = hi - lo
        out = self.columns.slice(lo, n).get_columns()
        if not (plan.roles or plan.anchors):
            return out
        a, b = np.searchsorted(self.held_row, (lo, hi))
        # Role by role, so that each column is one contiguous array.
        held = np.zeros((len(plan.roles), n), np.bool_)
        held[self.held[a:b], self.held_row[a:b] - lo] = True
        a, b = np.searchsorted(self.anchor_row, (lo, hi))
        anchors = arrays.most(n, len(plan.anchors), self.anchor_row[a:b] - lo,
                              self.anchor[a:b], self.anchor_since[a:b], latest=False)
        return [*out, *[pl.Series(f"_h{i}", held[i]) for i in range(len(plan.roles))],
                *[arrays.dates(f"_a{i}", anchors[i], arrays.LATEST)
                  for i in range(len(plan.anchors))]]


def _positions(names: tuple[str, ...], among: tuple[str, ...]) -> Rows:
    """Each name's position in `among` (-1: not there), and a last -1 for the position
    -1 (a name none of `names` is)."""
    return np.array([among.index(name) if name in among else -1 for name in names] + [-1],
                    np.int64)
