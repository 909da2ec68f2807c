"""`--date-format`: dates in a CSV or xlsx export written in a stated order (UK
`dd/mm/yyyy`, US `mm/dd/yyyy`), turned into ISO dates before validation.

The order is never guessed: without a format, `01/02/2025` is an error of its record that
says it is ambiguous (contract/fields.py). With one, a date that does not fit it, or is not
a calendar date under it (`31/02/2025`), is an error of that record naming the value.
An ISO date (`2025-02-01`) is read under every format: it cannot be misread.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from ..errors import UsageError, WorkerError

# name → (pattern, the order of its groups as (year, month, day) indices)
_FORMATS: dict[str, tuple[re.Pattern[str], tuple[int, int, int]]] = {
    "dd/mm/yyyy": (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), (3, 2, 1)),
    "mm/dd/yyyy": (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), (3, 1, 2)),
    "yyyy-mm-dd": (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
}
DATE_FORMATS = tuple(_FORMATS)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateFormat:
    """One of `DATE_FORMATS`; `iso(text, …)` gives the ISO date text it means."""

    def __init__(self, name: str) -> None:
        if name not in _FORMATS:
            raise UsageError(f"unknown date format {name!r}; the formats are: "
                             f"{', '.join(DATE_FORMATS)}")
        self.name = name
        self._pattern, self._order = _FORMATS[name]

    def iso(self, text: str, worker: str | None, field: str) -> str:
        """`text` as an ISO date. Raises WorkerError (of `worker`, `field`) when it does
        not fit the format or is not a calendar date under it."""
        text = text.strip()
        if _ISO.fullmatch(text):
            return text  # validation checks it is a calendar date
        m = self._pattern.fullmatch(text)
        if m is None:
            raise WorkerError(f"{text!r} is not a date {self.name}", worker=worker,
                              field=field, value=text,
                              allowed=f"a date {self.name} (--date-format), or YYYY-MM-DD")
        y, mo, d = (int(m.group(i)) for i in self._order)
        try:
            return datetime.date(y, mo, d).isoformat()
        except ValueError:
            raise WorkerError(f"{text!r} is not a calendar date read as {self.name}",
                              worker=worker, field=field, value=text,
                              allowed=f"a date {self.name} (--date-format)") from None

    def record(self, data: dict[str, Any], worker: str | None) -> None:
        """The dates of a worker row (`started`, each role's `since`, each training
        record's `completed`) turned to ISO in place."""
        if isinstance(data.get("started"), str):
            data["started"] = self.iso(data["started"], worker, "started")
        for i, role in enumerate(data.get("roles") or ()):
            if isinstance(role, dict) and isinstance(role.get("since"), str) and role["since"]:
                role["since"] = self.iso(role["since"], worker, f"roles[{i}].since")
        for i, item in enumerate(data.get("training") or ()):
            if isinstance(item, dict) and isinstance(item.get("completed"), str):
                item["completed"] = self.iso(item["completed"], worker,
                                             f"training[{i}].completed")
