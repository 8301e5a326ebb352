"""Calibration of the project's verdicts outside their own models (``make calibrate``).

Three parts, each calling the project's public functions (nothing here re-implements a verdict):

1. **The change test** (:func:`csa_stats.analysis.measures.compare_series`) on negative binomial monthly
   series (a gamma-Poisson mixture with variance ``phi`` times the mean): its false-alarm rate when
   nothing changed, and its power to call a 10% and a 20% fall a clear fall, at dispersions
   :data:`PHIS` and monthly means :data:`MEANS`.
2. **The projection to the goal** (:func:`csa_stats.analysis.progress.assess`) in the scenarios of
   :data:`SCENARIOS`, most of them outside the projection's model: serious-violence-like monthly
   counts from January 2017, the edition's period ending March 2025, the 2020 calendar year the
   baseline and 2030 the goal year; each path's truth simulated on to December 2030. Measured: the
   coverage of the goal year's 80% and 95% intervals, and the Brier score, Brier skill and
   Spiegelhalter's z of the stated chance that the goal year is below the baseline.
3. **A rolling-origin backtest** of :func:`csa_stats.analysis.projection.project` on Coventry's real total
   recorded crime per 1,000 residents, financial years 2017/18 to 2024/25 (the published figures
   ``trc_rate_*`` in ``data/reference/published_figures.csv``): how many real values fall inside
   the stated intervals. Skipped, and said so, when the module is not there.

Every random draw is seeded (:data:`SEED`, then the part, the cell or scenario and the path), so
a run is reproducible and does not depend on the number of workers. The full run writes every
figure and each target's value, bound and verdict to ``data/reference/calibration.json``. Nothing
reaches the network.

Examples
--------
>>> round(brier(np.array([0.8, 0.3]), np.array([1, 0])), 4)  # ((0.8-1)^2 + (0.3-0)^2) / 2
0.065
>>> coverage(np.array([5, 10, 20]), np.array([4, 11, 15]), np.array([6, 12, 20]))  # 2 of 3
0.6666666666666666
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import math
import multiprocessing
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csa_stats import paths
from csa_stats.analysis.measures import compare_series
from csa_stats.analysis.progress import assess, stated_chance, year_window
from csa_stats.files import write_text
from csa_stats.reference.definitions import load_serious_violence
from csa_stats.reference.published import published_figures

#: The seed every draw descends from (with the part, the cell or scenario, and the path).
SEED = 20250331
#: Parts of the run, as the second number of each seed.
CHANGE_PART, PROJECTION_PART, BACKTEST_PART = 1, 2, 3

#: Full-run defaults: paths per projection scenario, series per change-test cell, workers.
FULL_PATHS, FULL_SERIES, FULL_WORKERS = 200, 3000, 2

# --- Part 1: the change test -------------------------------------------------------------------

#: Pearson dispersions (variance / mean) of the simulated monthly counts.
PHIS = (1.0, 1.5, 3.0, 10.0, 25.0)
#: Monthly means of the comparison period.
MEANS = (10, 70, 500, 3000)
#: The true falls between the two 12-month periods whose detection is measured (0: no change).
FALLS = (0.0, 0.10, 0.20)
#: The test's nominal false-alarm rate.
NOMINAL = 0.05
#: Monthly means from which the false-alarm rate is held to a target (10 a month is reported).
TARGETED_MEAN = 70
#: Months of the simulated change-test series and the period's end.
CHANGE_END = pd.Period("2025-03", "M")
CHANGE_MONTHS = pd.period_range(CHANGE_END - 23, CHANGE_END, freq="M").start_time

# --- Part 2: the projection --------------------------------------------------------------------

FIRST_MONTH = pd.Period("2017-01", "M")
PERIOD_END = pd.Period("2025-03", "M")
BASELINE_YEAR, GOAL_YEAR = 2020, 2030
LAST_MONTH = pd.Period(f"{GOAL_YEAR}-12", "M")
MONTHS = pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")
#: Years since January 2017 of each month simulated.
YEARS = np.arange(len(MONTHS)) / 12.0
#: Months observed by the edition (January 2017 to March 2025).
OBSERVED = int((PERIOD_END - FIRST_MONTH).n) + 1
#: The starting level (January 2017, a month at the average season): 60 times exp(U(-0.25, 0.25)).
START_LEVEL, START_SPREAD = 60.0, 0.25
#: Month-of-year seasonality: log factor SEASON_AMPLITUDE * cos(2 pi (month - 7) / 12), peak July.
SEASON_AMPLITUDE = 0.12
#: Intervals of the projection, as (name, lower quantile, upper quantile): csa_stats.analysis.progress's.
INTERVALS = (("80", 0.10, 0.90), ("95", 0.025, 0.975))

# --- Part 3: the backtest ----------------------------------------------------------------------

#: Financial years of the real series and the published figures that hold them.
BACKTEST_YEARS = (
    "2017/18",
    "2018/19",
    "2019/20",
    "2020/21",
    "2021/22",
    "2022/23",
    "2023/24",
    "2024/25",
)
#: The fewest years of history an origin is fitted to.
MIN_HISTORY = 3
BACKTEST_SIMULATIONS = 4000


@dataclass(frozen=True)
class Target:
    """A bound a figure must meet: ``low`` and ``high`` (either may be ``None``: unbounded),
    inclusive or strict."""

    low: float | None
    high: float | None
    inclusive: bool = True

    def contains(self, value: float | None) -> bool:
        """True when ``value`` is a finite number within the bounds."""
        if value is None or not math.isfinite(value):
            return False
        if self.inclusive:
            return (self.low is None or value >= self.low) and (
                self.high is None or value <= self.high
            )
        return (self.low is None or value > self.low) and (self.high is None or value < self.high)

    def describe(self) -> str:
        """The bound in words: ``"at most 0.07"``, ``"0.7 to 0.9"``, ``"above 0"``."""
        if self.low is not None and self.high is not None:
            return (
                f"{self.low:g} to {self.high:g}"
                if self.inclusive
                else f"between {self.low:g} and {self.high:g}"
            )
        if self.high is not None:
            return f"at most {self.high:g}" if self.inclusive else f"below {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}" if self.inclusive else f"above {self.low:g}"
        return "any"

    def as_dict(self) -> dict[str, Any]:
        """The target as JSON: its bounds, whether they are inclusive, and in words."""
        return {
            "low": self.low,
            "high": self.high,
            "inclusive": self.inclusive,
            "text": self.describe(),
        }


COVERAGE_TARGETS = {"80": Target(0.70, 0.90), "95": Target(0.88, 0.98)}
BRIER_SKILL_TARGET = Target(0.0, None, inclusive=False)
Z_TARGET = Target(-3.0, 3.0, inclusive=False)


def false_alarm_target(phi: float) -> Target:
    """At most 7% false alarms at nominal 5% for dispersions up to 3; at most 10% up to 25."""
    return Target(None, 0.07 if phi <= 3.0 else 0.10)


# --- The metrics -------------------------------------------------------------------------------


def coverage(truth: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of the true values inside their intervals, bounds included:
    ``mean(low_i <= truth_i <= high_i)``; NaN when there are none."""
    truth, low, high = (np.asarray(a, dtype=float) for a in (truth, low, high))
    if truth.size == 0:
        return math.nan
    return float(np.mean((low <= truth) & (truth <= high)))


