"""Counts, changes between periods with a test of chance, shares, rates and rankings.

Every function takes the tidy incident table and returns a new table; none changes its input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csa_stats.definitions import Measure, availability, load_definitions, select_measure
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


def ward_changes(
    subset: pd.DataFrame, population: pd.DataFrame, params: RunParameters
) -> pd.DataFrame:
    """Rows of the incident table counted by ward: share, rate per 1,000 residents, rank, change.

    Every ward of the population table appears, with zero where it had none; the test of change is
    made for every ward, including those with none in either period.
    """
    current = in_window(subset, params.period)["ward_code"].astype(str).value_counts()
    previous = in_window(subset, params.comparison)["ward_code"].astype(str).value_counts()
    table = population.set_index("ward_code")[["ward_name", "population"]].copy()
    table["current"] = current.reindex(table.index, fill_value=0).astype(int)
    table["previous"] = previous.reindex(table.index, fill_value=0).astype(int)
    table["change"] = table["current"] - table["previous"]
    ratio = params.period.months / params.comparison.months
    tests = [
        compare_counts(c, p, ratio)
        for c, p in zip(table["current"], table["previous"], strict=True)
    ]
    table["change_pct"] = [t.percent for t in tests]
    table["p_value"] = [t.p_value for t in tests]
    table["significant"] = [t.significant for t in tests]
    total = int(table["current"].sum())
    table["share_pct"] = 100.0 * table["current"] / total if total else np.nan
    table["rate_per_1000"] = rate_per_1000(table["current"], table["population"])
    table["rank"] = table["rate_per_1000"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rate_per_1000", "ward_name"], ascending=[False, True])


def ward_table(
    incidents: pd.DataFrame, population: pd.DataFrame, params: RunParameters
) -> pd.DataFrame:
    """Recorded crime (ASB excluded) by ward; see :func:`ward_changes`."""
    return ward_changes(crimes(incidents), population, params)


def monthly_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts of recorded crime and ASB over the whole data, every month present."""
    months = pd.period_range(incidents["month"].min(), incidents["month"].max(), freq="M")
    index = months.start_time
    out = pd.DataFrame(index=pd.Index(index, name="month"))
    out["recorded_crime"] = crimes(incidents)["month"].value_counts().reindex(index, fill_value=0)
    out["asb"] = asb(incidents)["month"].value_counts().reindex(index, fill_value=0)
    return out.astype(int)


def measure_changes(
    incidents: pd.DataFrame,
    params: RunParameters,
    keys: list[str],
    area: Area,
    instead: dict[str, Measure] | None = None,
) -> pd.DataFrame:
    """For each named measure: the period's count, the comparison count, the change and its test.

    A measure the source cannot provide has ``available`` False, its reason in ``note``, and missing
    counts (never zero). ``instead`` gives a measure to count in place of a named one (a proxy).
    """
    definitions = load_definitions()
    period = params.period.contains(incidents["month"]).to_numpy()
    comparison = params.comparison.contains(incidents["month"]).to_numpy()
    ratio = params.period.months / params.comparison.months
    rows = []
    for key in keys:
        measure = (instead or {}).get(key) or definitions.measures[key]
        reason = availability(measure, incidents)
        row: dict[str, object] = {"measure": key, "label": measure.label, "unit": measure.unit}
        if reason:
            row.update(available=False, note=reason)
        else:
            selected = select_measure(incidents, measure, area)
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
    for column in ("change_pct", "p_value"):  # absent when no measure is available
        if column not in table:
            table[column] = float("nan")
    if "significant" not in table:
        table["significant"] = pd.array([pd.NA] * len(table), dtype="boolean")
    return table


def monthly_measure(incidents: pd.DataFrame, key: str, area: Area) -> pd.Series:
    """Monthly counts of one measure over the whole data, every month present."""
    measure = load_definitions().measures[key]
    months = pd.period_range(
        incidents["month"].min(), incidents["month"].max(), freq="M"
    ).start_time
    chosen = incidents.loc[select_measure(incidents, measure, area), "month"]
    return chosen.value_counts().reindex(months, fill_value=0).sort_index().astype(int)


