"""XmR charts and MDC's special-cause rules, checked against values worked by hand.

Most series start with the same 4-point baseline, [14, 10, 14, 10], so that the lines are fixed
whatever follows:
    mean = 48 / 4 = 12; moving ranges 4, 4, 4, so the mean moving range = 4;
    limits = 12 ± 2.66 × 4 = 12 ± 10.64: 1.36 to 22.64;
    outer third = 12 ± (2/3) × 10.64 = 12 ± 7.093: below 4.907 or above 19.093.
"""

from __future__ import annotations

from typing import get_args

import matplotlib

from csa_stats.reference.policy import load_spc_rules

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from csa_stats.analysis import spc
from csa_stats.analysis.spc import latest_side, variation, verdict_label, xmr
from csa_stats.presentation import charts
from csa_stats.reference.policy import SpcRules

BASE = [14, 10, 14, 10]
MDC = SpcRules(shift_run=7, trend_run=7)


def monthly(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2023-04-01", periods=len(values), freq="MS"))


def chart(values: list[float], **kwargs) -> spc.XmR:
    """An XmR chart whose lines come from the 4-point baseline above."""
    kwargs.setdefault("rules", MDC)
    return xmr(monthly(BASE + values), baseline=4, **kwargs)


def flagged(x: spc.XmR, column: str) -> list[int]:
    """Positions of the points with a flag."""
    return list(np.flatnonzero(x.flags[column].to_numpy()))


# The lines


def test_mean_moving_range_and_limits_by_hand() -> None:
    # [20, 24, 22, 26, 18]: mean 110 / 5 = 22; moving ranges 4, 2, 4, 8, mean 18 / 4 = 4.5;
    # limits 22 ± 2.66 × 4.5 = 22 ± 11.97: 10.03 to 33.97; outer third 22 ± 7.98.
    x = xmr(monthly([20, 24, 22, 26, 18]), rules=MDC)
    assert x.mean == pytest.approx(22)
    assert x.moving_range.iloc[1:].tolist() == [4, 2, 4, 8]
    assert np.isnan(x.moving_range.iloc[0])
    assert x.mean_moving_range == pytest.approx(4.5)
    assert (x.lower, x.upper) == (pytest.approx(10.03), pytest.approx(33.97))
    assert (x.outer_low, x.outer_high) == (pytest.approx(14.02), pytest.approx(29.98))
    assert x.baseline == 5
    assert not x.special.any()
    assert variation(x) == "common cause"


def test_the_lower_limit_is_not_below_zero() -> None:
    # [2, 8, 1, 9]: mean 5; moving ranges 6, 7, 8, mean 7; 5 - 18.62 < 0, so the lower limit is 0
    # and the upper 5 + 18.62 = 23.62. A count of 0 is then not below the limit.
    x = xmr(monthly([2, 8, 1, 9, 0]), baseline=4, rules=MDC)
    assert x.lower == 0
    assert x.upper == pytest.approx(23.62)
    assert not x.flags["outside_low"].any()


def test_the_baseline_sets_the_lines_and_later_points_are_judged_against_them() -> None:
    with_baseline = chart([30, 30, 30])
    assert with_baseline.mean == pytest.approx(12)
    assert with_baseline.mean_moving_range == pytest.approx(4)  # the jump 10 -> 30 is not in it
    assert with_baseline.moving_range.iloc[4] == 20  # though it is still the point's moving range
    assert flagged(with_baseline, "outside_high") == [4, 5, 6]  # 30 > 22.64
    # All 7 points: mean 138 / 7 = 19.71; moving ranges 4, 4, 4, 20, 0, 0, mean 32 / 6 = 5.33;
    # upper limit 19.71 + 14.19 = 33.90, so the 30s are inside it.
    whole = xmr(monthly([*BASE, 30, 30, 30]), rules=MDC)
    assert whole.mean == pytest.approx(138 / 7)
    assert whole.mean_moving_range == pytest.approx(32 / 6)
    assert whole.upper == pytest.approx(138 / 7 + 2.66 * 32 / 6)
    assert not whole.flags["outside_high"].any()


# The rules


def test_a_single_point_above_the_upper_limit() -> None:
    x = chart([12, 23, 12])  # 23 > 22.64; the 12s are on the mean
    assert flagged(x, "outside_high") == [5]
    assert flagged(x, "special") == [5]
    assert flagged(x, "high") == [5] and not x.flags["low"].any()


def test_seven_points_above_the_mean_are_a_shift_and_six_are_not() -> None:
    # After the baseline's last point (10, below the mean of 12), points of 13: above the mean,
    # inside the outer third, and equal, so no trend either.
    six = chart([13] * 6 + [11])
    assert not six.special.any()
    seven = chart([13] * 7 + [11])
    assert flagged(seven, "shift_high") == [4, 5, 6, 7, 8, 9, 10]  # the whole run
    assert flagged(seven, "special") == [4, 5, 6, 7, 8, 9, 10]
    assert not seven.flags["shift_low"].any()


def test_seven_points_below_the_mean_are_a_low_shift() -> None:
    x = chart([11] * 7)
    assert flagged(x, "shift_low") == [3, 4, 5, 6, 7, 8, 9, 10]  # the baseline's 10 starts it
    assert not x.flags["shift_high"].any()


def test_a_point_on_the_mean_breaks_a_shift() -> None:
    # 3 above, one exactly on the mean, 4 above: two runs (3 and 4), neither of 7.
    broken = chart([13, 13, 13, 12, 13, 13, 13, 13])
    assert not broken.special.any()
    # The same with the tie above the mean: one run of 8.
    whole = chart([13, 13, 13, 13, 13, 13, 13, 13])
    assert flagged(whole, "shift_high") == list(range(4, 12))


def test_a_run_length_from_the_rules() -> None:
    six = chart([13] * 6 + [11], rules=SpcRules(shift_run=6, trend_run=7))
    assert flagged(six, "shift_high") == [4, 5, 6, 7, 8, 9]


def test_seven_rising_points_are_a_trend_and_six_are_not() -> None:
    # 10 -> 9 is a fall, so each rising run starts at 9; only 13, 14, 15 are above the mean, and
    # none is in the outer third (4.907 to 19.093): the trend is the only signal.
    six = chart([9, 10, 11, 12, 13, 14, 11])
    assert not six.special.any()
    seven = chart([9, 10, 11, 12, 13, 14, 15, 11])
    assert flagged(seven, "trend_high") == [4, 5, 6, 7, 8, 9, 10]  # first point included
    assert flagged(seven, "special") == [4, 5, 6, 7, 8, 9, 10]
    assert not seven.flags["trend_low"].any()


def test_equal_consecutive_values_break_a_trend() -> None:
    # 9, 10, 11, 11, 12, 13, 14, 15 never falls, but the repeated 11 splits it into runs of
    # 3 (9 to 11) and 5 (11 to 15).
    x = chart([9, 10, 11, 11, 12, 13, 14, 15])
    assert not x.flags[["trend_high", "trend_low"]].any().any()
    assert not x.special.any()


def test_two_of_three_in_the_outer_third_on_the_same_side() -> None:
    # 20 > 19.093 (outer third) but < 22.64 (limit); 13 between them is not in the outer third,
    # so only the two 20s are flagged.
    x = chart([20, 13, 20, 12])
    assert flagged(x, "two_of_three_high") == [4, 6]
    assert flagged(x, "special") == [4, 6]


def test_two_in_the_outer_third_on_opposite_sides_are_no_signal() -> None:
    # 20 > 19.093 and 4 < 4.907 (but > 1.36, inside the lower limit): one on each side.
    x = chart([20, 11, 4, 12])
    assert not x.special.any()


def test_two_in_the_outer_third_four_points_apart_are_no_signal() -> None:
    x = chart([20, 13, 13, 20, 12])  # no window of three holds both
    assert not x.special.any()


# The verdict


def falling_trend() -> spc.XmR:
    """A falling run of 7 points ending at the latest: 14 -> 15 rises, then 15 down to 9."""
    return chart([15, 14, 13, 12, 11, 10, 9])


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("down", "special cause, improving"),
        ("up", "special cause, concerning"),
        (None, "special cause, neither"),
    ],
)
def test_the_verdict_on_a_falling_trend(improvement, expected) -> None:
    x = chart([15, 14, 13, 12, 11, 10, 9], improvement=improvement)
    assert flagged(x, "trend_low") == [4, 5, 6, 7, 8, 9, 10]
    assert variation(x) == expected
    assert latest_side(x) == "low"


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("down", "special cause, concerning"),
        ("up", "special cause, improving"),
        (None, "special cause, neither"),
    ],
)
def test_the_verdict_on_a_point_above_the_limit(improvement, expected) -> None:
    x = chart([12, 23], improvement=improvement)
    assert variation(x) == expected
    assert latest_side(x) == "high"


