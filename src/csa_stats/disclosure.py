"""Statistical disclosure control for published tables.

Primary suppression: in sensitive categories, counts from 1 to 4 could identify a victim, so they
are withheld and shown as ``[c]`` (the ONS convention for confidential cells). Zero is published: a
count of none identifies no one.

Secondary suppression: a withheld cell must not be recoverable from what is published beside it.
When a table's column totals are published (a ward table's column total is the city's figure, shown
elsewhere), a column with a single withheld cell gives it away by subtraction; with row totals too,
the withheld cells must not be pinned down by the rows and columns together. So further cells are
withheld until no withheld cell is determined by the published totals and cells: exactly (its unit
vector lies in the row space of the totals' equations over the withheld cells), or, where withheld
zeros are involved, within the bounds that counts are not negative (linear programming). Each
further cell is the one that leaves fewest cells exposed, then the smallest count above zero.
Property tests check the result over random tables with an independent linear-programming check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import linprog

#: Smallest and largest counts that are withheld in sensitive categories.
LOW, HIGH = 1, 4
#: How a withheld cell is shown.
SUPPRESSED = "[c]"

Margins = Literal["columns", "rows", "both"]


class DisclosureError(ValueError):
    """A table cannot be protected by withholding cells (for example a single-cell line)."""


def suppress_small_counts(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Return a copy with counts of 1 to 4 in ``columns`` replaced by missing values.

    Zero is kept: a count of none discloses no one. The input is not changed.

    Examples
    --------
    >>> suppress_small_counts(pd.DataFrame({"a": [0, 1, 4, 5]}), ["a"])["a"].tolist()
    [0, <NA>, <NA>, 5]
    """
    out = table.copy()
    for column in columns:
        values = out[column].astype("Int64")
        out[column] = values.mask(values.between(LOW, HIGH))
    return out


def _lines(shape: tuple[int, int], margins: Margins) -> list[np.ndarray]:
    """Boolean masks of the cells each published total adds up."""
    rows, cols = shape
    lines = []
    if margins in ("columns", "both"):
        for j in range(cols):
            mask = np.zeros(shape, dtype=bool)
            mask[:, j] = True
            lines.append(mask)
    if margins in ("rows", "both"):
        for i in range(rows):
            mask = np.zeros(shape, dtype=bool)
            mask[i, :] = True
            lines.append(mask)
    return lines


def exposed_cells(withheld: np.ndarray, margins: Margins) -> list[tuple[int, int]]:
    """Withheld cells whose value follows from the published totals and cells.

    A withheld cell is determined exactly when its unit vector is a combination of the totals'
    equations restricted to the withheld cells.

    Examples
    --------
    >>> exposed_cells(np.array([[True], [False]]), "columns")  # one withheld cell in a column
    [(0, 0)]
    >>> exposed_cells(np.array([[True], [True]]), "columns")
    []
    """
    cells = [(int(i), int(j)) for i, j in np.argwhere(withheld)]
    if not cells:
        return []
    index = {cell: k for k, cell in enumerate(cells)}
    equations = []
    for line in _lines(withheld.shape, margins):
        row = np.zeros(len(cells))
        for cell in cells:
            if line[cell]:
                row[index[cell]] = 1.0
        if row.any():
            equations.append(row)
    if not equations:
        return []
    A = np.array(equations)
    rank = np.linalg.matrix_rank(A)
    exposed = []
    for cell, k in index.items():
        unit = np.zeros(len(cells))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([A, unit])) == rank:
            exposed.append(cell)
    return exposed


