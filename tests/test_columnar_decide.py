"""decide.py's NumPy shortcuts give what the plain NumPy they stand for gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from policyrules.contract.vocabulary import STATUSES
from policyrules.engines.columnar import decide

# Status codes as decide.py holds them: positions in STATUSES, 255 for "does not apply".
_CODES = st.sampled_from([*range(len(STATUSES)), 255]).map(np.uint8)


@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0),
                  elements=_CODES))
def test_any_overdue_is_numpys_any(statuses: np.ndarray) -> None:
    expected = (statuses == STATUSES.index("overdue")).any(axis=1)
    assert np.array_equal(decide._any_overdue(statuses), expected)


@given(st.lists(st.integers(0, 2**40), unique=True).map(sorted), st.integers(1, 40))
def test_row_and_column_is_divmod(cells: list[int], width: int) -> None:
    """In 32 bits while the cells fit, in 64 beyond (a table of more than 2**31 cells)."""
    cell = np.array(cells, np.int64)
    row, column = decide._row_and_column(cell, width)
    want_row, want_column = np.divmod(cell, width)
    assert row.dtype == np.int64 and column.dtype == np.int32
    assert np.array_equal(row, want_row) and np.array_equal(column, want_column)


def test_row_and_column_below_and_at_32_bits() -> None:
    for top in (2**31 - 2, 2**31 - 1, 2**31):
        cell = np.array([0, 7, top], np.int64)
        row, column = decide._row_and_column(cell, 10)
        assert row.tolist() == [0, 0, top // 10] and column.tolist() == [0, 7, top % 10]
