"""Counts, changes between periods with a test of chance, shares, rates and rankings.

Every function takes the tidy incident table and returns a new table; none changes its input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csa_stats.definitions import availability, load_definitions, select
from csa_stats.params import RunParameters, Window
from csa_stats.taxonomy import Area

#: Significance level for "more than chance".
ALPHA = 0.05


@dataclass(frozen=True)
class Change:
    """A count in the period against the comparison period, with a test of whether it is chance."""

    current: int
    previous: int
    p_value: float

    @property
    def difference(self) -> int:
        """Current minus previous."""
        return self.current - self.previous

    @property
    def percent(self) -> float:
        """Per cent change; NaN when the previous count is zero."""
        if self.previous == 0:
            return math.nan
        return 100.0 * self.difference / self.previous

    @property
    def significant(self) -> bool:
        """True when a change this large is unlikely to be chance (p < ALPHA)."""
        return self.p_value < ALPHA


def compare_counts(current: int, previous: int, exposure_ratio: float = 1.0) -> Change:
    """Compare two counts with the exact conditional test for two Poisson rates.

    Given the total ``current + previous``, the current count is binomial with probability
    ``r / (1 + r)`` under no change, where ``r`` is the ratio of the periods' lengths. The two-sided
    p-value is the binomial test's.

    Examples
    --------
    >>> compare_counts(20, 10).difference
    10
    >>> round(compare_counts(20, 10).p_value, 4)
    0.0987
    """
    if current < 0 or previous < 0:
        raise ValueError("counts must not be negative")
    total = current + previous
    if total == 0:
        return Change(current, previous, 1.0)
    p = exposure_ratio / (1.0 + exposure_ratio)
    return Change(current, previous, float(stats.binomtest(current, total, p).pvalue))


def in_window(incidents: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Rows of the incident table whose month is inside the window."""
    return incidents.loc[window.contains(incidents["month"])]


def crimes(incidents: pd.DataFrame) -> pd.DataFrame:
    """Recorded crime only (ASB excluded), the basis of total recorded crime."""
    return incidents.loc[incidents["is_crime"]]


def asb(incidents: pd.DataFrame) -> pd.DataFrame:
    """ASB reports only."""
    return incidents.loc[~incidents["is_crime"]]


def period_change(incidents: pd.DataFrame, params: RunParameters) -> Change:
    """The change in the number of rows between the comparison period and the period."""
    current = len(in_window(incidents, params.period))
    previous = len(in_window(incidents, params.comparison))
    return compare_counts(current, previous, params.period.months / params.comparison.months)


def rate_per_1000(count: pd.Series | float, population: pd.Series | float) -> pd.Series | float:
    """Count per 1,000 residents; NaN where the population is zero or missing.

    Examples
    --------
    >>> rate_per_1000(50, 20_000)
    2.5
    """
    if isinstance(population, pd.Series):
        return 1000.0 * count / population.where(population > 0)
    return 1000.0 * count / population if population and population > 0 else math.nan


def headline_table(incidents: pd.DataFrame, params: RunParameters) -> pd.DataFrame:
    """Total recorded crime and ASB in the period against the comparison period."""
    rows = []
    for label, subset in (
        ("Total recorded crime", crimes(incidents)),
        ("Anti-social behaviour", asb(incidents)),
    ):
        change = period_change(subset, params)
        rows.append(_change_row(label, change))
    return pd.DataFrame(rows).set_index("measure")


def _change_row(label: str, change: Change) -> dict[str, object]:
    return {
        "measure": label,
        "current": change.current,
        "previous": change.previous,
        "change": change.difference,
        "change_pct": change.percent,
        "p_value": change.p_value,
        "significant": change.significant,
    }


def change_by(incidents: pd.DataFrame, params: RunParameters, column: str) -> pd.DataFrame:
    """Counts by a column in the period and the comparison period, with change and test."""
    current = in_window(incidents, params.period)[column].value_counts()
    previous = in_window(incidents, params.comparison)[column].value_counts()
    # Categorical columns list every category; keep only keys seen in one period or the other.
    keys = current.index[current > 0].union(previous.index[previous > 0])
    ratio = params.period.months / params.comparison.months
    rows = [
        _change_row(str(k), compare_counts(int(current.get(k, 0)), int(previous.get(k, 0)), ratio))
        for k in keys
    ]
    table = pd.DataFrame(rows).set_index("measure")
    table.index.name = column
    return table.sort_values(["current", "previous"], ascending=False)


