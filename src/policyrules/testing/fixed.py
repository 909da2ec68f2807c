"""Fixing a strategy's fields: a value or a strategy of the caller's, checked so that a
wrong value fails at once with a `UsageError` naming the field, not deep inside a draw."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from typing import Any

from hypothesis import strategies as st

from ..contract.vocabulary import CONTACT_LEVELS, DELIVERIES, SECTORS
from ..contract.workers import RoleAssignment, TrainingRecord
from ..errors import UsageError

Strategy = st.SearchStrategy


def fixed_or(value: Any, default: Strategy[Any], check: Any, name: str,
              convert: Any = None) -> Strategy[Any]:
    """`value` as a strategy: a strategy stays one (its draws are checked or converted); a
    plain value is checked and becomes `st.just(value)`; None means `default`."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        if convert is not None:
            return value.map(convert)
        if check is not None:
            return value.map(lambda v: checked(check, v, name))
        return value
    if convert is not None:
        return st.just(convert(value))
    return st.just(checked(check, value, name))


def checked(check: Any, value: Any, name: str) -> Any:
    if check is not None:
        check(value, name)
    return value


def need_date(value: object, name: str) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise UsageError(f"{name} must be a datetime.date, not {value!r}")


def need_id(value: object, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{name} must be a non-empty string, not {value!r}")


def need_text(value: object, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{name} must be a string or None, not {value!r}")


def need_bool(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {value!r}")


def need_contact(value: object, name: str) -> None:
    if value not in CONTACT_LEVELS:
        raise UsageError(f"{name} must be one of {', '.join(CONTACT_LEVELS)}, not {value!r}")


def need_sector(value: object, name: str) -> None:
    if value is not None and value not in SECTORS:
        raise UsageError(f"{name} must be one of {', '.join(SECTORS)} or None, not {value!r}")


def need_delivery(value: object, name: str) -> None:
    if value not in DELIVERIES:
        raise UsageError(f"{name} must be one of {', '.join(DELIVERIES)}, not {value!r}")


def need_role(value: object, known: Collection[str]) -> None:
    if value not in known:
        raise UsageError(f"unknown role {value!r}; the policy's roles are "
                         f"{', '.join(sorted(known))}")


def role_tuple(value: object, known: Collection[str]) -> tuple[RoleAssignment, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise UsageError(f"roles must be a list of role names or RoleAssignment, not {value!r}")
    out = []
    for item in value:
        assignment = RoleAssignment(item) if isinstance(item, str) else item
        if not isinstance(assignment, RoleAssignment):
            raise UsageError(f"roles: {item!r} is neither a role name nor a RoleAssignment")
        need_role(assignment.role, known)
        out.append(assignment)
    return tuple(out)


def record_tuple(value: object) -> tuple[TrainingRecord, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise UsageError(f"training must be a list of TrainingRecord, not {value!r}")
    out = tuple(value)
    for item in out:
        if not isinstance(item, TrainingRecord):
            raise UsageError(f"training: {item!r} is not a TrainingRecord")
    return out
