"""Values from pandas and numpy, made plain before a mapping is validated.

A record built from a DataFrame (`df.to_dict("records")`, `row.to_dict()`) carries NaN,
`None`, `pd.NA` or `pd.NaT` for a missing cell, and numpy scalars (`np.int64`,
`np.bool_`, `np.float64`, `np.str_`) or arrays for the rest. Here a missing cell becomes a
missing field and a numpy value its Python value, so that the contract's own rules then
apply unchanged. A date-time (`datetime`, `pd.Timestamp`) is left as it is: validation
refuses it, as CONTRACT §1 says, with a message saying how to convert it.

`parse_worker` calls this on the worker mapping, and on a training record only when the
record is not plain JSON (its quick path failed), so the batch path pays one look at each
worker's top-level values and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PLAIN = frozenset({str, bool, int, list, type(None)})
_MISSING_TYPES = frozenset({"NAType", "NaTType"})  # pandas' NA and NaT, without pandas


def plain_record(data: Any) -> Any:
    """`data` with pandas/numpy values made plain: the same object when it already is, a
    new dict when not, and anything that is not a mapping unchanged (validation says why)."""
    if type(data) is dict and _PLAIN.issuperset(map(type, data.values())):
        return data
    if not isinstance(data, Mapping):
        return data
    out: dict[Any, Any] = {}
    for key, value in data.items():
        value = plain_value(value)
        if not missing(value):  # a missing cell is a missing field
            out[key] = value
    return out


def missing(value: object) -> bool:
    """None, NaN (float or numpy), `pd.NA` or `pd.NaT`."""
    return (value is None or (isinstance(value, float) and value != value)
            or type(value).__name__ in _MISSING_TYPES)


def plain_value(value: Any) -> Any:
    """A numpy scalar as its Python value and an array as a list; anything else as it is.

    `np.datetime64` becomes a `datetime.date` when it counts days and a `datetime` (which
    validation refuses) when it counts time; NaT becomes None.
    """
    kind = type(value)
    if kind.__module__ != "numpy":
        return value
    if kind.__name__ == "ndarray":
        return [plain_value(v) for v in value]
    if kind.__name__ == "datetime64":
        if value != value:  # NaT
            return None
        unit = str(value.dtype)
        return value.item() if unit == "datetime64[D]" else value.astype("datetime64[us]").item()
    item = getattr(value, "item", None)
    return item() if callable(item) else value