@pytest.mark.parametrize("improvement", ["down", "up", None])
def test_a_signal_that_ended_before_the_latest_point_is_common_cause(improvement) -> None:
    x = chart([12, 23, 12], improvement=improvement)
    assert x.special.iloc[5]  # the 23
    assert variation(x) == "common cause"
    assert latest_side(x) is None


def test_signals_on_both_sides_of_the_latest_point_are_concerning() -> None:
    # 10 (the baseline's last), 5, 6, ..., 11 are 8 points below the mean of 12: a low shift; and
    # 5 to 11 is 7 points each higher than the one before: a rising, high-side trend.
    x = chart([5, 6, 7, 8, 9, 10, 11], improvement="down")
    assert x.flags["shift_low"].iloc[-1] and x.flags["trend_high"].iloc[-1]
    assert latest_side(x) == "high and low"
    assert variation(x) == "special cause, concerning"


def test_the_labels_are_plain_text() -> None:
    assert verdict_label("special cause, improving", "low") == "Special cause: improving (↓ low)"
    assert (
        verdict_label("special cause, concerning", "high") == "Special cause: concerning (↑ high)"
    )
    assert verdict_label("common cause") == "Common cause"
    assert verdict_label("common cause", "high") == "Common cause"
    # one label and one CSS class for every verdict
    verdicts = get_args(spc.Variation)
    assert set(spc.VERDICT_CLASSES) == set(verdicts)
    for verdict in verdicts:
        assert "|" not in verdict_label(verdict, "high")  # safe in a Markdown table cell


