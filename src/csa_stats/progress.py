"""Serious violence against the baseline year, and the chance of meeting the goal year's target.

The partnership's goal: by the goal year (2030) there will be less serious violence than in the
baseline year (2020). This module measures progress so far (the latest 12 months against the
baseline; each year against the one before) and projects the series to the goal year with a count
model fitted to the recent months, by seeded simulation that includes the model's parameter
uncertainty. The probability that the goal year's total is below the baseline's gives a status:

- **on track** when that probability is at least the ``on_track`` threshold,
- **off track** when it is at most the ``off_track`` threshold,
- **at risk** in between.

The thresholds, the fitting window, the number of simulations and the seed are configuration
(``data/reference/serious_violence.yml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from csa_stats import trends
from csa_stats.definitions import (
    Measure,
    SeriousViolenceDefinition,
    availability,
    load_serious_violence,
    select_measure,
)
from csa_stats.measures import compare_counts
from csa_stats.params import RunParameters, Window
from csa_stats.taxonomy import Area

YearKind = Literal["calendar", "financial"]
Status = Literal["on track", "at risk", "off track"]
#: Prediction intervals shown, as (name, lower quantile, upper quantile).
INTERVALS = (("80", 0.10, 0.90), ("95", 0.025, 0.975))


class ProgressError(ValueError):
    """The data cannot support the assessment; the message says why."""


def year_window(year: int, kind: YearKind) -> Window:
    """The calendar year, or the financial year that starts in April of ``year``.

    Examples
    --------
    >>> year_window(2020, "financial").span
    'April 2020 to March 2021'
    """
    if kind == "calendar":
        return Window(pd.Period(f"{year}-01", "M"), pd.Period(f"{year}-12", "M"))
    return Window(pd.Period(f"{year}-04", "M"), pd.Period(f"{year + 1}-03", "M"))


def window_total(monthly: pd.Series, window: Window) -> int | None:
    """Sum of a monthly series over a window; ``None`` unless every month of it is in the series."""
    inside = monthly[window.contains(pd.Series(monthly.index, index=monthly.index))]
    if len(inside) != window.months:
        return None
    return int(inside.sum())


def status_of(probability: float, on_track: float, off_track: float) -> Status:
    """The status a probability of meeting the goal earns.

    Examples
    --------
    >>> [status_of(p, 0.8, 0.2) for p in (0.95, 0.5, 0.2)]
    ['on track', 'at risk', 'off track']
    """
    if probability >= on_track:
        return "on track"
    if probability <= off_track:
        return "off track"
    return "at risk"


def required_annual_change(latest: int, baseline: int, years: float) -> float:
    """Per cent change a year that takes ``latest`` to ``baseline`` in ``years`` years.

    Negative: the fall needed each year. Positive: the rise that can be absorbed and still end at
    the baseline.

    Examples
    --------
    >>> round(required_annual_change(1000, 810, 2.0), 1)
    -10.0
    """
    if latest <= 0 or baseline <= 0 or years <= 0:
        return float("nan")
    return 100.0 * ((baseline / latest) ** (1.0 / years) - 1.0)


@dataclass(frozen=True)
class BaselineResult:
    """One baseline year and what the projection says about beating it in the goal year."""

    window: Window
    kind: YearKind
    count: int | None  # None when the baseline year is not in the data
    goal: Window
    probability: float | None
    status: Status | None
    required_change_pct: float | None
    chosen: bool

    @property
    def label(self) -> str:
        """``"2020"`` or ``"2020/21"``."""
        return self.window.label


@dataclass(frozen=True)
class Progress:
    """Progress of one series toward the goal."""

    measure: Measure
    is_proxy: bool
    monthly: pd.Series  # every month of the data to the period's end
    latest_window: Window
    latest: int
    previous: int | None  # the 12 months before the latest
    baseline: BaselineResult
    baselines: tuple[BaselineResult, ...]  # the chosen one and the comparisons, in time order
    annual: pd.DataFrame
    projection: pd.DataFrame
    fit: trends.TrendFit
    fit_window: Window
    on_track: float
    off_track: float
    simulations: int
    seed: int

    @property
    def change_on_baseline_pct(self) -> float:
        """Per cent change from the baseline year to the latest 12 months."""
        base = self.baseline.count
        return float("nan") if not base else 100.0 * (self.latest - base) / base

    @property
    def goal_year_projection(self) -> pd.Series:
        """The projection's row for the goal year."""
        return self.projection.iloc[-1]


