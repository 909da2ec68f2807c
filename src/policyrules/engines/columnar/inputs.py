"""Tables in (CONTRACT §6): any Arrow table → Polars, and the §1 checks done per column.

Each check is an expression over a whole column that is true on the rows the row path
(`contract.workers.parse_worker`) would reject. Which rows are bad is decided here, in
columns; what is wrong with a bad row is then said by the row path itself (see
`row_path.py`), so the error text is the row path's by construction and lives in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence

import attrs
import numpy as np
import polars as pl
import pyarrow as pa

from ...contract.vocabulary import CONTACT_LEVELS, DELIVERIES, MAX_HOURS, SECTORS
from ...errors import UsageError
from ...records import FALSE_CELLS, TRUE_CELLS
from . import arrays
from .arrays import Days, Mask, Rows

WORKER_REQUIRED = ("id", "started", "contact")
TRAINING_REQUIRED = ("worker", "training", "completed")

# The row path's date shape (semantics.dates.parse_iso_date); ASCII digits only, as
# `datetime.date.fromisoformat` accepts no others.
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TEXT = (pl.String, pl.Null)


def to_frame(data: object, what: str) -> pl.DataFrame:
    """A Polars frame from anything that speaks the Arrow PyCapsule interface."""
    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    if isinstance(data, pl.DataFrame):
        frame = data
    elif hasattr(data, "__arrow_c_stream__"):
        try:
            frame = pl.DataFrame(data)
        except (pl.exceptions.PolarsError, pa.ArrowException) as exc:
            # pandas' object columns can mix kinds, which Arrow cannot hold.
            raise UsageError(f"{what} cannot be read as an Arrow table ({exc}); give each "
                             "column values of one kind") from None
    else:
        raise UsageError(
            f"{what} must be a table that speaks the Arrow PyCapsule interface (a pyarrow "
            f"Table, a pandas DataFrame, a Polars DataFrame, a DuckDB result), not "
            f"{type(data).__name__}")
    # Dictionary-encoded text (pandas categories, Arrow dictionaries) is text to §1.
    categorical = [name for name, dtype in frame.schema.items()
                   if dtype in (pl.Categorical, pl.Enum)]
    if categorical:
        frame = frame.with_columns(pl.col(categorical).cast(pl.String))
    # NaN is a missing cell, as None is (contract/plain.py): pandas writes both.
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    if floats:
        frame = frame.with_columns(pl.col(floats).fill_nan(None))
    return _in_calendar(frame)


def _in_calendar(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates past Python's calendar (an Arrow date32 reaches year 5,000,000) as their text,
    which the checks then reject as not a date YYYY-MM-DD, as the row path would."""
    def outside(day: pl.Expr) -> pl.Expr:
        return (day < datetime.date.min) | (day > datetime.date.max)

    for name, dtype in frame.schema.items():
        if dtype == pl.Date and frame.select(outside(pl.col(name)).any()).item():
            frame = frame.with_columns(pl.col(name).dt.to_string())
        elif (isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
              and any(f.name == "since" and f.dtype == pl.Date for f in dtype.inner.fields)):
            since = pl.col(name).list.eval(pl.element().struct.field("since"))
            if frame.select(outside(since.explode()).any()).item():
                frame = frame.with_columns(pl.col(name).list.eval(pl.element().struct.with_fields(
                    pl.field("since").dt.to_string())))
    return frame


