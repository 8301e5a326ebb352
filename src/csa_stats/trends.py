"""Trend models for monthly counts: count regression with a linear trend and month-of-year
seasonality, and a seasonal-trend decomposition (STL).

The model is Poisson unless the counts vary more than a Poisson model allows: when the Pearson
chi-square per residual degree of freedom of the Poisson fit exceeds :data:`OVERDISPERSION_LIMIT`, a
negative binomial (NB2) model is fitted instead. The trend coefficient gives the underlying annual
rate of change with its 95% confidence interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning
from statsmodels.tsa.seasonal import STL

#: Pearson chi-square / residual df above which the Poisson model is replaced by negative binomial.
OVERDISPERSION_LIMIT = 1.5
#: Fewest months a model is fitted to (two full seasonal cycles).
MIN_MONTHS = 24


@dataclass(frozen=True)
class TrendFit:
    """A fitted monthly count model."""

    family: Literal["Poisson", "negative binomial"]
    dispersion: float  # Pearson chi-square / residual df of the Poisson fit
    annual_change_pct: float
    annual_change_ci: tuple[float, float]
    fitted: pd.Series  # expected count each month (trend and seasonality)
    trend: pd.Series  # expected count each month at the average season
    coef: pd.Series  # the design's coefficients
    cov: pd.DataFrame  # their estimated covariance (for simulation with parameter uncertainty)
    alpha: float  # negative binomial dispersion (variance = mean + alpha * mean^2); 0 for Poisson
    origin: pd.Timestamp  # the first month fitted: time zero of the trend

    @property
    def is_clear(self) -> bool:
        """True when the 95% interval of the annual change excludes zero."""
        low, high = self.annual_change_ci
        return bool(low > 0 or high < 0)


def design_matrix(months: pd.DatetimeIndex, origin: pd.Timestamp | None = None) -> pd.DataFrame:
    """Intercept, time in years since ``origin`` (default: the first month), and 11 month-of-year
    indicators."""
    origin = months[0] if origin is None else origin
    years = ((months.year - origin.year) * 12 + (months.month - origin.month)) / 12.0
    seasons = pd.get_dummies(pd.Categorical(months.month, categories=range(1, 13)), drop_first=True)
    seasons.columns = [f"month_{m}" for m in seasons.columns]
    frame = pd.DataFrame({"const": 1.0, "years": np.asarray(years, dtype=float)}, index=months)
    return pd.concat([frame, seasons.set_index(months).astype(float)], axis=1)


def _negative_binomial(
    y: np.ndarray, X: pd.DataFrame, poisson_mean: np.ndarray, dispersion: float
) -> tuple[pd.Series, pd.DataFrame, float]:
    """NB2 by maximum likelihood; when that fails to converge or to give a covariance (short
    series), a negative binomial GLM with alpha from the Poisson fit's moments instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; checked below
        try:
            result = NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, maxiter=200)
            k = X.shape[1]
            cov = np.asarray(result.cov_params())[:k, :k]
            alpha = float(np.asarray(result.params)[-1])
            if result.mle_retvals.get("converged") and np.all(np.isfinite(cov)) and alpha > 0:
                params = np.asarray(result.params)[:k]
                return (
                    pd.Series(params, index=X.columns),
                    pd.DataFrame(cov, index=X.columns, columns=X.columns),
                    alpha,
                )
        except (ValueError, np.linalg.LinAlgError):
            pass
    # Var = mu + alpha mu^2, so Pearson chi2/df is about 1 + alpha * mean(mu).
    alpha = max((dispersion - 1.0) / float(np.mean(poisson_mean)), 1e-6)
    glm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    return (
        pd.Series(glm.params, index=X.columns),
        pd.DataFrame(glm.cov_params(), index=X.columns, columns=X.columns),
        alpha,
    )


