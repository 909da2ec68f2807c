"""A workforce report (CONTRACT §8), counted from decisions in one pass.

Every number here is a count over `Policy.evaluate`'s decisions for the same input: the
report reads findings (status, due date, the worker they belong to) and never decides
anything itself, so it cannot disagree with `evaluate`.

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
import json
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from ..contract.decision import Decision, Finding
from ..contract.workers import Worker
from ..diagnostics import did_you_mean
from ..errors import UsageError, WorkerError
from ..policy import Policy, WorkerLike
from ..semantics.dates import is_plain_date

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


# Building it ---------------------------------------------------------------------------------

@attrs.define
class _Counts:
    met: int = 0
    due: int = 0
    overdue: int = 0
    never_done: int = 0
    falls_due: int = 0
    ageing: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(AGEING_LABELS, 0))
    bands: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(DUE_LABELS, 0))


class ReportBuilder:
    """Accumulates decisions (and rejected records) into a `Report`.

    `add` takes each decision once; `finish` returns the frozen report. Memory grows with
    the overdue and falling-due lists and, with `keep_findings`, with every finding.
    """

    def __init__(self, policy: Policy, as_of: datetime.date, *, by: Sequence[str] = (),
                 horizon: int = 90, keep_findings: bool = True) -> None:
        if not is_plain_date(as_of):
            raise UsageError(f"as_of must be a datetime.date (not a date-time or text), "
                             f"got {as_of!r}")
        if isinstance(by, str):
            raise UsageError(f"by must be a list of column names, not the text {by!r}")
        by = tuple(by)
        for column in by:
            if not isinstance(column, str) or not column:
                raise UsageError(f"by: a column name must be non-empty text, got {column!r}")
            if column == "id":
                raise UsageError("by: 'id' gives one row per worker; allowed: group, role, "
                                 + ", ".join(WORKER_COLUMNS) + ", or a column of the input")
        if len(set(by)) != len(by):
            raise UsageError(f"by: a column is given twice: {', '.join(by)}")
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
            raise UsageError(f"horizon must be a whole number of days, 0 or more, "
                             f"got {horizon!r}")
        self.policy = policy
        self.as_of = as_of
        self.by = by
        self.horizon = horizon
        self.keep_findings = keep_findings
        self._until = as_of + datetime.timedelta(days=horizon)
        first = as_of.replace(day=1)
        self._months = tuple(
            (first + relativedelta(months=n)).strftime("%Y-%m") for n in range(DEMAND_MONTHS))
        self._workers = 0
        self._compliant = 0
        self._rejected: list[Rejection] = []
        self._tally: dict[tuple[str, ...], list[int]] = {}
        self._counts = {r.id: _Counts() for r in policy.model.requirements}
        self._overdue: list[Item] = []
        self._falls_due: list[Item] = []
        self._demand: dict[tuple[str, str], list[int]] = {}
        self._findings: list[FindingRow] = []
        self._extra_seen: set[str] = set()
        self._ids: set[str] = set()
        self._duplicates: dict[str, int] = {}

    def reject(self, error: WorkerError, record: int) -> None:
        self._rejected.append(Rejection.of(record, error))

    def add(self, decision: Decision, worker: Worker) -> None:
        compliant = decision.compliant
        if worker.id in self._ids:
            # Still counted, as `evaluate` decides it; flagged for the data-quality summary.
            self._duplicates[worker.id] = self._duplicates.get(worker.id, 1) + 1
        else:
            self._ids.add(worker.id)
        self._workers += 1
        self._compliant += compliant
        if worker.extra:
            self._extra_seen.update(worker.extra)
        values = [self._values(column, decision, worker) for column in self.by]
        for prefix in _prefixes(values):
            counts = self._tally.get(prefix)
            if counts is None:
                counts = self._tally[prefix] = [0, 0]
            counts[0] += 1
            counts[1] += compliant
        keys = tuple(", ".join(v) for v in values)
        needed: dict[tuple[str, str], int] = {}  # (course, month) → kind, once per worker
        for f in decision.findings:
            self._finding(f, worker, keys, compliant, needed)
        for (course, month), kind in needed.items():
            cell = self._demand.get((course, month))
            if cell is None:
                cell = self._demand[course, month] = [0, 0, 0, 0]
            cell[0] += 1
            cell[kind] += 1

    def _finding(self, f: Finding, worker: Worker, keys: tuple[str, ...], compliant: bool,
                 needed: dict[tuple[str, str], int]) -> None:
        rule = f.rule
        counts = self._counts[rule.id]
        status = f.status
        due = f.due
        latest = f.facts.latest  # of the satisfying records on or before as_of
        done = latest.completed if latest is not None else None
        course = rule.satisfied_by[0] if rule.satisfied_by else None
        month: str | None = None
        kind = 0
        if status == "overdue":
            counts.overdue += 1
            counts.never_done += done is None
            days = (self.as_of - due).days if due is not None else None
            counts.ageing[NO_DEADLINE if days is None else _band(days, AGEING)] += 1
            self._overdue.append(Item(worker.id, keys, rule.id, status, due, days, done is None))
            month, kind = self._months[0], 3
        else:
            if status == "met":
                counts.met += 1
            else:
                counts.due += 1
            if due is not None:
                if self.as_of <= due <= self._until:
                    days = (due - self.as_of).days
                    counts.falls_due += 1
                    counts.bands[_band(days, DUE_BANDS)] += 1
                    self._falls_due.append(Item(worker.id, keys, rule.id, status, due, days,
                                                done is None))
                month = due.strftime("%Y-%m")
                kind = 1 if status == "met" or done is not None else 2
        if course is not None and month is not None and month in self._months:
            # Of two needs for one course in one month, the earlier kind (renewal) is kept:
            # the worker needs one place either way.
            key = (course, month)
            needed[key] = min(needed.get(key, kind), kind)
        if self.keep_findings:
            self._findings.append(FindingRow(worker.id, keys, compliant, rule.id, status, due,
                                             done, rule.cites))

    def _values(self, column: str, decision: Decision, worker: Worker) -> tuple[str, ...]:
        if column == "group":
            return decision.groups or (NO_GROUP,)
        if column == "role":
            names = tuple(dict.fromkeys(r.role for r in worker.roles))
            return names or (NO_ROLE,)
        value: Any
        if column in WORKER_COLUMNS:
            value = getattr(worker, column)
            if column == "volunteer":
                value = "volunteer" if value else "not a volunteer"
        else:
            value = worker.extra.get(column)
        if value is None or value == "":
            return (NOT_GIVEN,)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, datetime.date):
            return (value.isoformat(),)
        # Other JSON values as JSON spells them (true, 3, ["a"]), not as Python does.
        return (json.dumps(value, ensure_ascii=False, sort_keys=True, default=str),)

    def finish(self) -> Report:
        self._check_columns()
        model = self.policy.model
        requirements = tuple(
            RequirementCounts(
                r.id, r.title, r.cites, r.satisfied_by[0] if r.satisfied_by else None,
                c.met, c.due, c.overdue, c.never_done, tuple(c.ageing.items()), c.falls_due,
                tuple(c.bands.items()))
            for r in model.requirements
            for c in (self._counts[r.id],))
        order = {t.id: n for n, t in enumerate(model.trainings)}
        demand = tuple(
            Demand(course, month, *cell)
            for (course, month), cell in sorted(
                self._demand.items(), key=lambda kv: (order.get(kv[0][0], len(order)),
                                                      kv[0][0], kv[0][1])))
        return Report(
            policy=model.id, title=model.title, as_of=self.as_of, horizon=self.horizon,
            by=self.by, workers=self._workers, compliant=self._compliant,
            rejected=tuple(self._rejected), duplicates=tuple(sorted(self._duplicates.items())),
            rows=self._rows((), 0),
            requirements=requirements,
            overdue=tuple(sorted(self._overdue, key=_overdue_order)),
            falls_due=tuple(sorted(self._falls_due,
                                   key=lambda i: (i.due, i.worker, i.requirement))),
            demand=demand, months=self._months,
            trainings=tuple((t.id, t.title) for t in model.trainings),
            findings=tuple(self._findings))

    def _rows(self, prefix: tuple[str, ...], depth: int) -> tuple[Row, ...]:
        if depth >= len(self.by):
            return ()
        keys = sorted({k[depth] for k in self._tally
                       if len(k) == depth + 1 and k[:depth] == prefix}, key=_key_order)
        rows = []
        for key in keys:
            workers, compliant = self._tally[(*prefix, key)]
            rows.append(Row(key, workers, compliant, self._rows((*prefix, key), depth + 1)))
        return tuple(rows)

    def _check_columns(self) -> None:
        """A `by` column that no worker has is a mistake (a typo), not a row "(not given)"."""
        if not self._workers:
            return
        known = {*MULTI_COLUMNS, *WORKER_COLUMNS, *self._extra_seen}
        for column in self.by:
            if column not in known:
                hint = did_you_mean(column, sorted(known))
                allowed = ", ".join([*MULTI_COLUMNS, *WORKER_COLUMNS, *sorted(self._extra_seen)])
                raise UsageError(f"by: no worker has a column {column!r}"
                                 + (f"; {hint}" if hint else "") + f"; allowed: {allowed}")


def build_report(policy: Policy, workers: Iterable[WorkerLike], as_of: datetime.date, *,
                 by: Sequence[str] = (), horizon: int = 90,
                 keep_findings: bool = True) -> Report:
    """The CONTRACT §8 report of `workers` (§1 mappings or `Worker`s) on `as_of`.

    A record that breaks CONTRACT §1 is counted as rejected, with its error, and every other
    record is still reported. Raises UsageError for a bad `as_of`, `by` or `horizon`.
    """
    builder = ReportBuilder(policy, as_of, by=by, horizon=horizon, keep_findings=keep_findings)
    for n, data in enumerate(workers, 1):
        try:
            worker = policy.worker(data)
        except WorkerError as exc:
            builder.reject(exc, n)
            continue
        builder.add(policy.evaluate_checked(worker, as_of), worker)
    return builder.finish()


# Helpers -------------------------------------------------------------------------------------

def _prefixes(values: list[tuple[str, ...]]) -> Iterable[tuple[str, ...]]:
    """Every (key of column 1, key of column 2, …) prefix a worker counts under."""
    level: list[tuple[str, ...]] = [()]
    for options in values:
        level = [(*p, v) for p in level for v in options]
        yield from level


def _band(days: int, bands: tuple[tuple[int | None, str], ...]) -> str:
    for limit, label in bands:
        if limit is None or days <= limit:
            return label
    raise AssertionError("the last band has no limit")


def _key_order(key: str) -> tuple[bool, str]:
    # Rows without a value go last, after the named ones.
    return (key in (NOT_GIVEN, NO_GROUP, NO_ROLE), key.casefold())


def _overdue_order(item: Item) -> tuple[bool, int, str, str]:
    # Longest overdue first; "no deadline" (overdue from the start) before them all.
    return (item.days is not None, -(item.days or 0), item.worker, item.requirement)
