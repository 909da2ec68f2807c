"""A table of decisions for the terminal, streamed one worker at a time.

Ids, fields and messages come from the input: each goes through `safe.terminal`, so that
no escape sequence or control character in a worker file reaches the terminal.
"""

from __future__ import annotations

from rich.text import Text

from ..contract.decision import Decision
from ..errors import WorkerError
from ..policy import Policy
from .safe import terminal
from .style import STATUS_STYLE


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
        worker = terminal(d.worker)
        text = Text()
        if not d.findings:
            text.append(f"{worker:<{self.worker_width}}  ")
            text.append(f"{verdict:<{self.verdict_width}}", style="green")
            text.append("  (no requirement applies)", style="dim")
            return text
        for i, f in enumerate(d.findings):
            if i:
                text.append("\n" + " " * (self.worker_width + self.verdict_width + 4))
            else:
                text.append(f"{worker:<{self.worker_width}}  ")
                text.append(f"{verdict:<{self.verdict_width}}",
                            style="green" if d.compliant else "bold red")
                text.append("  ")
            text.append(f"{f.requirement:<{self.req_width}}  ")
            text.append(f"{f.status:<7}", style=STATUS_STYLE[f.status])
            text.append(f"  {f.due.isoformat() if f.due else '-':<10}  {', '.join(f.cites)}")
        return text

    def error(self, line: int, exc: WorkerError) -> Text:
        worker = terminal(exc.worker) if exc.worker is not None else "(no id)"
        text = Text(f"{worker:<{self.worker_width}}  ")
        text.append(f"{'rejected':<{self.verdict_width}}", style="bold magenta")
        text.append(f"  line {line}: {terminal(exc.details())}")
        return text
