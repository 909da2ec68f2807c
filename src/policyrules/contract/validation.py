"""Validating worker records (CONTRACT §1, §1.5): §1 mappings into typed `Worker`s, and
typed `Worker`s built by hand, with the same checks.

Every problem of a record is collected and reported at once (a missing id, a bad contact
and a bad date give one `WorkerError` listing all three). Each check takes the list of
problems found so far and appends to it; a `Worker` is built only when the list is empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

from ..errors import DateRangeError, Problem, WorkerError
from ..semantics.dates import OutsideCalendar, parse_iso_date
from . import fields as f
from .fields import Problems
from .plain import plain_record
from .vocabulary import DELIVERIES, MAX_HOURS, ROLES
from .workers import RoleAssignment, TrainingRecord, Worker

_WORKER_FIELD_ORDER = ("id", "started", "contact", "roles", "training", "agency", "sector",
                       "volunteer")
_WORKER_FIELDS = frozenset(_WORKER_FIELD_ORDER)
_RECORD_FIELDS = frozenset(("training", "completed", "delivery", "provider", "hours", "level"))
_ROLES_ALLOWED = 'a list of role names or {"role": NAME, "since": DATE}, or no field'
_TRAINING_ALLOWED = 'a list of {"training": ID, "completed": DATE}, or no field'


def parse_worker(data: Mapping[str, Any], roles: Collection[str] = ROLES) -> Worker:
    """Validate a CONTRACT §1 mapping; errors name worker, field, value and what is allowed."""
    data = plain_record(data)  # pandas/numpy values (contract/plain.py)
    if type(data) is not dict and not isinstance(data, Mapping):
        raise WorkerError(f"a worker record must be an object, not {f.kind(data)}",
                          worker=None, field="(record)", value=data,
                          allowed="an object with id, started, contact")
    problems: Problems = []
    get = data.get
    # Each field: the usual value tested in line, anything else (and every message) left
    # to the field's check.
    wid = get("id")
    if type(wid) is not str or not wid or not wid.isascii():
        wid = f.worker_id(wid, problems)
    started = f.date_value(get("started"), "started", problems, required=True)
    contact = get("contact")
    if type(contact) is not str or contact not in f.CONTACTS:
        contact = f.contact(contact, problems)
    sector = get("sector")
    if sector is not None and (type(sector) is not str or sector not in f.SECTORS_SET):
        sector = f.sector(sector, problems)
    agency = get("agency")
    if agency is not None and (type(agency) is not str or not agency.isascii()):
        agency = f.free_text(agency, "agency", problems)
    volunteer = get("volunteer", False)
    if volunteer is None:
        volunteer = False
    elif type(volunteer) is not bool:
        f.volunteer(volunteer, problems)

    raw_roles = get("roles")
    parsed_roles: tuple[RoleAssignment, ...] = ()
    if _is_list(raw_roles, "roles", _ROLES_ALLOWED, problems):
        parsed_roles = tuple([r for i, item in enumerate(raw_roles)
                              if (r := _role(item, i, roles, problems)) is not None])

    raw_training = get("training")
    records: tuple[TrainingRecord, ...] = ()
    if _is_list(raw_training, "training", _TRAINING_ALLOWED, problems):
        records = tuple([t for i, item in enumerate(raw_training)
                         if (t := _record(item, i, problems)) is not None])
    extra = unknown_part(data)
    if extra:
        f.unknown_fields(extra, "", problems)
    if problems:
        raise WorkerError.of(wid, problems)
    assert wid is not None and started is not None and contact is not None
    return Worker(wid, started, contact, parsed_roles, records, agency, sector, volunteer,
                  extra)


def unknown_part(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a worker record that §1 does not name, in their order (kept)."""
    if type(data) is dict:
        # A copy without the known fields keeps the unknown ones in order, and is quicker
        # than testing every key (the same result as the comprehension below).
        extra = data.copy()
        pop = extra.pop
        for key in _WORKER_FIELD_ORDER:
            pop(key, None)
        return extra
    return ({} if data.keys() <= _WORKER_FIELDS
            else {k: v for k, v in data.items() if k not in _WORKER_FIELDS})


