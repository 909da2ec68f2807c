"""The report as an xlsx workbook: a summary, a sheet per view, every worker's findings.

Each sheet has a bold, frozen header row and an autofilter over its table; dates are real
dates, rates are numbers formatted as percentages. Text from the input is always stored as
text: a value such as `=HYPERLINK(…)` is a string cell, never a formula.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .model import AGEING_LABELS, DUE_LABELS, Report, Row, sheet_overflow

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
MONTH_FORMAT = "mmm yyyy"
_BOLD = Font(bold=True)


def render_xlsx(report: Report) -> bytes:
    """The workbook's bytes. Raises UsageError when a sheet would pass Excel's row limit."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has one sheet
    summary.title = "Summary"
    _summary(summary, report)
    keys = list(report.by)
    if report.by:
        _table(book.create_sheet(_sheet_name("By " + " then ".join(report.by))),
               [*keys, "workers", "compliant", "% compliant"],
               ([*k, row.workers, row.compliant, row.rate]
                for k, row in _flat(report.rows, len(keys))),
               percent={len(keys) + 2})
    _table(book.create_sheet("Requirements"),
           ["requirement", "title", "paragraphs", "met", "due", "overdue", "% compliant",
            "never done", *(f"overdue {label}" for label in AGEING_LABELS),
            f"falls due in {report.horizon} days", *(f"falls due {label}" for label in DUE_LABELS),
            "course"],
           ([r.requirement, r.title, ", ".join(r.cites), r.met, r.due, r.overdue, r.rate,
             r.never_done, *(n for _, n in r.ageing), r.falls_due,
             *(n for _, n in r.falls_due_bands), r.course]
            for r in report.requirements),
           percent={6})
    titles = dict(report.trainings)
    _table(book.create_sheet("Demand"),
           ["course", "title", "month", "workers", "renewals", "new", "overdue now"],
           ([d.training, titles.get(d.training, d.training), _month(d.month), d.workers,
             d.renewals, d.new, d.overdue] for d in report.demand),
           month={2})
    _table(book.create_sheet("Overdue"),
           ["worker", *keys, "requirement", "deadline", "days overdue", "never done"],
           ([i.worker, *i.keys, i.requirement, i.due, i.days,
             "yes" if i.never_done else "lapsed"] for i in report.overdue),
           count=len(report.overdue))
    _table(book.create_sheet(_sheet_name(f"Falls due in {report.horizon} days")),
           ["worker", *keys, "requirement", "status", "due", "days left"],
           ([i.worker, *i.keys, i.requirement, "renewal" if i.status == "met" else
             "not yet done", i.due, i.days] for i in report.falls_due),
           count=len(report.falls_due))
    _table(book.create_sheet("Findings"),
           ["worker", *keys, "compliant", "requirement", "status", "due", "last completed",
            "paragraphs"],
           ([f.worker, *f.keys, "yes" if f.compliant else "no", f.requirement, f.status,
             f.due, f.last_completed, ", ".join(f.cites)] for f in report.findings),
           count=len(report.findings))
    _table(book.create_sheet("Rejected"),
           ["record", "worker", "field", "problem", "value"],
           ([x.record, x.worker, x.field, x.message,
             x.value if isinstance(x.value, str | int | float) and not isinstance(x.value, bool)
             else repr(x.value)] for x in report.rejected),
           count=len(report.rejected))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary(sheet: Worksheet, report: Report) -> None:
    lines: list[tuple[str, Any]] = [
        ("policy", report.policy),
        ("title", report.title),
        ("as at", report.as_of),
        ("workers reported", report.workers),
        ("compliant", report.compliant),
        ("% compliant", report.rate),
        ("workers with training overdue", report.workers - report.compliant),
        (f"findings falling due within {report.horizon} days", len(report.falls_due)),
        ("records rejected", len(report.rejected)),
        ("worker ids given more than once", len(report.duplicates)),
        ("grouped by", ", then ".join(report.by) or "(none)"),
    ]
    _table(sheet, ["figure", "value"], ([k, v] for k, v in lines))
    sheet["B7"].number_format = PERCENT_FORMAT


def _table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
           percent: Collection[int] = (), month: Collection[int] = (),
           count: int | None = None) -> None:
    """A header and rows; `percent` and `month` are the 0-based columns so formatted,
    `count` the number of rows when known (checked against the sheet's limit first)."""
    error = sheet_overflow(sheet.title, count) if count is not None else None
    if error is not None:
        raise error
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = _BOLD
    widths = [len(h) for h in header]
    for n, row in enumerate(rows, start=2):
        sheet.append([_cell(v) for v in row])
        for column, value in enumerate(row):
            cell = sheet.cell(n, column + 1)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            elif isinstance(value, datetime.date):
                cell.number_format = MONTH_FORMAT if column in month else DATE_FORMAT
            elif column in percent:
                cell.number_format = PERCENT_FORMAT
            widths[column] = max(widths[column], min(len(str(value)), 60))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters; shown as U+FFFD rather than dropped.
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _flat(rows: tuple[Row, ...], width: int,
          prefix: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Row]]:
    """Nested rows, each with every key so far; the deeper columns blank on outer rows."""
    for row in rows:
        keys = (*prefix, row.key)
        yield keys + ("",) * (width - len(keys)), row
        yield from _flat(row.children, width, keys)


def _month(text: str) -> datetime.date:
    year, month = text.split("-")
    return datetime.date(int(year), int(month), 1)


def _sheet_name(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in text)
    return cleaned[:31]
