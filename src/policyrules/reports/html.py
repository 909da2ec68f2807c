"""The report as one self-contained HTML page: headline figures, charts, sortable tables.

Charts are Vega-Lite specifications drawn by vega-embed, whose JavaScript comes inlined
from the `vl-convert-python` package (no network is needed to open the file). Every value
from the input reaches the page either through Jinja's autoescaping (text) or through
`tojson` (chart data: `<`, `>`, `&` and quotes escaped), and Vega draws labels as SVG
text, never as markup.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2

from ..errors import UsageError
from .model import AGEING_LABELS, DUE_BANDS, Report, Row

LIST_LIMIT = 500  # rows of each worker list shown on the page; the workbook has them all
AMBER_BAND = 10.0  # percentage points below the target that are amber rather than red
STATUS_COLOURS = {"met": "#2e7d32", "due": "#f0a202", "overdue": "#c62828"}
RAG_COLOURS = {"green": "#2e7d32", "amber": "#f0a202", "red": "#c62828"}


def render_html(report: Report, *, target: float = 90.0) -> str:
    """The whole page. `target` is the % compliant rated green (amber within
    AMBER_BAND points below it, red further below)."""
    if not 0 <= target <= 100:
        raise UsageError(f"target must be a percentage from 0 to 100, got {target!r}")
    trainings = dict(report.trainings)
    rows = _flat_rows(report.by, report.rows)
    context: dict[str, Any] = {
        "r": report,
        "target": target,
        "rate": _percent(report.rate),
        "rag": _rag(report.rate, target),
        "overdue_workers": report.workers - report.compliant,
        "first_by": report.by[0] if report.by else None,
        "rows": rows,
        "ageing_labels": AGEING_LABELS,
        "due_labels": _bands_within(report.horizon),
        "requirements": [
            {"r": r, "rate": _percent(r.rate), "rag": _rag(r.rate, target),
             "ageing": dict(r.ageing), "bands": dict(r.falls_due_bands)}
            for r in report.requirements],
        "demand": _demand_table(report, trainings),
        "month_labels": [_month_label(m) for m in report.months],
        "limit": LIST_LIMIT,
        "charts": _charts(report, target, trainings),
        "vega_js": _vega_bundle(),
        "rag_colours": RAG_COLOURS,
    }
    return _environment().get_template("report.html.j2").render(context)


# Chart specifications --------------------------------------------------------------------------

def _charts(report: Report, target: float, trainings: dict[str, str]) -> dict[str, Any]:
    rag_scale = {"domain": list(RAG_COLOURS), "range": list(RAG_COLOURS.values())}
    if report.by:
        what = report.by[0]
        bars = [{"key": row.key, "rate": _percent(row.rate), "rag": _rag(row.rate, target),
                 "workers": row.workers, "compliant": row.compliant} for row in report.rows]
    else:
        what = "requirement"
        bars = [{"key": r.title, "rate": _percent(r.rate), "rag": _rag(r.rate, target),
                 "workers": r.applies, "compliant": r.met + r.due}
                for r in report.requirements if r.applies]
    compliance = {
        "title": f"% compliant by {what} (target {target:g}%)",
        "width": 560,
        "height": {"step": 22},
        "layer": [
            {"data": {"values": bars}, "mark": {"type": "bar"},
             "encoding": {
                 "y": {"field": "key", "type": "nominal", "sort": "-x", "title": None,
                       "axis": {"labelLimit": 320}},
                 "x": {"field": "rate", "type": "quantitative", "title": "% compliant",
                       "scale": {"domain": [0, 100]}},
                 "color": {"field": "rag", "type": "nominal", "scale": rag_scale,
                           "legend": None},
                 "tooltip": [{"field": "key", "title": what},
                             {"field": "rate", "title": "% compliant"},
                             {"field": "compliant", "title": "compliant"},
                             {"field": "workers", "title": "workers"}]}},
            {"data": {"values": [{"target": target}]},
             "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333"},
             "encoding": {"x": {"field": "target", "type": "quantitative"}}},
        ],
    }
    statuses = [{"requirement": r.title, "status": status, "workers": count}
                for r in report.requirements if r.applies
                for status, count in (("met", r.met), ("due", r.due), ("overdue", r.overdue))]
    status = {
        "title": "Each requirement: met, due (not yet late) and overdue",
        "width": 560,
        "height": {"step": 22},
        "data": {"values": statuses},
        "mark": "bar",
        "encoding": {
            "y": {"field": "requirement", "type": "nominal", "sort": None, "title": None,
                  "axis": {"labelLimit": 320}},
            "x": {"field": "workers", "type": "quantitative", "stack": "zero",
                  "title": "workers"},
            "color": {"field": "status", "type": "nominal",
                      "scale": {"domain": list(STATUS_COLOURS),
                                "range": list(STATUS_COLOURS.values())},
                      "legend": {"orient": "bottom", "title": None}},
            "order": {"field": "order", "type": "ordinal"},
            "tooltip": [{"field": "requirement"}, {"field": "status"}, {"field": "workers"}]},
        "transform": [{"calculate": "indexof(['met', 'due', 'overdue'], datum.status)",
                       "as": "order"}],
    }
    # Overdue training is needed now, and far outweighs any month's renewals: it has a
    # chart of its own, so that the months stay readable.
    backlog_values = [{"course": trainings.get(d.training, d.training), "workers": d.overdue}
                      for d in report.demand if d.overdue]
    backlog = {
        "title": "Places needed now, for training already overdue",
        "width": 560,
        "height": {"step": 22},
        "data": {"values": backlog_values},
        "mark": {"type": "bar", "color": STATUS_COLOURS["overdue"]},
        "encoding": {
            "y": {"field": "course", "type": "nominal", "sort": "-x", "title": None,
                  "axis": {"labelLimit": 360}},
            "x": {"field": "workers", "type": "quantitative", "title": "workers"},
            "tooltip": [{"field": "course"}, {"field": "workers"}]},
    }
    labels = {m: _month_label(m) for m in report.months}
    demand_values = [{"course": trainings.get(d.training, d.training),
                      "month": labels[d.month], "workers": d.renewals + d.new}
                     for d in report.demand if d.renewals + d.new]
    demand = {
        "title": "Places needed as training falls due: renewals and new starters, by month",
        "width": 560,
        "height": 240,
        "data": {"values": demand_values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None,
                  "scale": {"domain": list(labels.values())}, "axis": {"labelAngle": 0}},
            "y": {"field": "workers", "type": "quantitative", "stack": "zero",
                  "title": "workers needing a place"},
            "color": {"field": "course", "type": "nominal",
                      "legend": {"orient": "bottom", "columns": 2, "labelLimit": 360,
                                 "title": None}},
            "tooltip": [{"field": "course"}, {"field": "month"}, {"field": "workers"}]},
    }
    return {"compliance": compliance, "status": status, "backlog": backlog, "demand": demand}


# Tables ---------------------------------------------------------------------------------------

def _flat_rows(columns: tuple[str, ...], rows: tuple[Row, ...],
               prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Nested rows as table lines: the keys so far (blank below the first level's own line)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        keys = (*prefix, row.key)
        out.append({"keys": keys + ("",) * (len(columns) - len(keys)), "depth": len(keys),
                    "workers": row.workers, "compliant": row.compliant,
                    "rate": _percent(row.rate)})
        out.extend(_flat_rows(columns, row.children, keys))
    return out


def _demand_table(report: Report, trainings: dict[str, str]) -> list[dict[str, Any]]:
    """Per course: places needed now (overdue), then each month's renewals and new starters."""
    table: dict[str, dict[str, int]] = {}
    now: dict[str, int] = {}
    for d in report.demand:
        table.setdefault(d.training, {})[d.month] = d.renewals + d.new
        now[d.training] = now.get(d.training, 0) + d.overdue
    return [{"training": t, "title": trainings.get(t, t), "now": now[t],
             "months": [cells.get(m, 0) for m in report.months],
             "total": now[t] + sum(cells.values())} for t, cells in table.items()]