def check_worker(worker: Worker, roles: Collection[str]) -> None:
    """A typed worker's fields checked as strictly as a mapping's (and its roles against a
    policy's vocabulary): a `Worker` built by hand may hold anything."""
    problems: Problems = []
    wid = f.worker_id(worker.id, problems)
    f.date_value(worker.started, "started", problems, required=True, text=False)
    f.contact(worker.contact, problems)
    f.sector(worker.sector, problems)
    f.free_text(worker.agency, "agency", problems)
    f.volunteer(worker.volunteer, problems)
    if not isinstance(worker.roles, (tuple, list)):
        problems.append(Problem("roles", f"must be a tuple, not {f.kind(worker.roles)}",
                                worker.roles, "a tuple of RoleAssignment"))
    else:
        for i, role in enumerate(worker.roles):
            field = f"roles[{i}]"
            if not isinstance(role, RoleAssignment):
                problems.append(Problem(field, f"must be a RoleAssignment, not {f.kind(role)}",
                                        role, "RoleAssignment(NAME, since=None)"))
                continue
            f.role_name(role.role, field, roles, problems)
            f.date_value(role.since, field + ".since", problems, required=False, text=False)
    if not isinstance(worker.training, (tuple, list)):
        problems.append(Problem("training", f"must be a tuple, not {f.kind(worker.training)}",
                                worker.training, "a tuple of TrainingRecord"))
    else:
        for i, record in enumerate(worker.training):
            field = f"training[{i}]"
            if not isinstance(record, TrainingRecord):
                problems.append(Problem(field, f"must be a TrainingRecord, not "
                                        f"{f.kind(record)}", record,
                                        "TrainingRecord(ID, COMPLETED, ...)"))
                continue
            f.training_id(record.training, field, problems)
            f.date_value(record.completed, field + ".completed", problems, required=True,
                         text=False)
            if record.delivery not in DELIVERIES:
                f.delivery_problem(record.delivery, field, problems)
            _record_details(record, field, problems)
    if not isinstance(worker.extra, Mapping):
        problems.append(Problem("extra", f"must be a mapping, not {f.kind(worker.extra)}",
                                worker.extra, "a mapping of unknown fields"))
    elif worker.extra:
        f.unknown_fields(worker.extra, "", problems)
    if problems:
        raise WorkerError.of(wid, problems)


def _record_details(record: TrainingRecord, field: str, problems: Problems) -> None:
    f.hours(record.hours, field, problems)
    f.free_text(record.provider, field + ".provider", problems)
    f.free_text(record.level, field + ".level", problems)
    if not isinstance(record.extra, Mapping):
        problems.append(Problem(field + ".extra", f"must be a mapping, not "
                                f"{f.kind(record.extra)}", record.extra,
                                "a mapping of unknown fields"))
    elif record.extra:
        f.unknown_fields(record.extra, field + ".", problems)


def date_range_error(worker: Worker, error: OutsideCalendar) -> DateRangeError:
    """Evaluation went past the calendar's end from `error.day`: an error naming every
    field of the worker that holds that day."""
    day = error.day
    fields: list[tuple[str, datetime.date | None]] = [("started", worker.started)]
    fields += [(f"roles[{i}].since", r.since) for i, r in enumerate(worker.roles)]
    fields += [(f"training[{i}].completed", r.completed) for i, r in enumerate(worker.training)]
    added = " + ".join(str(d) for d in error.durations)
    message = (f"{day.isoformat()} + {added} is after 9999-12-31, the last date there is")
    allowed = f"a date to which {added} can be added"
    problems = [Problem(field, message, day.isoformat(), allowed)
                for field, value in fields if value == day]
    if not problems:
        problems = [Problem("(dates)", message, day.isoformat(), allowed)]
    first = problems[0]
    return DateRangeError(first.message, worker=worker.id, field=first.field,
                          value=first.value, allowed=first.allowed, more=problems[1:])


# A role held since the start, by name: one shared object each, since most workers' roles
# are plain names. Only names of some policy's vocabulary get in, so it stays small.
HELD: dict[str, RoleAssignment] = {}


def _is_list(value: object, field: str, allowed: str, problems: Problems
             ) -> TypeGuard[list[Any]]:
    """A list with items to read; absent (None) and empty are no items, anything else but a
    list is a problem of the record (`{}`, `""`, `0` and `false` are not "none")."""
    if value is None:
        return False
    if type(value) is not list and not isinstance(value, list):
        problems.append(Problem(field, f"must be a list, not {f.kind(value)}", value, allowed))
        return False
    return bool(value)


def _role(item: object, i: int, roles: Collection[str],
          problems: Problems) -> RoleAssignment | None:
    if type(item) is str and item in roles:
        return held_role(item)
    return _full_role(item, i, roles, problems)


def held_role(name: str) -> RoleAssignment:
    """The role `name` held since the start: one shared object per name."""
    held = HELD.get(name)
    if held is None:
        held = HELD[name] = RoleAssignment(name, None)
    return held


