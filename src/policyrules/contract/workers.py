"""Worker records (CONTRACT §1) as typed objects; `validation` builds and checks them."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import attrs

from .vocabulary import ROLES


def _empty() -> Mapping[str, Any]:
    return {}


# No `__weakref__` slot (no reader takes a weak reference to a record or a worker): with
# one after the fields, CPython 3.11 refuses the `__class__` assignment `new_record` and
# `new_worker` make (below).
@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
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


# The hot paths of a batch (validation, the compiled evaluator) build these frozen objects
# by the hundred thousand. attrs' __init__ sets each field through `object.__setattr__`
# by name, three calls deep; `slot_setters` set each slot in one call, about a quarter
# quicker a record, and the makers below quicker still (`_open_twin`). Every field is
# given: no default, validator or converter is involved (these classes have none but
# defaults), so the object is the one the class makes; tests/test_workers.py holds each
# maker to its class's fields and __init__.
Setter = Callable[[Any, Any], None]


def slot_setters(cls: type) -> tuple[Setter, ...]:
    """Each field's slot of a frozen slotted attrs class, as a function that sets it, in
    the order of the fields (and of __init__'s arguments)."""
    return tuple(cls.__dict__[a.name].__set__ for a in attrs.fields(cls))


_NEW = object.__new__


def _open_twin(cls: type) -> Any:
    """A plain class of `cls`'s very slots, in the same order: an object made as one has
    its fields set by plain assignment (Python's quickest store, to a slot), then becomes
    a `cls` by `__class__` assignment, which CPython allows between classes of the same
    layout (the fields are set three to a line: CPython swaps up to three values without
    building a tuple). Half the instructions of a setter call a field (12,101 against
    23,599 for three records, callgrind), and the object is the one `cls` makes."""
    return type(f"_Open{cls.__name__}", (), {"__slots__": cls.__dict__["__slots__"]})


_OpenRecord = _open_twin(TrainingRecord)
_OpenWorker = _open_twin(Worker)


def new_record(training: str, completed: datetime.date, delivery: str, provider: str | None,
               hours: float | None, level: str | None, extra: Mapping[str, Any]
               ) -> TrainingRecord:
    """`TrainingRecord(training, completed, delivery, provider, hours, level, extra)`."""
    r = _NEW(_OpenRecord)
    r.training, r.completed, r.delivery = training, completed, delivery
    r.provider, r.hours, r.level = provider, hours, level
    r.extra = extra
    r.__class__ = TrainingRecord
    return r  # type: ignore[no-any-return]


class _NoFields(dict[str, Any]):
    """The fields of its own of a record that has none, one dict shared by every such
    record made from a decoded line (`record_of`), so that none is made and freed for
    each. Read-only, so that sharing it cannot leak a field from one record to another;
    pickled and copied as itself, the one such mapping."""

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("a training record's fields are read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> str:
        return "NO_FIELDS"  # this module's name for it


NO_FIELDS: Mapping[str, Any] = _NoFields()


def record_of(s: Any) -> TrainingRecord:
    """`new_record(s.training, s.completed, s.delivery, s.provider, s.hours, s.level, {})`:
    a record from a decoded Struct of its fields, in one call (`map`s over a line's)."""
    r = _NEW(_OpenRecord)
    r.training, r.completed, r.delivery = s.training, s.completed, s.delivery
    r.provider, r.hours, r.level = s.provider, s.hours, s.level
    r.extra = NO_FIELDS
    r.__class__ = TrainingRecord
    return r  # type: ignore[no-any-return]


def new_worker(id: str, started: datetime.date, contact: str,
               roles: tuple[RoleAssignment, ...], training: tuple[TrainingRecord, ...],
               agency: str | None, sector: str | None, volunteer: bool,
               extra: Mapping[str, Any]) -> Worker:
    """`Worker(id, started, contact, roles, training, agency, sector, volunteer, extra)`."""
    w = _NEW(_OpenWorker)
    w.id, w.started, w.contact = id, started, contact
    w.roles, w.training, w.agency = roles, training, agency
    w.sector, w.volunteer, w.extra = sector, volunteer, extra
    w.__class__ = Worker
    return w  # type: ignore[no-any-return]


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
