"""Hours as the engines add them."""

from __future__ import annotations

import math

# Hours are added as whole millionths of an hour (3.6 ms), not as floats: a float total
# depends on the order it is added in (0.7 + 0.2 + 0.1 < 1.0 <= 0.1 + 0.2 + 0.7), and a
# decision must not depend on record order or on the engine. `vocabulary.MAX_HOURS` keeps
# a record's units, and any worker's total, inside the columnar engine's 64-bit integers.
HOURS_UNIT = 1_000_000


def units(hours: float) -> int:
    """Hours as whole units, rounded half up. The columnar engine writes the same IEEE
    operations (`engines/columnar/hours.py`), so the two agree to the unit."""
    return math.floor(hours * HOURS_UNIT + 0.5)


def from_units(count: int) -> float:
    return count / HOURS_UNIT
