"""The calibration harness (``make calibrate``): its metrics on hand-worked examples, its negative
binomial generator, fast runs of each part, and the committed results file's honesty.

The full run's targets are checked by the full run itself (``make calibrate``), not here."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from csa_stats import paths
from csa_stats.analysis import calibrate
from csa_stats.analysis.calibrate import (
    SEED,
    Target,
    brier,
    brier_skill,
    change_cell,
    coverage,
    expected_targets,
    negative_binomial,
    projection_paths,
    scenario_figures,
    spiegelhalter_z,
)


def test_brier_of_a_hand_example() -> None:
    # (0.8 - 1)^2 = 0.04 and (0.3 - 0)^2 = 0.09
    assert brier(np.array([0.8, 0.3]), np.array([1, 0])) == pytest.approx((0.04 + 0.09) / 2)
    assert brier(np.array([1.0, 0.0]), np.array([1, 0])) == 0.0
    assert brier(np.array([0.5] * 4), np.array([1, 0, 1, 1])) == pytest.approx(0.25)


def test_brier_skill_against_the_base_rate() -> None:
    # Base rate 1/2: the base's Brier is 0.25, so the skill is 1 - 0.065 / 0.25 = 0.74.
    assert brier_skill(np.array([0.8, 0.3]), np.array([1, 0])) == pytest.approx(0.74)
    outcomes = np.array([1, 0, 0, 0])  # base rate 1/4: stating it has no skill
    assert brier_skill(np.full(4, 0.25), outcomes) == pytest.approx(0.0)
    assert brier_skill(np.full(4, 0.9), outcomes) < 0
    assert math.isnan(brier_skill(np.array([0.3, 0.6]), np.array([1, 1])))  # nothing to tell apart


def test_spiegelhalter_z_of_a_hand_example() -> None:
    # numerator (1 - .2)(1 - .4) + (0 - .2)(1 - .4) = 0.36; denominator sqrt(2 * .6^2 * .2 * .8)
    expected = 0.36 / math.sqrt(2 * 0.36 * 0.16)
    assert spiegelhalter_z(np.array([0.2, 0.2]), np.array([1, 0])) == pytest.approx(expected)
    assert math.isnan(spiegelhalter_z(np.array([0.5, 1.0]), np.array([1, 1])))


def test_spiegelhalter_z_is_near_zero_for_calibrated_chances_and_large_otherwise() -> None:
    rng = np.random.default_rng(7)
    chance = rng.uniform(0.01, 0.99, 100_000)
    outcome = (rng.uniform(size=chance.size) < chance).astype(int)
    assert abs(spiegelhalter_z(chance, outcome)) < 3.5  # standard normal under calibration
    overconfident = np.where(chance > 0.5, 0.99, 0.01)
    assert abs(spiegelhalter_z(overconfident, outcome)) > 10


def test_coverage_of_a_hand_example() -> None:
    truth = np.array([5, 10, 20])
    low, high = np.array([4, 11, 15]), np.array([6, 12, 20])  # 10 is outside; 20 on its bound
    assert coverage(truth, low, high) == pytest.approx(2 / 3)
    assert math.isnan(coverage(np.array([]), np.array([]), np.array([])))


def test_targets_inclusive_and_strict() -> None:
    assert Target(0.7, 0.9).contains(0.9) and not Target(0.7, 0.9).contains(0.91)
    assert Target(None, 0.07).contains(0.07) and not Target(None, 0.07).contains(0.0701)
    assert not Target(0.0, None, inclusive=False).contains(0.0)
    assert Target(-3.0, 3.0, inclusive=False).contains(-2.99)
    assert not Target(0.7, 0.9).contains(None) and not Target(0.7, 0.9).contains(math.nan)
    assert Target(None, 0.07).describe() == "at most 0.07"


@pytest.mark.parametrize("phi", [1.0, 2.6, 10.0])
def test_negative_binomial_has_the_dispersion_asked_for(phi: float) -> None:
    rng = np.random.default_rng(11)
    draws = negative_binomial(70.0, phi, rng, size=200_000)
    assert draws.mean() == pytest.approx(70.0, rel=0.01)
    assert draws.var() / draws.mean() == pytest.approx(phi, rel=0.03)
    # Months of different means: the Pearson dispersion about the known means is phi.
    means = np.tile([10.0, 60.0, 500.0], 50_000)
    counts = negative_binomial(means, phi, rng)
    assert float(np.mean((counts - means) ** 2 / means)) == pytest.approx(phi, rel=0.03)


def test_change_test_false_alarms_and_power_at_phi_3_mean_500() -> None:
    n = 400
    # An observed rate above the 7% target by 3 binomial standard errors at n = 400:
    # 0.07 + 3 * sqrt(0.07 * 0.93 / 400) = 0.108.
    bound = 0.07 + 3 * math.sqrt(0.07 * 0.93 / n)
    none = change_cell(3.0, 500, 0.0, n)
    assert none["series"] == n and none["clear"] < bound
    fall = change_cell(3.0, 500, 0.20, n)
    assert fall["clear_fall"] > 0.95  # se of the log ratio 0.034 against log(0.8) = -0.22


def test_a_projection_scenario_gives_finite_figures_and_fair_intervals() -> None:
    paths = 30
    rows = projection_paths("d", 0, paths)
    assert [r["path"] for r in rows] == list(range(paths))
    figures = scenario_figures(rows)
    assert figures["paths"] == paths and figures["failed"] == 0
    for name in (
        "coverage_80",
        "coverage_95",
        "brier",
        "brier_skill",
        "spiegelhalter_z",
        "told_brier_skill",
        "told_spiegelhalter_z",
    ):
        assert math.isfinite(figures[name]), name
    assert 0 <= figures["coverage_80"] <= figures["coverage_95"] <= 1
    # A random walk with no drift is within the model's family: its 80% intervals hold the truth
    # in 80% of paths, give or take 3 binomial standard errors (3 * sqrt(0.8 * 0.2 / 30) = 0.22).
    assert abs(figures["coverage_80"] - 0.8) <= 3 * math.sqrt(0.8 * 0.2 / paths)
    # Seeded: the same paths twice are the same paths.
    assert projection_paths("d", 3, 1) == [rows[3]]


def _level_for_goal_mean(mean: float) -> np.ndarray:
    """A constant log level whose 2030 months (with the season) sum to ``mean``."""
    in_2030 = calibrate.MONTHS.year == calibrate.GOAL_YEAR
    return np.full(
        len(calibrate.MONTHS), math.log(mean / np.exp(calibrate.season()[in_2030]).sum())
    )


def test_the_told_the_truth_chance_of_a_known_level() -> None:
    """A Poisson world whose 2030 mean is 100 and a baseline of 100: P(X <= 99) for a Poisson
    mean of 100 is 0.4867 (P(X <= 100) = 0.5266 less P(X = 100) = 0.0399, from tables)."""
    level = _level_for_goal_mean(100.0)
    rng = np.random.default_rng(1)
    poisson = calibrate.Scenario("t", "test", calibrate.trend_level, 1.0, "test")
    assert calibrate.told_the_truth_chance(poisson, level, 100, rng) == pytest.approx(
        0.4867, abs=5e-4
    )
    # a random walk too small to move gives the same chance
    still = calibrate.Scenario("t", "test", calibrate.trend_level, 1.0, "test", wander=1e-12)
    assert calibrate.told_the_truth_chance(still, level, 100, rng) == pytest.approx(
        0.4867, abs=5e-4
    )


def test_the_told_the_truth_chance_of_negative_binomial_months_matches_their_simulation() -> None:
    """phi 2.6: the closed form against 20,000 years of the generator's own months (2030 mean
    120, baseline 110), within 3 binomial standard errors."""
    level = _level_for_goal_mean(120.0)
    scenario = calibrate.Scenario("t", "test", calibrate.trend_level, 2.6, "test")
    chance = calibrate.told_the_truth_chance(scenario, level, 110, np.random.default_rng(2))
    in_2030 = calibrate.MONTHS.year == calibrate.GOAL_YEAR
    means = np.exp(level + calibrate.season())[in_2030]
    years = negative_binomial(np.broadcast_to(means, (20_000, 12)), 2.6, np.random.default_rng(3))
    simulated = float(np.mean(years.sum(axis=1) < 110))
    assert abs(chance - simulated) <= 3 * math.sqrt(simulated * (1 - simulated) / 20_000)
    assert 0.2 < chance < 0.45  # 110 is 0.6 standard deviations (sqrt(2.6 * 120) = 17.7) below


def test_workers_do_not_change_the_figures() -> None:
    tasks = [("change", 3.0, 70, 0.0, 5, SEED), ("projection", "e", 0, 1, SEED)]
    assert calibrate._run_tasks(tasks, 1) == calibrate._run_tasks(tasks, 2)


@pytest.fixture(scope="module")
def small_run() -> dict:
    return calibrate.run(paths=2, series=10, workers=1)


def test_a_small_run_checks_every_target_honestly(small_run: dict) -> None:
    targets = small_run["targets"]
    assert list(targets) == expected_targets()
    for name, entry in targets.items():
        assert entry["met"] == Target(**_bounds(entry["target"])).contains(entry["value"]), name
    json.dumps(calibrate.to_json(small_run), allow_nan=False)  # the file is strict JSON
    assert "2 paths per projection scenario" in calibrate.report(small_run)


def test_the_backtest_reads_the_published_rates(small_run: dict) -> None:
    rates = calibrate.backtest_rates()
    assert rates.tolist() == [75.5, 81.8, 83.2, 90.8, 116.4, 121.5, 106.8, 99.2]
    back = small_run["backtest"]
    if "skipped" in back:
        pytest.skip(back["skipped"])
    assert back["count"] == 5 + 4 + 3 + 2 + 1  # origins 2019/20 to 2023/24, every later year
    assert 0 <= back["inside_80"] <= back["inside_95"] <= back["count"]


def _bounds(target: dict) -> dict:
    return {k: target[k] for k in ("low", "high", "inclusive")}


RESULTS = paths.reference_file(paths.CALIBRATION)


@pytest.mark.skipif(not RESULTS.exists(), reason="no committed calibration results")
def test_the_committed_results_claim_only_the_targets_they_met() -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    targets = results["targets"]
    assert set(targets) == set(expected_targets())
    for name, entry in targets.items():
        value = entry["value"]
        assert entry["met"] == Target(**_bounds(entry["target"])).contains(value), name
        # The value is the figure the file reports, not one typed beside it.
        part, *rest = name.split(".")
        if part == "projection":
            key, figure = rest
            assert results["projection"][key][figure] == value, name
        else:
            cell = next(
                c
                for c in results["change_test"]
                if c["fall"] == 0 and f"phi_{c['phi']:g}.mean_{c['mean']}" == ".".join(rest[1:])
            )
            assert cell["clear"] == value, name
    settings = results["settings"]
    assert settings["paths_per_scenario"] >= 200 and settings["series_per_cell"] >= 1000
