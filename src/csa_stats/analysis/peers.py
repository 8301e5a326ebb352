"""An illustrative peer comparison: the area beside the other local authorities of its police force.

police.uk force files hold every local authority the force covers. For a period, each authority's
count of a measure police.uk can give is divided by its resident population (an input file: ONS
Census 2021 or mid-year estimates) and shown on a funnel plot: rate against population, with
control limits around the force-wide rate that narrow as populations grow (exact Poisson limits at
95% and 99.8%). An authority outside the 99.8% limits differs from the force-wide rate by more than
chance would explain. This is not the Home Office's most similar group comparison: authorities of one
force differ in many ways, which the plot does not adjust for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csa_stats.params import Window
from csa_stats.reference.definitions import (
    Measure,
    availability,
    load_definitions,
    load_serious_violence,
    select_measure,
)
from csa_stats.reference.taxonomy import Area

#: Control limits drawn: two-sided coverage.
LIMITS = (0.95, 0.998)


@dataclass(frozen=True)
class PeerMeasure:
    """A measure compared across the force's authorities: as configured, or its police.uk proxy."""

    key: str
    measure: Measure
    is_proxy: bool


def peer_measures(records: pd.DataFrame) -> list[PeerMeasure]:
    """The measures of ``measures.yml``'s ``peers`` list as the records can give them: a measure
    the source cannot give is followed through its police.uk proxy (``serious_violence.yml``), as
    in the serious-violence chapter, or left out."""
    definitions, violence = load_definitions(), load_serious_violence()
    out = []
    for key in definitions.peer_measures:
        measure = definitions.measures[key]
        if availability(measure, records) is None:
            out.append(PeerMeasure(key, measure, False))
        elif key in violence.proxies and availability(violence.proxies[key], records) is None:
            out.append(PeerMeasure(key, violence.proxies[key], True))
    return out


def lad_counts(
    records: pd.DataFrame, window: Window, chosen: list[PeerMeasure], area: Area
) -> pd.DataFrame:
    """Each local authority's count of each chosen measure in ``window`` (index: LAD code;
    columns: the measures' keys), selected by the same definitions as every other count.

    Examples
    --------
    >>> from csa_stats.reference.taxonomy import load_area
    >>> rows = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 3), "is_crime": [True,
    ...     True, False], "lad_code": ["E1", "E2", "E1"], "source": "extract"})
    >>> total = PeerMeasure("total_recorded_crime", load_definitions().measures[
    ...     "total_recorded_crime"], False)
    >>> w = Window(pd.Period("2024-01", "M"), pd.Period("2024-01", "M"))
    >>> lad_counts(rows, w, [total], load_area()).to_dict()
    {'total_recorded_crime': {'E1': 1, 'E2': 1}}
    """
    inside = records[window.contains(records["month"])]
    lads = pd.Index(sorted(inside["lad_code"].astype(str).unique()), name="lad_code")
    out = pd.DataFrame(index=lads)
    for peer in chosen:
        selected = inside.loc[select_measure(inside, peer.measure, area), "lad_code"].astype(str)
        out[peer.key] = selected.value_counts().reindex(lads, fill_value=0).astype(int)
    return out


def funnel(counts: pd.Series, population: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rates per 1,000 residents with exact Poisson control limits around the pooled rate.

    Returns the authorities (count, population, rate, the limits at their population, and whether
    they lie outside them) and the limit curves over a range of populations, for the chart.

    Examples
    --------
    >>> table, _ = funnel(pd.Series([100, 300]), pd.Series([100_000, 100_000]))
    >>> float(table["rate"].iloc[0]), float(table["pooled_rate"].iloc[0])
    (1.0, 2.0)
    """
    both = pd.DataFrame({"count": counts, "population": population}).dropna()
    pooled = both["count"].sum() / both["population"].sum()
    both["rate"] = 1000 * both["count"] / both["population"]
    both["pooled_rate"] = 1000 * pooled
    for level in LIMITS:
        low, high = _limits(pooled, both["population"].to_numpy(), level)
        both[f"low_{level}"], both[f"high_{level}"] = low, high
    widest = f"{LIMITS[-1]}"
    both["outside"] = np.where(
        both["rate"] > both[f"high_{widest}"],
        "above",
        np.where(both["rate"] < both[f"low_{widest}"], "below", "within"),
    )
    grid = np.linspace(both["population"].min() * 0.8, both["population"].max() * 1.1, 200)
    curve = pd.DataFrame({"population": grid})
    for level in LIMITS:
        curve[f"low_{level}"], curve[f"high_{level}"] = _limits(pooled, grid, level)
    return both, curve


def _limits(pooled: float, population: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for a count at the pooled rate, as rates per 1,000."""
    expected = pooled * population
    tail = (1 - level) / 2
    low = stats.poisson.ppf(tail, expected)
    high = stats.poisson.ppf(1 - tail, expected)
    return 1000 * low / population, 1000 * high / population
