"""Projection of a series whose level wanders: a local level with drift on the log scale.

Crime series do not follow straight lines: their levels wander, and a projection several years
ahead must be as uncertain as that wandering makes it. The model (a structural time-series model,
statsmodels' ``UnobservedComponents``) is, on the log of the series,

    log y_t = level_t + season_t + noise_t,
    level_t = level_{t-1} + drift_{t-1} + wander_t,      drift_t = drift_{t-1} + turn_t,

a local linear trend: a fixed month-of-year pattern for monthly series, a level that wanders and a
drift (the underlying change each year) that can turn, both variances estimated from the series
itself. A drift that cannot turn extrapolates a fall that has levelled off for years; one that can
follows it (the calibration run, ``make calibrate``, measured both). Where the series is too short
to estimate the wander (fewer than ``min_years_own_volatility`` years) and its own estimate is
below the floor, the wander is set to the stated floor from real recorded crime (Coventry's total
recorded crime moved 0.12 a year on the log scale over 2017/18 to 2024/25): a short series' own
estimate is often near zero by chance. The model is fitted to all the data: no window to choose.

Future values are simulated from the end of the data: the level and drift are drawn from their
estimated distribution at the end, then wander on. Policy (the floor, the shortest series, the
number of simulations) is configuration: ``data/reference/serious_violence.yml``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.statespace.structural import UnobservedComponents

#: Added to counts before taking logs, so that a month of none has a log.
LOG_OFFSET = 0.5
#: The fewest observations a model is fitted to.
MIN_POINTS = 3


@dataclass(frozen=True)
class LevelFit:
    """A fitted local-level-with-drift model."""

    periods_per_year: int
    counts: bool
    volatility: float  # standard deviation of the level's wander over a year, log scale
    own_volatility: float  # the series' own estimate of it (before any floor)
    floored: bool  # True when the floor replaced the series' own estimate
    drift: float  # log change a year
    drift_se: float
    level: pd.Series  # the smoothed underlying level (at the average season), on the series' scale
    fitted: pd.Series  # the smoothed level with the season, on the series' scale
    result: Any  # the statsmodels results, for simulation

    @property
    def annual_change_pct(self) -> float:
        """The underlying change a year at the end of the data, per cent."""
        return 100.0 * (math.exp(self.drift) - 1.0)

    @property
    def annual_change_ci(self) -> tuple[float, float]:
        """The 95% interval of the underlying change a year, per cent."""
        half = 1.959964 * self.drift_se
        return (
            100.0 * (math.exp(self.drift - half) - 1.0),
            100.0 * (math.exp(self.drift + half) - 1.0),
        )

    @property
    def is_clear(self) -> bool:
        """True when the 95% interval of the underlying change excludes zero."""
        low, high = self.annual_change_ci
        return bool(low > 0 or high < 0)


def _model(y: np.ndarray, periods_per_year: int) -> UnobservedComponents:
    seasonal = periods_per_year if periods_per_year > 1 and len(y) >= 2 * periods_per_year else None
    return UnobservedComponents(
        y,
        level=True,
        stochastic_level=True,
        trend=True,
        stochastic_trend=True,
        irregular=True,
        seasonal=seasonal,
        stochastic_seasonal=False,
    )


def _fit(model: UnobservedComponents, fixed: dict[str, float] | None = None) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short or flat series
        if fixed:
            with model.fix_params(fixed):
                return model.fit(disp=False, method="lbfgs", maxiter=200)
        return model.fit(disp=False, method="lbfgs", maxiter=200)


def fit_level(
    series: pd.Series,
    periods_per_year: int = 12,
    counts: bool = True,
    floor: float = 0.12,
    min_years_own_volatility: float = 5.0,
) -> LevelFit:
    """Fit the model to a series (oldest first; counts, or positive values when ``counts`` is
    False).

    ``floor`` is the smallest yearly volatility of the level accepted from a series shorter than
    ``min_years_own_volatility`` years: a short series' own estimate is often near zero by chance,
    and a projection built on it would be far too sure. A longer series' own estimate stands: a
    floor there made the intervals far too wide for series that do not wander (calibration).

    Raises
    ------
    ValueError
        If the series has fewer than :data:`MIN_POINTS` values, or negative (or, for values, not
        positive) ones.
    """
    values = series.to_numpy(dtype=float)
    if len(values) < MIN_POINTS:
        raise ValueError(f"a projection needs at least {MIN_POINTS} values; got {len(values)}")
    if counts and (values < 0).any():
        raise ValueError("counts must not be negative")
    if not counts and (values <= 0).any():
        raise ValueError("values must be positive")
    y = np.log(values + LOG_OFFSET) if counts else np.log(values)
    model = _model(y, periods_per_year)
    result = _fit(model)
    names = list(model.param_names)
    params = dict(zip(names, np.asarray(result.params), strict=True))
    own = math.sqrt(max(params["sigma2.level"], 0.0) * periods_per_year)
    short = len(values) / periods_per_year < min_years_own_volatility
    floored = short and own < floor
    if floored:
        result = _fit(model, {"sigma2.level": floor**2 / periods_per_year})
    volatility = floor if floored else own
    # The drift is the trend state: its estimate at the end of the data, with its variance.
    trend_index = 1
    drift = float(result.smoothed_state[trend_index, -1]) * periods_per_year
    drift_var = float(result.smoothed_state_cov[trend_index, trend_index, -1])
    offset = LOG_OFFSET if counts else 0.0
    level_log = np.asarray(result.smoothed_state[0])
    season_log = (
        np.asarray(result.seasonal.smoothed)
        if getattr(result, "seasonal", None) is not None
        else np.zeros_like(level_log)
    )
    level = np.exp(level_log) - offset
    fitted = np.exp(level_log + season_log) - offset
    return LevelFit(
        periods_per_year=periods_per_year,
        counts=counts,
        volatility=volatility,
        own_volatility=own,
        floored=floored,
        drift=drift,
        drift_se=math.sqrt(max(drift_var, 0.0)) * periods_per_year,
        level=pd.Series(level, index=series.index),
        fitted=pd.Series(fitted, index=series.index),
        result=result,
    )


def simulate(fit: LevelFit, steps: int, simulations: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated future values, shape ``(simulations, steps)``: the level and drift drawn from
    their distribution at the end of the data, then the level's wander, the season and the noise."""
    if steps <= 0:
        return np.zeros((simulations, 0))
    result = fit.result
    draws = result.simulate(steps, anchor="end", repetitions=simulations, rng=rng)
    logs = np.asarray(draws).reshape(steps, simulations).T
    values = np.exp(np.clip(logs, None, 30.0))  # clip: a wild draw must not overflow
    if fit.counts:
        values = np.maximum(values - LOG_OFFSET, 0.0)
    return values


def project(
    series: pd.Series,
    steps: int,
    *,
    periods_per_year: int = 12,
    counts: bool = True,
    simulations: int = 4000,
    seed: int = 0,
    floor: float = 0.12,
    min_years_own_volatility: float = 5.0,
) -> np.ndarray:
    """Fit the model to ``series`` and simulate ``steps`` future values ``simulations`` times
    (shape ``(simulations, steps)``), seeded.

    Examples
    --------
    >>> rates = pd.Series([75.5, 81.8, 83.2, 90.8, 116.4])  # Coventry, per 1,000, 2017/18 on
    >>> draws = project(rates, 3, periods_per_year=1, counts=False, simulations=2000, seed=1)
    >>> draws.shape, bool(np.median(draws[:, 0]) > 100)
    ((2000, 3), True)
    """
    fit = fit_level(
        series,
        periods_per_year=periods_per_year,
        counts=counts,
        floor=floor,
        min_years_own_volatility=min_years_own_volatility,
    )
    return simulate(fit, steps, simulations, np.random.default_rng(seed))
