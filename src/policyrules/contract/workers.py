"""Worker records (CONTRACT §1): typed objects, and validation of mappings into them."""

from __future__ import annotations

import datetime
import math
from collections.abc import Collection, Mapping
from typing import Any, NoReturn

import attrs

from ..diagnostics import closest
from ..errors import WorkerError
from ..semantics.dates import is_plain_date, parse_iso_date
from .vocabulary import CONTACT_LEVELS, DELIVERIES, ROLES, SECTORS

_WORKER_FIELD_ORDER = ("id", "started", "contact", "roles", "training", "agency", "sector",
                       "volunteer")
_WORKER_FIELDS = frozenset(_WORKER_FIELD_ORDER)
_RECORD_FIELDS = frozenset(("training", "completed", "delivery", "provider", "hours", "level"))


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


def latest_record(records: list[TrainingRecord]) -> TrainingRecord | None:
    """The record completed last (of several on that day, the canonical first), or None."""
    if not records:
        return None
    latest = max(r.completed for r in records)
    return canonical_evidence([r for r in records if r.completed == latest])[0]


def evidence_key(r: TrainingRecord) -> tuple[object, ...]:
    # Missing values sort apart from "" and 0.0, so no two distinct records tie.
    return (r.training, r.delivery, r.provider is not None, r.provider or "",
            r.level is not None, r.level or "", r.hours is not None, r.hours or 0.0)


def parse_worker(data: Mapping[str, Any], roles: Collection[str] = ROLES) -> Worker:
    """Validate a CONTRACT §1 mapping; errors name worker, field, value and what is allowed."""
    if type(data) is not dict and not isinstance(data, Mapping):
        raise WorkerError(f"a worker record must be an object, not {_kind(data)}",
                          worker=None, field="(record)", value=data,
                          allowed="an object with id, started, contact")
    get = data.get
    raw_id = get("id")
    if raw_id is None or raw_id == "":
        raise WorkerError("is missing", worker=None, field="id", allowed="a non-empty string")
    if not isinstance(raw_id, str):
        raise WorkerError(f"must be a string, not {_kind(raw_id)}", worker=str(raw_id),
                          field="id", value=raw_id, allowed="a non-empty string")
    wid = raw_id

    started = _date(data, "started", wid, required=True)
    assert started is not None
    contact = get("contact")
    if contact is None:
        _fail(wid, "contact", "is missing", allowed=", ".join(CONTACT_LEVELS))
    if contact not in CONTACT_LEVELS:
        _fail(wid, "contact",
              f"unknown contact level {contact!r}{_mean(contact, CONTACT_LEVELS)}", contact,
              ", ".join(CONTACT_LEVELS))
    sector = get("sector")
    if sector is not None and sector not in SECTORS:
        _fail(wid, "sector", f"unknown sector {sector!r}{_mean(sector, SECTORS)}", sector,
              ", ".join(SECTORS))
    agency = get("agency")
    if agency is not None and not isinstance(agency, str):
        _fail(wid, "agency", f"must be a string, not {_kind(agency)}", agency, "free text")
    volunteer = get("volunteer", False)
    if volunteer is None:
        volunteer = False
    if not isinstance(volunteer, bool):
        _fail(wid, "volunteer", f"must be true or false, not {volunteer!r}", volunteer,
              "true, false")

    raw_roles = get("roles") or []
    if not isinstance(raw_roles, list):
        _fail(wid, "roles", f"must be a list, not {_kind(raw_roles)}", raw_roles,
              'a list of role names or {"role": NAME, "since": DATE}')
    parsed_roles = (tuple([_role(item, i, wid, roles) for i, item in enumerate(raw_roles)])
                    if raw_roles else ())

    raw_training = get("training") or []
    if not isinstance(raw_training, list):
        _fail(wid, "training", f"must be a list, not {_kind(raw_training)}", raw_training,
              'a list of {"training": ID, "completed": DATE}')
    records = (tuple([_record(item, i, wid) for i, item in enumerate(raw_training)])
               if raw_training else ())
    if type(data) is dict:
        # A copy without the known fields keeps the unknown ones in order, and is quicker
        # than testing every key (the same result as the comprehension below).
        extra = data.copy()
        pop = extra.pop
        for key in _WORKER_FIELD_ORDER:
            pop(key, None)
    else:
        extra = ({} if data.keys() <= _WORKER_FIELDS
                 else {k: v for k, v in data.items() if k not in _WORKER_FIELDS})
    return Worker(wid, started, str(contact), parsed_roles, records, agency, sector, volunteer,
                  extra)


def _fail(wid: str, field: str, message: str, value: object = None,
          allowed: str | None = None) -> NoReturn:
    raise WorkerError(message, worker=wid, field=field, value=value, allowed=allowed)


def check_roles(worker: Worker, roles: Collection[str]) -> None:
    """A typed worker's roles against a policy's vocabulary (mappings are checked on parsing)."""
    for i, assignment in enumerate(worker.roles):
        if assignment.role not in roles:
            _unknown_role(assignment.role, f"roles[{i}]", worker.id, roles)


def _unknown_role(role: object, field: str, wid: str, roles: Collection[str]) -> None:
    raise WorkerError(f"unknown role {role!r}{_mean(role, roles)}", worker=wid, field=field,
                      value=role, allowed=", ".join(sorted(roles)))


# A role held since the start, by name: one shared object each, since most workers' roles
# are plain names. Only names of some policy's vocabulary get in, so it stays small.
_HELD: dict[str, RoleAssignment] = {}


