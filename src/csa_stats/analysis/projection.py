"""Projection of a series whose level wanders and whose trend may turn: a local linear trend on the
log scale, its variances averaged over (not guessed), and a model without a trend beside it.

The model of the log of the series (counts: ``log(count + 0.5)``) is Harvey's local linear trend,

    log y_t = level_t + season_t + noise_t,
    level_t = level_{t-1} + drift_{t-1} + wander_t,      drift_t = drift_{t-1} + turn_t,

with a fixed month-of-year pattern for monthly series. How much the level wanders and the drift
turns cannot be read reliably from eight years of months: their maximum-likelihood estimates are
often exactly zero by chance (the "pile-up" of Shephard and Harvey, 1990), and a projection built
on one pair of estimates is far too sure. So the model does not choose: it averages over a grid of
level volatilities and drift volatilities (yearly standard deviations on the log scale), each
weighted by how well it explains the series (its restricted likelihood, the noise's variance
estimated for each) times a stated prior; and, with a stated prior chance, over a model with no
drift at all (a level that only wanders: the classic long-horizon benchmark). A steady trend the
months show clearly outweighs the no-drift model; a wander it does not. This is Bayesian model
averaging over the variance parameters, computed exactly on the grid by generalised least squares
(a Gaussian state-space model written as a regression with correlated errors).

Future values are simulated from the mixture: a grid point drawn by its posterior weight, then the
months ahead from that point's Gaussian predictive distribution (the level, drift and month pattern
with their uncertainty, the wander and turns to come, and each month's noise). The prior and the
grid are configuration: ``data/reference/serious_violence.yml`` (``projection:``), with the reason
for each setting; ``make calibrate`` measures the result in worlds outside the model.

Counts are never taken to vary less than Poisson counts would: the noise's standard deviation on
the log scale is at least ``sqrt(mean(1 / (count + 0.5)))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from csa_stats.reference.prior import Prior

#: Added to counts before taking logs, so that a month of none has a log.
LOG_OFFSET = 0.5
#: The fewest observations a model is fitted to.
MIN_POINTS = 3
#: The smallest noise standard deviation (log scale) of a series of values that are not counts.
MIN_NOISE = 1e-4
#: Posterior weights below this share of the largest are dropped from the simulation.
NEGLIGIBLE = 1e-8


@lru_cache(maxsize=16)
def _bases(size: int) -> tuple[np.ndarray, ...]:
    """Unit covariances over ``size`` periods from the first: of the level's wander (also the
    drift's own covariance from its turns), of the level from the drift's turns, of the level
    from the drift, and of the drift from its turns with the level."""
    below = np.tril(np.ones((size, size)), -1)  # (below @ e)_t = sum of e_j for j < t
    twice = below @ below
    t = np.arange(size, dtype=float)
    bases = (below @ below.T, twice @ twice.T, np.outer(t, t), below @ twice.T)
    for b in bases:
        b.setflags(write=False)
    return bases


def _design(size: int, columns: int) -> np.ndarray:
    """A level for each period of the year (a fixed season) when ``columns`` is the number of
    periods in a year, or one level when it is 1."""
    x = np.zeros((size, columns))
    x[np.arange(size), np.arange(size) % columns] = 1.0
    return x


def _seasons(n: int, periods_per_year: int) -> int:
    """How many period-of-year levels ``n`` periods can estimate: every period of the year when
    each is seen at least twice, otherwise one level."""
    return periods_per_year if periods_per_year > 1 and n >= 2 * periods_per_year else 1


def _first_noise(y: np.ndarray, periods_per_year: int) -> float:
    """A first estimate of the noise's standard deviation, from the changes between periods less
    their mean for the period of the year: ``sqrt(mean(d^2) / 2)``."""
    d = np.diff(y)
    if periods_per_year > 1:
        period = np.arange(1, len(y)) % periods_per_year
        means = np.array(
            [d[period == k].mean() if (period == k).any() else 0.0 for k in range(periods_per_year)]
        )
        d = d - means[period]
    else:
        d = d - d.mean()
    return float(math.sqrt(np.mean(d**2) / 2)) if len(d) else 0.0


@dataclass(frozen=True)
class Posterior:
    """The grid's posterior and what simulating from it needs (internal to this module)."""

    y: np.ndarray
    ratios: np.ndarray  # (G, 3): the grid's standard deviations over the first noise estimate
    weights: np.ndarray  # (G,) posterior weights, summing to 1
    noise: np.ndarray  # (G,) each point's noise standard deviation
    beta: np.ndarray  # (G, p) the month levels
    chol: np.ndarray  # (G, n, n) Cholesky factors of the correlation of the data
    si_x: np.ndarray  # (G, n, p)
    si_r: np.ndarray  # (G, n)
    xtsix: np.ndarray  # (G, p, p)


def _covariances(ratios: np.ndarray, periods_per_year: int) -> tuple[np.ndarray, ...]:
    """Multipliers of the unit covariances: level wander, drift turns, drift (per period)."""
    ppy = periods_per_year
    return (
        ratios[:, 0] ** 2 / ppy,
        ratios[:, 1] ** 2 / ppy**3,
        (ratios[:, 2] / ppy) ** 2,
    )


