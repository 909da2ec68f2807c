"""The HTML report: self-contained, escaped, and drawn by a real headless Chromium.

The browser test needs `chromium` (Debian's package; .ci/run installs it where missing).
It opens the page with every host name unresolvable, so a chart that needed the network
would not draw, and reads back what a script of the test's own recorded on the page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import policyrules
from conftest import AS_OF, ROOT
from policyrules.records import read_workers
from policyrules.reports import ReportBuilder, build_report
from policyrules.reports.html import render_html

HOSTILE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


def _example_report(by: tuple[str, ...] = ("agency",)) -> Any:
    policy = policyrules.load(ROOT / "policies" / "durham.policy")
    builder = ReportBuilder(policy, AS_OF, by=by)
    for line, _, item in read_workers(str(ROOT / "examples" / "workers.csv"), policy,
                                      training=str(ROOT / "examples" / "training.csv")):
        if isinstance(item, policyrules.WorkerError):
            builder.reject(item, line)
        else:
            builder.add(item, line)
    return builder.finish()


def _hostile_report(features: policyrules.Policy) -> Any:
    workers = [
        {"id": "W1<b>", "started": "2026-05-20", "contact": "regular", "agency": HOSTILE},
        {"id": "W2", "started": "2020-01-01", "contact": "regular", "agency": "A & B \"Co\"",
         "training": [{"training": "induction-course", "completed": "2024-01-10"}]},
        {"id": "W3", "started": "2020-01-01", "contact": HOSTILE},
    ]
    return build_report(features, workers, AS_OF, by=["agency"])


# Without a browser ------------------------------------------------------------------------------

def test_page_needs_nothing_from_outside(features: policyrules.Policy) -> None:
    page = render_html(_hostile_report(features))
    # Outside the scripts' text (vega's own code holds an <img src= template for tooltips).
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", page, flags=re.S)
    assert not re.search(r"<(script|img|link|iframe)\b[^>]*\b(src|href)=", markup, re.I)
    assert "@import" not in markup and "url(" not in markup


def test_every_input_value_is_escaped(features: policyrules.Policy) -> None:
    page = render_html(_hostile_report(features))
    assert HOSTILE not in page
    # Text in tables: HTML-escaped. Chart data: JSON with <, >, & as \u escapes.
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "W1&lt;b&gt;" in page and "A &amp; B &#34;Co&#34;" in page
    data = page.split('<script type="application/json" id="report-charts">')[1]
    data = data.split("</script>")[0]
    assert "<" not in data and ">" not in data and "&" not in data
    keys = [bar["key"] for bar in json.loads(data)["compliance"]["layer"][0]["data"]["values"]]
    assert HOSTILE in keys
    # Exactly our own three script elements (chart data, vega, page script), no injected one.
    assert page.count("<script") == 3


def test_target_must_be_a_percentage(features: policyrules.Policy) -> None:
    with pytest.raises(policyrules.UsageError, match="target must be a percentage"):
        render_html(_hostile_report(features), target=120)


def test_headline_figures_and_cited_paragraphs() -> None:
    report = _example_report()
    page = render_html(report)
    assert f"compliant ({report.compliant} of {report.workers} workers)" in page
    assert "<td>Safeguarding induction</td><td>4.7</td>" in page
    assert "<td>Safeguarding training for healthcare staff</td><td>4.29</td>" in page
    assert f"Data quality: rejected records ({len(report.rejected)})" in page
    # A 90-day horizon reaches three of the falls-due bands, not the fourth.
    assert "Falls due in 61-90 days" in page and "Falls due in over 90 days" not in page


# In Chromium -------------------------------------------------------------------------------------

# Put first in <head>: records every script error, before any other script runs.
_RECORD_ERRORS = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("unhandledrejection", function (e) {
  window.__errors.push("unhandled rejection: " + String(e.reason)); });
</script>"""