def _role(item: object, i: int, wid: str, roles: Collection[str]) -> RoleAssignment:
    if type(item) is str and item in roles:
        held = _HELD.get(item)
        if held is None:
            held = _HELD[item] = RoleAssignment(item, None)
        return held
    return _full_role(item, i, wid, roles)


def _full_role(item: object, i: int, wid: str, roles: Collection[str]) -> RoleAssignment:
    field = f"roles[{i}]"
    since: datetime.date | None = None
    if isinstance(item, str):
        name = item
    elif isinstance(item, Mapping):
        raw = item.get("role")
        if not isinstance(raw, str):
            raise WorkerError("has no role name", worker=wid, field=field + ".role", value=raw,
                              allowed="a role name")
        name = raw
        since = _date(item, "since", wid, required=False, prefix=field + ".")
    else:
        raise WorkerError(f"must be a role name or an object, not {_kind(item)}", worker=wid,
                          field=field, value=item, allowed='NAME or {"role": NAME, "since": DATE}')
    if name not in roles:
        _unknown_role(name, field, wid, roles)
    return RoleAssignment(name, since)




def _record(item: object, i: int, wid: str) -> TrainingRecord:
    # The common case in one step: a dict of known fields, each of the right type. Every
    # unusual case, and every error message, is left to the full path below.
    if type(item) is dict:
        get = item.get
        training, completed, delivery = get("training"), get("completed"), get("delivery")
        provider, level, hours = get("provider"), get("level"), get("hours")
        # No unknown field: the dict holds only the known fields that have values (quicker
        # than comparing its keys, which is left for a record with a null in it).
        known = (2 + (delivery is not None) + (provider is not None) + (level is not None)
                 + (hours is not None))
        if ((len(item) == known or item.keys() <= _RECORD_FIELDS)
                and type(training) is str and training and type(completed) is str
                and (delivery is None or delivery in DELIVERIES)
                and (provider is None or type(provider) is str)
                and (level is None or type(level) is str)
                and (hours is None or (type(hours) in (int, float) and 0 <= hours < math.inf))):
            try:
                day = parse_iso_date(completed)
            except ValueError:
                pass
            else:
                # `{}` given, not left to the factory: one call fewer per record.
                return TrainingRecord(training, day, delivery or "single-agency", provider,
                                      hours, level, {})
    return _full_record(item, i, wid)


def _full_record(item: object, i: int, wid: str) -> TrainingRecord:
    field = f"training[{i}]"
    if not isinstance(item, Mapping):
        raise WorkerError(f"must be an object, not {_kind(item)}", worker=wid, field=field,
                          value=item, allowed='{"training": ID, "completed": DATE}')
    training = item.get("training")
    if not isinstance(training, str) or not training:
        raise WorkerError("is missing" if training is None else f"must be a string, not "
                          f"{_kind(training)}", worker=wid, field=field + ".training",
                          value=training, allowed="a training id from the policy's catalogue")
    completed = _date(item, "completed", wid, required=True, prefix=field + ".")
    assert completed is not None
    delivery = item.get("delivery")
    if delivery is None or delivery == "":
        delivery = "single-agency"
    if delivery not in DELIVERIES:
        raise WorkerError(f"unknown delivery {delivery!r}{_mean(delivery, DELIVERIES)}",
                          worker=wid, field=field + ".delivery", value=delivery,
                          allowed=", ".join(DELIVERIES))
    hours = item.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, (int, float))
                              or not math.isfinite(hours) or hours < 0):
        raise WorkerError(f"must be a non-negative number, not {hours!r}", worker=wid,
                          field=field + ".hours", value=hours, allowed="a number of hours")
    provider, level = item.get("provider"), item.get("level")
    for key, value in (("provider", provider), ("level", level)):
        if value is not None and not isinstance(value, str):
            raise WorkerError(f"must be a string, not {_kind(value)}", worker=wid,
                              field=f"{field}.{key}", value=value, allowed="free text")
    extra = {k: v for k, v in item.items() if k not in _RECORD_FIELDS}
    return TrainingRecord(training, completed, delivery, provider, hours, level, extra)


def _date(
    data: Mapping[str, Any], key: str, wid: str, required: bool, prefix: str = ""
) -> datetime.date | None:
    value = data.get(key)
    if type(value) is str:
        try:
            return parse_iso_date(value)
        except ValueError:
            pass  # the full path below says what is wrong
    field = prefix + key
    if value is None or value == "":
        if required:
            raise WorkerError("is missing", worker=wid, field=field, allowed="a date YYYY-MM-DD")
        return None
    if is_plain_date(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, datetime.datetime):
        raise WorkerError(f"is a date-time ({value.isoformat()}), not a date", worker=wid,
                          field=field, value=value.isoformat(), allowed="a date YYYY-MM-DD")
    if not isinstance(value, str):
        raise WorkerError(f"must be a date string, not {_kind(value)}", worker=wid, field=field,
                          value=value, allowed="a date YYYY-MM-DD")
    try:
        return parse_iso_date(value)
    except ValueError:
        why = ("is a date-time, not a date" if "T" in value or ":" in value
               else f"{value!r} is not a calendar date")
        raise WorkerError(why, worker=wid, field=field, value=value,
                          allowed="a date YYYY-MM-DD, such as 2026-03-01") from None


def _mean(value: object, choices: Collection[str]) -> str:
    guess = closest(value, choices) if isinstance(value, str) else None
    return f" (did you mean {guess!r}?)" if guess else ""


def _kind(value: object) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "an object", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)
