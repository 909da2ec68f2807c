"""Decisions and policies as text for people and programs: JSON, JSON Lines, CSV, a table,
and plain English (the `render` arrow of the pipeline; the CLI only picks one).

Machine formats are plain `str` (the CLI encodes them as UTF-8); text for people is a
`rich.text.Text`, so that colour is applied, or dropped, by the console that prints it.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring as _js
from typing import Any

from rich.text import Text

from ..contract.decision import Decision, Eligibility, Finding
from ..contract.explain import finding as finding_text
from ..contract.explanation import explain as explanation
from ..contract.workers import TrainingRecord, Worker
from ..errors import WorkerError
from ..policy import Policy
from ..semantics import model as m
from ..semantics.coverage import ParagraphCoverage
from ..semantics.dates import iso

STATUS_STYLE = {"met": "green", "due": "yellow", "overdue": "bold red"}


# Error records ----------------------------------------------------------------------------

def error_record(line: int, exc: WorkerError) -> dict[str, Any]:
    """A rejected input record: `{"worker", "error": {"field", "message", "value"}, "line"}`."""
    record = exc.to_dict()
    record["line"] = line
    return record


# JSON -------------------------------------------------------------------------------------

_CACHE_LIMIT = 1 << 14


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(map(_js, items)) + "]"


class DecisionJson:
    """`json.dumps(decision.to_dict(), ensure_ascii=False)`, about twice as fast.

    The constant parts of each finding (id, title, satisfied_by, cites) are encoded once
    per requirement; tests check that the text parses to exactly `Decision.to_dict()`.
    """

    def __init__(self) -> None:
        self._parts: dict[int, tuple[m.Requirement, str, str, str]] = {}
        # The text between the worker id and `compliant`, for the last (policy, as_of,
        # fingerprint): the same for every decision of a run.
        self._middle: tuple[str, datetime.date, str, str | None] = (
            "", datetime.date.min, "", None)
        # Lists of names (groups, unrecognised training), each encoded once: a run repeats
        # a few of them. Cleared when full.
        self._lists: dict[tuple[str, ...], str] = {}

    def _rule(self, rule: m.Requirement) -> tuple[str, str, str]:
        cached = self._parts.get(id(rule))
        if cached is None or cached[0] is not rule:
            cached = (
                rule,
                f'{{"requirement": {_js(rule.id)}, "title": {_js(rule.title)}, "status": "',
                f', "satisfied_by": {_list(rule.satisfied_by)}, "evidence": [',
                f'], "cites": {_list(rule.cites)}, "explanation": ',
            )
            self._parts[id(rule)] = cached
        return cached[1], cached[2], cached[3]

    def _names(self, items: tuple[str, ...]) -> str:
        text = self._lists.get(items)
        if text is None:
            if len(self._lists) >= _CACHE_LIMIT:
                self._lists.clear()
            text = self._lists[items] = _list(items)
        return text

    def __call__(self, d: Decision) -> str:
        return self.text(d, "")

    def text(self, d: Decision, end: str) -> str:
        """The decision's JSON text followed by `end` (JSON Lines: a newline).

        The pieces go into one list joined once: a decision's text is then copied once,
        not once per level of nesting (finding, findings, decision, line).
        """
        middle = self._middle
        fingerprint = d.fingerprint
        if middle[0] != d.policy or middle[1] != d.as_of or middle[3] != fingerprint:
            shown = "null" if fingerprint is None else _js(fingerprint)
            middle = self._middle = (d.policy, d.as_of,
                                     f', "policy": {_js(d.policy)}, "fingerprint": {shown}, '
                                     f'"as_of": "{iso(d.as_of)}", "compliant": ', fingerprint)
        groups = d.groups
        out = ['{"worker": ', _js(d.worker), middle[2], "true", ', "groups": ',
               self._names(groups) if groups else "[]", ', "findings": [']
        parts = self._parts
        sep = ""
        for f in d.findings:
            rule = f.rule
            cached = parts.get(id(rule))
            if cached is None or cached[0] is not rule:
                self._rule(rule)
                cached = parts[id(rule)]
            status = f.status
            if status == "overdue":
                ok = '", "compliant": false, "due": '
                out[3] = "false"
            else:
                ok = '", "compliant": true, "due": '
            due = f'"{iso(f.due)}"' if f.due is not None else "null"
            evidence = f.evidence
            if not evidence:
                shown = ""
            elif len(evidence) == 1:  # the usual case, without a generator
                shown = _record_js(f, evidence[0])
            else:
                shown = ", ".join(_record_js(f, r) for r in evidence)
            out += (sep, cached[1], status, ok, due, cached[2], shown, cached[3],
                    _js(finding_text(f)), "}")
            sep = ", "
        unknown = d.unrecognised_training
        out += ('], "unrecognised_training": ', self._names(unknown) if unknown else "[]", "}",
                end)
        return "".join(out)


class OutputFormat:
    """One machine format: a header, one text per record, separators and a footer.

    `decision` and `error` return the text for one record; the caller writes `header`,
    the records joined by `separator`, then `footer`. Used the same way in one process and
    in `--jobs` worker processes (which join their chunk with `separator` themselves).
    """

    name = ""
    header = ""
    separator = ""
    footer = ""
    empty_footer = ""

    def __init__(self, as_of: datetime.date) -> None:
        self.as_of = as_of  # of the run: what a rejected record's row shows, where it has one

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        raise NotImplementedError

    def error(self, line: int, exc: WorkerError) -> str:
        raise NotImplementedError


class JsonLines(OutputFormat):
    """One JSON object per line: a decision (CONTRACT §2) or an error record."""

    name = "jsonl"

    def __init__(self, as_of: datetime.date) -> None:
        super().__init__(as_of)
        self._encode = DecisionJson()

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        return self._encode.text(d, "\n")

    def error(self, line: int, exc: WorkerError) -> str:
        return json.dumps(error_record(line, exc), ensure_ascii=False) + "\n"


class JsonArray(OutputFormat):
    """One JSON array of decisions and error records, written as it goes, indented."""

    name = "json"
    header = "[\n"
    separator = ",\n"
    footer = "\n]\n"
    empty_footer = "]\n"

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        return _indent(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))

    def error(self, line: int, exc: WorkerError) -> str:
        return _indent(json.dumps(error_record(line, exc), ensure_ascii=False, indent=2))



def _record_js(f: Finding, r: TrainingRecord) -> str:
    if r.hours is None and r.provider is None and r.level is None and f.rule.hours is None:
        return (f'{{"training": {_js(r.training)}, "completed": "{iso(r.completed)}", '
                f'"delivery": {_js(r.delivery)}}}')
    # Hours, provider or level (CONTRACT §5): rare enough to take the general path.
    return json.dumps(f.evidence_dict(r), ensure_ascii=False)


def _indent(text: str) -> str:
    return "  " + text.replace("\n", "\n  ")


CSV_COLUMNS = ("worker", "line", "agency", "as_of", "worker_compliant", "groups",
               "requirement", "title", "status", "due", "satisfied_by", "evidence", "cites",
               "explanation", "error_field", "error")


class CsvRows(OutputFormat):
    """One row per finding, with the worker's id on every row, for a spreadsheet.

    A worker to whom no requirement applies still gets one row (empty `requirement`), and
    a rejected record gets one row with `error_field` and `error`, so every input record
    shows. Lists are joined with `;` and evidence is written `training@DATE`, as in the
    input CSV.
    """

    name = "csv"

    def __init__(self, as_of: datetime.date) -> None:
        super().__init__(as_of)
        self.header = self._rows([list(CSV_COLUMNS)])

    @staticmethod
    def _rows(rows: Sequence[Sequence[object]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        return buf.getvalue()

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        ok = "true" if d.compliant else "false"
        common = [d.worker, line, worker.agency or "", d.as_of.isoformat(), ok,
                  ";".join(d.groups)]
        if not d.findings:
            return self._rows([[*common, *[""] * 10]])
        rows = []
        for f in d.findings:
            rows.append([
                *common, f.requirement, f.title, f.status,
                f.due.isoformat() if f.due else "", ";".join(f.satisfied_by),
                ";".join(f"{r.training}@{r.completed.isoformat()}" for r in f.evidence),
                ";".join(f.cites), f.explanation, "", ""])
        return self._rows(rows)

    def error(self, line: int, exc: WorkerError) -> str:
        return self._rows([[exc.worker or "", line, "", iso(self.as_of), *[""] * 10,
                            exc.field, str(exc)]])


MACHINE_FORMATS: dict[str, type[OutputFormat]] = {
    "jsonl": JsonLines, "json": JsonArray, "csv": CsvRows}


# A table for the terminal (streamed: one worker at a time) -------------------------------

class Table:
    """Aligned rows, one per finding; the worker and the verdict on each worker's first row."""

    def __init__(self, policy: Policy, worker_width: int = 10) -> None:
        self.req_width = max([len("REQUIREMENT")] + [len(r.id) for r in
                                                     policy.model.requirements])
        self.worker_width = worker_width
        self.verdict_width = len("not compliant")

    def header(self) -> Text:
        return Text(self._cells("WORKER", "RESULT", "REQUIREMENT", "STATUS", "DUE",
                                "PARAGRAPHS").rstrip(), style="bold")

    def _cells(self, worker: str, verdict: str, req: str, status: str, due: str,
               cites: str) -> str:
        return (f"{worker:<{self.worker_width}}  {verdict:<{self.verdict_width}}  "
                f"{req:<{self.req_width}}  {status:<7}  {due:<10}  {cites}")

    def decision(self, d: Decision) -> Text:
        verdict = "compliant" if d.compliant else "not compliant"
        text = Text()
        if not d.findings:
            text.append(f"{d.worker:<{self.worker_width}}  ")
            text.append(f"{verdict:<{self.verdict_width}}", style="green")
            text.append("  (no requirement applies)", style="dim")
            return text
        for i, f in enumerate(d.findings):
            if i:
                text.append("\n" + " " * (self.worker_width + self.verdict_width + 4))
            else:
                text.append(f"{d.worker:<{self.worker_width}}  ")
                text.append(f"{verdict:<{self.verdict_width}}",
                            style="green" if d.compliant else "bold red")
                text.append("  ")
            text.append(f"{f.requirement:<{self.req_width}}  ")
            text.append(f"{f.status:<7}", style=STATUS_STYLE[f.status])
            text.append(f"  {f.due.isoformat() if f.due else '-':<10}  {', '.join(f.cites)}")
        return text

    def error(self, line: int, exc: WorkerError) -> Text:
        text = Text(f"{exc.worker or '(no id)':<{self.worker_width}}  ")
        text.append(f"{'rejected':<{self.verdict_width}}", style="bold magenta")
        text.append(f"  line {line}: {exc.details()}")
        return text


