"""Counts, changes between periods with a test of chance, shares, rates and rankings.

Every function takes the tidy incident table and returns a new table; none changes its input.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from csa_stats import paths
from csa_stats.params import RunParameters, Window
from csa_stats.reference.definitions import (
    Measure,
    availability,
    load_definitions,
    select_measure,
)
from csa_stats.reference.policy import load_change_policy
from csa_stats.reference.taxonomy import Area

Verdict = Literal["clear rise", "clear fall", "no clear change", "too few to judge"]


@dataclass(frozen=True)
class Change:
    """A count in the period against the comparison period, with a test of whether it is chance.

    ``ratio_low`` and ``ratio_high`` bound the 95% interval of the ratio of the periods' monthly
    rates; ``dispersion`` is the variance-to-mean ratio the test allowed for (1 is Poisson).
    """

    current: int
    previous: int
    p_value: float  # NaN when the counts cannot be tested (one period has none)
    ratio_low: float = math.nan
    ratio_high: float = math.nan
    dispersion: float = 1.0

    @property
    def difference(self) -> int:
        """Current minus previous."""
        return self.current - self.previous

    @property
    def too_small(self) -> bool:
        """Fewer than the policy's ``min_count`` in either period: a percentage would mean little."""
        return min(self.current, self.previous) < load_change_policy().min_count

    @property
    def percent(self) -> float:
        """Per cent change; NaN when the previous count is zero."""
        if self.previous == 0:
            return math.nan
        return 100.0 * self.difference / self.previous

    @property
    def significant(self) -> bool:
        """True when a change this large is unlikely to be chance (``p_value`` below the policy's
        ``alpha``), and neither count is too small to judge."""
        return not self.too_small and bool(self.p_value < load_change_policy().alpha)

    @property
    def verdict(self) -> Verdict:
        """``"clear rise"``, ``"clear fall"``, ``"no clear change"`` or ``"too few to judge"``."""
        if self.too_small:
            return "too few to judge"
        if not self.significant or self.difference == 0:
            return "no clear change"
        return "clear rise" if self.difference > 0 else "clear fall"


def _ratio_test(
    current: int, previous: int, exposure_ratio: float, dispersion: float, df: float
) -> Change:
    """Wald test of the log rate ratio with variance ``dispersion * (1/current + 1/previous)``,
    referred to Student's t with ``df`` degrees of freedom (the quasi-Poisson test)."""
    if current == 0 or previous == 0:
        return Change(current, previous, math.nan, dispersion=dispersion)
    log_ratio = math.log(current / previous / exposure_ratio)
    se = math.sqrt(dispersion * (1.0 / current + 1.0 / previous))
    reference = stats.t(df) if math.isfinite(df) else stats.norm()
    p_value = float(2.0 * reference.sf(abs(log_ratio) / se))
    half = float(reference.ppf(0.975)) * se
    return Change(
        current,
        previous,
        p_value,
        math.exp(log_ratio - half),
        math.exp(log_ratio + half),
        dispersion,
    )


def compare_counts(
    current: int, previous: int, exposure_ratio: float = 1.0, dispersion: float | None = None
) -> Change:
    """Compare two totals that have no monthly series behind them.

    Their variance is taken as ``dispersion`` times the mean (default: the policy's
    ``assumed_dispersion``, the upper end of what real police-recorded series show); ``1`` is the
    Poisson test. ``exposure_ratio`` is the ratio of the periods' lengths (or populations).

    Examples
    --------
    >>> compare_counts(20, 10).difference
    10
    >>> # z = log(1.2) / sqrt(1/120 + 1/100) = 0.1823 / 0.1354 = 1.35: p = 0.178
    >>> round(compare_counts(120, 100, dispersion=1.0).p_value, 3)
    0.178
    """
    if current < 0 or previous < 0:
        raise ValueError("counts must not be negative")
    phi = load_change_policy().assumed_dispersion if dispersion is None else dispersion
    return _ratio_test(current, previous, exposure_ratio, max(phi, 1.0), math.inf)


