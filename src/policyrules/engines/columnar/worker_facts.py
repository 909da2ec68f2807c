"""What the plan's conditions read of each worker, as columns: contact, sector,
volunteer, started, the roles held on as_of (`_h{i}`) and role anchors (`_a{i}`)."""

from __future__ import annotations

import datetime

import numpy as np
import polars as pl

from ...contract.vocabulary import CONTACT_LEVELS, SECTORS
from . import arrays, inputs
from .arrays import Days, Rows, code
from .plan import Plan

EPOCH = datetime.date(1970, 1, 1)


def day_number(day: datetime.date) -> int:
    """`day` as a day number (arrays.py: days since 1970-01-01)."""
    return (day - EPOCH).days


def worker_facts(frame: pl.DataFrame, started: pl.Series, items: pl.DataFrame,
                 item_row: Rows, item_since: Days, start: Days, plan: Plan) -> pl.DataFrame:
    """Every row with what the plan's conditions read of the worker: contact, sector,
    volunteer, started, and the roles held on as_of (`_h`) and role anchors (`_a`);
    `items` are the rows' role items (`inputs.role_items`), `item_row` their rows and
    `item_since` and `start` the items' and rows' days."""
    n = frame.height
    # Contact and sector as enums: conditions test them many times, and an enum compares
    # as a small integer (a value outside the vocabulary is on a bad row, set aside).
    out = frame.select(inputs.text_value(frame, "contact")
                       .cast(pl.Enum(CONTACT_LEVELS), strict=False).alias("contact"),
                       inputs.text_value(frame, "sector")
                       .cast(pl.Enum(SECTORS), strict=False).alias("sector"),
                       inputs.volunteer_value(frame)[0].alias("volunteer"),
                       ).with_columns(started=started)
    if not (plan.roles or plan.anchors):
        return out
    # A role without a `since` is held from the worker's start.
    since = np.where(item_since == arrays.EARLIEST, start[item_row], item_since)
    named = items.select(code(pl.col("role"), plan.roles).alias("held"),
                         code(pl.col("role"), plan.anchors).alias("anchor"))
    held = np.zeros((n, len(plan.roles)), np.bool_)
    which = named["held"].to_numpy()
    on = (which >= 0) & (since != arrays.EARLIEST) & (since <= day_number(plan.as_of))
    held[item_row[on], which[on]] = True
    which = named["anchor"].to_numpy()
    on = (which >= 0) & (since != arrays.EARLIEST)
    anchors = arrays.most(n, len(plan.anchors), item_row[on], which[on].astype(np.int64),
                          since[on], latest=False)
    return out.with_columns(
        *[pl.Series(f"_h{i}", held[:, i]) for i in range(len(plan.roles))],
        *[arrays.dates(f"_a{i}", anchors[i], arrays.LATEST)
          for i in range(len(plan.anchors))])