def brier(chance: np.ndarray, outcome: np.ndarray) -> float:
    """Brier score of stated chances against what happened (1 or 0):
    ``B = (1/n) * sum_i (p_i - o_i)^2``; 0 is perfect, 0.25 is always saying 50%."""
    p, o = np.asarray(chance, dtype=float), np.asarray(outcome, dtype=float)
    if p.size == 0:
        return math.nan
    return float(np.mean((p - o) ** 2))


def brier_skill(chance: np.ndarray, outcome: np.ndarray) -> float:
    """Brier skill against stating the base rate for every case:
    ``1 - B / B_base``, where ``B_base = obar * (1 - obar)`` is the Brier score of stating
    ``obar``, the share of the outcomes that happened. Above 0: the chances tell the cases apart
    better than the base rate does. NaN when every outcome is the same (``B_base = 0``)."""
    o = np.asarray(outcome, dtype=float)
    if o.size == 0:
        return math.nan
    base = float(o.mean())
    reference = base * (1.0 - base)
    if reference == 0.0:
        return math.nan
    return 1.0 - brier(chance, o) / reference


def spiegelhalter_z(chance: np.ndarray, outcome: np.ndarray) -> float:
    """Spiegelhalter's (1986) z-statistic for the calibration of stated chances:

    ``z = sum_i (o_i - p_i)(1 - 2 p_i) / sqrt(sum_i (1 - 2 p_i)^2 p_i (1 - p_i))``,

    standard normal when the outcomes happen with the stated chances; |z| above about 2 or 3 is
    evidence they do not. NaN when the denominator is 0 (every chance 0, 1/2 or 1)."""
    p, o = np.asarray(chance, dtype=float), np.asarray(outcome, dtype=float)
    variance = float(np.sum((1.0 - 2.0 * p) ** 2 * p * (1.0 - p)))
    if variance <= 0.0:
        return math.nan
    return float(np.sum((o - p) * (1.0 - 2.0 * p)) / math.sqrt(variance))


# --- Generators --------------------------------------------------------------------------------


def negative_binomial(
    mean: np.ndarray | float, phi: float, rng: np.random.Generator, size: Any = None
) -> np.ndarray:
    """Counts with the given mean and variance ``phi * mean`` (Pearson dispersion ``phi``): a
    gamma-Poisson mixture, the rate drawn from a gamma with shape ``mean / (phi - 1)`` and scale
    ``phi - 1`` (so its variance is ``(phi - 1) * mean``), then a Poisson count at that rate.
    ``phi = 1`` is Poisson."""
    if phi < 1.0:
        raise ValueError(f"the dispersion must be at least 1; got {phi}")
    mean = np.asarray(mean, dtype=float)
    if phi == 1.0:
        return rng.poisson(mean, size=size)
    rate = rng.gamma(shape=mean / (phi - 1.0), scale=phi - 1.0, size=size)
    return rng.poisson(rate)


