"""The trend model recovers known trends from simulated series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csa_stats.trends import decompose, fit_trend

MONTHS = pd.date_range("2017-04-01", periods=96, freq="MS")
SEASON = np.array([0.93, 0.88, 0.97, 0.98, 1.04, 1.03, 1.08, 1.04, 1.02, 1.03, 0.99, 1.01])


def simulate(
    rng: np.random.Generator, annual_change: float, level: float, nb_alpha: float = 0.0
) -> pd.Series:
    """Monthly counts with a known annual change and seasonality; negative binomial if alpha > 0."""
    years = np.arange(len(MONTHS)) / 12
    mean = level * (1 + annual_change) ** years * SEASON[MONTHS.month - 1]
    if nb_alpha > 0:
        mean = rng.gamma(shape=1 / nb_alpha, scale=mean * nb_alpha)  # gamma-Poisson mixture = NB2
    return pd.Series(rng.poisson(mean), index=MONTHS)


@pytest.mark.parametrize(("truth", "alpha"), [(-0.05, 0.0), (0.08, 0.0), (-0.05, 0.02)])
def test_the_95_per_cent_interval_covers_the_true_change_about_95_times_in_100(
    truth: float, alpha: float
) -> None:
    rng = np.random.default_rng(20241)
    covered = 0
    for _ in range(100):
        fit = fit_trend(simulate(rng, truth, level=300, nb_alpha=alpha))
        low, high = fit.annual_change_ci
        covered += low <= 100 * truth <= high
    # Binomial(100, 0.95): 90 to 99 holds with probability above 0.98
    assert 90 <= covered <= 99


def test_overdispersed_counts_get_the_negative_binomial_model() -> None:
    rng = np.random.default_rng(7)
    assert fit_trend(simulate(rng, -0.05, 300, nb_alpha=0.03)).family == "negative binomial"
    assert fit_trend(simulate(rng, -0.05, 300)).family == "Poisson"


def test_a_flat_series_has_no_clear_trend_and_a_steep_one_has() -> None:
    rng = np.random.default_rng(11)
    assert not fit_trend(simulate(rng, 0.0, 500)).is_clear
    steep = fit_trend(simulate(rng, -0.15, 500))
    assert steep.is_clear and steep.annual_change_pct == pytest.approx(-15, abs=1.5)


def test_the_fitted_trend_follows_the_level_without_the_season() -> None:
    rng = np.random.default_rng(3)
    fit = fit_trend(simulate(rng, 0.10, 1000))
    # one year on, the trend has risen by about the true 10%
    assert fit.trend.iloc[12] / fit.trend.iloc[0] == pytest.approx(1.10, abs=0.02)
    assert fit.fitted.sum() == pytest.approx(
        simulate(np.random.default_rng(3), 0.10, 1000).sum(), rel=0.001
    )


def test_short_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 24 months"):
        fit_trend(pd.Series([5] * 12, index=MONTHS[:12]))


def test_stl_parts_add_up_to_the_series() -> None:
    series = simulate(np.random.default_rng(5), -0.05, 300)
    parts = decompose(series)
    rebuilt = parts["trend"] + parts["seasonal"] + parts["remainder"]
    assert np.allclose(rebuilt, series.to_numpy())
    assert parts["trend"].iloc[-6] < parts["trend"].iloc[6]


@pytest.mark.parametrize(("alpha", "level"), [(0.0, 300.0), (0.01, 300.0), (0.02, 150.0)])
def test_the_dispersion_measures_how_much_more_than_chance_the_counts_vary(
    alpha: float, level: float
) -> None:
    # Negative binomial counts with mean m have variance m + alpha * m^2: about 1 + alpha * m
    # times a Poisson count's (the chapters' caveats quote this figure); Poisson: 1.
    # The statistic has about 83 degrees of freedom: one series' figure can be 30-40% off; the
    # average of twenty is within about 10%. (Raw counts' variance over their mean, with the trend
    # and season left in, would be far above 1 for Poisson counts.)
    rng = np.random.default_rng(7)
    ratios = []
    for _ in range(20):
        series = simulate(rng, -0.03, level, nb_alpha=alpha)
        ratios.append(fit_trend(series).dispersion / (1 + alpha * float(series.mean())))
    assert all(0.5 < r < 1.6 for r in ratios)
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.12)