def fit_trend(counts: pd.Series) -> TrendFit:
    """Fit the count model to a monthly series (index: month starts; values: counts).

    Raises
    ------
    ValueError
        If the series is shorter than :data:`MIN_MONTHS` or has negative counts.

    Examples
    --------
    >>> months = pd.date_range("2019-01-01", periods=48, freq="MS")
    >>> mean = 400 * 0.9 ** (np.arange(48) / 12)  # 10% fewer each year
    >>> fit = fit_trend(pd.Series(np.random.default_rng(1).poisson(mean), index=months))
    >>> fit.family, fit.is_clear, bool(-13 < fit.annual_change_pct < -7)
    ('Poisson', True, True)
    """
    if len(counts) < MIN_MONTHS:
        raise ValueError(f"a trend needs at least {MIN_MONTHS} months; got {len(counts)}")
    if (counts < 0).any():
        raise ValueError("counts must not be negative")
    months = pd.DatetimeIndex(counts.index)
    X = design_matrix(months)
    y = counts.to_numpy(dtype=float)
    with warnings.catch_warnings():
        # A constant series "predicts perfectly"; its fit is still the right one (no trend).
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid)
    if dispersion > OVERDISPERSION_LIMIT:
        coef, cov, alpha = _negative_binomial(y, X, poisson.fittedvalues, dispersion)
        family: Literal["Poisson", "negative binomial"] = "negative binomial"
    else:
        coef = pd.Series(poisson.params, index=X.columns)
        cov = pd.DataFrame(poisson.cov_params(), index=X.columns, columns=X.columns)
        family, alpha = "Poisson", 0.0
    beta = coef[X.columns]
    slope, se = float(beta["years"]), float(np.sqrt(cov.loc["years", "years"]))
    fitted = pd.Series(np.exp(X.to_numpy() @ beta.to_numpy()), index=months)
    season_columns = [c for c in X.columns if c.startswith("month_")]
    average_season = float(np.mean(np.r_[0.0, beta[season_columns].to_numpy()]))
    trend = pd.Series(
        np.exp(beta["const"] + slope * X["years"].to_numpy() + average_season), index=months
    )
    return TrendFit(
        family=family,
        dispersion=dispersion,
        annual_change_pct=float(100 * (np.exp(slope) - 1)),
        annual_change_ci=(
            float(100 * (np.exp(slope - 1.96 * se) - 1)),
            float(100 * (np.exp(slope + 1.96 * se) - 1)),
        ),
        fitted=fitted,
        trend=trend,
        coef=coef,
        cov=cov,
        alpha=alpha,
        origin=months[0],
    )


def decompose(counts: pd.Series) -> pd.DataFrame:
    """Robust STL decomposition (period 12) into trend, seasonal and remainder."""
    series = pd.Series(
        counts.to_numpy(dtype=float), index=pd.DatetimeIndex(counts.index, freq="MS")
    )
    result = STL(series, period=12, robust=True).fit()
    return pd.DataFrame(
        {
            "observed": series,
            "trend": result.trend,
            "seasonal": result.seasonal,
            "remainder": result.resid,
        }
    )


def simulate_counts(
    fit: TrendFit, months: pd.DatetimeIndex, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Seeded draws of future monthly counts from a fitted model, parameter uncertainty included.

    Each draw takes the model's coefficients from their estimated sampling distribution (normal,
    with the fit's covariance), then counts from the Poisson or negative binomial distribution with
    those coefficients (the negative binomial's alpha is held at its estimate). Returns an array of
    shape ``(n, len(months))``.

    Examples
    --------
    >>> months = pd.date_range("2021-01-01", periods=36, freq="MS")
    >>> fit = fit_trend(pd.Series(np.random.default_rng(2).poisson(100, 36), index=months))
    >>> future = pd.date_range("2024-01-01", periods=12, freq="MS")
    >>> draws = simulate_counts(fit, future, 2000, np.random.default_rng(3))
    >>> draws.shape, bool(1100 < draws.sum(axis=1).mean() < 1300)
    ((2000, 12), True)
    """
    X = design_matrix(months, origin=fit.origin).to_numpy()
    try:  # Cholesky: unique, so the same seed gives the same draws on any machine
        coefs = rng.multivariate_normal(
            fit.coef.to_numpy(), fit.cov.to_numpy(), size=n, method="cholesky"
        )
    except np.linalg.LinAlgError:  # a singular covariance (a coefficient fixed by the data)
        coefs = rng.multivariate_normal(
            fit.coef.to_numpy(), fit.cov.to_numpy(), size=n, method="eigh"
        )
    mean = np.exp(np.clip(coefs @ X.T, None, 30.0))  # clip: a wild draw must not overflow
    if fit.alpha > 0:
        # NB2 as a gamma-Poisson mixture: variance mean + alpha * mean^2.
        mean = rng.gamma(shape=1.0 / fit.alpha, scale=fit.alpha * mean)
    return rng.poisson(mean)