def pearson_dispersion(groups: list[np.ndarray]) -> tuple[float, int]:
    """Pearson chi-square over residual degrees of freedom, each group's months about its own
    mean: the quasi-Poisson dispersion of a model with one rate per group. Returns
    ``(dispersion, df)``; NaN dispersion when there is no degree of freedom or no count.

    Examples
    --------
    >>> pearson_dispersion([np.array([8, 12]), np.array([20, 20])])  # (4+4)/10 + 0, over 2 df
    (0.4, 2)
    """
    chi2, df = 0.0, 0
    for values in groups:
        values = np.asarray(values, dtype=float)
        mean = float(values.mean()) if len(values) else 0.0
        df += len(values) - 1
        if mean > 0:
            chi2 += float(((values - mean) ** 2).sum() / mean)
    return (chi2 / df if df > 0 else math.nan), df


def _months_in(monthly: pd.Series, window: Window) -> np.ndarray:
    inside = monthly[window.contains(pd.Series(monthly.index, index=monthly.index))]
    if len(inside) != window.months:
        raise ValueError(
            f"the monthly series does not cover {window.span}: every month must be present"
        )
    return inside.to_numpy(dtype=float)


def compare_windows(monthly: pd.Series, period: Window, comparison: Window) -> Change:
    """Compare a monthly series' total in ``period`` with its total in ``comparison``.

    Quasi-Poisson: the ratio of the two periods' monthly rates is tested with a variance of the
    dispersion times the Poisson variance, the dispersion (never below 1) estimated from the months
    of both periods about their own period's mean. When the periods are too short for that
    (fewer than ``min_dispersion_df`` degrees of freedom), the dispersion comes from the
    ``dispersion_months`` months to the period's end, split into halves, instead.
    """
    policy = load_change_policy()
    now, before = _months_in(monthly, period), _months_in(monthly, comparison)
    dispersion, df = pearson_dispersion([now, before])
    if df < policy.min_dispersion_df:
        start = max(
            pd.Period(monthly.index.min(), "M"), period.end - (policy.dispersion_months - 1)
        )
        longer = _months_in(monthly, Window(start, period.end))
        dispersion, df = pearson_dispersion(np.array_split(longer, 2))
    if not math.isfinite(dispersion) or df < 1:
        dispersion, df = policy.assumed_dispersion, 0
    return _ratio_test(
        int(now.sum()),
        int(before.sum()),
        period.months / comparison.months,
        max(dispersion, 1.0),
        df if df > 0 else math.inf,
    )


@cache
def measured_false_alarm_rate(max_dispersion: float = 3.0, min_mean: float = 70.0) -> float:
    """The change test's false-alarm rate as ``make calibrate`` measured it: the highest share of
    series with no true change called clear, over the dispersions up to ``max_dispersion`` (the
    range the larger real series show) and monthly means of at least ``min_mean``. The nominal
    rate (``alpha``) when the calibration file is absent."""
    path = paths.reference_file(paths.CALIBRATION)
    if not path.is_file():
        return load_change_policy().alpha
    cells = json.loads(path.read_text(encoding="utf-8")).get("change_test", [])
    rates = [
        float(cell["clear"])
        for cell in cells
        if cell["fall"] == 0 and cell["phi"] <= max_dispersion and cell["mean"] >= min_mean
    ]
    return max(rates) if rates else load_change_policy().alpha


def compare_series(monthly: pd.Series, period_end: pd.Period, months: int = 12) -> Change:
    """Compare the ``months`` to ``period_end`` with the ``months`` before them.

    ``monthly``: counts indexed by month start, every month present. The test allows for counts
    that vary more than Poisson (quasi-Poisson, the dispersion from the two periods' own months:
    :func:`compare_windows`); a change is called clear (``significant``) only when neither
    period has fewer than the policy's ``min_count``. ``make calibrate`` publishes its false-alarm rate.

    Examples
    --------
    >>> months = pd.date_range("2022-01-01", periods=24, freq="MS")
    >>> flat = pd.Series([90, 110] * 6 + [100] * 12, index=months)
    >>> change = compare_series(flat, pd.Period("2023-12", "M"))
    >>> change.current, change.previous, change.significant
    (1200, 1200, False)
    """
    end = pd.Period(period_end, "M")
    period = Window(end - (months - 1), end)
    comparison = Window(end - (2 * months - 1), end - months)
    return compare_windows(monthly, period, comparison)


