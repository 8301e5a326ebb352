"""A forecaster that knows the calibration worlds' laws but not the path: how well can anyone do?

``make calibrate`` (:mod:`csa_stats.analysis.calibrate`) measures the projection against the
targets in each world, and against a forecaster *told the truth* (each path's own level). That
second bar is out of any forecaster's reach: the months alone cannot tell a fall that will go on
from one about to turn. This module sets a bar that is within reach of a forecaster that sees
only the months, and still far above what a real model can know: one told that the truth is one
of a few worlds, and each world's exact law, but not which world nor the path.

For worlds whose log level is set by a few drawn parameters (a log-linear trend, a fall that
levels off, a fall that reverses: :data:`csa_stats.analysis.calibrate.SCENARIOS` a, e and f, with
Poisson counts), its chance is Bayes by simulation: ``draws`` parameter sets from each
world's own law, each weighted by the likelihood of the observed months (the start level, uniform
on its log window, integrated out in closed form: a truncated gamma integral) times the world's
prior weight; the chance that the goal year's total is below the baseline's is then the weighted
mean of each draw's chance (negative binomial: the goal year's Poisson count over the start
level's gamma posterior, whose truncation to the window is left out: the months fix the level to
within about 2%, far inside the window, for every draw that carries weight). It is stated as the pages state a chance (5-95%, to the
nearest 5 points) and scored as the projection is (Brier skill against the base rate,
Spiegelhalter's z).

Run: ``python -m csa_stats.analysis.world_forecaster --worlds a,e,f --weights f=1.5``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from csa_stats.analysis import calibrate as cal
from csa_stats.analysis.progress import stated_chance, year_window
from csa_stats.reference.definitions import load_serious_violence

#: The worlds whose level is set by drawn parameters and whose counts are Poisson.
WORLDS = ("a", "e", "f")
#: The log window the worlds' start level is drawn from (uniform).
START_WINDOW = (
    math.log(cal.START_LEVEL) - cal.START_SPREAD,
    math.log(cal.START_LEVEL) + cal.START_SPREAD,
)


@dataclass(frozen=True)
class WorldDraws:
    """Parameter sets drawn from one world's law, as the forecaster needs them: each draw's log
    level over the observed months less its start (with the season), and the sums of its level
    over the observed months and over the goal year, per unit of start level."""

    key: str
    log_shape: np.ndarray  # (draws, observed months)
    observed_total: np.ndarray  # (draws,)
    goal_total: np.ndarray  # (draws,)


def _months() -> pd.Series:
    return pd.Series(cal.MONTHS.start_time)


def draw_world(key: str, count: int, rng: np.random.Generator) -> WorldDraws:
    """``count`` parameter sets of world ``key`` (its start level set aside: it is integrated
    out)."""
    scenario = cal.SCENARIOS[key]
    if scenario.phi != 1.0 or scenario.wander > 0:
        raise ValueError(
            f"world {key}: its level must be set by its parameters, its counts Poisson"
        )
    shapes = np.empty((count, len(cal.MONTHS)))
    for row in range(count):
        log_level, _ = scenario.level(rng)
        shapes[row] = log_level - log_level[0]
    shapes += cal.season()
    goal = np.asarray(year_window(cal.GOAL_YEAR, "calendar").contains(_months()))
    observed = shapes[:, : cal.OBSERVED]
    return WorldDraws(
        key, observed, np.exp(observed).sum(axis=1), np.exp(shapes[:, goal]).sum(axis=1)
    )


def log_evidence(counts: np.ndarray, draws: WorldDraws) -> np.ndarray:
    """Each draw's log likelihood of the observed monthly ``counts``, its start level integrated
    over :data:`START_WINDOW` (less terms the same for every draw: the counts' factorials and the
    window's width, and ``log Gamma(total)``).

    With mean ``exp(a + m_t)`` in month ``t`` and ``Y`` counts in all, ``S = sum exp(m_t)``:
    ``int exp(sum y_t (a + m_t) - e^a S) da = exp(sum y_t m_t) S^-Y Gamma(Y) [P(Y, S e^hi) -
    P(Y, S e^lo)]``, with ``P`` the regularised lower incomplete gamma function. A draw whose
    months lie so far from the window that this is below 1e-300 is given 1e-300: beside draws
    that fit the months its weight is nil either way.
    """
    total = float(counts.sum())
    low, high = START_WINDOW
    lower, upper = draws.observed_total * math.exp(low), draws.observed_total * math.exp(high)
    # the difference of two values near 1 loses every digit: above the gamma's bulk, take it as
    # the difference of the upper tails instead
    inside = np.where(
        lower > total,
        special.gammaincc(total, lower) - special.gammaincc(total, upper),
        special.gammainc(total, upper) - special.gammainc(total, lower),
    )
    return (
        draws.log_shape @ counts
        - total * np.log(draws.observed_total)
        + np.log(np.maximum(inside, 1e-300))
    )


def chance_below(
    counts: np.ndarray,
    baseline: int,
    worlds: list[WorldDraws],
    weights: dict[str, float] | None = None,
) -> tuple[float, dict[str, float]]:
    """The chance that the goal year's total is below ``baseline``, given the observed monthly
    ``counts`` (every world's draws weighted by their likelihood and the world's prior weight,
    default equal), and each world's posterior share."""
    weights = weights or {}
    logs = [log_evidence(counts, w) + math.log(weights.get(w.key, 1.0)) for w in worlds]
    top = max(float(lw.max()) for lw in logs)
    total = float(counts.sum())
    chance = mass = 0.0
    shares: dict[str, float] = {}
    for world, lw in zip(worlds, logs, strict=True):
        w = np.exp(lw - top)
        # given the draw, the start level's posterior is gamma (shape Y, rate S) and the goal
        # year's total Poisson with mean e^a G: together, negative binomial (Y, S / (S + G))
        below = stats.nbinom.cdf(
            baseline - 1, total, world.observed_total / (world.observed_total + world.goal_total)
        )
        chance += float(w @ below)
        shares[world.key] = float(w.sum())
        mass += shares[world.key]
    return chance / mass, {k: v / mass for k, v in shares.items()}


def scores(
    keys: tuple[str, ...] = WORLDS,
    weights: dict[str, float] | None = None,
    draws: int = 40_000,
    paths: int = 200,
    seed: int = cal.SEED,
) -> dict[str, dict[str, float]]:
    """The forecaster's stated chances on the calibration's own paths of each world (the same
    seeds as ``make calibrate``): each world's base rate, mean stated chance, Brier skill and z."""
    rng = np.random.default_rng([seed, 99])
    worlds = [draw_world(key, draws, rng) for key in keys]
    definition = load_serious_violence()
    bounds = (definition.chance_lowest, definition.chance_highest, definition.chance_step)
    months = _months()
    baseline_months = np.asarray(year_window(cal.BASELINE_YEAR, "calendar").contains(months))
    goal = np.asarray(year_window(cal.GOAL_YEAR, "calendar").contains(months))
    out = {}
    for key in keys:
        chances, outcomes = [], []
        for index in range(paths):
            path_rng = np.random.default_rng([seed, cal.PROJECTION_PART, ord(key), index])
            truth, _, _ = cal.scenario_path(cal.SCENARIOS[key], path_rng)
            values = truth.to_numpy()
            observed = values[: cal.OBSERVED].astype(float)
            baseline = int(values[baseline_months].sum())
            chance, _ = chance_below(observed, baseline, worlds, weights)
            chances.append(stated_chance(chance, *bounds))
            outcomes.append(int(values[goal].sum() < baseline))
        p, o = np.array(chances), np.array(outcomes)
        base = float(o.mean())
        out[key] = {
            "base_rate": base,
            "mean_chance": float(p.mean()),
            "brier_skill": 1.0 - float(np.mean((p - o) ** 2)) / (base * (1.0 - base)),
            "z": cal.spiegelhalter_z(p, o),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the forecaster's scores in each world."""
    parser = argparse.ArgumentParser(
        prog="python -m csa_stats.analysis.world_forecaster", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--worlds", default=",".join(WORLDS), help="worlds, comma-separated")
    parser.add_argument("--weights", default="", help="prior weights, e.g. f=1.5 (default 1)")
    parser.add_argument("--draws", type=int, default=40_000, help="parameter sets per world")
    parser.add_argument("--paths", type=int, default=200, help="paths per world")
    args = parser.parse_args(argv)
    keys = tuple(args.worlds.split(","))
    weights = {k: float(v) for k, v in (kv.split("=") for kv in args.weights.split(",") if kv)}
    print(
        f"Worlds {', '.join(keys)}; prior weights {weights or 'equal'}; {args.draws:,} draws each"
    )
    for key, s in scores(keys, weights, args.draws, args.paths).items():
        print(
            f"  {key}: base rate {s['base_rate']:.3f}, mean stated chance {s['mean_chance']:.3f}, "
            f"Brier skill {s['brier_skill']:.2f}, z {s['z']:.2f}"
        )


if __name__ == "__main__":
    main()