def protect_table(
    counts: pd.DataFrame, sensitive: Iterable[str], margins: Margins = "columns"
) -> pd.DataFrame:
    """Withhold small counts in the ``sensitive`` columns (primary), then whatever else would
    reveal them from the published ``margins`` (secondary). Withheld cells become missing.

    Parameters
    ----------
    counts
        Non-negative whole counts; the input is not changed.
    sensitive
        Columns whose counts of 1 to 4 are withheld.
    margins
        Which totals are published (here or elsewhere): column totals, row totals, or both.

    Raises
    ------
    DisclosureError
        If a withheld cell cannot be protected by withholding more cells (a line with one cell).

    Examples
    --------
    >>> table = pd.DataFrame({"hate": [3, 9, 12, 0], "asb": [40, 2, 50, 7]})
    >>> protect_table(table, ["hate"])["hate"].tolist()  # 3 withheld, and 9, the next smallest
    [<NA>, <NA>, 12, 0]
    """
    values = counts.to_numpy(dtype="int64", na_value=-1)
    if (values < 0).any():
        raise DisclosureError("counts must be whole numbers of at least zero, with none missing")
    columns = [counts.columns.get_loc(c) for c in sensitive]
    withheld = np.zeros(values.shape, dtype=bool)
    for j in columns:
        withheld[:, j] = (values[:, j] >= LOW) & (values[:, j] <= HIGH)
    while exposed := _unprotected(values, withheld, margins):
        partner = _partner(values, withheld, exposed, margins)
        if partner is None:
            i, j = exposed[0]
            raise DisclosureError(
                f"cell ({counts.index[i]}, {counts.columns[j]}) cannot be protected: the published "
                "totals give it away; withhold the totals too"
            )
        withheld[partner] = True
    out = counts.copy().astype("Int64")
    return out.mask(pd.DataFrame(withheld, index=counts.index, columns=counts.columns))


def _unprotected(
    values: np.ndarray, withheld: np.ndarray, margins: Margins
) -> list[tuple[int, int]]:
    """Withheld cells the published figures determine: exactly (linear algebra), or, where a
    withheld cell is zero, by the bounds that counts are not negative (linear programming)."""
    exposed = exposed_cells(withheld, margins)
    if exposed or not (values[withheld] == 0).any():
        return exposed
    cells = [(int(i), int(j)) for i, j in np.argwhere(withheld)]
    ranges = value_ranges(values, withheld, margins)
    return [cell for cell, (low, high) in zip(cells, ranges, strict=True) if high - low < 0.5]


def _partner(
    values: np.ndarray,
    withheld: np.ndarray,
    exposed: list[tuple[int, int]],
    margins: Margins,
) -> tuple[int, int] | None:
    """The next cell to withhold: of the cells sharing a total with an exposed cell, the one that
    leaves the fewest cells exposed; then the smallest count above zero (zeros last, since a
    withheld zero beside a small count can narrow it down), ties broken by position."""
    # A cell in a total of zero is known to be zero: withholding it hides nothing.
    known = np.zeros(values.shape, dtype=bool)
    for line in _lines(values.shape, margins):
        if values[line].sum() == 0:
            known |= line
    blocked = withheld | known
    candidates: set[tuple[int, int]] = set()
    for i, j in exposed:
        if margins in ("columns", "both"):
            candidates |= {(r, j) for r in range(values.shape[0]) if not blocked[r, j]}
        if margins in ("rows", "both"):
            candidates |= {(i, c) for c in range(values.shape[1]) if not blocked[i, c]}
    if not candidates:
        return None

    def cost(cell: tuple[int, int]) -> tuple[int, bool, int, tuple[int, int]]:
        trial = withheld.copy()
        trial[cell] = True
        return (len(exposed_cells(trial, margins)), values[cell] == 0, int(values[cell]), cell)

    return min(candidates, key=cost)


def value_ranges(
    values: np.ndarray, withheld: np.ndarray, margins: Margins
) -> list[tuple[float, float]]:
    """The smallest and largest value each withheld cell could take, given the published cells,
    the published totals and that counts are not negative (two linear programmes a cell)."""
    cells = [(int(i), int(j)) for i, j in np.argwhere(withheld)]
    equations, totals = [], []
    for line in _lines(values.shape, margins):
        row = [1.0 if line[cell] else 0.0 for cell in cells]
        if any(row):
            equations.append(row)
            totals.append(float(values[line & withheld].sum()))
    ranges = []
    for k in range(len(cells)):
        objective = np.zeros(len(cells))
        objective[k] = 1.0
        low = linprog(objective, A_eq=equations, b_eq=totals, bounds=(0, None))
        high = linprog(-objective, A_eq=equations, b_eq=totals, bounds=(0, None))
        ranges.append((float(low.fun), float(-high.fun)))
    return ranges
