"""Supplementary indicators: the plan's measures that are not police-recorded crime.

An input table (CSV or parquet) holds one row per indicator, geography and period; its schema is
declared and validated like the incident table's, with one-line errors naming the row. What each
indicator is (its kind, the direction wanted, how old it may be) is configuration:
``data/reference/indicators.yml``.

For each indicator the latest value is compared with the previous period of the same type, and the
status is decided by the same rule as for police measures (:func:`status_of_change`): a change that
is more than chance in the direction wanted is *improving*, in the other direction *worsening*,
otherwise *no clear change*; a change that cannot be tested (no counts) is *not tested*. The lag is
measured at the end of the edition's period, so an edition always says the same; an indicator
whose latest value is older than its limit is marked *stale*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from statsmodels.stats.proportion import proportions_ztest

from csa_stats.analysis.measures import compare_counts, load_change_policy
from csa_stats.reference.indicators import Indicator, load_indicators

Status = Literal["improving", "no clear change", "worsening", "not tested", "too few to judge"]


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator's latest value against its previous period, and what that means."""

    indicator: Indicator
    latest_period: str
    period_type: str
    latest: float
    previous_period: str | None
    previous: float | None
    p_value: float | None
    lag_months: int
    source: str

    @property
    def in_percent(self) -> bool:
        """Whether the value is itself a percentage (its change is then in percentage points)."""
        return self.indicator.kind == "proportion" or self.indicator.unit.startswith("%")

    @property
    def change_pct(self) -> float:
        """Per cent change on the previous period; NaN for a percentage (see
        :attr:`change_points`)."""
        if self.previous in (None, 0) or self.in_percent:
            return math.nan
        return 100.0 * (self.latest - self.previous) / self.previous

    @property
    def change_points(self) -> float:
        """Change of a percentage, in percentage points; NaN for other values."""
        if self.previous is None or not self.in_percent:
            return math.nan
        return self.latest - self.previous

    @property
    def too_small(self) -> bool:
        """A count indicator with fewer than the policy's ``min_count`` in either period."""
        if self.indicator.kind != "count" or self.previous is None:
            return False
        return min(self.latest, self.previous) < load_change_policy().min_count

    @property
    def stale(self) -> bool:
        """Older than the indicator's limit at the end of the edition's period."""
        return self.lag_months > self.indicator.stale_after_months

    @property
    def status(self) -> Status:
        """Improving, no clear change, worsening, or not tested."""
        if self.too_small:
            return "too few to judge"
        if self.previous is None or self.p_value is None:
            return "not tested"
        return status_of_change(self.latest - self.previous, self.p_value, self.indicator.wanted)


def status_of_change(difference: float, p_value: float, wanted: str) -> Status:
    """The status rule: more than chance (p < 0.05) in the direction wanted is improving, in the
    other direction worsening; anything else is no clear change.

    Examples
    --------
    >>> status_of_change(-120, 0.001, "down"), status_of_change(-120, 0.001, "up")
    ('improving', 'worsening')
    >>> status_of_change(5, 0.4, "down")
    'no clear change'
    """
    if p_value >= load_change_policy().alpha or difference == 0:
        return "no clear change"
    better = difference < 0 if wanted == "down" else difference > 0
    return "improving" if better else "worsening"


def _p_value(kind: str, latest: pd.Series, previous: pd.Series) -> float | None:
    """The test of change for the indicator's kind; ``None`` when the data cannot support one."""
    if kind == "count":
        a, b = latest["value"], previous["value"]
        if a != round(a) or b != round(b):
            return None
        return compare_counts(int(a), int(b)).p_value
    counts = [
        latest["numerator"],
        latest["denominator"],
        previous["numerator"],
        previous["denominator"],
    ]
    if any(pd.isna(v) for v in counts):
        return None
    n1, d1, n0, d0 = (float(v) for v in counts)
    if kind == "rate":
        return compare_counts(int(n1), int(n0), d1 / d0).p_value
    _, p = proportions_ztest([n1, n0], [d1, d0])
    return float(p)


def months_between(earlier: str, later: str) -> int:
    """Whole months from one ``YYYY-MM`` to another.

    >>> months_between("2024-03", "2025-03")
    12
    """
    return (pd.Period(later, "M") - pd.Period(earlier, "M")).n


def latest_changes(
    table: pd.DataFrame, geography: str, edition_end: str
) -> dict[str, IndicatorChange]:
    """Each indicator's latest value up to the edition's end, against its previous period."""
    out = {}
    known = load_indicators()
    rows = table[(table["geography"] == geography) & (table["period_end"] <= edition_end)]
    for key, group in rows.groupby("indicator", sort=True):
        group = group.sort_values("period_end")
        latest = group.iloc[-1]
        same_type = group[group["period_type"] == latest["period_type"]]
        previous = same_type.iloc[-2] if len(same_type) > 1 else None
        indicator = known[str(key)]
        out[str(key)] = IndicatorChange(
            indicator=indicator,
            latest_period=str(latest["period_end"]),
            period_type=str(latest["period_type"]),
            latest=float(latest["value"]),
            previous_period=None if previous is None else str(previous["period_end"]),
            previous=None if previous is None else float(previous["value"]),
            p_value=None if previous is None else _p_value(indicator.kind, latest, previous),
            lag_months=months_between(str(latest["period_end"]), edition_end),
            source=str(latest["source"]),
        )
    return out


def period_label(period_end: str, period_type: str) -> str:
    """``"2023/24"``, ``"2024"``, ``"quarter to March 2024"``, ``"March 2024"``...

    >>> period_label("2024-03", "financial_year"), period_label("2024-12", "calendar_year")
    ('2023/24', '2024')
    """
    end = pd.Period(period_end, "M")
    if period_type == "financial_year":
        return f"{end.year - 1}/{str(end.year)[-2:]}"
    if period_type == "calendar_year":
        return str(end.year)
    if period_type == "quarter":
        return f"quarter to {end.strftime('%B %Y')}"
    if period_type == "rolling_12_months":
        return f"12 months to {end.strftime('%B %Y')}"
    return end.strftime("%B %Y")