def _month_label(month: str) -> str:
    """2026-11 → Nov 2026."""
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _bands_within(horizon: int) -> list[str]:
    """The falls-due bands that a horizon of this many days reaches into."""
    labels = []
    first_day = 0
    for limit, label in DUE_BANDS:
        if first_day <= horizon:
            labels.append(label)
        first_day = (limit or 0) + 1
    return labels


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _rag(rate: float | None, target: float) -> str:
    if rate is None:
        return "none"
    pct = rate * 100
    return "green" if pct >= target else "amber" if pct >= target - AMBER_BAND else "red"


# Plumbing -------------------------------------------------------------------------------------

@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policyrules.reports", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    return env


# The three libraries as globals for the page's own script (the bundle's default, spelt out).
_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


@functools.cache
def _vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script, safe to inline in a <script> element."""
    import vl_convert

    js = vl_convert.javascript_bundle(_GLOBALS)
    if "<!--" in js:
        # Inside <script>, "<!--" starts the HTML parser's escaped states; no bundle has
        # one, and one that did would need more than this module's escaping.
        raise UsageError("the vega bundle contains '<!--' and cannot be inlined safely")
    # "</script" anywhere would end the element early; "<\/" means "</" in JS text.
    return _SCRIPT_END.sub(r"<\\/\1", js)
