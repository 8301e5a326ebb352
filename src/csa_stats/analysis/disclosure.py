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
zeros are involved, within the bounds that counts are not negative (linear programming). A reader
may also take every withheld cell to be at least 1 (the symbol's usual meaning): where the figures
allow that reading, no cell may be pinned down to its true value under it either (a total of 2
split over two withheld cells, with every other cell 0, pins both to 1, so a zero is withheld too). Each further cell is the
one that leaves fewest cells exposed, then the smallest count above zero. Property tests check the
result over random tables with an independent linear-programming check.

The policy (the range withheld, the symbol, which measures and breakdowns are sensitive) is
configuration: ``data/reference/disclosure.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from csa_stats.errors import UserError
from csa_stats.reference.policy import load_disclosure_policy


def is_sensitive(measure: str) -> bool:
    """Whether a measure's small counts are withheld (by ward, and for the whole area)."""
    return measure in load_disclosure_policy().sensitive_measures


#: Columns of a measure's change that would give a withheld count back.
_CHANGE_COLUMNS = (
    "change",
    "change_pct",
    "change_low_pct",
    "change_high_pct",
    "p_value",
    "significant",
    "verdict",
)


def withhold_small_totals(table: pd.DataFrame) -> pd.DataFrame:
    """A table of measures' changes (:func:`csa_stats.analysis.measures.measure_changes`) as it may be
    published: a sensitive measure's area-wide count from 1 to 4, in the period or the comparison
    period, is withheld (missing), and so are its change and its test. Adds the columns
    ``current_withheld`` and ``previous_withheld``.

    Examples
    --------
    >>> table = pd.DataFrame({"current": [3, 40], "previous": [9, 2], "change_pct": [-66.7, 1900.0],
    ...                       "p_value": [0.1, 0.0], "significant": [False, True], "change": [-6, 38]},
    ...                      index=pd.Index(["modern_slavery", "robbery"], name="measure"))
    >>> out = withhold_small_totals(table)
    >>> out["current"].tolist(), out["previous"].tolist(), out["change_pct"].isna().tolist()
    ([<NA>, 40], [9, 2], [True, False])
    """
    out = table.copy()
    sensitive = pd.Series([is_sensitive(str(k)) for k in out.index], index=out.index)

    def small(column: str) -> pd.Series:
        counts = pd.to_numeric(out[column], errors="coerce")
        return sensitive & counts.between(
            load_disclosure_policy().low, load_disclosure_policy().high
        ).fillna(False)

    out["current_withheld"], out["previous_withheld"] = small("current"), small("previous")
    either = out["current_withheld"] | out["previous_withheld"]
    out["current"] = out["current"].astype("Int64").mask(out["current_withheld"])
    out["previous"] = out["previous"].astype("Int64").mask(out["previous_withheld"])
    for column in _CHANGE_COLUMNS:
        if column in out:
            out[column] = out[column].astype(object).mask(either, None)
    return out


def is_sensitive_breakdown(column: str) -> bool:
    """Whether a breakdown (victim sex, age band, hate strand) is protected whatever the measure."""
    return column in load_disclosure_policy().sensitive_breakdowns


Margins = Literal["columns", "rows", "both"]


class DisclosureError(UserError, ValueError):
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
        out[column] = values.mask(
            values.between(load_disclosure_policy().low, load_disclosure_policy().high)
        )
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
        withheld[:, j] = (values[:, j] >= load_disclosure_policy().low) & (
            values[:, j] <= load_disclosure_policy().high
        )
    primary = withheld.copy()
    while exposed := _unprotected(values, withheld, margins, primary):
        partner = _partner(values, withheld, exposed, margins)
        if partner is None:
            # The cell-by-cell search is greedy and can corner itself: withhold every cell that
            # is not known to be 0 (in a total of 0) and check that again.
            withheld = ~_known_zero(values, margins)
            exposed = _unprotected(values, withheld, margins, primary)
            if not exposed:
                break
            i, j = exposed[0]
            raise DisclosureError(
                f"cell ({counts.index[i]}, {counts.columns[j]}) cannot be protected: the published "
                "totals give it away; withhold the totals too"
            )
        withheld[partner] = True
    out = counts.copy().astype("Int64")
    return out.mask(pd.DataFrame(withheld, index=counts.index, columns=counts.columns))


def _unprotected(
    values: np.ndarray, withheld: np.ndarray, margins: Margins, primary: np.ndarray
) -> list[tuple[int, int]]:
    """Withheld cells the published figures determine: exactly (linear algebra), or, where a
    withheld cell is zero, by the bounds that counts are not negative (linear programming); and
    small counts (``primary``) that the reading "every withheld cell is at least 1" pins to their
    true value (a larger count it pins gives no small one away)."""
    exposed = exposed_cells(withheld, margins)
    if exposed or not withheld.any():
        return exposed
    cells = [(int(i), int(j)) for i, j in np.argwhere(withheld)]
    pinned: list[tuple[int, int]] = []
    # At least 0 (what is true), or at least 1 (what the symbol suggests), if the figures allow it.
    for lower in (0, load_disclosure_policy().low):
        if lower == 0 and not (values[withheld] == 0).any():
            continue  # with no withheld zero, a line's withheld cells are never all pinned at 0
        ranges = value_ranges(values, withheld, margins, lower)
        if ranges is None:
            continue  # the published figures rule this reading out
        # Pinned to its true value: a reading that pins a withheld 0 to 1 is wrong, and gives
        # nothing away.
        pinned += [
            cell
            for cell, (low, high) in zip(cells, ranges, strict=True)
            if high - low < 0.5
            and abs(low - values[cell]) < 0.5
            and (lower == 0 or primary[cell])
            and cell not in pinned
        ]
    return pinned


def _known_zero(values: np.ndarray, margins: Margins) -> np.ndarray:
    """Cells in a published total of 0, which every reader knows are 0: withholding one hides
    nothing."""
    known = np.zeros(values.shape, dtype=bool)
    for line in _lines(values.shape, margins):
        if values[line].sum() == 0:
            known |= line
    return known


def _partner(
    values: np.ndarray,
    withheld: np.ndarray,
    exposed: list[tuple[int, int]],
    margins: Margins,
) -> tuple[int, int] | None:
    """The next cell to withhold: of the cells sharing a total with an exposed cell, the one that
    leaves the fewest cells exposed; then the smallest count above zero (zeros last, since a
    withheld zero beside a small count can narrow it down), ties broken by position."""
    blocked = withheld | _known_zero(values, margins)
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
    values: np.ndarray, withheld: np.ndarray, margins: Margins, lower: int = 0
) -> list[tuple[float, float]] | None:
    """The smallest and largest value each withheld cell could take, given the published cells,
    the published totals and that each is at least ``lower`` (two linear programmes a cell);
    ``None`` when no values at least ``lower`` fit the published figures."""
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
        low = linprog(objective, A_eq=equations, b_eq=totals, bounds=(lower, None))
        if low.status == 2:  # infeasible
            return None
        high = linprog(-objective, A_eq=equations, b_eq=totals, bounds=(lower, None))
        ranges.append((float(low.fun), float(-high.fun)))
    return ranges


def protect_breakdown(counts: pd.Series) -> pd.Series:
    """A sensitive breakdown's counts (wards, victim groups, strands) as published: counts of 1 to 4
    withheld, and whatever would reveal them from the total; the whole breakdown withheld when
    nothing less protects it. Withheld cells are missing.

    Examples
    --------
    >>> protect_breakdown(pd.Series([1, 1, 0, 0])).tolist()  # total 2: each 1, unless a 0 is hidden
    [<NA>, <NA>, <NA>, 0]
    >>> protect_breakdown(pd.Series([3, 0, 0])).tolist()  # 3 and 0, or 2 and 1, or...
    [<NA>, <NA>, 0]
    >>> protect_breakdown(pd.Series([3])).tolist()  # a breakdown of one: its total gives it away
    [<NA>]
    """
    # In the index's order, so that the same counts shown in two tables, sorted differently, are
    # withheld alike (ties between candidate cells are broken by position).
    frame = counts.astype("Int64").sort_index().to_frame("count")
    try:
        protected = protect_table(frame, ["count"], "columns")["count"]
    except DisclosureError:
        protected = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return protected.reindex(counts.index).rename(counts.name)
