"""The decided rows' two tables: every row's status and due day per requirement from the
plan's expressions, then the decisions and findings tables of CONTRACT §6."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ...contract.vocabulary import STATUSES
from ...semantics import model as m
from . import arrays
from .arrays import Days, Mask, Rows
from .plan import Plan

DECISIONS = pa.schema([("worker", pa.string()), ("compliant", pa.bool_()),
                       ("groups", pa.list_(pa.string())), ("error", pa.string())])
FINDINGS = pa.schema([("worker", pa.string()), ("requirement", pa.string()),
                      ("status", pa.string()), ("due", pa.date32()),
                      ("cites", pa.list_(pa.string()))])


@attrs.frozen
class FrameResult:
    """Decisions (one row per input row, in input order) and findings (per worker in
    input order, requirements as declared), as pyarrow Tables."""

    decisions: pa.Table
    findings: pa.Table
    # With `facts=True`: one row per finding, what it rests on (facts.FACTS), else None.
    facts: pa.Table | None = None


@attrs.frozen
class Decided:
    """The decided rows' two tables, with the input row of each of their rows."""

    rows: Rows
    decisions: pa.Table
    finding_rows: Rows
    findings: pa.Table


# Status codes while deciding: positions in STATUSES (STATUS's physical values).
_NOT_APPLIED = 255


@attrs.frozen
class Cells:
    """The plan's expressions of every row's status code and due day per requirement
    (`_s{i}`, `_d{i}`) and groups as a bit mask (`_g`): built once a call, for all of
    its parts."""

    columns: tuple[pl.Expr, ...]

    @classmethod
    def of(cls, model: m.PolicyModel, plan: Plan) -> Cells:
        columns = []
        for i, rule in enumerate(plan.rules):
            status, due = plan.finding(i)
            applies = plan.holds(rule.condition)
            # Sentinels in place of nulls within the query (in Polars' threads), so that
            # each table below is one copy of the frame's columns.
            columns += [pl.when(applies).then(status).to_physical().cast(pl.UInt8)
                        .fill_null(_NOT_APPLIED).alias(f"_s{i}"),
                        pl.when(applies).then(due).to_physical()
                        .fill_null(int(arrays.EARLIEST)).alias(f"_d{i}")]
        mask = pl.sum_horizontal([plan.holds(g.condition).cast(pl.UInt64) * (1 << i)
                                  for i, g in enumerate(model.groups)]
                                 or [pl.lit(0, pl.UInt64)])
        return cls((*columns, mask.cast(pl.UInt64).alias("_g")))


def decide_rows(model: m.PolicyModel, plan: Plan, cells: Cells, facts: pl.DataFrame,
                ids: pl.Series, good: Mask) -> Decided:
    """The decisions and findings of the `good` rows, with their row numbers.

    The plan's expressions (`cells`) give every row a status (or none: the requirement
    does not apply) and due day per requirement; a worker's findings are its
    requirements with a status, so the findings of all rows, in order, are the cells
    with a status of the rows × requirements table, read row by row.
    """
    rules = plan.rules
    # Polars' in-memory engine: on a part's rows it takes less CPU than streaming does.
    wide = facts.lazy().select(cells.columns).collect(engine="in-memory")
    n, width = facts.height, len(rules)
    # Row-major: a worker's cells side by side, in declared order (the findings' order).
    # (Every cell is written: the tables are not filled first.)
    statuses: npt.NDArray[np.uint8] = np.empty((n, width), np.uint8)
    dues: Days = np.empty((n, width), np.int32)
    if width:
        statuses[:] = wide.select([f"_s{i}" for i in range(width)]).to_numpy()
        dues[:] = wide.select([f"_d{i}" for i in range(width)]).to_numpy()
    statuses[~good] = _NOT_APPLIED
    bits = wide["_g"].to_numpy()
    del wide  # freed before the result tables are built (peak memory)
    rows = np.flatnonzero(good)
    worker = ids.to_arrow().cast(pa.string())
    # Groups: a workforce has few distinct sets, so each set's list is built once.
    sets, which = arrays.distinct(bits[rows])
    group_lists = arrays.string_lists([[g.id for j, g in enumerate(model.groups)
                                        if int(b) >> j & 1] for b in sets])
    decisions = pa.table({
        "worker": worker if len(rows) == n else worker.take(arrays.indices(rows)),
        "compliant": arrays.flags(~_any_overdue(statuses)[rows]),
        "groups": group_lists.take(arrays.indices(which)),
        "error": pa.nulls(len(rows), pa.string()),
    }, schema=DECISIONS)
    cell = np.flatnonzero(statuses.ravel() != _NOT_APPLIED)
    at, req = _row_and_column(cell, max(width, 1))
    days = dues.ravel()[cell]
    status_codes = statuses.ravel()[cell]
    del cell, statuses, dues
    findings = pa.table({
        "worker": worker.take(arrays.indices(at)),
        "requirement": arrays.strings([r.id for r in rules]).take(arrays.indices(req)),
        "status": arrays.strings(STATUSES).take(arrays.indices(status_codes)),
        "due": arrays.arrow(days, pa.date32(), days != arrays.EARLIEST),
        "cites": arrays.take_lists([r.cites for r in rules], req),
    }, schema=FINDINGS)
    return Decided(rows, decisions, at, findings)


def _any_overdue(statuses: npt.NDArray[np.uint8]) -> Mask:
    """Rows with an overdue cell: the columns or'd in turn (NumPy's `any` along a short
    axis costs four times as much)."""
    out = np.zeros(len(statuses), np.bool_)
    for j in range(statuses.shape[1]):
        out |= statuses[:, j] == STATUSES.index("overdue")
    return out


def _row_and_column(cell: Rows, width: int) -> tuple[Rows, npt.NDArray[np.int32]]:
    """`divmod(cell, width)`: in 32 bits where the cells fit, a tenth of the cost of a
    64-bit division."""
    if not len(cell) or int(cell[-1]) >= np.iinfo(np.int32).max:
        at, req = np.divmod(cell, width)
        return at, req.astype(np.int32)
    narrow = cell.astype(np.int32)
    row = narrow // np.int32(width)
    return row.astype(np.int64), narrow - row * np.int32(width)
