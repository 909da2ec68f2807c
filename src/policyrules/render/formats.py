"""The machine formats of `evaluate`: JSON Lines, a JSON array, CSV.

Each is plain `str` (the batch writer encodes it as UTF-8). Text from the input reaches
CSV cells through `safe.csv_cell` (no formulas) and JSON only through the JSON encoder,
with no NaN or Infinity (`safe.strict_json`).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Sequence

from ..contract.decision import Decision
from ..contract.workers import Worker
from ..errors import WorkerError
from ..semantics.dates import iso
from .contract_json import DecisionJson, error_record
from .safe import csv_cell, one_line


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
        return one_line(self._encode.text(d, "\n"))

    def error(self, line: int, exc: WorkerError) -> str:
        text = json.dumps(error_record(line, exc), ensure_ascii=False, allow_nan=False)
        return one_line(text) + "\n"


class JsonArray(OutputFormat):
    """One JSON array of decisions and error records, written as it goes, indented."""

    name = "json"
    header = "[\n"
    separator = ",\n"
    footer = "\n]\n"
    empty_footer = "]\n"

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        return _indent(json.dumps(d.to_dict(), ensure_ascii=False, indent=2,
                                  allow_nan=False))

    def error(self, line: int, exc: WorkerError) -> str:
        return _indent(json.dumps(error_record(line, exc), ensure_ascii=False, indent=2,
                                  allow_nan=False))


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
    input CSV. Text cells go through `csv_cell`, so that none runs as a formula; the
    dates, line numbers and true/false that we write ourselves are left as they are.
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
        common = [csv_cell(d.worker), line, csv_cell(worker.agency or ""),
                  d.as_of.isoformat(), ok, ";".join(d.groups)]
        if not d.findings:
            return self._rows([[*common, *[""] * 10]])
        rows = []
        for f in d.findings:
            rows.append([
                *common, f.requirement, csv_cell(f.title), f.status,
                f.due.isoformat() if f.due else "", ";".join(f.satisfied_by),
                csv_cell(";".join(f"{r.training}@{r.completed.isoformat()}"
                                  for r in f.evidence)),
                ";".join(f.cites), csv_cell(f.explanation), "", ""])
        return self._rows(rows)

    def error(self, line: int, exc: WorkerError) -> str:
        return self._rows([[csv_cell(exc.worker or ""), line, "", iso(self.as_of),
                            *[""] * 10, csv_cell(exc.field), csv_cell(str(exc))]])


MACHINE_FORMATS: dict[str, type[OutputFormat]] = {
    "jsonl": JsonLines, "json": JsonArray, "csv": CsvRows}
