"""Secondary suppression, checked over random tables: no withheld cell can be worked out.

The check is independent of the code's own (linear-algebra) rule: for every withheld cell, two
linear programmes find the smallest and largest value it could take given everything published (the
unwithheld cells, the published totals, and that counts are not negative). A cell is protected when
the two differ. A reader may also take every withheld cell to be at least 1 (what `[c]` suggests):
wherever the published figures allow that reading, no small count may be pinned down to its true
value under it either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from csa_stats.analysis.disclosure import DisclosureError, exposed_cells, protect_table


def value_range(
    counts: np.ndarray, withheld: np.ndarray, margins: str, lower: int = 0
) -> list[tuple[float, float]]:
    """The smallest and largest value of each withheld cell consistent with what is published and
    with every withheld cell being at least ``lower`` (but those in a total of 0, which a reader
    knows are 0); empty when nothing is consistent."""
    cells = [tuple(ij) for ij in np.argwhere(withheld)]
    rows, cols = counts.shape
    equations, totals = [], []
    lines = []
    if margins in ("columns", "both"):
        lines += [[(r, j) for r in range(rows)] for j in range(cols)]
    if margins in ("rows", "both"):
        lines += [[(i, c) for c in range(cols)] for i in range(rows)]
    for line in lines:
        row = [1.0 if cell in line else 0.0 for cell in cells]
        if any(row):
            known = sum(counts[c] for c in line if not withheld[c])
            equations.append(row)
            totals.append(sum(counts[c] for c in line) - known)
    in_zero_total = {c for line in lines if sum(counts[c] for c in line) == 0 for c in line}
    bounds = [(0 if cell in in_zero_total else lower, None) for cell in cells]
    ranges = []
    for k in range(len(cells)):
        objective = np.zeros(len(cells))
        objective[k] = 1.0
        low = linprog(objective, A_eq=equations or None, b_eq=totals or None, bounds=bounds)
        if lower and low.status == 2:
            return []  # no reading with every withheld cell at least 1 fits the figures
        high = linprog(-objective, A_eq=equations or None, b_eq=totals or None, bounds=bounds)
        assert low.status == 0 and high.status == 0
        ranges.append((low.fun, -high.fun))
    return ranges


def _pins(bounds: tuple[float, float], true: int) -> bool:
    """Whether a cell's range leaves one value, its true one (a reading that takes a withheld 0 to
    be at least 1 may pin it to 1, wrongly: that gives nothing away)."""
    low, high = bounds
    return high - low < 0.5 and abs(low - true) < 0.5


small_counts = st.integers(0, 30).map(lambda v: v if v % 3 else v % 6)  # many 0 to 5


@st.composite
def tables(draw, margins: str) -> pd.DataFrame:
    rows = draw(st.integers(2, 7))
    cols = draw(st.integers(2 if margins == "both" else 1, 5))
    values = draw(
        st.lists(st.lists(small_counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
    return pd.DataFrame(values, columns=[f"m{j}" for j in range(cols)])


@pytest.mark.parametrize("margins", ["columns", "rows", "both"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_withheld_cell_can_be_worked_out_from_the_totals(margins: str, data) -> None:
    table = data.draw(tables("both" if margins == "both" else "columns"))
    if margins == "rows" and table.shape[1] < 2:
        return  # a row total of a one-column table is the cell itself
    sensitive = data.draw(st.lists(st.sampled_from(list(table.columns)), unique=True, min_size=1))
    values = table.to_numpy()
    try:
        protected = protect_table(table, sensitive, margins)  # type: ignore[arg-type]
    except DisclosureError:
        # refused only when the totals alone give a small count away: withholding every cell of
        # the table still leaves one pinned down
        everything = np.ones(values.shape, dtype=bool)
        small = [
            k
            for k, (i, j) in enumerate(np.argwhere(everything))
            if table.columns[j] in sensitive and 1 <= values[i, j] <= 4
        ]
        truth = values[everything]
        pinned = [
            any(_pins(ranges[k], truth[k]) for k in small)
            for ranges in (value_range(values, everything, margins, lower) for lower in (0, 1))
            if ranges
        ]
        assert any(pinned)
        return
    withheld = protected.isna().to_numpy()

    # primary: every small count in a sensitive column is withheld
    for column in sensitive:
        small = table[column].between(1, 4)
        assert protected.loc[small, column].isna().all()
    # nothing published is changed
    shown = ~withheld
    assert (protected.to_numpy(dtype="float64", na_value=np.nan)[shown] == values[shown]).all()
    # secondary: no withheld cell is pinned down, knowing that counts are not negative, nor
    # taking every withheld cell to be at least 1
    primary = np.zeros(values.shape, dtype=bool)
    for column in sensitive:
        primary[:, table.columns.get_loc(column)] = table[column].between(1, 4).to_numpy()
    for lower in (0, 1):
        ranges = value_range(values, withheld, margins, lower)
        for (low, high), true, small in zip(
            ranges, values[withheld], primary[withheld], strict=False
        ):
            # at least 0: no withheld cell pinned; at least 1: no small count pinned
            if lower == 0 or small:
                assert not _pins((low, high), true), (lower, low, high, true)
    # and a table with nothing small in its sensitive columns is left alone
    if not any(table[c].between(1, 4).any() for c in sensitive):
        assert not withheld.any()


def test_one_withheld_cell_in_a_column_gets_a_partner_the_smallest_non_zero() -> None:
    table = pd.DataFrame({"hate": [3, 0, 12, 9, 40]})
    assert protect_table(table, ["hate"])["hate"].isna().tolist() == [
        True,
        False,
        False,
        True,
        False,
    ]


def test_two_small_counts_in_a_column_protect_each_other() -> None:
    table = pd.DataFrame({"hate": [3, 2, 12, 9]})
    assert protect_table(table, ["hate"])["hate"].isna().tolist() == [True, True, False, False]


def test_with_row_and_column_totals_the_withheld_cells_form_a_rectangle() -> None:
    table = pd.DataFrame({"a": [2, 10, 30], "b": [20, 11, 40], "c": [50, 60, 70]})
    withheld = protect_table(table, ["a"], "both").isna().to_numpy()
    assert withheld.sum() == 4
    assert withheld[0, 0] and withheld[1, 0] and withheld[0, 1] and withheld[1, 1]
    assert exposed_cells(withheld, "both") == []


def test_a_cell_alone_in_its_total_cannot_be_protected() -> None:
    with pytest.raises(DisclosureError, match=r"cell \(0, a\) cannot be protected"):
        protect_table(pd.DataFrame({"a": [3]}), ["a"])


def test_a_total_of_two_over_two_small_cells_and_zeros_hides_a_zero_too() -> None:
    """The case found: a city total of 2, two wards of 1 and every other ward 0. Withholding the
    two 1s alone pins each to exactly 1 for a reader who takes `[c]` to be 1 to 4."""
    table = pd.DataFrame({"hate": [0, 1, 0, 1, 0, 0]})
    withheld = protect_table(table, ["hate"])["hate"].isna().tolist()
    assert withheld == [True, True, False, True, False, False]  # the first zero joins them


def test_a_larger_count_pinned_by_the_at_least_1_reading_gives_nothing_away() -> None:
    """Found by the property test: withholding every cell not known to be 0 protects this table's
    small counts; that the reading "at least 1" pins the 1s of the other column is no disclosure
    of column m0."""
    table = pd.DataFrame([[1, 1, 0, 0, 2], [2, 1, 0, 0, 0]], columns=[f"m{j}" for j in range(5)])
    protected = protect_table(table, ["m0"], "both")
    withheld = protected.isna().to_numpy()
    values = table.to_numpy()
    assert withheld[0, 0] and withheld[1, 0]
    for low, high in value_range(values, withheld, "both", 0):
        assert high - low > 0.5