def annual_series(monthly: pd.Series, kind: YearKind, last: pd.Period) -> pd.DataFrame:
    """Complete years of one kind to ``last``: each year's count, its change on the year before,
    whether it was lower, and whether the change is more than chance."""
    first = pd.Period(monthly.index.min(), "M")
    years = range(first.year - 1, last.year + 1)
    rows = []
    for year in years:
        window = year_window(year, kind)
        if window.start < first or window.end > last:
            continue
        count = window_total(monthly, window)
        if count is not None:
            rows.append({"year": window.label, "count": count})
    return _with_changes(pd.DataFrame(rows, columns=["year", "count"]))


def _with_changes(table: pd.DataFrame) -> pd.DataFrame:
    table = table.set_index("year")
    previous = table["count"].shift(1)
    table["change"] = (table["count"] - previous).astype("Int64")
    table["change_pct"] = 100.0 * (table["count"] - previous) / previous.where(previous > 0)
    lower = (table["count"] < previous).astype("boolean")
    lower[previous.isna()] = pd.NA
    table["lower_than_year_before"] = lower
    chance = [
        pd.NA if pd.isna(p) else compare_counts(int(c), int(p)).significant
        for c, p in zip(table["count"], previous, strict=True)
    ]
    table["more_than_chance"] = pd.array(chance, dtype="boolean")
    return table


def _fit_window(monthly: pd.Series, end: pd.Period, fit_months: int) -> Window:
    first = pd.Period(monthly.index.min(), "M")
    start = max(first, end - (fit_months - 1))
    window = Window(start, end)
    if window.months < trends.MIN_MONTHS:
        raise ProgressError(
            f"parameter period_end: the serious-violence projection needs at least "
            f"{trends.MIN_MONTHS} months of data to the period's end "
            f"({end.strftime('%Y-%m')}); the data start in {first.strftime('%Y-%m')}"
        )
    return window


def _totals(
    monthly: pd.Series, draws: np.ndarray, future: pd.DatetimeIndex, window: Window
) -> np.ndarray:
    """Simulated totals of a year: its recorded months plus its simulated months."""
    recorded = monthly[window.contains(pd.Series(monthly.index, index=monthly.index))]
    in_future = window.contains(pd.Series(future)).to_numpy()
    return int(recorded.sum()) + draws[:, in_future].sum(axis=1)


def assess(
    monthly: pd.Series,
    measure: Measure,
    period_end: pd.Period,
    baseline_year: int,
    baseline_kind: YearKind,
    goal_year: int,
    definition: SeriousViolenceDefinition,
    is_proxy: bool = False,
) -> Progress:
    """Progress of a monthly series toward the goal, with its projection and status.

    Parameters
    ----------
    monthly
        Counts each month (index: month starts), every month present.
    measure
        What the series counts (for labels).
    period_end
        The last month used: the latest 12 months end here and the model is fitted to here.
    baseline_year, baseline_kind
        The baseline: a calendar year, or the financial year starting in April of that year.
    goal_year
        The goal year, of the same kind as the baseline.
    definition
        Fitting window, simulations, seed and status thresholds.
    """
    monthly = monthly[monthly.index <= period_end.start_time]
    latest_window = Window(period_end - 11, period_end)
    latest = window_total(monthly, latest_window)
    if latest is None:
        raise ProgressError(
            f"serious violence: the data do not cover the 12 months to {period_end.strftime('%Y-%m')}"
        )
    previous = window_total(monthly, Window(period_end - 23, period_end - 12))

    fit_window = _fit_window(monthly, period_end, definition.fit_months)
    fitted_part = monthly[fit_window.contains(pd.Series(monthly.index, index=monthly.index))]
    fit = trends.fit_trend(fitted_part)

    # One set of simulated months serves every year kind: run to the later goal end (financial).
    horizon_end = max(year_window(goal_year, k).end for k in ("calendar", "financial"))
    future = pd.period_range(period_end + 1, horizon_end, freq="M").start_time
    rng = np.random.default_rng(definition.seed)
    draws = (
        trends.simulate_counts(fit, future, definition.simulations, rng)
        if len(future)
        else np.zeros((definition.simulations, 0), dtype=int)
    )

    def judge(year: int, kind: YearKind, chosen: bool) -> BaselineResult:
        window, goal = year_window(year, kind), year_window(goal_year, kind)
        count = window_total(monthly, window)
        if count is None:
            return BaselineResult(window, kind, None, goal, None, None, None, chosen)
        probability = float(np.mean(_totals(monthly, draws, future, goal) < count))
        years_left = (goal.end - period_end).n / 12.0
        return BaselineResult(
            window,
            kind,
            count,
            goal,
            probability,
            status_of(probability, definition.on_track, definition.off_track),
            required_annual_change(latest, count, years_left),
            chosen,
        )

    # The chosen baseline and its comparisons: both kinds of year, it and the year before.
    kinds: tuple[YearKind, ...] = ("calendar", "financial")
    options = sorted(
        ((y, k) for y in (baseline_year - 1, baseline_year) for k in kinds),
        key=lambda yk: year_window(*yk).start,
    )
    baselines = tuple(judge(y, k, (y, k) == (baseline_year, baseline_kind)) for y, k in options)
    chosen = next(b for b in baselines if b.chosen)
    if chosen.count is None:
        raise ProgressError(
            f"serious violence: the baseline {chosen.window.span} is not in the data "
            "(parameter baseline_year)"
        )

    annual = annual_series(monthly, baseline_kind, period_end)
    projection = _projection_table(monthly, draws, future, period_end, goal_year, chosen)
    return Progress(
        measure=measure,
        is_proxy=is_proxy,
        monthly=monthly,
        latest_window=latest_window,
        latest=latest,
        previous=previous,
        baseline=chosen,
        baselines=baselines,
        annual=annual,
        projection=projection,
        fit=fit,
        fit_window=fit_window,
        on_track=definition.on_track,
        off_track=definition.off_track,
        simulations=definition.simulations,
        seed=definition.seed,
    )


