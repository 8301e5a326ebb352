"""The published Coventry figures the project uses, each with its source."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from csa_stats import paths


@lru_cache(maxsize=2)
def published_figures(path: Path | None = None) -> pd.DataFrame:
    """Return ``data/reference/published_figures.csv`` indexed by ``figure_id``."""
    path = path or paths.reference_file(paths.PUBLISHED_FIGURES)
    return pd.read_csv(path, dtype={"period": str}).set_index("figure_id")


def figure(figure_id: str) -> float:
    """Return one published figure's value.

    Raises
    ------
    KeyError
        If the table has no such figure.
    """
    table = published_figures()
    if figure_id not in table.index:
        raise KeyError(f"published figure {figure_id!r} is not in published_figures.csv")
    return float(table.at[figure_id, "value"])
