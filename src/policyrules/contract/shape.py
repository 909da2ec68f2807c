"""The usual worker record, checked by msgspec in one step (the batch path's fast lane).

`validation.parse_worker` checks a record field by field in Python, so that it can report
every problem with a message. Most records of a workforce have no problem and the same
few shapes; for them, `msgspec.convert` into the Structs below does the type checks, the
dates and the ranges in C, and what is left here is the vocabulary (contact, sector,
roles, delivery) and building the `Worker`.

`usual_worker` gives the same `Worker` as `parse_worker`, or None when it cannot tell: a
problem of any kind, and every shape it does not cover (a training record with fields of
its own, text that is not ASCII, a date given as a `date`). The caller then takes the
general path, which gives the result or the error with its message. A record is never
refused here, only passed on, so every error text stays `parse_worker`'s.

`usual_line` goes one step further for JSON Lines: the line's text decoded straight into
a Struct (no dict of it is built), the vocabulary checked by msgspec too (as `Literal`s),
so that what is left in Python is the roles and building the `Worker`. It falls back
to `usual_worker` and then `parse_worker` in the same way.
`tests/test_shape.py` holds the two equal on generated good and bad records.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from sys import intern
from typing import Annotated, Any, Literal

import msgspec

from . import validation
from .fields import CONTACTS, SECTORS_SET, Problems, unknown_fields
from .plain import plain_record
from .validation import HELD, KEPT_RECORDS, RECORDS_KEPT, held_role, unknown_part
from .vocabulary import CONTACT_LEVELS, DELIVERIES, MAX_HOURS, SECTORS
from .workers import (
    NO_FIELDS,
    RoleAssignment,
    TrainingRecord,
    Worker,
    new_record,
    new_worker,
    record_of,
)

# Each kind of number keeps its own bounds, so that 3 stays an int and 3.0 a float, as
# `parse_worker` keeps them (msgspec refuses `true` for either, as the contract does).
_Hours = (Annotated[int, msgspec.Meta(ge=0, le=MAX_HOURS)]
          | Annotated[float, msgspec.Meta(ge=0, le=MAX_HOURS)])
_Text = Annotated[str, msgspec.Meta(min_length=1)]


class _Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    # frozen: hashable, the key of the records kept below. A field of its own is kept in
    # `extra` by the general path: such a record is not the usual one.
    training: _Text
    completed: datetime.date
    delivery: str | None = None
    provider: str | None = None
    hours: _Hours | None = None
    level: str | None = None


class _Role(msgspec.Struct):
    # Other keys of a role object are not read by the general path either.
    role: str
    since: datetime.date | None = None


class _Worker(msgspec.Struct):
    # Unknown fields are not refused: they are kept from the mapping itself (`extra`).
    id: _Text
    started: datetime.date
    contact: str
    roles: list[str | _Role] | None = None
    training: list[_Record] | None = None
    agency: str | None = None
    sector: str | None = None
    volunteer: bool | None = None


def usual_worker(data: Mapping[str, Any], roles: Collection[str]) -> Worker | None:
    """`parse_worker(data, roles)` for a record of the usual shape with no problem, else
    None (the caller then asks `parse_worker`, which says what is wrong)."""
    data = plain_record(data)  # as parse_worker does first: a NaN cell is a missing field
    if type(data) is not dict:
        return None
    try:
        s = msgspec.convert(data, _Worker)
    except (msgspec.ValidationError, UnicodeEncodeError):  # a lone surrogate: see below
        return None
    wid, agency = s.id, s.agency
    held = _usual_fields(s, roles)
    if held is None:
        return None
    records: tuple[TrainingRecord, ...] = ()
    if s.training:
        found_records = []
        for r in s.training:
            # The type of `hours` is in the key: 1 and 1.0 are equal, and written apart.
            # Kept in validation's one cache of records, beside its own keys (tuples of
            # plain values, never equal to these), under its one bound.
            record = KEPT_RECORDS.get((r, type(r.hours)))
            if record is None:
                kept = _record(r)
                if kept is None:
                    return None
                key, record = kept
                if r.hours == 0 and type(r.hours) is float:
                    # -0.0 == 0.0: not kept, so neither is written as the other.
                    found_records.append(record)
                    continue
                _keep(key, record)
            found_records.append(record)
        records = tuple(found_records)
    extra = unknown_part(data)
    if extra:
        problems: Problems = []
        unknown_fields(extra, "", problems)
        if problems:
            return None
    return new_worker(wid, s.started, s.contact, held, records, agency, s.sector,
                      bool(s.volunteer), extra)


# A JSON Lines line of the usual shape, decoded straight from its text into a Struct, its
# training records into Structs, in one call: no dict of the line is built, and no
# record is decoded apart. Unknown fields cannot be gathered by a Struct, so
# the Struct names those this process has met (`learn`, at most `EXTRA_NAMES`) and
# refuses any other: such a line takes the path of a dict, which learns its names.
#
# Everything but the roles (the policy's own) is checked in C while decoding: the
# vocabulary as `Literal`s (a delivery left out is single-agency; `null` or "" is passed
# on), the types, dates and ranges as above. And every text of a line msgspec decodes can
# be written as UTF-8: it refuses a lone surrogate, escaped (`"\ud800"`: a DecodeError)
# or not (the line's text cannot be encoded), so the checks for that (`isascii` on the
# texts, `unknown_fields` on the unknown ones) have nothing to find here: a text that is
# not ASCII, which the dict lane passes on, is accepted as `parse_worker` accepts it.
def _literal(values: tuple[str, ...]) -> Any:
    return Literal.__getitem__(values)  # Literal["a", "b", ...] of these values


#
# A line's training record as decoded (`LineRecord`) has a `TrainingRecord`'s fields, by
# the same names and with the same values, and the same `extra` (none, as `record_of`
# gives it: a class attribute, not a field, so that no line can set it). The text form
# reads records by their fields alone, so a block decided in one step hands it these
# (`lines_as_read`) and builds no `TrainingRecord`; anything that needs the records
# themselves takes them from `as_records`.
LineRecord = msgspec.defstruct(
    "LineRecord",
    [(f.name, f.type, f.default) if f.name != "delivery"
     else ("delivery", _literal(DELIVERIES), DELIVERIES[0])
     for f in msgspec.structs.fields(_Record)],
    namespace={"extra": NO_FIELDS},
    frozen=True, forbid_unknown_fields=True, gc=False)
_FIELDS: list[tuple[str, Any] | tuple[str, Any, Any]] = [
    ("id", _Text), ("started", datetime.date), ("contact", _literal(CONTACT_LEVELS)),
    # Left out, an empty tuple, as a `Worker` has them (`lines_as_read`).
    ("roles", list[str | _Role] | None, ()),
    ("training", list[LineRecord] | None, ()),  # type: ignore[valid-type]
    ("agency", str | None, None), ("sector", _literal(SECTORS) | None, None),
    ("volunteer", bool | None, None)]
_KNOWN = frozenset(name for name, *_ in _FIELDS)
EXTRA_NAMES = 16


class _Lines:
    """The Struct of the usual line, with the unknown fields learned so far."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self.names = names
        self.learned = frozenset(names)
        # The unknown fields a line gave, by name, in the order learned; None before any
        # is learned (each line's is then an empty dict, made without a call).
        self.extra = (_extra(names, _getter(tuple(f"x{i}" for i in range(len(names)))))
                      if names else None)
        # A decoded line has a `Worker`'s fields by the same names, and its `extra` as a
        # property (no unknown field can be named `extra` here: those are `x0`...).
        line = msgspec.defstruct(
            "_Line", [*_FIELDS, *((f"x{i}", Any, msgspec.UNSET) for i in range(len(names)))],
            forbid_unknown_fields=True, rename={f"x{i}": name for i, name in enumerate(names)},
            namespace={"extra": property(self.extra or _no_extra)})
        self.decode: Callable[[str | bytes], Any] = msgspec.json.Decoder(type=line).decode