def _projection_table(
    monthly: pd.Series,
    draws: np.ndarray,
    future: pd.DatetimeIndex,
    period_end: pd.Period,
    goal_year: int,
    baseline: BaselineResult,
) -> pd.DataFrame:
    """Each year of the baseline's kind from the first not wholly recorded to the goal year."""
    rows = []
    for year in range(period_end.year - 1, goal_year + 1):
        window = year_window(year, baseline.kind)
        if window.end <= period_end:
            continue
        totals = _totals(monthly, draws, future, window)
        recorded = max(0, min((period_end - window.start).n + 1, window.months))
        row: dict[str, object] = {
            "year": window.label,
            "months_recorded": recorded,
            "central": float(np.median(totals)),
        }
        for name, low, high in INTERVALS:
            row[f"low_{name}"] = float(np.quantile(totals, low))
            row[f"high_{name}"] = float(np.quantile(totals, high))
        row["chance_below_baseline"] = float(np.mean(totals < (baseline.count or 0)))
        rows.append(row)
    return pd.DataFrame(rows).set_index("year")


def series_for(
    incidents: pd.DataFrame, key: str, area: Area, definition: SeriousViolenceDefinition
) -> tuple[Measure, pd.Series, bool] | str:
    """The monthly series of a serious-violence measure, its proxy when the source cannot provide
    it, or the reason it is not available."""
    measure = definition.measures[key]
    reason = availability(measure, incidents)
    is_proxy = False
    if reason is not None:
        if key not in definition.proxies:
            return reason
        measure, is_proxy = definition.proxies[key], True
    months = pd.period_range(incidents["month"].min(), incidents["month"].max(), freq="M")
    chosen = incidents.loc[select_measure(incidents, measure, area), "month"]
    counts = chosen.value_counts().reindex(months.start_time, fill_value=0).sort_index()
    return measure, counts.astype(int), is_proxy


def assess_measure(
    incidents: pd.DataFrame,
    params: RunParameters,
    key: str,
    area: Area,
    definition: SeriousViolenceDefinition | None = None,
) -> Progress | str:
    """Progress of one serious-violence measure for a run, or the reason it cannot be given (the
    source cannot provide the measure, or the period ends before the baseline does)."""
    definition = definition or load_serious_violence()
    baseline = year_window(params.baseline_year, params.baseline_kind)
    if baseline.end > params.period.end:
        return (
            f"not yet measured: the baseline ({baseline.span}) ends after this edition's period "
            f"({params.period.span})"
        )
    found = series_for(incidents, key, area, definition)
    if isinstance(found, str):
        return found
    measure, monthly, is_proxy = found
    recorded = monthly[monthly.index <= params.period.end.start_time]
    if int(recorded.sum()) == 0:  # a count model has nothing to fit: not a verdict, a fact
        return f"none recorded in the data to {params.period.span.split(' to ')[-1]}: nothing to project"
    try:
        return _assess_fitted(monthly, measure, params, definition, is_proxy)
    except (ValueError, np.linalg.LinAlgError) as error:
        if isinstance(error, ProgressError):
            raise
        # Too few to fit a count model (a handful of records in years of months): a fact to
        # state, never a verdict and never a traceback.
        return "too few recorded to fit the projection's count model: no projection"


def _assess_fitted(
    monthly: pd.Series,
    measure: Measure,
    params: RunParameters,
    definition: SeriousViolenceDefinition,
    is_proxy: bool,
) -> Progress:
    return assess(
        monthly,
        measure,
        params.period.end,
        params.baseline_year,
        params.baseline_kind,
        params.goal_year,
        definition,
        is_proxy,
    )