def need_columns(frame: pl.DataFrame, required: tuple[str, ...], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise UsageError(
            f"the {what} table needs the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; its columns are: {', '.join(frame.columns) or '(none)'}")


# One column each ------------------------------------------------------------------------------

def date_value(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """(the column as dates, null where absent or bad; true where a value is given but is
    not a calendar date YYYY-MM-DD). A date-time is bad, as in the row path."""
    col = pl.col(name)
    dtype = frame.schema[name]
    if dtype == pl.Date:
        return col, pl.lit(False)
    if dtype == pl.Null:
        return pl.lit(None, pl.Date), pl.lit(False)
    if dtype == pl.String:
        shaped = col.str.contains(_ISO_DATE)
        day = col.str.to_date("%Y-%m-%d", strict=False)
        # chrono knows a year 0; `datetime.date` does not.
        value = pl.when(shaped & (day.dt.year() >= 1)).then(day)
        return value, col.is_not_null() & (col != "") & value.is_null()
    return pl.lit(None, pl.Date), col.is_not_null()


def required_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """True where a required text field is missing, empty or not text."""
    col = pl.col(name)
    if frame.schema[name] == pl.String:
        return col.is_null() | (col == "")
    return pl.lit(True)


def of_kind(frame: pl.DataFrame, name: str, kinds: tuple[type[pl.DataType], ...]) -> pl.Expr:
    """True where an optional value is given and its column is not of one of `kinds`."""
    dtype = frame.schema[name]
    if any(dtype == k for k in kinds) or dtype == pl.Null:
        return pl.lit(False)
    return pl.col(name).is_not_null()


def text_value(frame: pl.DataFrame, name: str) -> pl.Expr:
    """An optional text column's values (null where absent or not text)."""
    if frame.schema.get(name) == pl.String:
        return pl.col(name)
    return pl.lit(None, pl.String)


def _hours_text(name: str) -> pl.Expr:
    # Text is a CSV cell: a number where one is given (`records.hours_cell`).
    return pl.col(name).str.strip_chars().cast(pl.Float64, strict=False)


def hours_number(frame: pl.DataFrame) -> pl.Expr:
    """`hours` as a number (null where absent; good records only hold numbers)."""
    dtype = frame.schema.get("hours")
    if dtype is None or dtype == pl.Null:
        return pl.lit(None, pl.Float64)
    if dtype == pl.String:
        return _hours_text("hours").fill_nan(None)
    if dtype.is_numeric():
        return pl.col("hours").cast(pl.Float64)
    return pl.lit(None, pl.Float64)


def hours_value(frame: pl.DataFrame, name: str) -> pl.Expr:
    """True where hours are given and are not a number from 0 to `MAX_HOURS`."""
    col = pl.col(name)
    dtype = frame.schema[name]
    if dtype == pl.Null:
        return pl.lit(False)
    if dtype.is_integer():
        return col.is_not_null() & ((col < 0) | (col > MAX_HOURS))
    if dtype == pl.String:
        # "nan" reads as NaN, which is a missing value (contract/plain.py), as in floats:
        # never out of range (Polars orders NaN above every number, so it is made 0).
        col = _hours_text(name).fill_nan(0.0)
        return pl.col(name).is_not_null() & (col.is_null() | col.is_infinite() | (col < 0)
                                             | (col > MAX_HOURS))
    if dtype.is_float():  # NaN is null by now (to_frame)
        return col.is_not_null() & (col.is_infinite() | (col < 0) | (col > MAX_HOURS))
    return col.is_not_null()


# Whole tables ---------------------------------------------------------------------------------

def worker_columns(frame: pl.DataFrame) -> pl.LazyFrame:
    """The scalar columns the plan reads (`contact` and `sector` as enums, `volunteer`,
    `started`) and `_bad`: true on rows whose scalar fields break §1.

    Contact and sector are read once each, by their cast to an enum (a lookup in a small
    table, the costly part of reading text): a value given where the cast gives none is
    not in the vocabulary (or not text)."""
    started, started_bad = date_value(frame, "started")
    volunteer, volunteer_bad = volunteer_value(frame)
    bad = (required_text(frame, "id") | started_bad | started.is_null()
           | pl.col("contact").is_null())
    read = {"contact": text_value(frame, "contact").cast(pl.Enum(CONTACT_LEVELS),
                                                          strict=False),
            "sector": text_value(frame, "sector").cast(pl.Enum(SECTORS), strict=False)}
    if "sector" in frame.columns:
        read["_sector_given"] = pl.col("sector").is_not_null()
        bad = bad | (pl.col("_sector_given") & pl.col("sector").is_null())
    if "agency" in frame.columns:
        bad = bad | of_kind(frame, "agency", _TEXT)
    if "volunteer" in frame.columns:
        bad = bad | volunteer_bad
    return frame.lazy().with_columns(**read).select(
        "contact", "sector", volunteer=volunteer, started=started, _bad=bad)


def volunteer_value(frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(`volunteer` as true/false, true where it is neither). Text reads as a CSV cell does
    (§1.4: true/false, yes/no, 1/0, empty for false), as `records.volunteer_cell`."""
    if "volunteer" not in frame.columns:
        return pl.lit(False), pl.lit(False)
    col = pl.col("volunteer")
    dtype = frame.schema["volunteer"]
    if dtype == pl.Boolean:
        return col.fill_null(False), pl.lit(False)
    if dtype == pl.String:
        word = col.str.strip_chars().str.to_lowercase()
        return (word.is_in(list(TRUE_CELLS)).fill_null(False),
                col.is_not_null() & ~word.is_in(list(TRUE_CELLS | FALSE_CELLS)))
    return pl.lit(False), of_kind(frame, "volunteer", ())


@attrs.frozen
class RoleItems:
    """One entry per role a worker holds, in the rows' order: its row (`row`), its name's
    position in the names asked for (`role`: -1 where it is none of them), the day it was
    taken (`since`: `arrays.EARLIEST` where none is given or it is not a date) and
    whether it breaks §1 (`bad`)."""

    row: Rows
    role: Rows
    since: Days
    bad: Mask

    @classmethod
    def of(cls, items: pl.DataFrame) -> RoleItems:
        """From a frame of `_row`, `role` (the position), `since` (dates) and `_bad`."""
        return cls(items["_row"].to_numpy().astype(np.int64),
                   items["role"].to_numpy().astype(np.int64),
                   arrays.days(items["since"], arrays.EARLIEST),
                   items["_bad"].to_numpy().astype(np.bool_))


def role_items(frame: pl.DataFrame, roles: Collection[str],
               names: Sequence[str]) -> RoleItems:
    """Every role item of every row of `frame` (its columns `_row` and `roles`), each
    name checked against the policy's `roles` and given as its position in `names`.

    `roles` is a list of names, a list of `{role, since}` structs (the JSON shape), or
    text `name;name@DATE` as in CSV (§1.4). A worker's
    roles column of any other kind gives one bad item (the row path says why).
    """
    if "roles" not in frame.columns or frame.schema["roles"] == pl.Null:
        return RoleItems.of(pl.DataFrame(schema={"_row": pl.UInt32, "role": pl.Int32,
                                                 "since": pl.Date, "_bad": pl.Boolean}))
    dtype = frame.schema["roles"]
    items = frame.select("_row", "roles")
    known = list(roles)
    if dtype == pl.String:
        # Text with no item at all (the empty text, most often) is left out at once.
        each = (items.lazy().filter(pl.col("roles").is_not_null() & (pl.col("roles") != ""))
                .with_columns(pl.col("roles").str.split(";")).explode("roles").collect())
        # Each distinct item (`name` or `name@DATE`) is read once, however many workers
        # hold it: a workforce's items repeat (a few names, dates shared by many), and
        # reading text costs several times what finding the distinct texts does.
        encoded = each["roles"].to_arrow().dictionary_encode()
        read = _role_texts(pl.Series("roles", encoded.dictionary), known, names)
        # Through Polars: pyarrow's own to_numpy imports pandas (arrays.py says why not).
        which = pl.Series(encoded.indices).to_numpy()
        present = read["_given"].to_numpy()
        # Blank items (`a;;b`) are left out; most tables have none, and nothing to copy.
        kept = slice(None) if present.all() else np.flatnonzero(present[which])
        which = which[kept]
        return RoleItems(each["_row"].to_numpy().astype(np.int64)[kept],
                         read["role"].to_numpy().astype(np.int64)[which],
                         arrays.days(read["since"], arrays.EARLIEST)[which],
                         read["_bad"].to_numpy()[which])
    if isinstance(dtype, pl.List) and dtype.inner in _TEXT:
        entries = (items.filter(pl.col("roles").list.len() > 0).explode("roles")
                   .rename({"roles": "role"}).with_columns(pl.col("role").cast(pl.String)))
        return RoleItems.of(entries.select(
            "_row", role=arrays.code(pl.col("role"), names), since=pl.lit(None, pl.Date),
            _bad=pl.col("role").is_null() | ~pl.col("role").is_in(known)))
    if (isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)
            and "role" in {f.name for f in dtype.inner.fields}):
        # The JSON shape of §1.2: {"role": NAME, "since": DATE}.
        entries = (items.filter(pl.col("roles").list.len() > 0).explode("roles")
                   .select("_row", pl.col("roles").struct.unnest()))
        if "since" not in entries.columns:
            entries = entries.with_columns(since=pl.lit(None, pl.Date))
        since, since_bad = date_value(entries, "since")
        role = pl.col("role")
        text = entries.schema["role"] == pl.String
        name_bad = role.is_null() | ~role.is_in(known) if text else pl.lit(True)
        return RoleItems.of(entries.select(
            "_row", role=arrays.code(role, names) if text else pl.lit(-1, pl.Int32),
            since=since, _bad=name_bad | since_bad))
    given = pl.col("roles").is_not_null()
    if isinstance(dtype, pl.List):
        given = given & (pl.col("roles").list.len() > 0)
    return RoleItems.of(items.filter(given).select(
        "_row", role=pl.lit(-1, pl.Int32), since=pl.lit(None, pl.Date), _bad=pl.lit(True)))


def _role_texts(texts: pl.Series, known: list[str], names: Sequence[str]) -> pl.DataFrame:
    """Each role item's text read as in CSV (§1.4): `_given` (not blank), `role` (its
    position in `names`), `since` and `_bad` (an unknown name, or a `since` that is not a
    date)."""
    parts = pl.col("roles").str.strip_chars().str.splitn("@", 2)
    # Lazy, so that the date's reading is shared by its value and its check.
    since, since_bad = date_value(pl.DataFrame(schema={"since_text": pl.String}),
                                  "since_text")
    return (texts.to_frame().lazy()
            .select(_given=pl.col("roles").str.strip_chars() != "",
                    role=parts.struct.field("field_0").str.strip_chars(),
                    since_text=parts.struct.field("field_1").str.strip_chars())
            .select("_given", role=arrays.code(pl.col("role"), names), since=since,
                    _bad=~pl.col("role").is_in(known) | since_bad)
            .collect())


def training_checks(frame: pl.DataFrame, delivery: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(`completed` as dates, true on records that break §1.3); `delivery`: each record's
    `delivery_code`."""
    completed, completed_bad = date_value(frame, "completed")
    bad = required_text(frame, "training") | completed_bad | completed.is_null()
    if "delivery" in frame.columns:
        bad = bad | (pl.col("delivery").is_not_null() & delivery.is_null())
    if "hours" in frame.columns:
        bad = bad | hours_value(frame, "hours")
    for name in ("provider", "level"):
        if name in frame.columns:
            bad = bad | of_kind(frame, name, _TEXT)
    return completed, bad


# The column of each record's delivery as `delivery_code` reads it.
DELIVERY_CODE = "_delivery_code"
# An empty delivery, then §1.3's: `delivery_code`'s values.
DELIVERY_CODES = ("", *DELIVERIES)


def delivery_code(frame: pl.DataFrame, read: bool) -> pl.Expr:
    """Each record's delivery as its position in `DELIVERY_CODES` (0: empty), null where
    it is absent, not text or none of them: the text read once, for the check
    (`training_checks`) and, where the rules read which delivery it is (`read`), for them
    (`delivery_position`, `delivery_text`). Where they do not, any good delivery is 0: the
    check alone is a set lookup, about two thirds the cost of the enum cast that finds
    which one."""
    text = text_value(frame, "delivery")
    if not read:
        return pl.when(text.is_in(list(DELIVERY_CODES))).then(pl.lit(0, pl.UInt8))
    return text.cast(pl.Enum(DELIVERY_CODES), strict=False).to_physical()


def _by_delivery(values: pl.Series) -> pl.Expr:
    """Each record's value among `values`, one for each of `DELIVERY_CODES`, by its
    `DELIVERY_CODE`: a delivery absent or empty is single-agency (§1.3), and so is one that
    is not text or not a delivery, on a record the check sets aside."""
    return pl.lit(values).gather(pl.col(DELIVERY_CODE).fill_null(0))


def delivery_position(deliveries: Sequence[str]) -> pl.Expr:
    """Each record's delivery as its position in `deliveries`, -1 where it is none of
    them (`_by_delivery`)."""
    if not deliveries:
        return pl.lit(-1, pl.Int32)
    return _by_delivery(pl.Series([deliveries.index(d) if d in deliveries else -1
                                   for d in _DELIVERED], dtype=pl.Int32))


def delivery_text() -> pl.Expr:
    """Each record's delivery as text (`_by_delivery`)."""
    return _by_delivery(pl.Series(_DELIVERED, dtype=pl.String))


# What each of `DELIVERY_CODES` stands for: an empty delivery is single-agency.
_DELIVERED = tuple(d or "single-agency" for d in DELIVERY_CODES)
