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

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
from scipy import stats

from csa_stats.params import Window
from csa_stats.schema import describe_failures
from csa_stats.sources.policeuk import (
    PoliceUkError,
    csv_header,
    find_files,
    lookup_files,
    positions,
    read_columns,
    read_lookup,
)

#: Measures compared, by police.uk crime types (None: every crime type but ASB).
PEER_MEASURES: dict[str, tuple[str, list[str] | None]] = {
    "recorded_crime": ("Recorded crime (police.uk)", None),
    "asb": ("Anti-social behaviour", ["Anti-social behaviour"]),
    "violence_proxy": (
        "Robbery and possession of weapons (serious violence proxy)",
        ["Robbery", "Possession of weapons"],
    ),
}
#: Control limits drawn: two-sided coverage.
LIMITS = (0.95, 0.998)


class PeerError(ValueError):
    """A peer-comparison input is wrong; the message names the file and row."""


def read_lad_population(path: Path) -> pd.DataFrame:
    """Local authorities' resident populations: ``lad_code, lad_name, population, source``."""
    try:
        table = pd.read_csv(path, dtype={"lad_code": str, "lad_name": str, "source": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise PeerError(f"{path}: cannot read local authority populations: {error}") from None
    schema = pa.DataFrameSchema(
        {
            "lad_code": pa.Column(str, pa.Check.str_matches(r"^[EW]0[6-9]\d{6}$"), unique=True),
            "lad_name": pa.Column(str),
            "population": pa.Column(int, pa.Check.gt(0), coerce=True),
            "source": pa.Column(str),
        },
        strict=True,
    )
    try:
        return schema.validate(table, lazy=True).set_index("lad_code")
    except pa.errors.SchemaErrors as error:
        raise PeerError(describe_failures(error, str(path))) from None


def lsoa_to_lad(lookups: Path) -> dict[str, str]:
    """LSOA 2021 code -> local authority code, from the ONS lookups (every LSOA they hold)."""
    mapping: dict[str, str] = {}
    for file in lookup_files(lookups):
        if {"LSOA21CD", "LAD22CD"} <= set(csv_header(file)):
            table = read_lookup(file, ["LSOA21CD", "LAD22CD"])
            mapping.update(zip(table["LSOA21CD"], table["LAD22CD"], strict=True))
    if not mapping:
        raise PeerError(f"{lookups}: no ONS lookup from LSOA 2021 to local authority (LAD22CD)")
    return mapping


def lad_counts(path: Path, lookups: Path, window: Window) -> tuple[pd.DataFrame, int]:
    """Counts of each peer measure by local authority in a window, from police.uk files.

    Returns the counts (index: LAD code) and the number of rows whose LSOA no lookup places (2011
    codes that changed in 2021, or none), which are left out.
    """
    mapping = lsoa_to_lad(lookups)
    months = {str(p) for p in pd.period_range(window.start, window.end, freq="M")}
    sources = [s for s in find_files(path) if s.month in months]
    if not sources:
        raise PoliceUkError(f"{path}: no street-level files for {window.span}")
    codes = pa_arrow.array(sorted(mapping))
    lads = np.array([mapping[c] for c in sorted(mapping)], dtype=object)
    frames, unplaced = [], 0
    for source in sources:
        table = read_columns(source)
        # each row's crime type from the distinct values (checked as text there); blank -> None
        names, type_index, _ = positions(table, "Crime type", codes[:0], source)
        types = np.array([*names.to_pylist(), None], dtype=object)[type_index]
        _, index, position = positions(table, "LSOA code", codes, source)
        unplaced += int(((position < 0) & (index >= 0)).sum())
        placed = position >= 0
        frames.append(
            pd.DataFrame({"lad_code": lads[position[placed]], "crime_type": types[placed]})
        )
    rows = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame(index=pd.Index(sorted(rows["lad_code"].unique()), name="lad_code"))
    for key, (_, crime_types) in PEER_MEASURES.items():
        chosen = (
            rows["crime_type"] != "Anti-social behaviour"
            if crime_types is None
            else rows["crime_type"].isin(crime_types)
        )
        out[key] = rows.loc[chosen, "lad_code"].value_counts().reindex(out.index, fill_value=0)
    return out.astype(int), unplaced


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
