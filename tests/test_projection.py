"""The projection model (csa_stats.analysis.projection): known parameters in, known answers out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csa_stats.analysis.projection import fit_level, project, simulate
from csa_stats.reference.prior import Prior, geometric_grid

MONTHS_8Y = pd.date_range("2017-01-01", periods=99, freq="MS")


def test_a_steady_rise_of_ten_per_cent_a_year_is_read_as_one() -> None:
    # values 100 * 1.1^t a year, exactly: the underlying change is +10% a year
    values = pd.Series(100 * 1.1 ** np.arange(8))
    fit = fit_level(values, periods_per_year=1, counts=False)
    assert fit.annual_change_pct == pytest.approx(10.0, abs=0.5)
    assert fit.is_clear and fit.drift_probability > 0.9


def test_a_known_fall_is_projected_near_its_slope() -> None:
    # 8 years of Poisson months falling 5% a year from 200 a month: a drift is more likely than
    # not, read as about -5% a year (the slope of the whole series is known to about 0.1 / sqrt(99
    # * 5.7) = 0.004 a year; at the end, where the drift may have turned, less well: its interval
    # holds the truth), and the median five years on is the trend's value (200 * 0.95^13, times the
    # season's mean of 1) within 10%
    rng = np.random.default_rng(4)
    t = np.arange(99 + 60) / 12
    mean = 200 * 0.95**t
    counts = pd.Series(rng.poisson(mean[:99]), index=MONTHS_8Y)
    fit = fit_level(counts)
    assert fit.drift_probability > 0.5
    assert fit.annual_change_pct == pytest.approx(-5.0, abs=2.0)
    low, high = fit.annual_change_ci
    assert low < -5.0 < high
    draws = simulate(fit, 60, 2000, np.random.default_rng(1))
    year_5 = draws[:, 48:60].sum(axis=1)
    assert np.median(year_5) == pytest.approx(mean[99 + 48 : 99 + 60].sum(), rel=0.10)


def test_noise_around_a_flat_level_gives_no_drift_the_better_odds() -> None:
    # Poisson months about a fixed 80: a drift earns nothing, so the model without one is
    # preferred (the prior gives each even odds), and no clear change is read
    counts = pd.Series(np.random.default_rng(8).poisson(80, 99), index=MONTHS_8Y)
    fit = fit_level(counts)
    assert fit.drift_probability < 0.5
    assert not fit.is_clear


def test_a_random_walk_level_is_measured_near_its_volatility() -> None:
    # 20 years of monthly log levels wandering 0.2 a year, observed with little noise (Poisson
    # about 500): the estimated yearly volatility is within a third of the truth
    rng = np.random.default_rng(11)
    log_level = np.log(500) + np.cumsum(rng.normal(0, 0.2 / math.sqrt(12), 240))
    months = pd.date_range("1990-01-01", periods=240, freq="MS")
    counts = pd.Series(rng.poisson(np.exp(log_level)), index=months)
    fit = fit_level(counts)
    assert 0.2 * 2 / 3 < fit.volatility < 0.2 * 4 / 3


def test_a_random_walks_80_per_cent_intervals_cover_about_80_per_cent() -> None:
    # 60 random walks (0.12 a year on the log scale, no drift) of Poisson months about 150, 8
    # years seen; the 80% interval of the total of the fifth year ahead holds the truth in
    # 0.8 +/- 3 binomial standard errors (3 * sqrt(0.8 * 0.2 / 60) = 0.155) of them
    rng = np.random.default_rng(20300)
    inside = 0
    paths = 60
    for _ in range(paths):
        steps = rng.normal(0, 0.12 / math.sqrt(12), 99 + 60)
        level = np.log(150) + np.cumsum(steps)
        counts = rng.poisson(np.exp(level))
        fit = fit_level(pd.Series(counts[:99], index=MONTHS_8Y))
        draws = simulate(fit, 60, 400, rng)[:, 48:60].sum(axis=1)
        low, high = np.quantile(draws, [0.1, 0.9])
        inside += bool(low <= counts[99 + 48 :].sum() <= high)
    assert abs(inside / paths - 0.8) <= 3 * math.sqrt(0.8 * 0.2 / paths)


def test_chances_are_right_in_the_models_own_world() -> None:
    """Series drawn from the prior itself (the grid point, then the drift, wander, turns and
    noise): the stated chance that the total of a year five years ahead is below a year's in the
    data comes true about as often as stated (Spiegelhalter's z within +/-2.58; the mean chance
    within 0.06 of the share that came true)."""
    prior = Prior()
    grid, log_weight = prior.points()
    weight = np.exp(log_weight)
    rng = np.random.default_rng(2030)
    n, ahead, noise = 99, 60, 0.1
    season = 0.1 * np.cos(2 * np.pi * np.arange(n + ahead) / 12)
    chances, happened = [], []
    for _ in range(150):
        level_vol, turn_vol, drift_sd = grid[rng.choice(len(grid), p=weight / weight.sum())]
        turns = rng.normal(0, turn_vol / math.sqrt(12), n + ahead)
        drift = rng.normal(0, drift_sd) + np.cumsum(turns)
        if drift_sd == 0:
            drift = np.zeros(n + ahead)
        level = np.log(3000) + np.concatenate([[0.0], np.cumsum(drift[:-1] / 12)])
        level += np.cumsum(rng.normal(0, level_vol / math.sqrt(12), n + ahead))
        values = np.exp(level + season + rng.normal(0, noise, n + ahead))
        fit = fit_level(pd.Series(values[:n], index=MONTHS_8Y), counts=False)
        draws = simulate(fit, ahead, 400, rng)
        baseline = values[36:48].sum()
        chances.append(float(np.mean(draws[:, 48:60].sum(axis=1) < baseline)))
        happened.append(values[n + 48 :].sum() < baseline)
    p = np.clip(np.array(chances), 1e-3, 1 - 1e-3)
    o = np.array(happened, dtype=float)
    z = np.sum((o - p) * (1 - 2 * p)) / math.sqrt(np.sum((1 - 2 * p) ** 2 * p * (1 - p)))
    assert abs(z) < 2.58
    assert abs(p.mean() - o.mean()) < 0.06


def test_a_short_series_is_less_sure_than_a_long_one() -> None:
    # the same steady Poisson process seen for 3 years and for 10: five years ahead, the short
    # series' 80% interval is the wider (it cannot rule out a wander or a drift the long one can)
    rng = np.random.default_rng(3)
    months = pd.date_range("2015-01-01", periods=120, freq="MS")
    long = pd.Series(rng.poisson(80, 120), index=months)
    short = long.iloc[-36:]

    def width(series: pd.Series) -> float:
        draws = simulate(fit_level(series), 60, 2000, np.random.default_rng(1))
        low, high = np.quantile(draws[:, 48:60].sum(axis=1), [0.1, 0.9])
        return float(np.log(high / low))

    assert width(short) > 1.5 * width(long)


def test_intervals_widen_with_the_horizon_and_the_seed_repeats() -> None:
    counts = pd.Series(np.random.default_rng(5).poisson(60, 99), index=MONTHS_8Y)
    fit = fit_level(counts)
    draws = simulate(fit, 60, 2000, np.random.default_rng(1))
    assert draws.shape == (2000, 60) and (draws >= 0).all()
    years = np.log(np.stack([draws[:, 12 * k : 12 * k + 12].sum(axis=1) for k in range(5)], 1))
    spread = years.std(axis=0)
    assert spread[4] > spread[0]
    again = simulate(fit, 60, 2000, np.random.default_rng(1))
    assert np.array_equal(draws, again)


def test_counts_never_vary_less_than_poisson_counts() -> None:
    # a perfectly flat count of 80 a month: the noise is taken to be at least Poisson's, about
    # 1 / sqrt(80.5) = 0.11 on the log scale, so a year five years on is not certain
    counts = pd.Series(80, index=MONTHS_8Y)
    fit = fit_level(counts)
    year_5 = simulate(fit, 60, 2000, np.random.default_rng(2))[:, 48:60].sum(axis=1)
    # a year of 12 months with noise 0.11 each: about 0.11 / sqrt(12) = 0.032 on the log scale
    assert np.log(year_5).std() > 0.02
    assert np.median(year_5) == pytest.approx(960, rel=0.03)


def test_the_grid_and_prior_are_checked() -> None:
    assert geometric_grid(0.01, 0.04, 3) == (0.01, 0.02, 0.04)
    grid, log_weight = Prior().points()
    assert np.exp(log_weight).sum() == pytest.approx(1.0)
    # the no-drift model has half the prior weight, and a still level half again
    no_drift = grid[:, 2] == 0
    assert np.exp(log_weight[no_drift]).sum() == pytest.approx(0.5)
    assert np.exp(log_weight[grid[:, 0] == 0]).sum() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="drift_probability"):
        Prior(drift_probability=1.5)
    with pytest.raises(ValueError, match="level_grid"):
        Prior(level_grid=(0.0, 0.1))
    with pytest.raises(ValueError, match="grid needs"):
        geometric_grid(0.1, 0.01, 3)


def test_a_series_shorter_than_two_years_has_no_month_pattern() -> None:
    # 18 months cannot estimate 12 month-of-year levels (each must be seen twice): one level is
    # fitted, so the fitted values are the level itself
    months = pd.date_range("2023-01-01", periods=18, freq="MS")
    fit = fit_level(pd.Series(np.random.default_rng(1).poisson(30, 18), index=months))
    assert np.allclose(fit.fitted, fit.level)
    assert simulate(fit, 24, 100, np.random.default_rng(0)).shape == (100, 24)


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        project(pd.Series([1.0, 2.0]), 2, periods_per_year=1, counts=False)
    with pytest.raises(ValueError, match="negative"):
        fit_level(pd.Series([3, -1, 4, 5]), periods_per_year=1)
    with pytest.raises(ValueError, match="positive"):
        fit_level(pd.Series([3.0, 0.0, 4.0]), periods_per_year=1, counts=False)