# Plain English -----------------------------------------------------------------------------

def explain(policy: Policy, worker: Worker, d: Decision) -> Text:
    """The decision requirement by requirement: paragraphs, dates, and what would satisfy it
    (`Decision.explain()`, in colour)."""
    e = explanation(d, policy.model, worker)
    text = Text()
    text.append(f"{e.worker}", style="bold")
    text.append(f" under {e.policy} ({e.policy_title}), as of {e.as_of}\n")
    verdict, rest = e.summary.split(": ", 1)
    text.append(f"{verdict}: ", style="bold green" if e.compliant else "bold red")
    text.append(rest + "\n")
    text.append(f"Worker: {e.facts}\n")
    text.append("Groups: " + ("; ".join(f"{g} ({', '.join(c)})" if c else g
                                        for g, c in e.groups) if e.groups else "none") + "\n")
    for i, f in enumerate(e.findings, 1):
        text.append("\n")
        text.append(f"{i}. {f.title} ", style="bold")
        text.append(f"({f.requirement}): ")
        text.append(f.status.upper(), style=STATUS_STYLE[f.status])
        text.append("\n")
        text.append(f"   Paragraphs: {', '.join(f.cites)}   (policy line {f.policy_line})\n")
        text.append(f"   {f.explanation}\n")
        text.append(f"   Dates: {f.dates}\n")
        text.append(f"   To satisfy it: {f.to_satisfy}\n")
    if e.unrecognised_training:
        text.append("\nNot in this policy's training catalogue (changes no finding): "
                    + ", ".join(e.unrecognised_training) + "\n")
    return text


