"""Statistical process control: XmR charts and their special-cause rules, after NHS England's
"Making Data Count" (MDC) guidance.

An XmR chart puts each month's count beside the process's centre line (the mean) and its natural
process limits, mean ± 2.66 × the mean moving range (2.66 is 3 / 1.128, the moving range's
unbiasing constant for pairs, so the limits sit about three sigma from the mean). A point is
special-cause variation when it belongs to a pattern that common-cause (chance) variation seldom
makes. MDC's four rules:

* **outside**: a single point above the upper or below the lower process limit;
* **shift**: a run of 7 or more consecutive points all above, or all below, the mean;
* **trend**: a run of 7 or more consecutive points each higher, or each lower, than the one before;
* **two of three**: two out of three consecutive points in the outer third (beyond the mean ± 2/3
  of the distance to the limit, about two sigma), on the same side of the mean.

The run lengths are configuration: ``data/reference/spc.yml``. Every point that belongs to a
signal is flagged, the whole run and not only the point that completes it (for two of three, the
points in the outer third: the window's third point, nearer the mean, is not part of the signal),
and each flag keeps the side it is on, so that :func:`variation` can say whether the latest point
is improving or concerning. The mean moving range is not screened for outlying moving ranges.

Ties. Comparisons are strict throughout. A point exactly on the mean is on neither side: it
breaks a shift (the run before it ends there and a new one may start after it). Two equal
consecutive values are neither a rise nor a fall: they break a trend (the run ends at the first of
them, and the second may start a new one). A point exactly on a process limit, or on the edge of
the outer third, is not beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from csa_stats.reference.policy import SpcRules, load_spc_rules

#: Which way the plan wants the measure to go.
Improvement = Literal["down", "up"]
#: MDC's variation verdict on a point.
Variation = Literal[
    "common cause",
    "special cause, improving",
    "special cause, concerning",
    "special cause, neither",
]
#: The side(s) of the mean a point's signals are on (a rising trend is on the high side).
Side = Literal["high", "low", "high and low"]

#: Natural process limits sit this many mean moving ranges from the mean (MDC; 3 / 1.128).
LIMIT = 2.66
#: The outer third starts at 2/3 of the distance to the limit (1.773 mean moving ranges: 2 sigma).
OUTER = 2 * LIMIT / 3
#: The special-cause rules, in the order their flags are kept.
RULES = ("outside", "shift", "trend", "two_of_three")


@dataclass(frozen=True, eq=False)
class XmR:
    """An XmR chart of monthly counts: centre line, limits and special-cause flags.

    ``flags`` has one row a month and boolean columns ``RULE_high`` and ``RULE_low`` for each
    rule in :data:`RULES` (for the trend rule, ``high`` is a rising run and ``low`` a falling one),
    then ``high`` and ``low`` (any rule on that side) and ``special`` (any rule at all).
    """

    values: pd.Series
    #: |x_t - x_{t-1}|; the first month has none.
    moving_range: pd.Series
    mean: float
    mean_moving_range: float
    upper: float
    #: mean - 2.66 × mean moving range, but not below 0: a count cannot be negative.
    lower: float
    #: Number of points (the first ones) the mean and the limits come from.
    baseline: int
    improvement: Improvement | None
    rules: SpcRules
    flags: pd.DataFrame

    @property
    def special(self) -> pd.Series:
        """Whether each point belongs to any special-cause signal."""
        return self.flags["special"]

    @property
    def outer_high(self) -> float:
        """Where the upper outer third begins."""
        return self.mean + OUTER * self.mean_moving_range

    @property
    def outer_low(self) -> float:
        """Where the lower outer third begins (may be negative: then no count reaches it)."""
        return self.mean - OUTER * self.mean_moving_range

    def table(self) -> pd.DataFrame:
        """One row a month: the value, the chart's lines, each rule's flags and the verdict (the
        chart's data, for a CSV download)."""
        lines = pd.DataFrame(
            {"value": self.values, "moving_range": self.moving_range, "mean": self.mean},
            index=self.values.index,
        )
        lines["lower_limit"], lines["upper_limit"] = self.lower, self.upper
        return pd.concat([lines, self.flags], axis=1).assign(variation=point_variations(self))


def _check_monthly(monthly: pd.Series) -> None:
    if not isinstance(monthly.index, pd.DatetimeIndex):
        raise ValueError("the monthly counts must be indexed by month start (a DatetimeIndex)")
    if len(monthly) < 2:
        raise ValueError(f"an XmR chart needs at least 2 months; got {len(monthly)}")
    index = monthly.index
    if not (index.is_month_start & (index == index.normalize())).all():
        raise ValueError("the monthly counts must be indexed by the first day of each month")
    # Months counted from year 0: consecutive months differ by exactly 1.
    if not (np.diff(index.year * 12 + index.month) == 1).all():
        raise ValueError(
            f"the monthly counts must have every month from {index[0]:%B %Y} in order, none "
            "missing or repeated"
        )
    values = pd.to_numeric(monthly, errors="coerce")
    if values.isna().any():
        raise ValueError("the monthly counts must all be numbers (none missing)")
    if (values < 0).any():
        raise ValueError("the monthly counts cannot be negative")


def _long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Mark every element of each run of ``True`` at least ``length`` long."""
    out = np.zeros(len(mask), dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):  # end is exclusive
        if end - start >= length:
            out[start:end] = True
    return out


def _trend(steps: np.ndarray, points: int) -> np.ndarray:
    """Mark every point of each monotone run at least ``points`` long, from ``steps[t]`` (the move
    from point t-1 to t is in the wanted direction; ``steps[0]`` is False)."""
    # A run of N points is N-1 steps; its first point is the one before its first step.
    moved = _long_runs(steps, points - 1)
    return moved | np.append(moved[1:] & ~moved[:-1], False)


def _two_of_three(outer: np.ndarray) -> np.ndarray:
    """Mark the outer-third points of each window of three consecutive points holding two or more
    of them (all on one side: the caller passes one side's mask)."""
    out = np.zeros(len(outer), dtype=bool)
    for start in range(len(outer) - 2):
        window = slice(start, start + 3)
        if outer[window].sum() >= 2:
            out[window] |= outer[window]
    return out


def xmr(
    monthly: pd.Series,
    baseline: int | None = None,
    improvement: Improvement | None = None,
    rules: SpcRules | None = None,
) -> XmR:
    """The XmR chart of monthly counts, with MDC's special-cause flags.

    Parameters
    ----------
    monthly
        Counts indexed by month start, every month present, in order.
    baseline
        Number of points, from the first, that the mean and the mean moving range come from
        (at least 2); ``None`` uses them all. Later points are judged against the baseline's limits.
    improvement
        ``"down"`` if the plan wants the count to fall, ``"up"`` if to rise, ``None`` if neither.
    rules
        Run lengths; by default those in ``data/reference/spc.yml``.

    The upper process limit is mean + 2.66 × mean moving range. The lower is mean - 2.66 × mean
    moving range but not below 0, since these are counts; the outer third's lower edge is left
    unclipped, so a count of 0 is in the outer third only when that edge is above 0. Comparisons
    are strict: see the module's note on ties.

    >>> months = pd.date_range("2024-01-01", periods=4, freq="MS")
    >>> chart = xmr(pd.Series([10, 12, 11, 15], index=months))
    >>> chart.mean, chart.mean_moving_range, round(chart.upper, 2)
    (12.0, 2.3333333333333335, 18.21)
    """
    _check_monthly(monthly)
    if improvement not in get_args(Improvement) and improvement is not None:
        raise ValueError(f"improvement must be 'down', 'up' or None; got {improvement!r}")
    n = len(monthly) if baseline is None else baseline
    if not 2 <= n <= len(monthly):
        raise ValueError(f"baseline must be from 2 to {len(monthly)} points; got {baseline}")
    if rules is None:
        rules = load_spc_rules()

    values = pd.to_numeric(monthly).astype(float)
    x = values.to_numpy()
    moving_range = values.diff().abs()
    mean = float(x[:n].mean())
    # The baseline's n points give n-1 moving ranges; none reaches across its end.
    mean_mr = float(moving_range.iloc[1:n].mean())
    upper = mean + LIMIT * mean_mr
    lower = max(0.0, mean - LIMIT * mean_mr)

    rises = np.concatenate([[False], x[1:] > x[:-1]])
    falls = np.concatenate([[False], x[1:] < x[:-1]])
    flags = {
        "outside_high": x > upper,
        "outside_low": x < lower,
        "shift_high": _long_runs(x > mean, rules.shift_run),
        "shift_low": _long_runs(x < mean, rules.shift_run),
        "trend_high": _trend(rises, rules.trend_run),
        "trend_low": _trend(falls, rules.trend_run),
        "two_of_three_high": _two_of_three(x > mean + OUTER * mean_mr),
        "two_of_three_low": _two_of_three(x < mean - OUTER * mean_mr),
    }
    flags["high"] = np.any([flags[f"{rule}_high"] for rule in RULES], axis=0)
    flags["low"] = np.any([flags[f"{rule}_low"] for rule in RULES], axis=0)
    flags["special"] = flags["high"] | flags["low"]
    return XmR(
        values=values,
        moving_range=moving_range,
        mean=mean,
        mean_moving_range=mean_mr,
        upper=upper,
        lower=lower,
        baseline=n,
        improvement=improvement,
        rules=rules,
        flags=pd.DataFrame(flags, index=monthly.index),
    )


def point_variations(x: XmR) -> pd.Series:
    """MDC's verdict on each point (see :func:`variation`)."""
    high, low = x.flags["high"].to_numpy(), x.flags["low"].to_numpy()
    if x.improvement is None:
        special = np.where(high | low, "special cause, neither", "common cause")
        return pd.Series(special, index=x.flags.index, name="variation")
    good, bad = (low, high) if x.improvement == "down" else (high, low)
    # A signal against the plan is never hidden by one for it on the same point.
    verdict = np.select(
        [bad, good], ["special cause, concerning", "special cause, improving"], "common cause"
    )
    return pd.Series(verdict, index=x.flags.index, name="variation")


def variation(x: XmR) -> Variation:
    """MDC's variation icon: the verdict on the most recent point.

    If the latest point belongs to a special-cause signal (by any rule, the whole of a run being
    part of it), the verdict is *improving* when the signal is on the side the plan wants (for
    ``improvement="down"``: below the lower limit, a run below the mean, a falling trend or the
    lower outer third; for ``"up"`` the high side) and *concerning* when on the other; a point in
    signals on both sides is *concerning*. With no improvement direction it is *neither*. If the
    latest point belongs to no signal the verdict is *common cause*, even when an earlier signal
    ended just before it.
    """
    verdict: Variation = point_variations(x).iloc[-1]
    return verdict


def latest_side(x: XmR) -> Side | None:
    """The side of the latest point's signals, or ``None`` if it belongs to none."""
    high, low = bool(x.flags["high"].iloc[-1]), bool(x.flags["low"].iloc[-1])
    if high and low:
        return "high and low"
    return "high" if high else "low" if low else None


#: Plain-text wording of each verdict, for a table cell or a CSV.
_WORDS: dict[Variation, str] = {
    "common cause": "Common cause",
    "special cause, improving": "Special cause: improving",
    "special cause, concerning": "Special cause: concerning",
    "special cause, neither": "Special cause: neither improving nor concerning",
}
_ARROWS: dict[Side, str] = {"high": "↑ high", "low": "↓ low", "high and low": "↕ high and low"}

#: A CSS class for each verdict, to style a table cell (the words carry the meaning on their own).
VERDICT_CLASSES: dict[Variation, str] = {
    "common cause": "spc-common",
    "special cause, improving": "spc-improving",
    "special cause, concerning": "spc-concerning",
    "special cause, neither": "spc-neither",
}


def verdict_label(verdict: Variation, side: Side | None = None) -> str:
    """A short plain-text label for a verdict, for a Markdown table cell and a CSV: words first
    (read the same on paper and by a screen reader), then the side with an arrow.

    >>> verdict_label("special cause, improving", "low")
    'Special cause: improving (↓ low)'
    >>> verdict_label("common cause")
    'Common cause'
    """
    words = _WORDS[verdict]
    if side is None or verdict == "common cause":
        return words
    return f"{words} ({_ARROWS[side]})"
