"""Checks of single worker fields, shared by the validation of mappings and of typed
workers. Each takes the list of problems found so far and appends what is wrong."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from ..diagnostics import closest
from ..errors import Problem, encodable
from ..semantics.dates import is_plain_date, parse_iso_date
from .vocabulary import CONTACT_LEVELS, DELIVERIES, MAX_HOURS, SECTORS

Problems = list[Problem]

CONTACTS = frozenset(CONTACT_LEVELS)
SECTORS_SET = frozenset(SECTORS)
DATE_ALLOWED = "a date YYYY-MM-DD, such as 2026-03-01"
TEXT_ALLOWED = "text that UTF-8 can hold (no lone surrogate such as \\ud800)"
UNENCODABLE = "cannot be written as UTF-8 (it holds a lone surrogate)"


def worker_id(value: object, problems: Problems) -> str | None:
    """The id to name the worker by (None when there is none), with its problems."""
    if value is None or value == "":
        problems.append(Problem("id", "is missing", None, "a non-empty string"))
        return None
    if not isinstance(value, str):
        problems.append(Problem("id", f"must be a string, not {kind(value)}", value,
                                "a non-empty string"))
        return str(value)
    if not value.isascii() and not can_encode(value):
        problems.append(Problem("id", UNENCODABLE, value, TEXT_ALLOWED))
    return value


def can_encode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def free_text(value: object, field: str, problems: Problems) -> str | None:
    """Optional free text (agency, provider, level)."""
    if value is None or (type(value) is str and value.isascii()):
        return value
    if not isinstance(value, str):
        problems.append(Problem(field, f"must be a string, not {kind(value)}", value,
                                "free text"))
        return None
    if not can_encode(value):
        problems.append(Problem(field, UNENCODABLE, value, TEXT_ALLOWED))
    return value


_PLAIN = frozenset((int, float, bool, type(None)))


def unknown_fields(extra: Mapping[Any, Any], prefix: str, problems: Problems) -> None:
    """Unknown fields are kept and may be written out again: their text must be UTF-8."""
    for key, value in extra.items():
        # The usual field first: an ASCII name and an ASCII text or a number.
        if (type(key) is str and key.isascii()
                and ((type(value) is str and value.isascii()) or type(value) in _PLAIN)):
            continue
        if not _all_encodable(key, value):
            problems.append(Problem(prefix + encodable(str(key)), UNENCODABLE, value,
                                    TEXT_ALLOWED))


def _all_encodable(*values: object) -> bool:
    stack = list(values)
    while stack:  # not recursive: a field may nest deeper than the stack allows
        value = stack.pop()
        if type(value) is str or isinstance(value, str):
            if not value.isascii() and not can_encode(value):
                return False
        elif isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return True


_SLASHED = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def date_value(value: object, field: str, problems: Problems, required: bool,
          text: bool = True) -> datetime.date | None:
    """A date: a `datetime.date`, or (`text`, in mappings) an ISO `YYYY-MM-DD` string."""
    if type(value) is str and text:
        try:
            return parse_iso_date(value)
        except ValueError:
            pass  # the full path below says what is wrong
    if value is None or value == "":
        if required:
            problems.append(Problem(field, "is missing", None, "a date YYYY-MM-DD"))
        return None
    if is_plain_date(value):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime.datetime):
        problems.append(Problem(field, f"is a date-time ({value.isoformat()}), not a date; "
                                "convert it with .date() (a pandas column: .dt.date)",
                                value.isoformat(), "a date YYYY-MM-DD"))
        return None
    if not text:
        problems.append(Problem(field, f"must be a datetime.date, not {kind(value)}", value,
                                "a datetime.date"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(field, f"must be a date string, not {kind(value)}", value,
                                "a date YYYY-MM-DD"))
        return None
    try:
        return parse_iso_date(value)
    except ValueError:
        if "T" in value or ":" in value:
            why = "is a date-time, not a date"
        elif _SLASHED.fullmatch(value.strip()):
            # Never guessed: 01/02/2025 is 1 February in the UK and 2 January in the US.
            why = (f"{value!r} is ambiguous: day and month could be either way round; "
                   "give the order with --date-format dd/mm/yyyy (or mm/dd/yyyy), or write "
                   "YYYY-MM-DD")
        else:
            why = f"{value!r} is not a calendar date"
        problems.append(Problem(field, why, value, DATE_ALLOWED))
        return None


def contact(value: object, problems: Problems) -> str | None:
    if value is None:
        problems.append(Problem("contact", "is missing", None, ", ".join(CONTACT_LEVELS)))
        return None
    if value not in CONTACT_LEVELS:
        problems.append(Problem("contact", f"unknown contact level {value!r}"
                                f"{mean(value, CONTACT_LEVELS)}", value,
                                ", ".join(CONTACT_LEVELS)))
        return None
    return str(value)


def sector(value: object, problems: Problems) -> str | None:
    if value is not None and value not in SECTORS:
        problems.append(Problem("sector", f"unknown sector {value!r}{mean(value, SECTORS)}",
                                value, ", ".join(SECTORS)))
        return None
    return value if isinstance(value, str) else None


def volunteer(value: object, problems: Problems) -> None:
    if not isinstance(value, bool):
        problems.append(Problem("volunteer", f"must be true or false, not {value!r}", value,
                                "true, false"))


def role_name(name: object, field: str, roles: Collection[str], problems: Problems) -> bool:
    if isinstance(name, str) and name in roles:
        return True
    problems.append(Problem(field, f"unknown role {name!r}{mean(name, roles)}", name,
                            ", ".join(sorted(roles))))
    return False


def training_id(value: object, field: str, problems: Problems) -> None:
    if not isinstance(value, str) or not value:
        problems.append(Problem(field + ".training", "is missing" if value is None or
                                value == "" else f"must be a string, not {kind(value)}",
                                value, "a training id from the policy's catalogue"))
    elif not value.isascii() and not can_encode(value):
        problems.append(Problem(field + ".training", UNENCODABLE, value, TEXT_ALLOWED))


def delivery_problem(value: object, field: str, problems: Problems) -> None:
    problems.append(Problem(field + ".delivery", f"unknown delivery {value!r}"
                            f"{mean(value, DELIVERIES)}", value, ", ".join(DELIVERIES)))


def hours(value: object, field: str, problems: Problems) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or (isinstance(value, float) and not math.isfinite(value))
                              or value < 0):
        problems.append(Problem(field + ".hours", f"must be a non-negative number, not "
                                f"{value!r}", value, "a number of hours"))
    elif isinstance(value, (int, float)) and value > MAX_HOURS:
        problems.append(Problem(field + ".hours", f"must be at most {MAX_HOURS} hours, not "
                                f"{value!r}", value, f"a number of hours up to {MAX_HOURS}"))


def mean(value: object, choices: Collection[str]) -> str:
    guess = closest(value, choices) if isinstance(value, str) else None
    return f" (did you mean {guess!r}?)" if guess else ""


def kind(value: object) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "an object", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)