# Put last in <body>: once every chart has settled, measure them, try a sort, and write it
# all into the page, which --dump-dom then prints.
_MEASURE = """<script>
(function () {
  var started = Date.now();
  function settle() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    var pending = charts.filter(function (el) { return !el.hasAttribute("data-drawn"); });
    if (pending.length && Date.now() - started < 20000) { setTimeout(settle, 50); return; }
    var result = {errors: window.__errors, pwned: window.__pwned || null, charts: {}};
    charts.forEach(function (el) {
      var svg = el.querySelector("svg");
      var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
      result.charts[el.getAttribute("data-chart")] = {
        drawn: el.getAttribute("data-drawn"), width: box.width, height: box.height,
        marks: svg ? svg.querySelectorAll("path[aria-roledescription], .mark-rect path")
          .length : 0,
        text: svg ? svg.textContent : ""};
    });
    var table = document.getElementById("table-requirements");
    var overdue = table.querySelectorAll("th")[4];
    overdue.click(); overdue.click();  // descending
    result.sorted = Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      return Number(row.cells[4].textContent); });
    var out = document.createElement("pre");
    out.id = "__result";
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  }
  window.addEventListener("load", settle);
})();
</script>"""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is needed: apt-get install -y chromium (.ci/run does it)"
    return path


def _open_in_chromium(page: str, tmp_path: Path) -> dict[str, Any]:
    page = page.replace("<head>", "<head>" + _RECORD_ERRORS, 1)
    before, end, after = page.rpartition("</body>")  # the last: vega's code holds one too
    page = before + _MEASURE + end + after
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1200,2000",
         f"--user-data-dir={tmp_path / 'profile'}",
         "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: everything is inline
         "--virtual-time-budget=30000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="__result">(.*?)</pre>', proc.stdout, re.S)
    assert match, f"no result from the page; chromium said:\n{proc.stderr[-3000:]}"
    text = match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    result: dict[str, Any] = json.loads(text)
    return result


def test_charts_draw_in_chromium_without_errors(tmp_path: Path) -> None:
    report = _example_report()
    result = _open_in_chromium(render_html(report), tmp_path)
    assert result["errors"] == []
    assert set(result["charts"]) == {"compliance", "status", "backlog", "demand"}
    for name, chart in result["charts"].items():
        assert chart["drawn"] == "yes", name
        assert chart["width"] > 300 and chart["height"] > 100, (name, chart)
        assert chart["marks"] > 0, name
    # Labels drawn are the report's own: agencies, requirement titles, months.
    assert "Wearfield Constabulary" in result["charts"]["compliance"]["text"]
    assert "Safeguarding induction" in result["charts"]["status"]["text"]
    assert "Safeguarding refresher training" in result["charts"]["backlog"]["text"]
    assert "Dec 2026" in result["charts"]["demand"]["text"]
    # Sorting the requirements table by "Overdue", descending.
    overdue = [r.overdue for r in report.requirements]
    assert result["sorted"] == sorted(overdue, reverse=True)


def test_hostile_values_stay_text_in_chromium(features: policyrules.Policy,
                                              tmp_path: Path) -> None:
    result = _open_in_chromium(render_html(_hostile_report(features)), tmp_path)
    assert result["errors"] == []
    assert result["pwned"] is None
    assert all(c["drawn"] == "yes" for c in result["charts"].values())
    assert "window.__pwned = 1" in result["charts"]["compliance"]["text"]


def test_duplicate_ids_are_shown_escaped(features: policyrules.Policy) -> None:
    w = {"id": "<i>X</i>", "started": "2020-01-01", "contact": "none"}
    page = render_html(build_report(features, [w, w], AS_OF))
    assert "1 worker id given more than once" in page
    assert "&lt;i&gt;X&lt;/i&gt; (2)" in page


def test_target_rates_the_headline_red_amber_or_green() -> None:
    report = _example_report()  # 1044 of 1992 compliant: 52.4%
    assert 'class="card green" id="headline-rate"' in render_html(report, target=52.4)
    assert 'class="card amber" id="headline-rate"' in render_html(report, target=62.4)
    assert 'class="card red" id="headline-rate"' in render_html(report, target=62.5)
