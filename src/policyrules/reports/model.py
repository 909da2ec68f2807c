"""A workforce report (CONTRACT §8) as frozen data, and what its figures mean.

Every number is a count over the decisions `Policy.evaluate` gives for the same input:
`build.py` decides the workforce through `Policy.evaluate_frame` (equal to `evaluate` row
for row) and `tally.py` counts the two tables; neither decides anything itself.

Definitions that a reader of the report relies on (docs/reports.md says the same):

* A worker is *compliant* when no finding is overdue (CONTRACT §2).
* `by` columns: `group` (the policy's audience groups; a worker counts in each group it
  belongs to, so the rows may add up to more than the workforce), `role` (likewise, each
  role held), the §1 fields `agency`, `sector`, `contact`, `volunteer`, `started`, or any
  other column of the input (kept as `Worker.extra`). A worker without a value counts
  under "(not given)". Several columns nest: the second breaks down each row of the first.
* Overdue *ageing* counts days since the deadline passed; a requirement without a deadline
  is overdue from the start and is counted apart ("no deadline").
* *Never done* means no record of any course that would satisfy the requirement,
  completed on or before `as_of`; otherwise an overdue finding has *lapsed*.
* *Falls due* within the horizon: a finding that is met (needs renewing) or due (not yet
  done, deadline ahead) whose date lies in `[as_of, as_of + horizon days]`. Overdue
  findings are never in this list: they are in the overdue list.
* Worker ids given more than once are listed as *duplicates*; each record is still counted,
  as `evaluate` decides each one.
* *Demand* counts, per course and calendar month (the month of `as_of` and the eleven
  after it), the workers who will need a place: a met finding falls due that month
  (renewal), a due finding's deadline falls that month (a new starter, or someone who has
  never done it), or an overdue finding (backlog, counted in the month of `as_of`: they
  need a place now). The course is the requirement's first `satisfied by` course, the one
  a policy author lists first as the usual way to meet it. Only the next date of each
  finding counts (a six-monthly renewal is not projected twice), and a worker needing the
  same course twice in one month counts once.
"""

from __future__ import annotations

import datetime

import attrs

from ..errors import UsageError, WorkerError

NOT_GIVEN = "(not given)"
NO_GROUP = "(no group)"
NO_ROLE = "(no role)"
NO_DEADLINE = "no deadline"
# (upper bound in days, inclusive; label). Buckets of how long a finding has been overdue.
AGEING: tuple[tuple[int | None, str], ...] = (
    (30, "1-30 days"), (90, "31-90 days"), (365, "91-365 days"), (None, "over 365 days"))
AGEING_LABELS = (*(label for _, label in AGEING), NO_DEADLINE)
# (upper bound in days from as_of, inclusive; label). When findings within the horizon fall
# due: coordinators chase "expiring in 30/60/90 days" apart.
DUE_BANDS: tuple[tuple[int | None, str], ...] = (
    (30, "0-30 days"), (60, "31-60 days"), (90, "61-90 days"), (None, "over 90 days"))
DUE_LABELS = tuple(label for _, label in DUE_BANDS)
DEMAND_MONTHS = 12
# Columns every worker has (CONTRACT §1), and the two that come from the decision.
WORKER_COLUMNS = ("agency", "sector", "contact", "volunteer", "started")
MULTI_COLUMNS = ("group", "role")
SHEET_ROWS = 1_048_576  # one xlsx worksheet's rows, the header included


# The report, as frozen data ------------------------------------------------------------------

@attrs.frozen
class Rejection:
    """A record that broke CONTRACT §1 (the data-quality summary)."""

    record: int  # line in the file, or position in the iterable (1-based)
    worker: str | None
    field: str
    message: str
    value: object

    @classmethod
    def of(cls, record: int, error: WorkerError) -> Rejection:
        return cls(record, error.worker, error.field, str(error), error.value)


@attrs.frozen
class Row:
    """One key of a `by` column: workers counted there, compliant among them."""

    key: str
    workers: int
    compliant: int
    children: tuple[Row, ...] = ()  # the next `by` column within this key

    @property
    def rate(self) -> float | None:
        return self.compliant / self.workers if self.workers else None


@attrs.frozen
class RequirementCounts:
    requirement: str
    title: str
    cites: tuple[str, ...]
    course: str | None  # the first `satisfied by` course: what demand counts against
    met: int
    due: int
    overdue: int
    never_done: int  # of the overdue
    ageing: tuple[tuple[str, int], ...]  # AGEING_LABELS, counts of overdue findings
    falls_due: int  # met or due, date within the horizon
    falls_due_bands: tuple[tuple[str, int], ...]  # DUE_LABELS, counts of those

    @property
    def applies(self) -> int:
        return self.met + self.due + self.overdue

    @property
    def rate(self) -> float | None:
        return (self.met + self.due) / self.applies if self.applies else None


@attrs.frozen
class Item:
    """One finding in a list: an overdue one, or one falling due within the horizon."""

    worker: str
    keys: tuple[str, ...]  # the worker's value of each `by` column (several joined by ", ")
    requirement: str
    status: str
    due: datetime.date | None
    days: int | None  # overdue: days since `due`; falling due: days until `due`
    never_done: bool


@attrs.frozen
class Demand:
    training: str
    month: str  # YYYY-MM
    workers: int
    renewals: int
    new: int
    overdue: int


@attrs.frozen
class FindingRow:
    """Every finding of every worker, for the workbook's findings sheet."""

    worker: str
    keys: tuple[str, ...]
    compliant: bool
    requirement: str
    status: str
    due: datetime.date | None
    last_completed: datetime.date | None
    cites: tuple[str, ...]


@attrs.frozen
class Report:
    policy: str
    title: str
    as_of: datetime.date
    horizon: int
    by: tuple[str, ...]
    workers: int
    compliant: int
    rejected: tuple[Rejection, ...]
    duplicates: tuple[tuple[str, int], ...]  # (worker id, records with it), ids seen twice+
    rows: tuple[Row, ...]  # the first `by` column, nesting the others
    requirements: tuple[RequirementCounts, ...]
    overdue: tuple[Item, ...]
    falls_due: tuple[Item, ...]
    demand: tuple[Demand, ...]
    months: tuple[str, ...]  # the twelve demand months, YYYY-MM
    trainings: tuple[tuple[str, str], ...]  # the policy's catalogue: (id, title)
    findings: tuple[FindingRow, ...]

    @property
    def rate(self) -> float | None:
        return self.compliant / self.workers if self.workers else None


def sheet_overflow(sheet: str, count: int) -> UsageError | None:
    """The error for a worksheet of `count` rows (and a header), when it cannot hold them."""
    if count + 1 <= SHEET_ROWS:
        return None
    return UsageError(f"the {sheet!r} sheet would have {count} rows, more than a worksheet "
                      f"holds ({SHEET_ROWS - 1}); use --format json")
