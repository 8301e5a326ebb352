"""Serious violence against the baseline year, and the chance of meeting the goal year's target.

The partnership's goal: by the goal year (2030) there will be less serious violence than in the
baseline year (2020). This module measures progress so far (the latest complete year of the
baseline's kind against the baseline, like with like; each year against the one before; the latest
12 months as context) and projects the series to the goal year with a model whose level wanders
and whose trend may turn or be absent, its variances averaged over rather than guessed
(:mod:`csa_stats.analysis.projection`), fitted to every month of the data, by seeded simulation.
The chance that the goal year's total is below the baseline's is stated between 5% and 95%,
rounded to 5 points (five years out it is known only roughly), and gives a status:

- **on track** when that chance is at least the ``on_track`` threshold,
- **off track** when it is at most the ``off_track`` threshold,
- **at risk** in between.

The thresholds, the projection's prior, the number of simulations and the seed are configuration
(``data/reference/serious_violence.yml``); ``make calibrate`` measures how often the intervals and
chances are right in worlds outside the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from csa_stats.analysis import projection as level_model
from csa_stats.analysis.measures import Change, compare_windows
from csa_stats.errors import UserError
from csa_stats.params import RunParameters, Window
from csa_stats.reference.definitions import (
    MIN_PROJECTION_MONTHS,
    Measure,
    NotAvailable,
    SeriousViolenceDefinition,
    availability,
    load_serious_violence,
    select_measure,
)
from csa_stats.reference.taxonomy import Area

YearKind = Literal["calendar", "financial"]
Status = Literal["on track", "at risk", "off track"]
#: Prediction intervals shown, as (name, lower quantile, upper quantile).
INTERVALS = (("80", 0.10, 0.90), ("95", 0.025, 0.975))


class ProgressError(UserError, ValueError):
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
    count: int | None  # None when the baseline year is not in the data (an average: rounded)
    goal: Window
    probability: float | None  # the stated chance: between 5% and 95%, in steps of 5 points
    status: Status | None
    required_change_pct: float | None
    chosen: bool
    raw_probability: float | None = None  # the share of simulations, before stating

    @property
    def label(self) -> str:
        """``"2020"``, ``"2020/21"``, or ``"2017-2019 average"``."""
        if self.window.months > 12:
            return f"{self.window.start.year}-{self.window.end.year} average"
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
    latest_year: Window | None  # the latest complete year of the baseline's kind
    latest_year_change: Change | None  # that year against the baseline year, like with like
    baseline: BaselineResult
    baselines: tuple[BaselineResult, ...]  # the chosen one and the comparisons, in time order
    annual: pd.DataFrame
    projection: pd.DataFrame
    fit: level_model.LevelFit
    fit_window: Window
    on_track: float
    off_track: float
    simulations: int
    seed: int

    @property
    def change_on_baseline_pct(self) -> float:
        """Per cent change from the baseline year to the latest complete year of its kind."""
        change = self.latest_year_change
        return float("nan") if change is None else change.percent

    @property
    def goal_year_projection(self) -> pd.Series:
        """The projection's row for the goal year."""
        return self.projection.iloc[-1]


def stated_chance(probability: float, lowest: float, highest: float, step: float) -> float:
    """A simulated share as a chance fit to state: within ``lowest`` and ``highest``, rounded to
    ``step``. Five years ahead a model's "more than 99%" is never earned: the calibration run
    showed such chances wrong far more often than they said.

    Examples
    --------
    >>> [stated_chance(p, 0.05, 0.95, 0.05) for p in (0.0, 0.437, 0.5, 0.999)]
    [0.05, 0.45, 0.5, 0.95]
    """
    rounded = round(probability / step) * step
    return round(min(max(rounded, lowest), highest), 10)