def _no_extra(s: Any) -> dict[str, Any]:
    return {}


def _extra(names: tuple[str, ...], values: Callable[[Any], tuple[Any, ...]]
           ) -> Callable[[Any], dict[str, Any]]:
    """A decoded line's unknown fields as the dict the general path keeps (`extra`)."""
    unset = msgspec.UNSET
    if len(names) == 1:
        # The usual case (a workforce's one column of its own, such as a job title):
        # without a comprehension, a zip and a second lambda, 5,500 instructions a line.
        (name,), get = names, operator.attrgetter("x0")
        return lambda s: {} if (value := get(s)) is unset else {name: value}
    return lambda s: {name: value for name, value in zip(names, values(s), strict=True)
                      if value is not unset}


def _getter(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of these attributes (one or more) as one tuple (attrgetter gives one
    alone bare)."""
    if len(fields) > 1:
        return operator.attrgetter(*fields)
    get = operator.attrgetter(fields[0])
    return lambda s: (get(s),)


_LINES = _Lines()


def learn(extra: Mapping[str, Any]) -> None:
    """Let lines with these unknown fields (of a worker the general path accepted) take
    the typed lane, while the names learned stay within `EXTRA_NAMES`."""
    global _LINES
    lines = _LINES
    new = [name for name in extra if name not in lines.learned and name not in _KNOWN]
    if new and len(lines.names) + len(new) <= EXTRA_NAMES:
        _LINES = _Lines((*lines.names, *new))


def usual_line(text: str, roles: Collection[str]) -> Worker | None:
    """`parse_worker(json.loads(text), roles)` for a line of the usual shape with no
    problem, else None (the caller then decodes the line and takes the other paths)."""
    workers = usual_lines((text,), roles)
    return None if workers is None else workers[0]


def usual_lines(texts: Iterable[str | bytes], roles: Collection[str]) -> list[Worker] | None:
    """`usual_line` of every line of `texts` (each one line's text, or its UTF-8 bytes),
    or None as soon as one is not of the usual shape or has a problem.

    A block of JSON Lines split at its newline bytes goes to its twin for the text form
    (`each_as_read`, from `batch.stages`' `decide_lines`): the bytes are decoded by
    msgspec as they are, so a block of usual lines is never decoded to text nor split
    into texts. A blank line, a byte order mark and bytes that
    are not UTF-8 are none of them JSON that msgspec takes, so such a line gives None
    too, and the caller reads the block the general way, which says what each line is."""
    read = lines_as_read(texts, roles)
    return None if read is None else list(map(_worker_of, read))


def lines_as_read(texts: Iterable[str | bytes], roles: Collection[str]) -> list[Worker] | None:
    """The workers of `usual_lines(texts, roles)` as the text form reads them, or None
    when it gives None: each line as msgspec decoded it, with its roles held (as a
    `Worker` has them) and its training records `LineRecord`s. Such a line has a
    `Worker`'s fields by the same names with the same values (`volunteer` left out is
    None, not False: both false) and the text form reads nothing else, so a block decided
    in one step builds no `Worker` and no `TrainingRecord`. It is not a `Worker` (the
    type says so only for the text form): anything else takes `as_records`' `Worker`."""
    try:
        return list(each_as_read(texts, roles))
    except NotUsual:
        return None


class NotUsual(Exception):
    """A line that is not of the usual shape, or has a problem (`each_as_read`)."""


def each_as_read(texts: Iterable[str | bytes], roles: Collection[str]) -> Iterator[Worker]:
    """`lines_as_read` a line at a time, raising NotUsual at the first line for which it
    gives None. Each line is decoded only when the one before has been used, so that a
    reader who writes each line as it comes (`batch.stages.decide_lines`) finds it still
    in the processor's cache and hands its memory back before the next is decoded: a
    block decoded whole first (370 lines of 256 KiB) is about 1 MB of objects walked
    twice, and 0.91× the time a block measured the other way (docs/cli.md)."""
    decode = _LINES.decode
    try:
        for text in texts:
            s = decode(text)
            items = s.roles
            if items:
                held = _held(items, roles)
                if held is None:
                    raise NotUsual
                s.roles = held
            elif type(items) is not tuple:  # [] or null, not left out
                s.roles = ()
            if s.training is None:
                s.training = ()
            yield s
    except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):
        # Malformed, another shape, an unknown field, a lone surrogate...
        raise NotUsual from None


def as_records(worker: Worker) -> tuple[Worker, dict[int, TrainingRecord]] | None:
    """A worker of `lines_as_read` as `usual_lines` gives it, a `Worker` with
    `TrainingRecord`s built from its `LineRecord`s (equal field by field, in the same
    order), and each record built by the `id` of the one it was built from; None for a
    `Worker`."""
    if worker.__class__ is Worker:
        return None
    built = _worker_of(worker)
    return built, {id(r): b for r, b in zip(worker.training, built.training, strict=True)}


def _worker_of(line: Any) -> Worker:
    """The `Worker` of a line of `lines_as_read`. Each record is built, not looked up
    among the records kept: on bench_cli.py's workforce four records in five are new,
    and a lookup cost more than the records found saved (docs/architecture.md)."""
    return new_worker(line.id, line.started, line.contact, line.roles,
                      tuple(map(record_of, line.training)), line.agency, line.sector,
                      line.volunteer is True, line.extra)


def _usual_fields(s: _Worker, roles: Collection[str]) -> tuple[RoleAssignment, ...] | None:
    """The roles held by a worker converted from a dict whose contact, sector, id and
    agency are of the usual kind, else None (the caller then takes the path that says
    what is wrong). A dict's texts may hold a lone surrogate: `isascii` is the quick
    proof that they do not (JSON Lines' lane has that from msgspec)."""
    wid, agency = s.id, s.agency
    if (s.contact not in CONTACTS or (s.sector is not None and s.sector not in SECTORS_SET)
            or not wid.isascii() or (agency is not None and not agency.isascii())):
        return None
    return _held(s.roles, roles) if s.roles else ()


def _keep(key: Hashable, record: TrainingRecord) -> None:
    """Keep a validated record in validation's one cache, within its one bound."""
    if len(KEPT_RECORDS) >= RECORDS_KEPT:
        KEPT_RECORDS.clear()
    KEPT_RECORDS[key] = record


def _held(items: list[str | _Role], roles: Collection[str]) -> tuple[RoleAssignment, ...] | None:
    """The roles of a usual record, or None when one is not in `roles`."""
    found = []
    for item in items:
        if type(item) is str:
            if item not in roles:
                return None
            found.append(HELD.get(item) or held_role(item))
        else:
            assert isinstance(item, _Role)
            if item.role not in roles:
                return None
            found.append(RoleAssignment(item.role, item.since))
    return tuple(found)


def _record(r: _Record) -> tuple[tuple[_Record, type], TrainingRecord] | None:
    """A training record of the usual shape with no problem, and its key in the records
    kept by their fields; else None."""
    record = _checked(r)
    if record is None:
        return None
    # The key holds the record's own (interned) texts.
    key = _Record(record.training, r.completed, None if r.delivery is None else record.delivery,
                  record.provider, r.hours, record.level)
    return (key, type(r.hours)), record


def _checked(r: _Record) -> TrainingRecord | None:
    """A training record of the usual shape with no problem, else None."""
    delivery, provider, level = r.delivery, r.provider, r.level
    if (not r.training.isascii() or (delivery is not None and delivery not in DELIVERIES)
            or (provider is not None and not provider.isascii())
            or (level is not None and not level.isascii())):
        return None
    # The record holds one copy of each text, shared with every other record kept that
    # has it (a course's id, a provider), not the copies this line was decoded into: the
    # records kept take half the memory. `{}` given, not left to the factory: one call
    # fewer per record.
    return new_record(intern(r.training), r.completed,
                      "single-agency" if delivery is None else intern(delivery),
                      None if provider is None else intern(provider), r.hours,
                      None if level is None else intern(level), {})


def clear() -> None:
    """Forget the records kept and the unknown fields learned (benchmarks start each run
    as a fresh process would)."""
    global _LINES
    validation.clear()
    _LINES = _Lines()
