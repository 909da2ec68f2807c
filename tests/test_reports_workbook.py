"""The report as an xlsx workbook, read back with openpyxl."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from typing import Any

import openpyxl
import pytest

import policyrules
from conftest import AS_OF
from policyrules.reports import build_report, model
from policyrules.reports import workbook as wb
from policyrules.reports.workbook import render_xlsx

WORKERS: list[dict[str, Any]] = [
    {"id": "A", "started": "2024-01-01", "contact": "regular", "team": "North",
     "agency": "Council",
     "training": [{"training": "induction-course", "completed": "2024-02-10"}]},
    {"id": "B", "started": "2026-05-20", "contact": "regular", "team": "=1+2",
     "agency": "Council"},
    {"id": "C", "started": "2020-01-01", "contact": "regular", "roles": ["foster-carer"],
     "team": "South\x07", "agency": "Health",
     "training": [{"training": "induction-course", "completed": "2020-03-01"}]},
    {"id": "D", "started": "2026-10-01", "contact": "occasional", "sector": "voluntary"},
    {"id": "E", "started": "2026-13-01", "contact": "regular"},
]


def _book(policy: policyrules.Policy, by: tuple[str, ...] = ("agency", "team")) -> Any:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(
        build_report(policy, WORKERS, AS_OF, by=by))))


def _rows(sheet: Any) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_sheets_headers_filters_and_frozen_rows(features: policyrules.Policy) -> None:
    book = _book(features)
    assert book.sheetnames == ["Summary", "By agency then team", "Requirements", "Demand",
                               "Overdue", "Falls due in 90 days", "Findings", "Rejected"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
            f"{sheet.max_row}", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title


def test_findings_sheet_has_every_finding_of_evaluate(features: policyrules.Policy) -> None:
    rows = _rows(_book(features)["Findings"])
    expected = []
    for w in WORKERS[:4]:
        d = features.evaluate(w, AS_OF)
        expected += [(d.worker, f.requirement, f.status, f.due) for f in d.findings]
    got = [(r["worker"], r["requirement"], r["status"],
            r["due"].date() if r["due"] else None) for r in rows]
    assert got == expected
    # Dates are dates, not text.
    assert isinstance(rows[0]["last completed"], datetime.datetime)


def test_summary_and_breakdown_agree_with_evaluate(features: policyrules.Policy) -> None:
    book = _book(features)
    summary = {r["figure"]: r["value"] for r in _rows(book["Summary"])}
    decisions = [features.evaluate(w, AS_OF) for w in WORKERS[:4]]
    compliant = sum(d.compliant for d in decisions)
    assert summary["workers reported"] == 4
    assert summary["compliant"] == compliant
    assert summary["% compliant"] == pytest.approx(compliant / 4)
    assert book["Summary"]["B7"].number_format == wb.PERCENT_FORMAT
    assert summary["records rejected"] == 1
    assert summary["worker ids given more than once"] == 0
    assert summary["as at"] == datetime.datetime(2026, 11, 22)
    by_agency = Counter(w.get("agency", "(not given)") for w in WORKERS[:4])
    outer = {r["agency"]: r["workers"] for r in _rows(book["By agency then team"])
             if r["team"] in ("", None)}
    assert outer == dict(by_agency)


def test_requirements_and_demand_sheets(features: policyrules.Policy) -> None:
    book = _book(features)
    statuses = Counter((f.requirement, f.status) for w in WORKERS[:4]
                       for f in features.evaluate(w, AS_OF).findings)
    for r in _rows(book["Requirements"]):
        assert (r["met"], r["due"], r["overdue"]) == tuple(
            statuses[r["requirement"], s] for s in ("met", "due", "overdue"))
    demand = _rows(book["Demand"])
    assert {(d["course"], d["month"].date()) for d in demand} >= {
        ("refresher-course", datetime.date(2027, 2, 1)),
        ("induction-course", datetime.date(2027, 4, 1))}
    assert book["Demand"]["C2"].number_format == wb.MONTH_FORMAT


def test_text_that_looks_like_a_formula_stays_text(features: policyrules.Policy) -> None:
    book = _book(features)
    sheet = book["Overdue"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+2"]
    assert cells and all(c.data_type == "s" for c in cells)
    # A control character cannot be stored; it shows as U+FFFD instead of being dropped.
    teams = {r["team"] for r in _rows(book["Findings"])}
    assert "South\ufffd" in teams


def test_rejected_sheet_names_record_field_and_problem(features: policyrules.Policy) -> None:
    rows = _rows(_book(features)["Rejected"])
    assert [(r["record"], r["worker"], r["field"], r["value"]) for r in rows] == [
        (5, "E", "started", "2026-13-01")]
    assert "not a calendar date" in rows[0]["problem"]


def test_too_many_rows_for_a_sheet_is_a_clear_error(features: policyrules.Policy,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    report = build_report(features, WORKERS, AS_OF)
    monkeypatch.setattr(model, "SHEET_ROWS", 3)
    with pytest.raises(policyrules.UsageError, match="more than a worksheet holds"):
        render_xlsx(report)
    # Building the report says so before it makes every finding's row.
    with pytest.raises(policyrules.UsageError,
                       match=r"'Findings' sheet would have \d+ rows, more than a worksheet"):
        build_report(features, WORKERS, AS_OF)
    assert build_report(features, WORKERS, AS_OF, keep_findings=False).findings == ()
