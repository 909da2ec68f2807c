"""A Policy on Dask partitions (`pip install 'policyrules[dask]'`; docs/cluster.md).

    decide = evaluate_partition(policy, as_of)
    decisions = workers.map_partitions(decide, meta=decide.meta)

The function pickles by the policy's content (`Policy.__reduce__`), so each Dask worker
compiles the checked policy once when it unpickles the task and never reads the policy
file. Inside a partition every row is decided by `Policy.evaluate`, the row path: the
columnar `evaluate_frame` (CONTRACT §6) is not on main yet. The tables have the columns
of CONTRACT §6, so a caller can move to it without changing what it reads.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

import attrs
import pandas as pd

from .contract.decision import Decision
from .errors import UsageError, WorkerError
from .policy import Policy, _as_date

Table = Literal["decisions", "findings"]
TABLES: tuple[Table, ...] = ("decisions", "findings")

# The columns of CONTRACT §6 and their pandas dtypes (lists, dates and nullable text as
# Python objects: what `to_dict("records")` hands back unchanged).
_COLUMNS: dict[Table, dict[str, str]] = {
    "decisions": {"worker": "object", "compliant": "boolean", "groups": "object",
                  "error": "object"},
    "findings": {"worker": "object", "requirement": "object", "status": "object",
                 "due": "object", "cites": "object"},
}


@attrs.frozen
class PartitionFunction:
    """Decides every row of a pandas DataFrame (one worker per row, CONTRACT §1 columns;
    `roles` and `training` as lists) and returns one of the §6 tables for them.

    A row that breaks §1 is a decision with `compliant` missing and `error` set (the
    WorkerError's text), and has no findings; the partition goes on.
    """

    policy: Policy
    as_of: datetime.date
    table: Table = "decisions"

    @property
    def meta(self) -> pd.DataFrame:
        """The empty table with this function's columns and dtypes (Dask's `meta=`)."""
        return _frame(self.table, [])

    def __call__(self, partition: pd.DataFrame) -> pd.DataFrame:
        evaluate, as_of = self.policy.evaluate, self.as_of
        rows: list[tuple[Any, ...]] = []
        for record in partition.to_dict("records"):
            try:
                d = evaluate(record, as_of)
            except WorkerError as exc:  # CONTRACT §1, or a deadline past 9999 (§9)
                if self.table == "decisions":
                    rows.append((exc.worker, None, [], str(exc)))
                continue
            rows.extend(_rows(self.table, d))
        return _frame(self.table, rows)


def _rows(table: Table, d: Decision) -> list[tuple[Any, ...]]:
    if table == "decisions":
        return [(d.worker, d.compliant, list(d.groups), None)]
    return [(d.worker, f.rule.id, f.status, f.due, list(f.rule.cites)) for f in d.findings]


def _frame(table: Table, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    # Column by column: a whole-table constructor would turn a missing worker id into NaN.
    return pd.DataFrame({name: pd.Series([row[i] for row in rows], dtype=dtype)
                         for i, (name, dtype) in enumerate(_COLUMNS[table].items())})


def evaluate_partition(policy: Policy, as_of: datetime.date,
                       table: Table = "decisions") -> PartitionFunction:
    """A function for `dask.dataframe.DataFrame.map_partitions` (or any pandas partition):
    the `table` ("decisions" or "findings") of every worker in a partition on `as_of`."""
    if not isinstance(policy, Policy):
        raise UsageError(f"policy must be a policyrules.Policy (from load), got {policy!r}")
    if table not in TABLES:
        raise UsageError(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    return PartitionFunction(policy, _as_date(as_of, "as_of"), table)
