"""What `verify` reports: the six properties, each one's result (with the smallest
counterexample hypothesis could find), and the report as text."""

from __future__ import annotations

import datetime
import json

import attrs

from ..contract.workers import Worker
from ..semantics.profiles import Profile

#: number, short name, what it says
PROPERTIES: tuple[tuple[int, str, str], ...] = (
    (1, "determinism", "the same worker and date give the same decision"),
    (2, "monotonic in records", "adding a completed training never turns a met finding unmet"),
    (3, "monotonic in time", "without new records, overdue stays overdue and met without "
        "renewal stays met"),
    (4, "honest statuses", "compliant exactly when nothing is overdue; statuses, due dates, "
        "evidence and cites are true"),
    (5, "achievable", "every worker has a training history under which they are compliant"),
    (6, "eligibility", "eligible exactly when every prerequisite was completed by the day"),
)


@attrs.frozen
class Counterexample:
    """One worker (and date) for which a property fails, smallest hypothesis could find."""

    number: int  # of the property, 1 to 6
    name: str  # of the property
    worker: Worker
    as_of: datetime.date
    message: str

    @property
    def worker_id(self) -> str:
        return self.worker.id

    def record(self) -> str:
        """The worker as a CONTRACT §1 JSON record, ready to paste into a test."""
        return json.dumps(self.worker.to_dict(), ensure_ascii=False)

    def render(self) -> str:
        return (f"worker {self.worker.id}, as of {self.as_of.isoformat()}: {self.message}\n"
                f"record: {self.record()}")


@attrs.frozen
class PropertyResult:
    number: int
    name: str
    statement: str
    counterexample: Counterexample | None
    examples: int  # hypothesis examples run
    profiles: int  # profiles it was proved for (properties 4 and 5), else 0
    seconds: float
    detail: str = ""  # what else was checked, e.g. "114688 decisions"

    @property
    def ok(self) -> bool:
        return self.counterexample is None


@attrs.frozen
class Report:
    policy: str
    path: str
    results: tuple[PropertyResult, ...]
    profiles: int
    dimensions: str  # how the profile space is made up, e.g. "contact 4 × roles 2^4"
    uncovered: tuple[Profile, ...]  # profiles no requirement applies to
    unreached: tuple[str, ...]  # requirements that apply to no profile
    seconds: float

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        return tuple(r.counterexample for r in self.results if r.counterexample is not None)

    @property
    def proved(self) -> int:
        return sum(r.ok for r in self.results)

    def summary(self) -> str:
        line = (f"proved {self.proved} {_plural(self.proved, 'property', 'properties')} over "
                f"{self.profiles} {_plural(self.profiles, 'profile', 'profiles')} in "
                f"{self.seconds:.1f} s")
        failed = [r for r in self.results if not r.ok]
        if failed:
            line += f"; {len(failed)} failed: " + ", ".join(
                f"{r.number} {r.name}" for r in failed)
        return line

    def render(self) -> str:
        out = [f"verify {self.policy} ({self.path})"]
        width = max(len(r.name) for r in self.results) + 6
        for r in self.results:
            label = f"  {r.number} {r.name} ".ljust(width, ".")
            if r.ok:
                counts = [f"{r.examples} examples"]
                if r.profiles:
                    counts.append(f"{r.profiles} {_plural(r.profiles, 'profile', 'profiles')}")
                if r.detail:
                    counts.append(r.detail)
                out.append(f"{label} ok      {', '.join(counts)}")
            else:
                out.append(f"{label} FAILED  {r.statement}")
                assert r.counterexample is not None
                out.extend("      " + line for line in r.counterexample.render().splitlines())
        if not self.profiles:
            out.append(f"profiles ({self.dimensions}): not enumerated; only properties 4 "
                       "and 5 are proved over them")
        else:
            out.append(f"profiles: {self.profiles} ({self.dimensions})")
            out.extend(self._coverage())
        out.append(self.summary())
        return "\n".join(out)

    def _coverage(self) -> list[str]:
        out = ["  requirements that no profile reaches: "
               + (", ".join(self.unreached) if self.unreached else "none")]
        if self.uncovered:
            shown = "; ".join(f"[{p.describe()}]" for p in self.uncovered[:3])
            more = f" and {len(self.uncovered) - 3} more" if len(self.uncovered) > 3 else ""
            out.append(f"  profiles that no requirement covers: {len(self.uncovered)}, "
                       f"e.g. {shown}{more}")
        else:
            out.append("  profiles that no requirement covers: none")
        return out


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