def _full_role(item: object, i: int, roles: Collection[str],
               problems: Problems) -> RoleAssignment | None:
    field = f"roles[{i}]"
    since: datetime.date | None = None
    if isinstance(item, str):
        name = item
    elif isinstance(item, Mapping):
        raw = item.get("role")
        if not isinstance(raw, str):
            problems.append(Problem(field + ".role", "has no role name", raw, "a role name"))
            f.date_value(item.get("since"), field + ".since", problems, required=False)
            return None
        name = raw
        since = f.date_value(item.get("since"), field + ".since", problems, required=False)
    else:
        problems.append(Problem(field, f"must be a role name or an object, not {f.kind(item)}",
                                item, 'NAME or {"role": NAME, "since": DATE}'))
        return None
    if not f.role_name(name, field, roles, problems):
        return None
    return RoleAssignment(name, since)


def _record(item: object, i: int, problems: Problems) -> TrainingRecord | None:
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
        # The type of `hours` is in the key: 1, 1.0 and True are equal keys.
        key = (training, completed, delivery, provider, level, hours, type(hours))
        if len(item) == known:
            # No unknown field, and the fields of a record that passed every check below.
            try:
                record = KEPT_RECORDS.get(key)
            except TypeError:  # a list or an object where a value belongs: see below
                record = None
            if record is not None:
                return record
        if ((len(item) == known or item.keys() <= _RECORD_FIELDS)
                and type(training) is str and training and training.isascii()
                and type(completed) is str
                and (delivery is None or delivery in DELIVERIES)
                and (provider is None or (type(provider) is str and provider.isascii()))
                and (level is None or (type(level) is str and level.isascii()))
                and (hours is None or (type(hours) in (int, float) and 0 <= hours <= MAX_HOURS))):
            record = KEPT_RECORDS.get(key)  # with a null field: not looked up above
            if record is not None:
                return record
            try:
                day = parse_iso_date(completed)
            except ValueError:
                pass
            else:
                # `{}` given, not left to the factory: one call fewer per record.
                record = TrainingRecord(training, day, delivery or "single-agency", provider,
                                        hours, level, {})
                if hours == 0 and type(hours) is float:
                    return record  # -0.0 == 0.0: not kept, so neither is written as the other
                if len(KEPT_RECORDS) >= RECORDS_KEPT:
                    KEPT_RECORDS.clear()
                KEPT_RECORDS[key] = record
                return record
    return _full_record(item, i, problems)


# Records that passed the quick path above, by their fields: the one cache of records,
# for every reader (contract/shape.py keeps the JSON Lines lane's records here too, under
# keys of its own). A workforce repeats the same records (a course on a day, from a
# provider) many times over, and a record is frozen, so one object serves every worker who
# has it, built once. Its `extra` is an empty mapping, shared by those workers (a
# Mapping: read, not written). Cleared when full, so that memory stays bounded. Since
# JSON Lines' lane finds a record by its text and decodes only a missing one, a miss
# costs little: with the encoder no longer keeping texts by record, 8,192 records held
# about 3 MB for about 1% of the CPU on bench_cli.py's workforce; 2,048 keep the peak
# below 665958e's with the CPU still under it (docs/architecture.md, #17).
KEPT_RECORDS: dict[object, TrainingRecord] = {}
RECORDS_KEPT = 1 << 11


def clear() -> None:
    """Forget the records kept (benchmarks start each run as a fresh process would)."""
    KEPT_RECORDS.clear()


def _full_record(item: object, i: int, problems: Problems) -> TrainingRecord | None:
    field = f"training[{i}]"
    item = plain_record(item)  # pandas/numpy values (contract/plain.py)
    if not isinstance(item, Mapping):
        problems.append(Problem(field, f"must be an object, not {f.kind(item)}", item,
                                '{"training": ID, "completed": DATE}'))
        return None
    before = len(problems)
    training = item.get("training")
    f.training_id(training, field, problems)
    completed = f.date_value(item.get("completed"), field + ".completed", problems, required=True)
    delivery = item.get("delivery")
    if delivery is None or delivery == "":
        delivery = "single-agency"
    if delivery not in DELIVERIES:
        f.delivery_problem(delivery, field, problems)
    hours, provider, level = item.get("hours"), item.get("provider"), item.get("level")
    f.hours(hours, field, problems)
    f.free_text(provider, field + ".provider", problems)
    f.free_text(level, field + ".level", problems)
    extra = {k: v for k, v in item.items() if k not in _RECORD_FIELDS}
    if extra:
        f.unknown_fields(extra, field + ".", problems)
    if len(problems) > before:
        return None
    assert isinstance(training, str) and completed is not None
    return TrainingRecord(training, completed, delivery, provider, hours, level, extra)


