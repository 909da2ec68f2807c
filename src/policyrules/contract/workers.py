"""Worker records (CONTRACT §1) as typed objects; `validation` builds and checks them."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs

from .vocabulary import ROLES


def _empty() -> Mapping[str, Any]:
    return {}


@attrs.frozen(slots=True)
class TrainingRecord:
    training: str
    completed: datetime.date
    delivery: str = "single-agency"
    provider: str | None = None
    hours: float | None = None
    level: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=_empty, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"training": self.training, "completed": self.completed.isoformat(),
                               "delivery": self.delivery}
        for key in ("provider", "hours", "level"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out | dict(self.extra)


@attrs.frozen(slots=True)
class RoleAssignment:
    role: str
    since: datetime.date | None = None


@attrs.frozen(slots=True)
class Worker:
    id: str
    started: datetime.date
    contact: str
    roles: tuple[RoleAssignment, ...] = ()
    training: tuple[TrainingRecord, ...] = ()
    agency: str | None = None
    sector: str | None = None
    volunteer: bool = False
    extra: Mapping[str, Any] = attrs.field(factory=_empty, eq=False, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], roles: Collection[str] = ROLES) -> Worker:
        """A §1 mapping validated (WorkerError names everything wrong with it)."""
        from .validation import parse_worker  # validation builds these classes

        return parse_worker(data, roles)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "started": self.started.isoformat(),
            "contact": self.contact,
            "roles": [
                {"role": r.role, "since": r.since.isoformat()} if r.since else r.role
                for r in self.roles
            ],
            "training": [t.to_dict() for t in self.training],
            "volunteer": self.volunteer,
        }
        if self.agency is not None:
            out["agency"] = self.agency
        if self.sector is not None:
            out["sector"] = self.sector
        return out | dict(self.extra)


def canonical_evidence(records: list[TrainingRecord]) -> tuple[TrainingRecord, ...]:
    """Records completed on the same latest day, in an order that ignores input order."""
    if len(records) == 1:
        return (records[0],)
    return tuple(sorted(records, key=evidence_key))


def latest_record(records: Sequence[TrainingRecord]) -> TrainingRecord | None:
    """The record completed last (of several on that day, the canonical first), or None."""
    if len(records) <= 1:
        return records[0] if records else None
    latest = max(r.completed for r in records)
    same = [r for r in records if r.completed == latest]
    # The first of `canonical_evidence(same)`, without sorting them all.
    return same[0] if len(same) == 1 else min(same, key=evidence_key)


def evidence_key(r: TrainingRecord) -> tuple[object, ...]:
    # Missing values sort apart from "" and 0.0, so no two distinct records tie.
    return (r.training, r.delivery, r.provider is not None, r.provider or "",
            r.level is not None, r.level or "", r.hours is not None, r.hours or 0.0)