def annual_series(monthly: pd.Series, kind: YearKind, last: pd.Period) -> pd.DataFrame:
    """Complete years of one kind to ``last``: each year's count, its change on the year before,
    whether it was lower, and whether the change is clear (tested on the two years' months,
    :func:`csa_stats.analysis.measures.compare_windows`)."""
    first = pd.Period(monthly.index.min(), "M")
    rows: list[dict[str, object]] = []
    for year in range(first.year - 1, last.year + 1):
        window = year_window(year, kind)
        if window.start < first or window.end > last:
            continue
        count = window_total(monthly, window)
        if count is None:
            continue
        row: dict[str, object] = {"year": window.label, "count": count}
        before = year_window(year - 1, kind)
        if rows and before.start >= first:
            change = compare_windows(monthly, window, before)
            row["more_than_chance"] = change.significant
        rows.append(row)
    table = pd.DataFrame(rows, columns=["year", "count", "more_than_chance"]).set_index("year")
    previous = table["count"].shift(1)
    table["change"] = (table["count"] - previous).astype("Int64")
    table["change_pct"] = 100.0 * (table["count"] - previous) / previous.where(previous > 0)
    lower = (table["count"] < previous).astype("boolean")
    lower[previous.isna()] = pd.NA
    table["lower_than_year_before"] = lower
    table["more_than_chance"] = table.pop("more_than_chance").astype("boolean")
    return table


#: Fewest months the projection is fitted to (two seasons), as the edition checks.
MIN_MONTHS = MIN_PROJECTION_MONTHS


