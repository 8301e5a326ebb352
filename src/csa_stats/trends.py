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

    @property
    def is_clear(self) -> bool:
        """True when the 95% interval of the annual change excludes zero."""
        low, high = self.annual_change_ci
        return bool(low > 0 or high < 0)


def design_matrix(months: pd.DatetimeIndex) -> pd.DataFrame:
    """Intercept, time in years since the first month, and 11 month-of-year indicators."""
    years = np.arange(len(months)) / 12.0
    seasons = pd.get_dummies(pd.Categorical(months.month, categories=range(1, 13)), drop_first=True)
    seasons.columns = [f"month_{m}" for m in seasons.columns]
    frame = pd.DataFrame({"const": 1.0, "years": years}, index=months)
    return pd.concat([frame, seasons.set_index(months).astype(float)], axis=1)


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
    poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid)
    if dispersion > OVERDISPERSION_LIMIT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; checked below
            result = NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, maxiter=200)
        params = pd.Series(result.params, index=[*X.columns, "alpha"])
        cov = pd.DataFrame(result.cov_params(), index=params.index, columns=params.index)
        family: Literal["Poisson", "negative binomial"] = "negative binomial"
        beta = params[X.columns]
    else:
        beta = pd.Series(poisson.params, index=X.columns)
        cov = pd.DataFrame(poisson.cov_params(), index=X.columns, columns=X.columns)
        family = "Poisson"
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
