"""Statistical disclosure control for published tables.

Primary suppression: in sensitive categories, counts from 1 to 4 at ward level could identify a
victim, so they are withheld and shown as ``[c]`` (the ONS convention for confidential cells).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Smallest and largest counts that are withheld in sensitive categories.
LOW, HIGH = 1, 4
#: How a withheld cell is shown.
SUPPRESSED = "[c]"


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
