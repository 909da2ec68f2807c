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
from typing import TYPE_CHECKING, Any

from ..contract.decision import Decision
from ..contract.workers import Worker
from ..errors import WorkerError
from ..semantics.dates import iso
from .contract_json import DecisionJson, error_record
from .keep import worker_values
from .safe import csv_cell, one_line, strict_json

if TYPE_CHECKING:
    from ..semantics.model import PolicyModel
    from .contract_json import TextKit


class OutputFormat:
    """One machine format: a header, one text per record, separators and a footer.

    `decision` and `error` return the text for one record; the caller writes `header`,
    the records joined by `separator`, then `footer`. Used the same way in one process and
    in `--jobs` worker processes (which join their chunk with `separator` themselves).
    """

    name = ""
    # Whether `kit` gives what the compiled evaluator's text form writes a decision with
    # (`Policy.evaluate_text`), so that a run may decide and encode in one step
    # (batch/stages.py `FUSED`).
    fuses = False
    header = ""
    separator = ""
    footer = ""
    empty_footer = ""

    def __init__(self, as_of: datetime.date, *, keep: Sequence[str] = (),
                 explain: bool = True) -> None:
        self.as_of = as_of  # of the run: what a rejected record's row shows, where it has one
        self.keep = tuple(keep)  # input columns carried into each record (render/keep.py)
        self.explain = explain  # False: findings without their `explanation` text

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        raise NotImplementedError

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> str:
        """A rejected record; `kept` holds its values of the kept columns, in order."""
        raise NotImplementedError

    def kit(self, model: PolicyModel) -> TextKit:
        """What `Policy.evaluate_text` writes with, to write for a decision of `model`
        what `decision` writes; only where `fuses`."""
        raise NotImplementedError

    def _kept_json(self, values: Sequence[Any]) -> dict[str, Any]:
        """The kept columns as JSON members; a value the record did not have is null."""
        return {name: strict_json(values[i]) if i < len(values) else None
                for i, name in enumerate(self.keep)}


class JsonLines(OutputFormat):
    """One JSON object per line: a decision (CONTRACT §2) or an error record."""

    name = "jsonl"

    def __init__(self, as_of: datetime.date, *, keep: Sequence[str] = (),
                 explain: bool = True) -> None:
        super().__init__(as_of, keep=keep, explain=explain)
        self._encode = DecisionJson(explain=explain)
        self.fuses = not self.keep

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        if not self.keep:
            return one_line(self._encode.text(d, "\n"))
        kept = json.dumps(self._kept_json(worker_values(worker, self.keep)),
                          ensure_ascii=False, allow_nan=False)
        # The decision's object, then the kept members in place of its closing brace.
        return one_line(self._encode.text(d, "")[:-1] + ", " + kept[1:] + "\n")

    def kit(self, model: PolicyModel) -> TextKit:
        return self._encode.kit(model, "\n", one_line)

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> str:
        record = error_record(line, exc)
        if self.keep:
            record |= self._kept_json(kept)
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        return one_line(text) + "\n"


class JsonArray(OutputFormat):
    """One JSON array of decisions and error records, written as it goes, indented."""

    name = "json"
    header = "[\n"
    separator = ",\n"
    footer = "\n]\n"
    empty_footer = "]\n"

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        record = d.to_dict()
        if not self.explain:
            for f in record["findings"]:
                del f["explanation"]
        if self.keep:
            record |= self._kept_json(worker_values(worker, self.keep))
        return _indent(json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> str:
        record = error_record(line, exc)
        if self.keep:
            record |= self._kept_json(kept)
        return _indent(json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))


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

    def __init__(self, as_of: datetime.date, *, keep: Sequence[str] = (),
                 explain: bool = True) -> None:
        super().__init__(as_of, keep=keep, explain=explain)
        self.header = self._rows([[CSV_COLUMNS[0], *self.keep, *CSV_COLUMNS[1:]]])

    def _cells(self, values: Sequence[Any]) -> list[str]:
        """The kept columns as cells: text as read (no formulas), anything else as JSON."""
        cells = []
        for i in range(len(self.keep)):
            value = values[i] if i < len(values) else None
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(csv_cell(value))
            else:
                cells.append(csv_cell(json.dumps(strict_json(value), ensure_ascii=False)))
        return cells

    @staticmethod
    def _rows(rows: Sequence[Sequence[object]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        return buf.getvalue()

    def decision(self, line: int, worker: Worker, d: Decision) -> str:
        ok = "true" if d.compliant else "false"
        kept = self._cells(worker_values(worker, self.keep)) if self.keep else []
        common = [csv_cell(d.worker), *kept, line, csv_cell(worker.agency or ""),
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
                ";".join(f.cites), csv_cell(f.explanation) if self.explain else "", "", ""])
        return self._rows(rows)

    def error(self, line: int, exc: WorkerError, kept: Sequence[Any] = ()) -> str:
        return self._rows([[csv_cell(exc.worker or ""), *self._cells(kept), line, "",
                            iso(self.as_of),
                            *[""] * 10, csv_cell(exc.field), csv_cell(str(exc))]])


MACHINE_FORMATS: dict[str, type[OutputFormat]] = {
    "jsonl": JsonLines, "json": JsonArray, "csv": CsvRows}