def in_window(incidents: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Rows of the incident table whose month is inside the window."""
    return incidents.loc[window.contains(incidents["month"])]


def crimes(incidents: pd.DataFrame) -> pd.DataFrame:
    """Recorded crime only (ASB excluded), the basis of total recorded crime."""
    return incidents.loc[incidents["is_crime"]]


def asb(incidents: pd.DataFrame) -> pd.DataFrame:
    """ASB reports only."""
    return incidents.loc[~incidents["is_crime"]]


def months_of(incidents: pd.DataFrame, params: RunParameters) -> pd.DatetimeIndex:
    """Every month from the data's first (or the comparison period's start, if earlier) to the
    period's end, as month starts: the index of the monthly series a change is tested on."""
    first = min(params.comparison.start, params.period.start)
    if len(incidents):
        first = min(first, pd.Period(incidents["month"].min(), "M"))
    return pd.period_range(first, params.period.end, freq="M").start_time


def monthly_of(rows: pd.DataFrame, months: pd.DatetimeIndex) -> pd.Series:
    """The number of rows each month, every month of ``months`` present."""
    return rows["month"].value_counts().reindex(months, fill_value=0).sort_index().astype(int)


def period_change(incidents: pd.DataFrame, params: RunParameters) -> Change:
    """The change in the number of rows between the comparison period and the period, tested on
    their months (:func:`compare_windows`)."""
    monthly = monthly_of(incidents, months_of(incidents, params))
    return compare_windows(monthly, params.period, params.comparison)


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
    """A change as a table row: the counts, the change (its percentage only when the counts are
    large enough to judge), the interval of the percentage change, the test and the verdict."""
    judged = not change.too_small
    return {
        "measure": label,
        "current": change.current,
        "previous": change.previous,
        "change": change.difference,
        "change_pct": change.percent if judged else math.nan,
        "change_low_pct": 100.0 * (change.ratio_low - 1.0) if judged else math.nan,
        "change_high_pct": 100.0 * (change.ratio_high - 1.0) if judged else math.nan,
        "p_value": change.p_value,
        "significant": change.significant,
        "verdict": change.verdict,
    }


