"""The CSV files a reader downloads: every number as calculated, written as a person would.

A count kept as a float is written ``761``, not ``761.0``; arithmetic's floating-point noise is
dropped (``5.2``, not ``5.200000000000003``, for 63.2 less 58.0). Nothing else is rounded: the
page rounds for reading, the download keeps what was calculated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from csa_stats.files import write_text

#: Significant figures a download keeps: more than any figure here is known to, and fewer than
#: the 15 to 17 at which a double's representation noise shows.
SIGNIFICANT = 12


def csv_number(value: float) -> str:
    """A number as a download writes it.

    >>> [csv_number(v) for v in (761.0, 63.2 - 58.0, -23.36354481369587, 0.000123, -0.0)]
    ['761', '5.2', '-23.3635448137', '0.000123', '0']
    >>> csv_number(123456789012.5), csv_number(2e12), csv_number(1e20)
    ('123456789012', '2000000000000', '1e+20')
    """
    if not math.isfinite(value):
        return repr(float(value))
    kept = float(f"{value:.{SIGNIFICANT}g}")
    if kept == int(kept) and abs(kept) < 1e15:  # beyond, repr's exponent is shorter
        return str(int(kept))
    return repr(kept)


def _cell(value: object) -> object:
    """A float in a column of mixed cells (a number, or ``[c]`` where it is withheld)."""
    if isinstance(value, float) and math.isfinite(value):
        return csv_number(value)
    return value


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """``frame`` as CSV text, its numbers written by :func:`csv_number`; ``options`` are
    :meth:`pandas.DataFrame.to_csv`'s (``index``, ``na_rep``...)."""
    mixed = [
        number for number, dtype in enumerate(frame.dtypes) if pd.api.types.is_object_dtype(dtype)
    ]
    if mixed:
        frame = frame.copy()
        for number in mixed:
            frame.isetitem(number, frame.iloc[:, number].map(_cell))
    return str(frame.to_csv(float_format=csv_number, **options))


def write_csv(frame: pd.DataFrame, path: Path, **options: Any) -> Path:
    """Write ``frame`` to ``path`` as :func:`csv_text`, whole or not at all."""
    return write_text(path, csv_text(frame, **options))