def test_the_table_holds_a_row_a_month() -> None:
    table = falling_trend().table()
    assert len(table) == 11
    assert table["upper_limit"].iloc[0] == pytest.approx(22.64)
    assert table["variation"].iloc[-1] == "special cause, neither"
    assert table["variation"].iloc[0] == "common cause"


# The false-alarm rate of the latest-point verdict


def test_the_latest_point_seldom_signals_on_a_stable_process() -> None:
    """On 36 iid Poisson(200) months (near normal, sd 14), the chance that the latest point is in
    a signal is roughly the sum over the rules of its chance of ending one:

    * outside the limits: about 0.27% (three sigma, both sides), a little more as the limits are
      estimated;
    * a shift: the last 7 on one side of the mean, 2 × 0.5^7 = 1.6% with the mean known; less
      with it estimated from the same 36 points, as their deviations from it are negatively
      correlated (-1/35): about 1%;
    * a trend: the last 7 in strictly rising or falling order, 2 / 7! = 0.04%;
    * two of three: the latest beyond 2 sigma (2.3%) with one of the two before beyond it on the
      same side (1 - 0.977^2 = 4.5%), both sides: 2 × 0.023 × 0.045 = 0.2%.

    About 1.5% in all. Measured: 1.4% with this seed (and 1.4% on 20,000 series: outside 0.28%,
    shift 0.92%, trend 0.02%, two of three 0.23%). The band allows for the simulation's error (a
    standard error of about 0.3 points on 2,000 series) and the approximations.
    """
    rng = np.random.default_rng(20240601)
    months = pd.date_range("2022-04-01", periods=36, freq="MS")
    latest = [
        bool(xmr(pd.Series(rng.poisson(200, 36), index=months), rules=MDC).special.iloc[-1])
        for _ in range(2_000)
    ]
    share = np.mean(latest)
    assert 0.005 <= share <= 0.04