def eligibility(policy: Policy, worker: Worker, result: Eligibility) -> Text:
    training = policy.training(result.training)
    text = Text()
    text.append("yes" if result.ok else "no", style="bold green" if result.ok else "bold red")
    text.append(f": {worker.id} {'may' if result.ok else 'may not'} attend {training.id} "
                f"({training.title}) on {result.on.isoformat()}\n")
    for reason in result.reasons:
        text.append(f"  - {reason}\n")
    text.append(f"  paragraphs: {', '.join(result.cites) or 'none'}\n")
    return text


# Describing a policy --------------------------------------------------------------------------

def describe(policy: Policy) -> Text:
    md = policy.model
    text = Text()
    text.append(f"{md.id}", style="bold")
    text.append(f": {md.title}\n")
    text.append(f"source: {md.source_name}, {len(md.paragraphs)} paragraphs "
                f"({md.paragraphs[0]} to {md.paragraphs[-1]})\n" if md.paragraphs else
                f"source: {md.source_name}\n")
    for local, what in md.local_ids:
        text.append(f"local decision {local}: {what}\n")
    text.append(f"fingerprint: {md.fingerprint}\n")

    text.append(f"\nGroups ({len(md.groups)})\n", style="bold")
    for g in md.groups:
        text.append(f"  {g.id}", style="cyan")
        text.append(f"  {g.title}\n    members: {m.condition_text(g.condition)}; "
                    f"cites {', '.join(g.cites)}\n")

    text.append(f"\nTraining ({len(md.trainings)})\n", style="bold")
    for t in md.trainings:
        text.append(f"  {t.id}", style="cyan")
        text.append(f"  {t.title}\n    {t.delivery}")
        for alt in t.requires:
            text.append(f"; requires {' or '.join(alt)}")
        if t.hours is not None:
            text.append(f"; {t.hours:g} hours")
        if t.counts_as:
            text.append(f"; counts as {', '.join(t.counts_as)}")
        if t.topics:
            text.append(f"; topics: {', '.join(t.topics)}")
        text.append(f"; cites {', '.join(t.cites)}\n")

    text.append(f"\nRequirements ({len(md.requirements)})\n", style="bold")
    for r in md.requirements:
        text.append(f"  {r.id}", style="cyan")
        text.append(f"  {r.title}\n")
        text.append(f"    applies to: {m.condition_text(r.condition)}\n")
        text.append(f"    satisfied by: {' or '.join(r.satisfied_by)}\n")
        when = "; ".join([m.deadline_text(r), *m.rule_terms(r)])
        text.append(f"    {when}; cites {', '.join(r.cites)}\n")
    return text


