"""Charts as a reader sees them: nothing cut off, nothing drawn over the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from csa_stats.params import Window
from csa_stats.presentation import charts

LONG_TITLE = "Violence and sexual offences (police.uk) was the most recorded offence in 2024/25"


def _inside(fig: Figure, artist) -> bool:
    fig.canvas.draw()
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y1 <= page.y1 + 1


def test_a_long_title_over_long_bar_labels_stays_on_the_image() -> None:
    labels = [f"{name} (police.uk)" for name in ("Violence and sexual offences", "Drugs", "Arson")]
    fig = charts.bar_chart(pd.Series([13_000, 600, 2_400], index=labels), LONG_TITLE, "Offences")
    title = fig.texts[0]
    assert title.get_text().replace("\n", " ") == LONG_TITLE  # wrapped, every word kept
    assert _inside(fig, title)


@pytest.fixture
def months() -> pd.DatetimeIndex:
    return pd.date_range("2018-04-01", periods=84, freq="MS")


def test_the_monthly_trend_legend_is_off_the_lines(months) -> None:
    monthly = pd.DataFrame(
        {"recorded_crime": np.full(84, 2_500.0), "asb": np.full(84, 450.0)}, index=months
    )
    period = Window(pd.Period("2024-04", "M"), pd.Period("2025-03", "M"))
    comparison = Window(pd.Period("2023-04", "M"), pd.Period("2024-03", "M"))
    fig = charts.monthly_trend_chart(monthly, period, comparison, "Recorded crime held steady")
    fig.canvas.draw()
    axes, legend = fig.axes[0], fig.axes[0].get_legend()
    # the legend sits below the plot: it cannot cover a line drawn near the top of the axes
    assert legend.get_window_extent().y1 <= axes.get_window_extent().y0
    assert _inside(fig, fig.texts[0])


def test_the_trend_chart_legend_is_off_the_lines(months) -> None:
    series = pd.Series(np.linspace(400, 420, 84), index=months)
    fig = charts.trend_chart(series, series, series, "ASB shows no clear trend", "Reports")
    fig.canvas.draw()
    axes, legend = fig.axes[0], fig.axes[0].get_legend()
    assert legend.get_window_extent().y1 <= axes.get_window_extent().y0


@pytest.mark.parametrize("count", [24, 36, 96])
def test_a_phones_monthly_chart_labels_its_dates_without_running_them_together(count) -> None:
    months = pd.date_range(end="2025-03-01", periods=count, freq="MS")
    monthly = pd.DataFrame({"recorded_crime": 100.0, "asb": 20.0}, index=months)
    period = Window(pd.Period("2024-04", "M"), pd.Period("2025-03", "M"))
    comparison = Window(pd.Period("2023-04", "M"), pd.Period("2024-03", "M"))
    fig = charts.monthly_trend_chart(monthly, period, comparison, LONG_TITLE)
    phone = charts.phone_version(fig, LONG_TITLE, "Recorded crime and ASB each month")
    phone.canvas.draw()
    axes = phone.axes[0]
    low, high = axes.get_xlim()
    shown = [
        label
        for label, tick in zip(axes.get_xticklabels(), axes.get_xticks(), strict=True)
        if label.get_visible() and low <= tick <= high
    ]
    assert 2 <= len(shown) <= 6
    assert all(label.get_text().isdigit() for label in shown)  # years: "2024", never "2024-05"
    boxes = [label.get_window_extent() for label in shown]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False))  # none overlaps