def change_by(incidents: pd.DataFrame, params: RunParameters, column: str) -> pd.DataFrame:
    """Counts by a column in the period and the comparison period, with change and test (each
    value's own monthly series, :func:`compare_windows`)."""
    current = in_window(incidents, params.period)[column].value_counts()
    previous = in_window(incidents, params.comparison)[column].value_counts()
    # Categorical columns list every category; keep only keys seen in one period or the other.
    keys = current.index[current > 0].union(previous.index[previous > 0])
    months = months_of(incidents, params)
    # every value's monthly counts at once (one pass, not one selection per value)
    by_month = (
        incidents.groupby([column, "month"], observed=True)
        .size()
        .unstack(column, fill_value=0)
        .reindex(months, fill_value=0)
    )
    rows = [
        _change_row(
            str(k),
            compare_windows(
                by_month[k].astype(int).rename("count"), params.period, params.comparison
            ),
        )
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

    Every ward of the population table appears, with zero where it had none. No ward's change is
    tested: with dozens of wards and measures, several would pass any test by chance alone. A
    ward's per cent change is missing when either count is below the policy's ``min_count``.
    """
    current = in_window(subset, params.period)["ward_code"].astype(str).value_counts()
    previous = in_window(subset, params.comparison)["ward_code"].astype(str).value_counts()
    table = population.set_index("ward_code")[["ward_name", "population"]].copy()
    table["current"] = current.reindex(table.index, fill_value=0).astype(int)
    table["previous"] = previous.reindex(table.index, fill_value=0).astype(int)
    table["change"] = table["current"] - table["previous"]
    small = np.minimum(table["current"], table["previous"]) < load_change_policy().min_count
    table["change_pct"] = (
        100.0 * table["change"] / table["previous"].where(table["previous"] > 0)
    ).mask(small)
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
    months = months_of(incidents, params)
    rows = []
    for key in keys:
        measure = (instead or {}).get(key) or definitions.measures[key]
        reason = availability(measure, incidents, area)
        row: dict[str, object] = {"measure": key, "label": measure.label, "unit": measure.unit}
        if reason:
            row.update(available=False, note=str(reason))
        else:
            monthly = monthly_of(incidents.loc[select_measure(incidents, measure, area)], months)
            change = compare_windows(monthly, params.period, params.comparison)
            row.update(_change_row(key, change), available=True, note="")
        rows.append(row)
    table = pd.DataFrame(rows).set_index("measure")
    for column in ("current", "previous", "change"):
        if column not in table:
            table[column] = pd.NA
        table[column] = table[column].astype("Int64")
    for column in ("change_pct", "change_low_pct", "change_high_pct", "p_value"):
        if column not in table:  # absent when no measure is available
            table[column] = float("nan")
    if "significant" not in table:
        table["significant"] = pd.array([pd.NA] * len(table), dtype="boolean")
    if "verdict" not in table:
        table["verdict"] = pd.NA
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
    """Each part as a share of its whole, in the period and the comparison period, and the change
    in percentage points.

    The whole counts only the records the part could have counted: when the part needs a field
    the whole does not (serious youth violence needs the victim's age), the whole's records with
    that field unknown are left out of the denominator as they are of the numerator, and counted
    in ``unknown_current``/``unknown_previous``. A pair is not available when either measure is
    not; a share of an empty whole is missing.
    """
    definitions = load_definitions().measures
    windows = {"current": params.period, "previous": params.comparison}
    rows = []
    for part, whole in pairs:
        p, w = definitions[part], definitions[whole]
        row: dict[str, object] = {"part": p.label, "whole": w.label}
        if availability(p, incidents, area) or availability(w, incidents, area):
            row.update(current_pct=np.nan, previous_pct=np.nan, change_points=np.nan)
            row.update(unknown_current=pd.NA, unknown_previous=pd.NA)
            rows.append(row)
            continue
        extra = [c for c in p.requires if c not in w.requires]
        in_whole = select_measure(incidents, w, area)
        known = incidents[extra].notna().all(axis=1) if extra else True
        in_part = select_measure(incidents, p, area) & in_whole & known
        for name, window in windows.items():
            inside = window.contains(incidents["month"])
            denominator = int((in_whole & known & inside).sum())
            row[f"unknown_{name}"] = int((in_whole & ~known & inside).sum()) if extra else 0
            row[f"{name}_pct"] = (
                100.0 * int((in_part & inside).sum()) / denominator if denominator else np.nan
            )
        row["change_points"] = row["current_pct"] - row["previous_pct"]  # type: ignore[operator]
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=[
            "part",
            "whole",
            "current_pct",
            "previous_pct",
            "change_points",
            "unknown_current",
            "unknown_previous",
        ],
    )


def victim_profile(
    incidents: pd.DataFrame, params: RunParameters, key: str, area: Area
) -> pd.DataFrame | None:
    """Victims of a measure in the period by sex and by age band: counts and shares.

    Shares are of victims whose sex (or age band) is recorded. ``None`` when the source records
    neither, or the measure is not available.
    """
    measure = load_definitions().measures[key]
    if availability(measure, incidents, area) is not None:
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
    if availability(measure, incidents, area) is not None or incidents[column].isna().all():
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
    if availability(measure, incidents, area) is not None:
        return None
    return ward_changes(incidents.loc[select_measure(incidents, measure, area)], population, params)
