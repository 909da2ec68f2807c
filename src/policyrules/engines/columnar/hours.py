"""Hours targets in columns: semantics/hours.py (`reach`, `lapsed`) over every worker.

Each function takes the records that count towards one requirement (one row per record:
`_row`, `_rec` (the record's place in the input), `_completed`, `_h` (its hours: its own,
else its course's, else 0) and the `evidence_key` columns) and gives one row per worker
who has any. `_h` is in whole units (`semantics.units`), so the sums are exact
integers and agree with the row path whatever order they run in.
"""

from __future__ import annotations

import datetime

import polars as pl

from ...semantics import model as m
from ...semantics.units import HOURS_UNIT
from .plan import plus

# `contract.workers.evidence_key`: missing values sort apart from "" and 0, so no two
# distinct records tie. Newest first, then this, is the order `reach` adds records in.
EVIDENCE_ORDER = [
    pl.col("training"), pl.col("delivery"),
    pl.col("provider").is_not_null(), pl.col("provider").fill_null(""),
    pl.col("level").is_not_null(), pl.col("level").fill_null(""),
    pl.col("hours").is_not_null(), pl.col("hours").fill_null(0.0),
]


def hours_of(hours: m.Hours) -> pl.Expr:
    """A record's hours in units (`Hours.units_of`): its own, else its course's declared
    hours, else 0 — through the same float operations as `units`, so to the same unit."""
    default = pl.col("training").replace_strict(
        dict(hours.defaults), default=0.0, return_dtype=pl.Float64)
    given = pl.coalesce(pl.col("hours"), default)
    # Not strict: a row over `MAX_HOURS` is an error row, but may be computed before the
    # filter that drops it; every good row's units fit.
    return (given * HOURS_UNIT + 0.5).floor().cast(pl.Int64, strict=False)


def reach(counted: pl.LazyFrame, hours: m.Hours, i: int,
          as_of: datetime.date) -> pl.LazyFrame:
    """`_ht{i}`: the hours (in units) of the records still counting on as_of; `_hr{i}`: the day of
    the record at which, newest first, they reach the target (its day + window is `due`).
    """
    live = counted
    if hours.window is not None:
        live = live.filter(pl.lit(as_of, pl.Date) <= plus(pl.col("_completed"), hours.window))
    running = pl.col("_h").cum_sum()
    return (live.sort([pl.col("_row"), pl.col("_completed"), *EVIDENCE_ORDER],
                      descending=[False, True] + [False] * len(EVIDENCE_ORDER))
            .group_by("_row")
            .agg(running.last().alias(f"_ht{i}"),
                 # Newest first, the first record at which the total reaches the target
                 # is the newest of those at which it has.
                 pl.col("_completed").filter(running >= hours.target_units).max().alias(f"_hr{i}")))


def lapsed(counted: pl.LazyFrame, hours: m.Hours, i: int) -> pl.LazyFrame:
    """`_hl{i}`: the last day on which the records reached the target (hours.lapsed): the
    total only falls after some record's last day, so each record's day + window is a
    candidate, with the hours of the records counting on it."""
    assert hours.window is not None
    window = hours.window
    candidates = counted.select("_row", _cand="_rec",
                                _day=plus(pl.col("_completed"), window))
    pairs = (candidates.join(counted.select("_row", "_rec", "_completed", "_h"), on="_row")
             .filter((pl.col("_completed") <= pl.col("_day"))
                     & (pl.col("_day") <= plus(pl.col("_completed"), window)))
             .sort("_row", "_cand", "_rec"))
    totals = pairs.group_by("_row", "_cand").agg(pl.col("_day").first(),
                                                 _total=pl.col("_h").cum_sum().last())
    return (totals.filter(pl.col("_total") >= hours.target_units)
            .group_by("_row").agg(pl.col("_day").max().alias(f"_hl{i}")))