def _all_months(monthly: pd.Series, end: pd.Period) -> Window:
    first = pd.Period(monthly.index.min(), "M")
    window = Window(first, end)
    if window.months < MIN_MONTHS:
        raise ProgressError(
            f"parameter period_end: the serious-violence projection needs at least "
            f"{MIN_MONTHS} months of data to the period's end "
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


def latest_complete_year(monthly: pd.Series, kind: YearKind, end: pd.Period) -> Window | None:
    """The latest year of ``kind`` wholly in the data to ``end``."""
    for year in range(end.year, end.year - 3, -1):
        window = year_window(year, kind)
        if window.end <= end and window_total(monthly, window) is not None:
            return window
    return None


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
        The last month used: the model is fitted to every month to here, and the latest 12 months
        end here.
    baseline_year, baseline_kind
        The baseline: a calendar year, or the financial year starting in April of that year.
    goal_year
        The goal year, of the same kind as the baseline.
    definition
        Simulations, seed, the projection's prior, how chances are stated, status thresholds.
    """
    monthly = monthly[monthly.index <= period_end.start_time]
    latest_window = Window(period_end - 11, period_end)
    latest = window_total(monthly, latest_window)
    if latest is None:
        raise ProgressError(
            f"serious violence: the data do not cover the 12 months to {period_end.strftime('%Y-%m')}"
        )
    previous = window_total(monthly, Window(period_end - 23, period_end - 12))

    fit_window = _all_months(monthly, period_end)
    fit = level_model.fit_level(monthly, periods_per_year=12, counts=True, prior=definition.prior)

    # One set of simulated months serves every year kind: run to the later goal end (financial).
    horizon_end = max(year_window(goal_year, k).end for k in ("calendar", "financial"))
    future = pd.period_range(period_end + 1, horizon_end, freq="M").start_time
    rng = np.random.default_rng(definition.seed)
    draws = level_model.simulate(fit, len(future), definition.simulations, rng)

    def state(probability: float) -> float:
        return stated_chance(
            probability, definition.chance_lowest, definition.chance_highest, definition.chance_step
        )

    def judge(window: Window, kind: YearKind, chosen: bool) -> BaselineResult:
        goal = year_window(goal_year, kind)
        if window.months > 12:  # an average of years: each year complete
            years = [year_window(y, kind) for y in range(window.start.year, window.end.year + 1)]
            totals = [window_total(monthly, w) for w in years]
            count = None if None in totals else round(sum(totals) / len(totals))  # type: ignore[arg-type]
        else:
            count = window_total(monthly, window)
        if count is None:
            return BaselineResult(window, kind, None, goal, None, None, None, chosen)
        raw = float(np.mean(_totals(monthly, draws, future, goal) < count))
        probability = state(raw)
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
            raw,
        )

    # The chosen baseline and its comparisons: both kinds of year, it and the year before, and
    # the pre-pandemic average of the three years before 2020 (where the data hold them).
    kinds: tuple[YearKind, ...] = ("calendar", "financial")
    options = sorted(
        ((y, k) for y in (baseline_year - 1, baseline_year) for k in kinds),
        key=lambda yk: year_window(*yk).start,
    )
    baselines = [
        judge(year_window(y, k), k, (y, k) == (baseline_year, baseline_kind)) for y, k in options
    ]
    pre = Window(year_window(2017, baseline_kind).start, year_window(2019, baseline_kind).end)
    if pre.end < year_window(baseline_year, baseline_kind).start:
        average = judge(pre, baseline_kind, False)
        if average.count is not None:
            baselines.insert(0, average)
    chosen = next(b for b in baselines if b.chosen)
    if chosen.count is None:
        raise ProgressError(
            f"serious violence: the baseline {chosen.window.span} is not in the data "
            "(parameter baseline_year)"
        )

    latest_year = latest_complete_year(monthly, baseline_kind, period_end)
    latest_year_change = (
        compare_windows(monthly, latest_year, chosen.window)
        if latest_year is not None and latest_year != chosen.window
        else None
    )
    annual = annual_series(monthly, baseline_kind, period_end)
    table = _projection_table(monthly, draws, future, period_end, goal_year, chosen, state)
    return Progress(
        measure=measure,
        is_proxy=is_proxy,
        monthly=monthly,
        latest_window=latest_window,
        latest=latest,
        previous=previous,
        latest_year=latest_year,
        latest_year_change=latest_year_change,
        baseline=chosen,
        baselines=tuple(baselines),
        annual=annual,
        projection=table,
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
    state: Callable[[float], float],
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
        row["chance_below_baseline"] = state(float(np.mean(totals < (baseline.count or 0))))
        rows.append(row)
    return pd.DataFrame(rows).set_index("year")


def series_for(
    incidents: pd.DataFrame, key: str, area: Area, definition: SeriousViolenceDefinition
) -> tuple[Measure, pd.Series, bool] | NotAvailable:
    """The monthly series of a serious-violence measure, its proxy when the source cannot provide
    it, or the reason it is not available."""
    measure = definition.measures[key]
    reason = availability(measure, incidents, area)
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
) -> Progress | NotAvailable:
    """Progress of one serious-violence measure for a run, or the reason it cannot be given (the
    source cannot provide the measure, or the period ends before the baseline does)."""
    definition = definition or load_serious_violence()
    baseline = year_window(params.baseline_year, params.baseline_kind)
    if baseline.end > params.period.end:
        return NotAvailable(
            f"not yet measured: the baseline ({baseline.span}) ends after this edition's period "
            f"({params.period.span})"
        )
    found = series_for(incidents, key, area, definition)
    if isinstance(found, NotAvailable):
        return found
    measure, monthly, is_proxy = found
    recorded = monthly[monthly.index <= params.period.end.start_time]
    if int(recorded.sum()) == 0:  # a model has nothing to fit: not a verdict, a fact
        return NotAvailable(
            f"none recorded in the data to {params.period.span.split(' to ')[-1]}: nothing to project"
        )
    try:
        return _assess_fitted(monthly, measure, params, definition, is_proxy)
    except (ValueError, np.linalg.LinAlgError) as error:
        if isinstance(error, ProgressError):
            raise
        # Too few to fit the model (a handful of records in years of months): a fact to state,
        # never a verdict and never a traceback.
        return NotAvailable("too few recorded to fit the projection's model: no projection")


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