def _fit_grid(
    y: np.ndarray, periods_per_year: int, prior: Prior, noise_floor: float
) -> tuple[Posterior, np.ndarray, np.ndarray]:
    """Restricted log-likelihood of every grid point, with the noise variance profiled (at least
    ``noise_floor`` squared); the posterior; the grid and the log-likelihoods."""
    n = len(y)
    grid, log_prior = prior.points()
    first = max(_first_noise(y, periods_per_year), noise_floor, MIN_NOISE)
    ratios = grid / first
    a, b, c = _covariances(ratios, periods_per_year)
    wander, turns, drift, _ = _bases(n)
    corr = (
        a[:, None, None] * wander + b[:, None, None] * turns + c[:, None, None] * drift + np.eye(n)
    )
    x = _design(n, _seasons(n, periods_per_year))
    p = x.shape[1]
    chol = np.linalg.cholesky(corr)
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    rhs = np.broadcast_to(np.column_stack([y, x]), (len(grid), n, p + 1))
    solved = np.linalg.solve(corr, rhs)
    si_y, si_x = solved[..., 0], solved[..., 1:]
    xtsix = np.einsum("ni,gnj->gij", x, si_x)
    beta = np.linalg.solve(xtsix, np.einsum("ni,gn->gi", x, si_y)[..., None])[..., 0]
    si_r = si_y - np.einsum("gnj,gj->gn", si_x, beta)
    quad = np.einsum("gn,gn->g", y[None, :] - beta @ x.T, si_r)
    df = n - p
    variance = np.maximum(quad / max(df, 1), noise_floor**2)
    _, logdet_x = np.linalg.slogdet(xtsix)
    loglik = -0.5 * (logdet + logdet_x + df * np.log(variance) + quad / variance)
    log_post = loglik + log_prior
    weights = np.exp(log_post - log_post.max())
    weights[~np.isfinite(weights)] = 0.0
    weights /= weights.sum()
    posterior = Posterior(
        y=y,
        ratios=ratios,
        weights=weights,
        noise=np.sqrt(variance),
        beta=beta,
        chol=chol,
        si_x=si_x,
        si_r=si_r,
        xtsix=xtsix,
    )
    return posterior, grid, loglik


@dataclass(frozen=True)
class LevelFit:
    """A fitted local linear trend, its variances averaged over the grid."""

    periods_per_year: int
    counts: bool
    volatility: float  # the level's yearly volatility (log scale), posterior mean over the grid
    own_volatility: float  # the grid value of the best likelihood alone (no prior)
    drift: float  # log change a year at the end of the data: posterior mean given a drift
    drift_se: float  # its posterior standard deviation given a drift
    drift_probability: float  # posterior chance that the series has a drift at all
    level: pd.Series  # the smoothed underlying level (at the average season), on the series' scale
    fitted: pd.Series  # the smoothed level with the season, on the series' scale
    result: Any  # the grid's posterior, for simulation

    @property
    def annual_change_pct(self) -> float:
        """The underlying change a year at the end of the data, per cent."""
        return 100.0 * (math.exp(self.drift) - 1.0)

    @property
    def annual_change_ci(self) -> tuple[float, float]:
        """The 95% interval of the underlying change a year, per cent (normal approximation)."""
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