# The configuration and the inputs


def test_the_shipped_rules_are_mdcs() -> None:
    assert load_spc_rules() == MDC


def test_a_run_shorter_than_two_points_is_refused() -> None:
    with pytest.raises(ValidationError, match="shift_run is 1: a run must be at least 2 points"):
        SpcRules(shift_run=1, trend_run=7)


def test_a_bad_config_file_is_refused_with_its_name(tmp_path) -> None:
    path = tmp_path / "spc.yml"
    path.write_text("shift_run: 7\ntrend_run: 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"spc\.yml: trend_run: .*at least 2 points"):
        load_spc_rules(path)
    path.write_text("shift_run: 7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="trend_run: Field required"):
        load_spc_rules(path)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (monthly([1, 2, 3]).drop(monthly([1, 2, 3]).index[1]), "every month"),
        (pd.Series([1, 2], index=pd.to_datetime(["2024-01-15", "2024-02-15"])), "first day"),
        (pd.Series([1, 2]), "month start"),
        (monthly([1, -2, 3]), "negative"),
        (monthly([1, None, 3]), "none missing"),
        (monthly([1]), "at least 2 months"),
    ],
)
def test_bad_inputs_are_refused(series, message) -> None:
    with pytest.raises(ValueError, match=message):
        xmr(series, rules=MDC)


@pytest.mark.parametrize("baseline", [1, 5])
def test_a_baseline_outside_the_series_is_refused(baseline) -> None:
    with pytest.raises(ValueError, match="baseline must be from 2 to 4 points"):
        xmr(monthly(BASE), baseline=baseline, rules=MDC)


# The chart


def _lines(fig) -> dict[str, matplotlib.lines.Line2D]:
    return {line.get_label(): line for line in fig.axes[0].get_lines()}


def test_the_chart_marks_special_causes_by_shape_and_colour() -> None:
    x = chart([12, 23, 12], improvement="down")
    fig = charts.spc_chart(x, "Reports rose above the process limit in September", "Reports")
    lines = _lines(fig)
    data = lines["Recorded each month"]
    concern = lines["Special cause: concerning"]
    assert concern.get_marker() != data.get_marker()
    assert concern.get_color() != data.get_color()
    assert concern.get_ydata().tolist() == [23]
    assert lines["Mean (12)"].get_ydata()[0] == pytest.approx(12)
    limits = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert sorted(line.get_ydata()[0] for line in limits) == [
        pytest.approx(1.36),
        pytest.approx(22.64),
    ]
    assert "Special cause: improving" not in lines  # no empty legend entries
    fig.canvas.draw()
    axes, legend = fig.axes[0], fig.axes[0].get_legend()
    assert legend.get_window_extent().y1 <= axes.get_window_extent().y0  # off the lines
    assert fig.texts[0].get_text() == "Reports rose above the process limit in September"


def test_the_chart_tells_improving_from_concerning_without_colour() -> None:
    # 23 is above the upper limit (22.64), 1 below the lower (1.36); nothing else signals: the
    # 12s are on the mean, and no window of three has two in the outer third on one side.
    x = chart([23, 12, 12, 1], improvement="down")
    assert flagged(x, "special") == [4, 7]
    lines = _lines(charts.spc_chart(x, "Mixed signals", "Reports"))
    improving, concerning = lines["Special cause: improving"], lines["Special cause: concerning"]
    assert improving.get_marker() != concerning.get_marker()
    neither = _lines(charts.spc_chart(chart([12, 23]), "A signal", "Reports"))["Special cause"]
    assert neither.get_marker() not in (improving.get_marker(), concerning.get_marker())
