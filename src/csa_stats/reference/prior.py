"""The projection's prior: what is believed about a series before it is seen, as
``serious_violence.yml`` states it (``projection:``), and the grid of volatilities the projection
(:mod:`csa_stats.analysis.projection`) averages over. Policy, so it lives with the reference
files; the projection reads it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def geometric_grid(low: float, high: float, count: int) -> tuple[float, ...]:
    """``count`` values from ``low`` to ``high``, equally spaced on the log scale.

    Examples
    --------
    >>> geometric_grid(0.01, 0.04, 3)
    (0.01, 0.02, 0.04)
    """
    if count < 1 or not 0 < low <= high:
        raise ValueError(f"a grid needs 0 < low <= high and count >= 1; got {low}, {high}, {count}")
    if count == 1:
        return (float(low),)
    return tuple(float(round(v, 12)) for v in np.geomspace(low, high, count))


@dataclass(frozen=True)
class Prior:
    """What is believed before the series is seen (``serious_violence.yml``, ``projection:``).

    ``drift_probability``: the prior chance that the series has a drift at all (else it only
    wanders). ``drift_sd``: the prior standard deviation of the drift, log change a year.
    ``still_level_probability``: the prior chance that the level does not wander (a smooth trend).
    Otherwise the level's yearly volatility is log-normal with median ``level_median`` and log
    standard deviation ``level_log_sd``, on ``level_grid``. The drift's yearly volatility is equally
    likely to be any value of ``drift_grid`` (log-uniform): every drift can turn.
    """

    drift_probability: float = 0.5
    drift_sd: float = 0.2
    still_level_probability: float = 0.5
    level_median: float = 0.12
    level_log_sd: float = 1.0
    level_grid: tuple[float, ...] = field(default_factory=lambda: geometric_grid(0.01, 0.32, 11))
    drift_grid: tuple[float, ...] = field(default_factory=lambda: geometric_grid(0.0025, 0.08, 6))

    def __post_init__(self) -> None:
        for name in ("drift_probability", "still_level_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"projection {name} must be between 0 and 1; got {value}")
        for name in ("drift_sd", "level_median", "level_log_sd"):
            if not getattr(self, name) > 0:
                raise ValueError(f"projection {name} must be positive; got {getattr(self, name)}")
        for name in ("level_grid", "drift_grid"):
            grid = getattr(self, name)
            if not grid or min(grid) <= 0:
                raise ValueError(f"projection {name} must hold positive values; got {grid}")

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The grid, shape ``(G, 3)``: level volatility, drift volatility and drift prior standard
        deviation (0: the no-drift model), each yearly on the log scale; and the log prior weight
        of each point (the weights sum to 1)."""
        levels = np.array([0.0, *self.level_grid])
        z = (np.log(levels[1:]) - math.log(self.level_median)) / self.level_log_sd
        moving = np.exp(-0.5 * z**2)
        still = self.still_level_probability
        level_weight = np.concatenate([[still], (1 - still) * moving / moving.sum()])
        rows, weights = [], []
        for level, lw in zip(levels, level_weight, strict=True):
            rows.append((level, 0.0, 0.0))
            weights.append(lw * (1 - self.drift_probability))
            for turn in self.drift_grid:
                rows.append((level, turn, self.drift_sd))
                weights.append(lw * self.drift_probability / len(self.drift_grid))
        with np.errstate(divide="ignore"):
            return np.array(rows), np.log(np.array(weights))