def _smoothed(post: Posterior, periods_per_year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior means, mixed over the grid: the log level, and the drift at the last period (per
    year) with its second moment."""
    n = len(post.y)
    a, b, c = _covariances(post.ratios, periods_per_year)
    wander, turns, drift, drift_level = _bases(n)
    signal = (
        a[:, None, None] * wander + b[:, None, None] * turns + c[:, None, None] * drift
    )  # covariance of the stochastic part of the log level with itself
    s_hat = np.einsum("gtn,gn->gt", signal, post.si_r)
    level = s_hat + post.beta.mean(axis=1)[:, None]
    t = np.arange(n, dtype=float)
    k = c[:, None] * t[None, :] + b[:, None] * drift_level[n - 1][None, :]  # cov(drift_end, level)
    kvv = c + b * wander[n - 1, n - 1]
    mean = np.einsum("gn,gn->g", k, post.si_r)
    half = np.linalg.solve(post.chol, k[..., None])
    si_k = np.linalg.solve(post.chol.transpose(0, 2, 1), half)[..., 0]
    r = -np.einsum("gn,gnj->gj", k, post.si_x)
    correction = np.einsum("gi,gi->g", r, np.linalg.solve(post.xtsix, r[..., None])[..., 0])
    var = np.maximum(kvv - np.einsum("gn,gn->g", k, si_k) + correction, 0.0) * post.noise**2
    return level, mean * periods_per_year, var * periods_per_year**2


def fit_level(
    series: pd.Series,
    periods_per_year: int = 12,
    counts: bool = True,
    prior: Prior | None = None,
) -> LevelFit:
    """Fit the model to a series (oldest first; counts, or positive values when ``counts`` is
    False), averaging over the grid of ``prior`` (default: :class:`Prior`'s defaults).

    Raises
    ------
    ValueError
        If the series has fewer than :data:`MIN_POINTS` values, or negative (or, for values, not
        positive) ones.
    """
    prior = prior or Prior()
    values = series.to_numpy(dtype=float)
    if len(values) < MIN_POINTS:
        raise ValueError(f"a projection needs at least {MIN_POINTS} values; got {len(values)}")
    if counts and (values < 0).any():
        raise ValueError("counts must not be negative")
    if not counts and (values <= 0).any():
        raise ValueError("values must be positive")
    y = np.log(values + LOG_OFFSET) if counts else np.log(values)
    floor = math.sqrt(float(np.mean(1.0 / (values + LOG_OFFSET)))) if counts else MIN_NOISE
    post, grid, loglik = _fit_grid(y, periods_per_year, prior, floor)
    w = post.weights
    log_level, drift_mean, drift_var = _smoothed(post, periods_per_year)
    # The underlying change is stated for the models with a drift (the no-drift model has none by
    # assumption); how likely a drift is at all is drift_probability.
    has_drift = grid[:, 2] > 0
    drift_probability = float(w[has_drift].sum())
    wd = np.where(has_drift, w, 0.0)
    wd = wd / wd.sum() if wd.sum() > 0 else wd
    drift = float(wd @ drift_mean)
    drift_se = math.sqrt(max(float(wd @ (drift_var + drift_mean**2)) - drift**2, 0.0))
    month = np.arange(len(y)) % post.beta.shape[1]
    season = post.beta[:, month] - post.beta.mean(axis=1)[:, None]
    offset = LOG_OFFSET if counts else 0.0
    level = np.exp(w @ log_level) - offset
    fitted = np.exp(w @ (log_level + season)) - offset
    absolute = post.ratios * post.noise[:, None]  # the grid's volatilities at each point's noise
    return LevelFit(
        periods_per_year=periods_per_year,
        counts=counts,
        volatility=float(w @ absolute[:, 0]),
        own_volatility=float(absolute[int(np.argmax(loglik)), 0]),
        drift=drift,
        drift_se=drift_se,
        drift_probability=drift_probability,
        level=pd.Series(level, index=series.index),
        fitted=pd.Series(fitted, index=series.index),
        result=post,
    )


def _predictive(post: Posterior, g: int, steps: int, ppy: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the log level with season over the next ``steps`` periods, at grid
    point ``g`` (universal kriging: the month levels' uncertainty included)."""
    n = len(post.y)
    size = n + steps
    a, b, c = (float(v[0]) for v in _covariances(post.ratios[g : g + 1], ppy))
    wander, turns, drift, _ = _bases(size)
    k = a * wander + b * turns + c * drift
    k_fo, k_ff = k[n:, :n], k[n:, n:]
    x_f = _design(size, post.beta.shape[1])[n:]
    chol = post.chol[g]
    si_kof = np.linalg.solve(chol.T, np.linalg.solve(chol, k_fo.T))
    mean = x_f @ post.beta[g] + k_fo @ post.si_r[g]
    r = x_f - k_fo @ post.si_x[g]
    cov = k_ff - k_fo @ si_kof + r @ np.linalg.solve(post.xtsix[g], r.T)
    return mean, cov * post.noise[g] ** 2


def _root(cov: np.ndarray) -> np.ndarray:
    """A matrix ``L`` with ``L @ L.T`` equal to the covariance ``cov`` (Cholesky, with a tiny
    jitter for a singular one; eigenvalues when even that fails)."""
    cov = (cov + cov.T) / 2
    jitter = 1e-10 * max(float(np.trace(cov)) / len(cov), 1e-12)
    try:
        return np.linalg.cholesky(cov + jitter * np.eye(len(cov)))
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(cov)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def simulate(fit: LevelFit, steps: int, simulations: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated future values, shape ``(simulations, steps)``: for each simulation a grid point
    drawn by its posterior weight, then the level, drift and season from that point's predictive
    distribution, and each period's noise."""
    if steps <= 0:
        return np.zeros((simulations, 0))
    post: Posterior = fit.result
    w = np.where(post.weights >= NEGLIGIBLE * post.weights.max(), post.weights, 0.0)
    chosen = rng.choice(len(w), size=simulations, p=w / w.sum())
    logs = np.empty((simulations, steps))
    for g in np.unique(chosen):
        rows = np.flatnonzero(chosen == g)
        mean, cov = _predictive(post, int(g), steps, fit.periods_per_year)
        root = _root(cov)
        z = rng.standard_normal((len(rows), steps))
        noise = rng.standard_normal((len(rows), steps)) * post.noise[g]
        logs[rows] = mean + z @ root.T + noise
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
    prior: Prior | None = None,
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
    fit = fit_level(series, periods_per_year=periods_per_year, counts=counts, prior=prior)
    return simulate(fit, steps, simulations, np.random.default_rng(seed))