def top_offences(incidents: pd.DataFrame, params: RunParameters, n: int = 10) -> pd.DataFrame:
    """The ``n`` most recorded offences in the period, with their share of total recorded crime."""
    crime = crimes(incidents)
    table = change_by(crime, params, "offence")
    total = len(in_window(crime, params.period))
    table.insert(1, "share_pct", 100.0 * table["current"] / total if total else np.nan)
    return table.head(n)


def ward_table(
    incidents: pd.DataFrame, population: pd.DataFrame, params: RunParameters
) -> pd.DataFrame:
    """Recorded crime by ward: count, share, rate per 1,000 residents, rank, change.

    Every ward of the population table appears, with zero where it had no crime.
    """
    crime = crimes(incidents)
    by_ward = change_by(crime, params, "ward_code")
    table = population.set_index("ward_code")[["ward_name", "population"]].join(by_ward, how="left")
    for column in ("current", "previous", "change"):
        table[column] = table[column].fillna(0).astype(int)
    total = int(table["current"].sum())
    table["share_pct"] = 100.0 * table["current"] / total if total else np.nan
    table["rate_per_1000"] = rate_per_1000(table["current"], table["population"])
    table["rank"] = table["rate_per_1000"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rate_per_1000", "ward_name"], ascending=[False, True])


def monthly_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts of recorded crime and ASB over the whole data, every month present."""
    months = pd.period_range(incidents["month"].min(), incidents["month"].max(), freq="M")
    index = months.start_time
    out = pd.DataFrame(index=pd.Index(index, name="month"))
    out["recorded_crime"] = crimes(incidents)["month"].value_counts().reindex(index, fill_value=0)
    out["asb"] = asb(incidents)["month"].value_counts().reindex(index, fill_value=0)
    return out.astype(int)


def measure_changes(
    incidents: pd.DataFrame, params: RunParameters, keys: list[str], area: Area
) -> pd.DataFrame:
    """For each named measure: the period's count, the comparison count, the change and its test.

    A measure the source cannot provide has ``available`` False, its reason in ``note``, and missing
    counts (never zero).
    """
    definitions = load_definitions()
    period = params.period.contains(incidents["month"]).to_numpy()
    comparison = params.comparison.contains(incidents["month"]).to_numpy()
    ratio = params.period.months / params.comparison.months
    rows = []
    for key in keys:
        measure = definitions.measures[key]
        reason = availability(measure, incidents)
        row: dict[str, object] = {"measure": key, "label": measure.label, "unit": measure.unit}
        if reason:
            row.update(available=False, note=reason)
        else:
            selected = select(incidents, measure.filter, area)
            change = compare_counts(
                int((selected & period).sum()), int((selected & comparison).sum()), ratio
            )
            row.update(_change_row(key, change), available=True, note="")
        rows.append(row)
    table = pd.DataFrame(rows).set_index("measure")
    for column in ("current", "previous", "change"):
        if column not in table:
            table[column] = pd.NA
        table[column] = table[column].astype("Int64")
    return table


def monthly_measure(incidents: pd.DataFrame, key: str, area: Area) -> pd.Series:
    """Monthly counts of one measure over the whole data, every month present."""
    measure = load_definitions().measures[key]
    months = pd.period_range(
        incidents["month"].min(), incidents["month"].max(), freq="M"
    ).start_time
    chosen = incidents.loc[select(incidents, measure.filter, area), "month"]
    return chosen.value_counts().reindex(months, fill_value=0).sort_index().astype(int)


def ward_measure_counts(
    incidents: pd.DataFrame, params: RunParameters, keys: list[str], area: Area
) -> pd.DataFrame:
    """Counts of each measure by ward in the period: one row per ward (all wards), one column per measure."""
    definitions = load_definitions()
    in_period = in_window(incidents, params.period)
    out = pd.DataFrame(index=pd.Index(area.ward_codes, name="ward_code"))
    for key in keys:
        chosen = in_period.loc[
            select(in_period, definitions.measures[key].filter, area), "ward_code"
        ]
        counts = chosen.astype(str).value_counts()
        out[key] = counts.reindex(out.index, fill_value=0).astype("Int64")
    return out