def ward_measure_counts(
    incidents: pd.DataFrame, window: Window, keys: list[str], area: Area
) -> pd.DataFrame:
    """Counts of each measure by ward in a window: a row per ward (all wards), a column per measure."""
    definitions = load_definitions()
    inside = in_window(incidents, window)
    out = pd.DataFrame(index=pd.Index(area.ward_codes, name="ward_code"))
    for key in keys:
        chosen = inside.loc[select_measure(inside, definitions.measures[key], area), "ward_code"]
        counts = chosen.astype(str).value_counts()
        out[key] = counts.reindex(out.index, fill_value=0).astype("Int64")
    return out


def share_table(
    incidents: pd.DataFrame, params: RunParameters, pairs: list[tuple[str, str]], area: Area
) -> pd.DataFrame:
    """Each part as a share of its whole, in the period and the comparison period.

    A pair is not available when either measure is not; a share of an empty whole is missing.
    """
    keys = sorted({k for pair in pairs for k in pair})
    counts = measure_changes(incidents, params, keys, area)
    rows = []
    for part, whole in pairs:
        row: dict[str, object] = {
            "part": counts.at[part, "label"],
            "whole": counts.at[whole, "label"],
        }
        if counts.at[part, "available"] and counts.at[whole, "available"]:
            for period in ("current", "previous"):
                denominator = counts.at[whole, period]
                row[f"{period}_pct"] = (
                    100.0 * counts.at[part, period] / denominator if denominator else np.nan
                )
            row["change_points"] = row["current_pct"] - row["previous_pct"]  # type: ignore[operator]
        else:
            row.update(current_pct=np.nan, previous_pct=np.nan, change_points=np.nan)
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["part", "whole", "current_pct", "previous_pct", "change_points"]
    )


def victim_profile(
    incidents: pd.DataFrame, params: RunParameters, key: str, area: Area
) -> pd.DataFrame | None:
    """Victims of a measure in the period by sex and by age band: counts and shares.

    Shares are of victims whose sex (or age band) is recorded. ``None`` when the source records
    neither, or the measure is not available.
    """
    measure = load_definitions().measures[key]
    if availability(measure, incidents) is not None:
        return None
    if incidents["victim_sex"].isna().all() and incidents["victim_age_band"].isna().all():
        return None
    chosen = in_window(incidents, params.period)
    chosen = chosen.loc[select_measure(chosen, measure, area)]
    rows = []
    for column, kind in (("victim_sex", "Sex"), ("victim_age_band", "Age band")):
        values = chosen[column].dropna().astype(str)
        categories = (
            list(chosen[column].cat.categories)
            if isinstance(chosen[column].dtype, pd.CategoricalDtype)
            else sorted(values.unique())
        )
        counts = values.value_counts().reindex(categories, fill_value=0)
        total = int(counts.sum())
        for value, count in counts.items():
            share = 100.0 * count / total if total else np.nan
            rows.append(
                {"group": kind, "value": str(value), "victims": int(count), "share_pct": share}
            )
    return pd.DataFrame(rows)


def breakdown(
    incidents: pd.DataFrame, params: RunParameters, key: str, column: str, area: Area
) -> pd.DataFrame | None:
    """A measure split by a column (e.g. hate crime by strand), with each part's change.

    ``None`` when the measure is not available or the column is not recorded.
    """
    measure = load_definitions().measures[key]
    if availability(measure, incidents) is not None or incidents[column].isna().all():
        return None
    chosen = incidents.loc[select_measure(incidents, measure, area)]
    table = change_by(chosen, params, column)
    total = int(table["current"].sum())
    table.insert(1, "share_pct", 100.0 * table["current"] / total if total else np.nan)
    return table


def ward_ranking(
    incidents: pd.DataFrame, population: pd.DataFrame, params: RunParameters, key: str, area: Area
) -> pd.DataFrame | None:
    """A measure by ward (see :func:`ward_changes`); ``None`` when the source cannot provide it."""
    measure = load_definitions().measures[key]
    if availability(measure, incidents) is not None:
        return None
    return ward_changes(incidents.loc[select_measure(incidents, measure, area)], population, params)