def change_series(
    mean: float, fall: float, phi: float, series: int, rng: np.random.Generator
) -> np.ndarray:
    """``series`` rows of 24 monthly counts: 12 months at ``mean``, then 12 at
    ``mean * (1 - fall)``, each month negative binomial with dispersion ``phi``."""
    means = np.repeat([mean, mean * (1.0 - fall)], 12)
    return negative_binomial(np.broadcast_to(means, (series, 24)), phi, rng)


def season(months: pd.PeriodIndex = MONTHS) -> np.ndarray:
    """Log month-of-year factor of the projection scenarios: peak in July, trough in January."""
    return SEASON_AMPLITUDE * np.cos(2.0 * math.pi * (np.asarray(months.month) - 7) / 12.0)


def _start(rng: np.random.Generator) -> float:
    return math.log(START_LEVEL) + rng.uniform(-START_SPREAD, START_SPREAD)


def trend_level(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """Log-linear trend: log level ``log L0 + log(1 + g) * t``, ``g ~ U(-8%, +4%)`` a year."""
    g = rng.uniform(-0.08, 0.04)
    return _start(rng) + math.log1p(g) * YEARS, {"trend": g}


def random_walk_level(
    volatility: float,
) -> Callable[[np.random.Generator], tuple[np.ndarray, dict[str, float]]]:
    """Random-walk log level, no drift: monthly steps ``N(0, volatility^2 / 12)``."""

    def level(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
        steps = rng.normal(0.0, volatility / math.sqrt(12.0), len(YEARS))
        steps[0] = 0.0
        return _start(rng) + np.cumsum(steps), {"volatility": volatility}

    return level


def levelling_level(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """A fall that levels off: ``r ~ U(-14%, -6%)`` a year from January 2017 to a month drawn
    uniformly from January 2019 to January 2024 (``T ~ U(2, 7)`` years), flat after."""
    r, turn = rng.uniform(-0.14, -0.06), rng.uniform(2.0, 7.0)
    return _start(rng) + math.log1p(r) * np.minimum(YEARS, turn), {"fall": r, "turn": 2017 + turn}


def reversing_level(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """A fall that reverses: ``r ~ U(-12%, -4%)`` a year to a turn drawn uniformly from January
    2021 to January 2025 (``T ~ U(4, 8)`` years), then a rise of ``s ~ U(+1%, +6%)`` a year."""
    r, turn, s = rng.uniform(-0.12, -0.04), rng.uniform(4.0, 8.0), rng.uniform(0.01, 0.06)
    log_level = (
        _start(rng)
        + math.log1p(r) * np.minimum(YEARS, turn)
        + math.log1p(s) * np.maximum(YEARS - turn, 0.0)
    )
    return log_level, {"fall": r, "turn": 2017 + turn, "rise": s}


@dataclass(frozen=True)
class Scenario:
    """A way the truth may go: its log level each month (with its drawn parameters) and the
    dispersion of the monthly counts about level times season (1: Poisson)."""

    key: str
    label: str
    level: Callable[[np.random.Generator], tuple[np.ndarray, dict[str, float]]]
    phi: float
    description: str
    #: The yearly volatility of the level's random walk (0: the level's path is set by its drawn
    #: parameters): what a forecaster told the truth still cannot know of the years ahead.
    wander: float = 0.0


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            "a",
            "trend, Poisson",
            trend_level,
            1.0,
            "log-linear trend g ~ U(-8%, +4%) a year; Poisson counts",
        ),
        Scenario(
            "b",
            "trend, NB phi 2.6",
            trend_level,
            2.6,
            "log-linear trend g ~ U(-8%, +4%) a year; negative binomial counts, phi = 2.6",
        ),
        Scenario(
            "c",
            "random walk 0.06",
            random_walk_level(0.06),
            1.0,
            "random-walk log level, volatility 0.06 a year, no drift; Poisson counts",
            wander=0.06,
        ),
        Scenario(
            "d",
            "random walk 0.12",
            random_walk_level(0.12),
            1.0,
            "random-walk log level, volatility 0.12 a year, no drift; Poisson counts",
            wander=0.12,
        ),
        Scenario(
            "e",
            "fall, levels off",
            levelling_level,
            1.0,
            "fall r ~ U(-14%, -6%) a year from 2017 to T ~ U(Jan 2019, Jan 2024), then flat; Poisson",
        ),
        Scenario(
            "f",
            "fall, reverses",
            reversing_level,
            1.0,
            "fall r ~ U(-12%, -4%) a year to T ~ U(Jan 2021, Jan 2025), then a rise "
            "s ~ U(+1%, +6%) a year; Poisson",
        ),
        Scenario(
            "g",
            "random walk 0.12, NB 2.6",
            random_walk_level(0.12),
            2.6,
            "random-walk log level, volatility 0.12 a year, no drift; negative binomial, phi = 2.6",
            wander=0.12,
        ),
    )
}


def scenario_path(
    scenario: Scenario, rng: np.random.Generator
) -> tuple[pd.Series, dict[str, float], np.ndarray]:
    """One path's monthly counts from January 2017 to December 2030 (index: month starts): a
    draw of the scenario's level, times the season, with its noise; the level's parameters; and
    its log level each month."""
    log_level, drawn = scenario.level(rng)
    counts = negative_binomial(np.exp(log_level + season()), scenario.phi, rng)
    drawn["start_level"] = float(math.exp(log_level[0]))
    return pd.Series(counts.astype(int), index=MONTHS.start_time), drawn, log_level


#: Simulations of a random-walk world's years ahead for the chance of a forecaster told the truth.
TOLD_SIMULATIONS = 2000


def told_the_truth_chance(
    scenario: Scenario, log_level: np.ndarray, baseline: int, rng: np.random.Generator
) -> float:
    """The chance that the goal year's total is below ``baseline`` for a forecaster told the
    path's true log level up to the end of the data and the world's law after it: the level's
    path where the world sets it (the goal year's total then negative binomial, or Poisson, with
    a known mean), or its random walk from the data's last month simulated
    :data:`TOLD_SIMULATIONS` times. The bar the projection is measured against: no forecaster
    that sees only the months can expect a better Brier score."""
    from scipy import stats

    goal = np.asarray(year_window(GOAL_YEAR, "calendar").contains(pd.Series(MONTHS.start_time)))
    if scenario.wander > 0:
        steps = rng.normal(
            0.0, scenario.wander / math.sqrt(12.0), (TOLD_SIMULATIONS, len(YEARS) - OBSERVED)
        )
        ahead = log_level[OBSERVED - 1] + np.cumsum(steps, axis=1)
        levels = np.concatenate(
            [np.broadcast_to(log_level[:OBSERVED], (TOLD_SIMULATIONS, OBSERVED)), ahead], axis=1
        )
    else:
        levels = log_level[None, :]
    means = np.exp(levels + season())[:, goal].sum(axis=1)
    if scenario.phi == 1.0:
        below = stats.poisson.cdf(baseline - 1, means)
    else:  # a sum of gamma-Poisson months with one scale is negative binomial
        below = stats.nbinom.cdf(baseline - 1, means / (scenario.phi - 1.0), 1.0 / scenario.phi)
    return float(np.mean(below))


# --- Part 1 ------------------------------------------------------------------------------------


def change_cell(
    phi: float, mean: float, fall: float, series: int, seed: int = SEED
) -> dict[str, Any]:
    """The change test on ``series`` simulated series of one cell: the share called clear (any
    direction: the false-alarm rate when ``fall`` is 0) and the share called a clear fall (the
    power when ``fall`` is above 0)."""
    rng = np.random.default_rng(
        [seed, CHANGE_PART, PHIS.index(phi), MEANS.index(mean), FALLS.index(fall)]
    )
    clear = falls = 0
    for row in change_series(mean, fall, phi, series, rng):
        change = compare_series(pd.Series(row, index=CHANGE_MONTHS), CHANGE_END)
        clear += change.significant
        falls += change.verdict == "clear fall"
    return {
        "phi": phi,
        "mean": mean,
        "fall": fall,
        "series": series,
        "clear": clear / series,
        "clear_fall": falls / series,
    }


# --- Part 2 ------------------------------------------------------------------------------------


def projection_paths(key: str, first: int, count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """Paths ``first`` to ``first + count - 1`` of a scenario, each assessed by
    :func:`csa_stats.analysis.progress.assess` on its months to March 2025 (baseline the 2020 calendar year,
    goal 2030): the stated chance, status and goal-year interval against the path's truth.

    A path ``assess`` cannot fit is kept with its error and left out of the figures."""
    scenario = SCENARIOS[key]
    definition = load_serious_violence()
    measure = definition.measures[definition.headline]
    goal = year_window(GOAL_YEAR, "calendar")
    out = []
    for index in range(first, first + count):
        rng = np.random.default_rng([seed, PROJECTION_PART, ord(key), index])
        truth, drawn, log_level = scenario_path(scenario, rng)
        observed = truth.iloc[:OBSERVED]
        goal_total = int(truth[goal.contains(pd.Series(truth.index, index=truth.index))].sum())
        row: dict[str, Any] = {"path": index, "truth": goal_total, **drawn}
        try:
            progress = assess(
                observed, measure, PERIOD_END, BASELINE_YEAR, "calendar", GOAL_YEAR, definition
            )
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            row["error"] = f"{type(error).__name__}: {error}"
            out.append(row)
            continue
        projected = progress.goal_year_projection
        if str(projected.name) != goal.label:
            raise RuntimeError(f"the projection's last row is {projected.name}, not {goal.label}")
        baseline = progress.baseline.count
        told = (
            None
            if baseline is None
            else stated_chance(
                told_the_truth_chance(scenario, log_level, baseline, rng),
                definition.chance_lowest,
                definition.chance_highest,
                definition.chance_step,
            )
        )
        row.update(
            baseline=baseline,
            outcome=int(baseline is not None and goal_total < baseline),
            chance=progress.baseline.probability,
            told_chance=told,
            status=progress.baseline.status,
            central=float(projected["central"]),
            **{
                f"{b}_{n}": float(projected[f"{b}_{n}"])
                for n, _, _ in INTERVALS
                for b in ("low", "high")
            },
        )
        out.append(row)
    return out


def scenario_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A scenario's figures from its paths: coverage of the 80% and 95% intervals, the base rate,
    the Brier score, the base rate's, the skill, Spiegelhalter's z, and each status's share and
    how often the goal was met among its paths."""
    fitted = [r for r in rows if "error" not in r]
    truth = np.array([r["truth"] for r in fitted], dtype=float)
    chance = np.array([r["chance"] for r in fitted], dtype=float)
    outcome = np.array([r["outcome"] for r in fitted], dtype=float)
    told = np.array([r.get("told_chance", math.nan) for r in fitted], dtype=float)
    central = np.array([r["central"] for r in fitted], dtype=float)
    base = float(outcome.mean()) if len(outcome) else math.nan
    figures: dict[str, Any] = {
        "paths": len(rows),
        "failed": len(rows) - len(fitted),
        "errors": sorted({r["error"] for r in rows if "error" in r})[:5],
    }
    for name, _, _ in INTERVALS:
        low = np.array([r[f"low_{name}"] for r in fitted], dtype=float)
        high = np.array([r[f"high_{name}"] for r in fitted], dtype=float)
        figures[f"coverage_{name}"] = coverage(truth, low, high)
        figures[f"median_width_{name}_pct"] = (
            float(np.median(100.0 * (high - low) / central)) if len(fitted) else math.nan
        )
    figures.update(
        base_rate=base,
        mean_chance=float(chance.mean()) if len(chance) else math.nan,
        brier=brier(chance, outcome),
        brier_base=base * (1.0 - base),
        brier_skill=brier_skill(chance, outcome),
        spiegelhalter_z=spiegelhalter_z(chance, outcome),
        told_brier_skill=brier_skill(told, outcome),
        told_spiegelhalter_z=spiegelhalter_z(told, outcome),
        median_truth_over_central=float(np.median(truth / central)) if len(fitted) else math.nan,
    )
    statuses = {}
    for status in ("on track", "at risk", "off track"):
        chosen = [r["outcome"] for r in fitted if r["status"] == status]
        statuses[status] = {
            "paths": len(chosen),
            "goal_met": float(np.mean(chosen)) if chosen else math.nan,
        }
    figures["statuses"] = statuses
    return figures


# --- Part 3 ------------------------------------------------------------------------------------


def backtest_rates() -> pd.Series:
    """Coventry's total recorded crime per 1,000 residents by financial year, 2017/18 on, from
    ``data/reference/published_figures.csv``."""
    table = published_figures()
    ids = [f"trc_rate_{y[:4]}_{y[-2:]}" for y in BACKTEST_YEARS]
    missing = [i for i in ids if i not in table.index]
    if missing:
        raise KeyError(f"published_figures.csv lacks {', '.join(missing)}")
    return pd.Series([float(table.at[i, "value"]) for i in ids], index=list(BACKTEST_YEARS))


def _projector() -> Callable[..., np.ndarray] | str:
    """``csa_stats.analysis.projection.project``, or why it cannot be used."""
    try:
        module = importlib.import_module("csa_stats.analysis.projection")
    except ImportError as error:
        return f"csa_stats.analysis.projection is not there yet ({error})"
    project = getattr(module, "project", None)
    if not callable(project):
        return "csa_stats.analysis.projection has no project()"
    return project


def backtest(seed: int = SEED) -> dict[str, Any]:
    """Fit :func:`csa_stats.analysis.projection.project` at each origin with at least :data:`MIN_HISTORY`
    years of history, forecast every later year, and count the real values inside the stated 80%
    and 95% intervals. Beside it, for reference, a no-change forecast (the origin's value) widened
    by a volatility (the standard deviation of the yearly log changes, times the square root of
    the horizon, normal quantiles): the history's to the origin (``naive``), and the whole series'
    (``hindsight``: it knows the years it forecasts, as the issue's comparison did)."""
    project = _projector()
    if isinstance(project, str):
        return {"skipped": project}
    rates = backtest_rates()
    prior = load_serious_violence().prior
    normal = {"80": 1.2815516, "95": 1.959964}
    whole = float(np.std(np.diff(np.log(rates.to_numpy())), ddof=1))
    cells = []
    for end in range(MIN_HISTORY, len(rates)):
        history = rates.iloc[:end]
        steps = len(rates) - end
        draws = project(
            history.reset_index(drop=True),
            steps,
            periods_per_year=1,
            counts=False,
            simulations=BACKTEST_SIMULATIONS,
            seed=int(np.random.SeedSequence([seed, BACKTEST_PART, end]).generate_state(1)[0]),
            prior=prior,
        )
        sigma = float(np.std(np.diff(np.log(history.to_numpy())), ddof=1))
        for step in range(steps):
            actual = float(rates.iloc[end + step])
            cell: dict[str, Any] = {
                "origin": str(rates.index[end - 1]),
                "year": str(rates.index[end + step]),
                "horizon": step + 1,
                "actual": actual,
                "central": float(np.median(draws[:, step])),
            }
            for name, low, high in INTERVALS:
                lo, hi = (float(q) for q in np.quantile(draws[:, step], [low, high]))
                cell[f"low_{name}"], cell[f"high_{name}"] = lo, hi
                cell[f"inside_{name}"] = bool(lo <= actual <= hi)
                last = float(history.iloc[-1])
                for kind, volatility in (("naive", sigma), ("hindsight", whole)):
                    half = normal[name] * volatility * math.sqrt(step + 1)
                    cell[f"{kind}_inside_{name}"] = bool(
                        last * math.exp(-half) <= actual <= last * math.exp(half)
                    )
            cells.append(cell)
    figures: dict[str, Any] = {"cells": cells, "count": len(cells), "whole_volatility": whole}
    for name, _, _ in INTERVALS:
        for kind in ("", "naive_", "hindsight_"):
            figures[f"{kind}inside_{name}"] = sum(c[f"{kind}inside_{name}"] for c in cells)
    return figures


# --- The run -----------------------------------------------------------------------------------


def _task(task: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    kind, *args = task
    if kind == "change":
        return task, change_cell(*args)
    return task, projection_paths(*args)


def _tasks(paths_per_scenario: int, series: int, seed: int) -> list[tuple[Any, ...]]:
    chunk = 10
    projection = [
        ("projection", key, first, min(chunk, paths_per_scenario - first), seed)
        for key in SCENARIOS
        for first in range(0, paths_per_scenario, chunk)
    ]
    change = [
        ("change", phi, mean, fall, series, seed)
        for phi in PHIS
        for mean in MEANS
        for fall in FALLS
    ]
    return projection + change  # the slower tasks first, so the workers finish together


def _run_tasks(tasks: list[tuple[Any, ...]], workers: int) -> dict[tuple[Any, ...], Any]:
    if workers <= 1:
        return dict(_task(t) for t in tasks)
    threads = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in threads}
    os.environ.update(
        dict.fromkeys(threads, "1")
    )  # one thread a worker: the workers share the cores
    try:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            return dict(pool.imap_unordered(_task, tasks))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def expected_targets() -> list[str]:
    """The names of every target a run checks."""
    names = [
        f"change_test.false_alarm.phi_{phi:g}.mean_{mean}"
        for phi in PHIS
        for mean in MEANS
        if mean >= TARGETED_MEAN
    ]
    for key in SCENARIOS:
        names += [f"projection.{key}.coverage_{n}" for n, _, _ in INTERVALS]
        names += [f"projection.{key}.brier_skill", f"projection.{key}.spiegelhalter_z"]
    return names


def _targets(change: list[dict[str, Any]], scenarios: dict[str, dict[str, Any]]) -> dict[str, Any]:
    checks: list[tuple[str, float, Target]] = []
    for cell in change:
        if cell["fall"] == 0.0 and cell["mean"] >= TARGETED_MEAN:
            name = f"change_test.false_alarm.phi_{cell['phi']:g}.mean_{cell['mean']}"
            checks.append((name, cell["clear"], false_alarm_target(cell["phi"])))
    for key, figures in scenarios.items():
        for n, _, _ in INTERVALS:
            checks.append(
                (f"projection.{key}.coverage_{n}", figures[f"coverage_{n}"], COVERAGE_TARGETS[n])
            )
        checks.append((f"projection.{key}.brier_skill", figures["brier_skill"], BRIER_SKILL_TARGET))
        checks.append((f"projection.{key}.spiegelhalter_z", figures["spiegelhalter_z"], Z_TARGET))
    return {
        name: {"value": value, "target": target.as_dict(), "met": target.contains(value)}
        for name, value, target in checks
    }


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else None


#: The files whose code the run measures (their digests are recorded).
MODEL_FILES = (
    "analysis/progress.py",
    "analysis/projection.py",
    "analysis/measures.py",
    "reference/definitions.py",
)


def _code() -> dict[str, Any]:
    """What was measured: the commit checked out and digests of the files of the models."""
    root = paths.project_root()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    package = root / "src" / "csa_stats"
    return {"commit": commit, "sha256_16": {f: _file_digest(package / f) for f in MODEL_FILES}}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The model files whose digest differs at the end of the run from its start."""
    return [f for f in MODEL_FILES if before["sha256_16"][f] != after["sha256_16"][f]]


def run(paths: int, series: int, workers: int, seed: int = SEED) -> dict[str, Any]:
    """The whole calibration: ``paths`` paths per projection scenario, ``series`` series per
    change-test cell, on ``workers`` processes (1: in this one). Returns every figure, the
    settings and each target's value, bound and verdict (see the module's docstring)."""
    if paths < 1 or series < 1:
        raise ValueError("paths and series must be at least 1")
    started = time.perf_counter()
    code = _code()  # as the workers import it: a file edited during the run is flagged below
    results = _run_tasks(_tasks(paths, series, seed), workers)
    simulated = time.perf_counter() - started
    change = [
        results[("change", phi, mean, fall, series, seed)]
        for phi in PHIS
        for mean in MEANS
        for fall in FALLS
    ]
    scenarios: dict[str, dict[str, Any]] = {}
    for key, scenario in SCENARIOS.items():
        rows = [
            row
            for (kind, k, *_), chunk in sorted(results.items(), key=lambda kv: str(kv[0]))
            if kind == "projection" and k == key
            for row in chunk
        ]
        rows.sort(key=lambda r: r["path"])
        scenarios[key] = {
            "label": scenario.label,
            "description": scenario.description,
            "phi": scenario.phi,
            **scenario_figures(rows),
        }
    back_started = time.perf_counter()
    back = backtest(seed)
    definition = load_serious_violence()
    return {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": {**code, "changed_during_run": _changed(code, _code())},
        "settings": {
            "seed": seed,
            "workers": workers,
            "paths_per_scenario": paths,
            "series_per_cell": series,
            "assess_simulations": definition.simulations,
            "assess_seed": definition.seed,
            "backtest_simulations": BACKTEST_SIMULATIONS,
            "change_test": {
                "phis": list(PHIS),
                "means": list(MEANS),
                "falls": list(FALLS),
                "months": 24,
                "period_end": str(CHANGE_END),
                "nominal": NOMINAL,
            },
            "projection": {
                "first_month": str(FIRST_MONTH),
                "period_end": str(PERIOD_END),
                "baseline": f"{BASELINE_YEAR} calendar",
                "goal_year": GOAL_YEAR,
                "truth_to": str(LAST_MONTH),
                "start_level": f"{START_LEVEL:g} * exp(U(-{START_SPREAD:g}, {START_SPREAD:g}))",
                "season": f"log factor {SEASON_AMPLITUDE:g} * cos(2 pi (month - 7) / 12)",
            },
        },
        "change_test": change,
        "projection": scenarios,
        "backtest": back,
        "targets": _targets(change, scenarios),
        "seconds": {
            "simulation": simulated,
            "backtest": time.perf_counter() - back_started,
            "total": time.perf_counter() - started,
        },
    }


# --- Report ------------------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{100.0 * value:.{digits}f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = [list(header), *(list(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    text = [
        "  " + "  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    ]
    text.insert(1, "  " + "  ".join("-" * w for w in widths))
    return "\n".join(text)


def report(results: dict[str, Any]) -> str:
    """The run's figures as readable tables, then the targets met or missed."""
    settings = results["settings"]
    out = [
        f"csa-stats calibration, {results['generated']} (commit {results['code']['commit'] or '?'})",
        *(
            [f"WARNING: edited during the run: {', '.join(results['code']['changed_during_run'])}"]
            if results["code"].get("changed_during_run")
            else []
        ),
        f"seed {settings['seed']}; {settings['series_per_cell']} series per change-test cell, "
        f"{settings['paths_per_scenario']} paths per projection scenario, "
        f"{settings['workers']} worker(s)",
        "",
        f"1. The change test (compare_series; nominal {_pct(NOMINAL, 0)}) on negative binomial "
        "series, variance = phi x mean",
    ]
    cells = {(c["phi"], c["mean"], c["fall"]): c for c in results["change_test"]}
    for fall, what, field in (
        (0.0, "false alarms (no change; clear either way)", "clear"),
        (0.10, "power: a 10% fall called a clear fall", "clear_fall"),
        (0.20, "power: a 20% fall called a clear fall", "clear_fall"),
    ):
        out.append(f"\n  {what}")
        rows = [
            [f"{phi:g}", *(_pct(cells[(phi, mean, fall)][field]) for mean in MEANS)] for phi in PHIS
        ]
        out.append(_table(["phi", *(f"mean {m:,}" for m in MEANS)], rows))
    out += [
        "",
        f"2. The projection (assess: baseline {BASELINE_YEAR} calendar, goal {GOAL_YEAR}, data "
        f"{FIRST_MONTH} to {PERIOD_END}) in scenarios outside its model",
    ]
    rows = []
    for key, s in results["projection"].items():
        rows.append(
            [
                f"({key}) {s['label']}",
                f"{s['paths'] - s['failed']}/{s['paths']}",
                _pct(s["coverage_80"]),
                _pct(s["coverage_95"]),
                _pct(s["base_rate"]),
                _pct(s["mean_chance"]),
                _num(s["brier"]),
                _num(s["brier_base"]),
                _num(s["brier_skill"], 2),
                _num(s["spiegelhalter_z"], 2),
                _num(s["median_truth_over_central"], 2),
                _num(s.get("told_brier_skill", math.nan), 2),
                _num(s.get("told_spiegelhalter_z", math.nan), 2),
            ]
        )
    out.append(
        _table(
            [
                "scenario",
                "fitted",
                "cover 80",
                "cover 95",
                "base rate",
                "mean chance",
                "Brier",
                "Brier base",
                "skill",
                "z",
                "truth/central",
                "told: skill",
                "told: z",
            ],
            rows,
        )
    )
    out.append(
        "  told: a forecaster told each path's true level to the end of the data and its world's "
        "law after it, its chances stated as the page states them (the bar: no forecaster that "
        "sees only the months can expect a better Brier score)"
    )
    rows = [
        [
            f"({key})",
            *(f"{st['paths']:>3} met {_pct(st['goal_met'], 0)}" for st in s["statuses"].values()),
        ]
        for key, s in results["projection"].items()
    ]
    out.append("\n  statuses given, and how often the goal was then met")
    out.append(_table(["", "on track", "at risk", "off track"], rows))
    for key, s in results["projection"].items():
        out.append(f"  ({key}) {s['description']}")
        if s["failed"]:
            out.append(f"      {s['failed']} path(s) not fitted: {'; '.join(s['errors'])}")
    back = results["backtest"]
    out += ["", "3. Rolling-origin backtest: Coventry total recorded crime per 1,000 (project)"]
    if "skipped" in back:
        out.append(f"  skipped: {back['skipped']}")
    else:
        rows = [
            [
                c["origin"],
                c["year"],
                f"{c['actual']:.1f}",
                f"{c['central']:.1f}",
                f"{c['low_80']:.1f}-{c['high_80']:.1f}",
                "yes" if c["inside_80"] else "no",
                f"{c['low_95']:.1f}-{c['high_95']:.1f}",
                "yes" if c["inside_95"] else "no",
            ]
            for c in back["cells"]
        ]
        out.append(_table(["origin", "year", "actual", "central", "80%", "in", "95%", "in"], rows))
        out.append(
            f"  inside the 80% interval {back['inside_80']} of {back['count']}, the 95% "
            f"{back['inside_95']} of {back['count']}"
        )
        out.append(
            f"  for reference, no change widened by the volatility of the history to the origin: "
            f"{back['naive_inside_80']} and {back['naive_inside_95']}; by the whole series' "
            f"({back['whole_volatility']:.3f} a year, hindsight): {back['hindsight_inside_80']} "
            f"and {back['hindsight_inside_95']}"
        )
    targets = results["targets"]
    missed = [n for n, t in targets.items() if not t["met"]]
    out += ["", f"Targets: {len(targets) - len(missed)} of {len(targets)} met"]
    for name, t in targets.items():
        value = t["value"]
        shown = _num(value, 3)
        out.append(
            f"  {'met   ' if t['met'] else 'MISSED'}  {name:<44} {shown:>8}  ({t['target']['text']})"
        )
    if "skipped" not in back:
        out.append(
            f"  (no target)  backtest inside 80%: {back['inside_80']}/{back['count']}, "
            f"95%: {back['inside_95']}/{back['count']}"
        )
    seconds = results["seconds"]
    out.append(
        f"\nTime: {seconds['total']:.0f} s ({seconds['simulation']:.0f} s simulation on "
        f"{settings['workers']} worker(s), {seconds['backtest']:.0f} s backtest)"
    )
    return "\n".join(out)


def to_json(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` and numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> None:
    """Run the calibration (the full run by default), print it and write the results file."""
    parser = argparse.ArgumentParser(
        prog="python -m csa_stats.analysis.calibrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--paths", type=int, default=FULL_PATHS, help="paths per projection scenario"
    )
    parser.add_argument(
        "--series", type=int, default=FULL_SERIES, help="series per change-test cell"
    )
    parser.add_argument("--workers", type=int, default=FULL_WORKERS, help="processes")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"results file (default data/reference/{paths.CALIBRATION}; '-' for none)",
    )
    args = parser.parse_args(argv)
    results = run(args.paths, args.series, args.workers)
    print(report(results))
    if str(args.output) != "-":
        output = args.output or paths.reference_file(paths.CALIBRATION)
        write_text(output, json.dumps(to_json(results), indent=1, allow_nan=False) + "\n")
        print(f"Written: {output}")


if __name__ == "__main__":
    main()
