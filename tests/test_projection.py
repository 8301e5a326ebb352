"""The projection model (csa_stats.analysis.projection): known parameters in, known answers out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csa_stats.analysis.projection import fit_level, project, simulate


def test_a_steady_rise_of_ten_per_cent_a_year_is_read_as_one() -> None:
    # values 100 * 1.1^t a year, exactly: the underlying change is +10% a year
    values = pd.Series(100 * 1.1 ** np.arange(8))
    fit = fit_level(values, periods_per_year=1, counts=False, min_years_own_volatility=0)
    assert fit.annual_change_pct == pytest.approx(10.0, abs=0.5)


def test_a_short_series_takes_the_volatility_floor() -> None:
    # three years of steady Poisson months: no wander of its own to speak of, and too short to
    # say so; its level is given the stated floor (0.12 a year) instead
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    counts = pd.Series(np.random.default_rng(3).poisson(80, 36), index=months)
    fit = fit_level(counts, floor=0.12, min_years_own_volatility=5)
    assert fit.floored and fit.volatility == pytest.approx(0.12)
    # the same months judged long enough keep their own estimate
    own = fit_level(counts, floor=0.12, min_years_own_volatility=2)
    assert not own.floored and own.volatility == pytest.approx(own.own_volatility)


def test_a_random_walk_level_is_measured_near_its_volatility() -> None:
    # 30 years of monthly log levels wandering 0.2 a year, observed with little noise: the
    # estimated yearly volatility is within a third of the truth
    rng = np.random.default_rng(11)
    log_level = np.log(500) + np.cumsum(rng.normal(0, 0.2 / math.sqrt(12), 360))
    months = pd.date_range("1990-01-01", periods=360, freq="MS")
    counts = pd.Series(rng.poisson(np.exp(log_level)), index=months)
    fit = fit_level(counts, min_years_own_volatility=0)
    assert 0.2 * 2 / 3 < fit.volatility < 0.2 * 4 / 3


def test_intervals_widen_with_the_horizon_and_the_seed_repeats() -> None:
    months = pd.date_range("2017-01-01", periods=99, freq="MS")
    counts = pd.Series(np.random.default_rng(5).poisson(60, 99), index=months)
    fit = fit_level(counts)
    draws = simulate(fit, 60, 2000, np.random.default_rng(1))
    assert draws.shape == (2000, 60) and (draws >= 0).all()
    spread = np.log(draws[:, [0, 59]] + 0.5).std(axis=0)
    assert spread[1] > spread[0]
    again = simulate(fit, 60, 2000, np.random.default_rng(1))
    assert np.array_equal(draws, again)


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        project(pd.Series([1.0, 2.0]), 2, periods_per_year=1, counts=False)
    with pytest.raises(ValueError, match="negative"):
        fit_level(pd.Series([3, -1, 4, 5]), periods_per_year=1)
    with pytest.raises(ValueError, match="positive"):
        fit_level(pd.Series([3.0, 0.0, 4.0]), periods_per_year=1, counts=False)
