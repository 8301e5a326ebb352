"""The forecaster that knows the worlds' laws (not the path): its likelihood against numerical
integration, its chance against Poisson tables, and the world it names on paths only one world
can draw."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from csa_stats.analysis import calibrate as cal
from csa_stats.analysis import world_forecaster as wf


@pytest.mark.parametrize(
    "counts", [[55.0, 70.0, 62.0], [3.0, 7.0, 5.0], [30.0, 40.0, 35.0], [120.0, 150.0, 130.0]]
)
def test_the_start_level_is_integrated_out_exactly(counts) -> None:
    # months at the window's levels (46 to 77 a month), and below and above it
    counts = np.array(counts)
    shape = np.array([0.0, 0.4, 0.2])  # log level less the start, each month
    draws = wf.WorldDraws("a", shape[None, :], np.exp(shape).sum()[None], np.array([1.0]))
    low, high = wf.START_WINDOW

    def log_likelihood(a: float) -> float:  # Poisson, less the counts' factorials
        means = np.exp(a + shape)
        return float(np.sum(counts * np.log(means)) - means.sum())

    # the integrand's peak, where quad must look, is at a = log(Y / S), or an end of the window;
    # the integrand is taken relative to it (exp(17,000) overflows)
    peak = min(max(math.log(counts.sum() / np.exp(shape).sum()), low), high)
    top = log_likelihood(peak)
    integral, _ = integrate.quad(
        lambda a: math.exp(log_likelihood(a) - top),
        low,
        high,
        points=[peak],
        epsabs=0,
        epsrel=1e-10,
    )
    # the function leaves out log Gamma(Y), the same for every draw
    assert wf.log_evidence(counts, draws)[0] + math.lgamma(counts.sum()) == pytest.approx(
        top + math.log(integral), abs=1e-6
    )


def test_with_the_level_known_exactly_the_chance_is_poissons() -> None:
    # one draw, a flat level: 10 months of a million fix the level (to 0.03%); a goal "year"
    # whose level is 1e-4 of a month's has mean 100, and P(X <= 99 | 100) = 0.4867 (Poisson
    # tables)
    draws = wf.WorldDraws("a", np.zeros((1, 10)), np.array([10.0]), np.array([1e-4]))
    chance, shares = wf.chance_below(np.full(10, 1e6), 100, [draws])
    assert chance == pytest.approx(0.4867, abs=1e-4)
    assert shares == {"a": 1.0}


def test_the_chance_carries_the_uncertainty_of_the_level_the_months_give() -> None:
    # 10 months of 10: the level a month is gamma (shape 100, rate 10) given a flat prior on its
    # log; a goal "year" of 10 such months, Poisson given the level. Simulated with those known
    # parameters, P(goal total <= 99) against the forecaster's, within 3 binomial SE
    rng = np.random.default_rng(5)
    level = rng.gamma(100, 1 / 10, 400_000)
    simulated = float(np.mean(rng.poisson(10 * level) <= 99))
    draws = wf.WorldDraws("a", np.zeros((1, 10)), np.array([10.0]), np.array([10.0]))
    chance, _ = wf.chance_below(np.full(10, 10.0), 100, [draws])
    assert chance == pytest.approx(simulated, abs=3 * math.sqrt(0.25 / 400_000))
    assert chance > 0.4867 + 0.005  # wider than Poisson's: the level is not known exactly


@pytest.fixture(scope="module")
def worlds() -> list[wf.WorldDraws]:
    rng = np.random.default_rng(11)
    return [wf.draw_world(key, 4000, rng) for key in wf.WORLDS]


def _months_of(log_level: np.ndarray) -> np.ndarray:
    """The observed months' expected counts of a log level, rounded (no noise)."""
    return np.round(np.exp(log_level + cal.season())[: cal.OBSERVED])


def test_a_series_rising_from_the_start_can_only_be_world_a(worlds) -> None:
    # +3% a year from 2017: worlds e and f only fall at first
    level = math.log(60) + math.log1p(0.03) * cal.YEARS
    _, shares = wf.chance_below(_months_of(level), 700, worlds)
    assert shares["a"] > 0.99


def test_a_fall_that_turned_four_years_ago_is_named_world_f(worlds) -> None:
    # -10% a year to January 2021, then +6% a year: a rise over four years of months
    years = cal.YEARS
    level = (
        math.log(60)
        + math.log1p(-0.10) * np.minimum(years, 4)
        + math.log1p(0.06) * np.maximum(years - 4, 0)
    )
    _, shares = wf.chance_below(_months_of(level), 700, worlds)
    assert shares["f"] > 0.9


def test_a_world_whose_level_wanders_is_refused() -> None:
    with pytest.raises(ValueError, match="world c"):
        wf.draw_world("c", 10, np.random.default_rng(1))