def coverage(policy: Policy, entries: Sequence[ParagraphCoverage]) -> Text:
    """Every paragraph with what encodes it, then the total ("42 of 42")."""
    md = policy.model
    width = max([len(e.paragraph) for e in entries if not e.paragraph.startswith("local:")]
                + [4])
    text = Text()
    text.append(f"{md.id}: {md.source_name}\n", style="bold")
    for e in entries:
        text.append(f"{e.paragraph:<{width}}  ", style="bold" if e.covered else "bold yellow")
        if not e.encodings:
            text.append("not accounted for: nothing in the policy cites it\n", style="yellow")
            continue
        for i, enc in enumerate(e.encodings):
            if i:
                text.append(" " * (width + 2))
            text.append(f"{enc.kind:<11} ", style="dim")
            text.append(f"{enc.id}", style="cyan")
            text.append(f"  {enc.title}\n")
    source = [e for e in entries if not e.paragraph.startswith("local:")]
    local = [e for e in entries if e.paragraph.startswith("local:")]
    covered = sum(1 for e in source if e.covered)
    style = "bold green" if covered == len(source) else "bold yellow"
    if local:
        done = sum(1 for e in local if e.covered)
        text.append(f"{done} of {len(local)} local decisions cited\n")
    text.append(f"{covered} of {len(source)} paragraphs covered", style=style)
    text.append("\n")
    return text


def coverage_json(policy: Policy, entries: Sequence[ParagraphCoverage]) -> dict[str, Any]:
    source = [e for e in entries if not e.paragraph.startswith("local:")]
    return {
        "policy": policy.id,
        "paragraphs": [
            {"paragraph": e.paragraph, "covered": e.covered,
             "encodings": [{"kind": x.kind, "id": x.id, "title": x.title}
                           for x in e.encodings]}
            for e in entries],
        "covered": sum(1 for e in source if e.covered),
        "total": len(source),
    }
