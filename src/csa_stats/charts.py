"""Accessible charts: one palette and style, a title that states the finding, alt text, and the
chart's data written beside it as a CSV download."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from csa_stats.params import Window

STYLE = Path(__file__).with_name("style") / "csa.mplstyle"
#: Okabe-Ito colours by role.
PRIMARY, SECONDARY, HIGHLIGHT, MUTED = "#0072B2", "#E69F00", "#D55E00", "#999999"


def _wrap(title: str, width: int = 56) -> str:
    """Break a long finding-title over lines so it is never clipped."""
    return "\n".join(textwrap.wrap(title, width))


_thousands = FuncFormatter(lambda value, _: f"{value:,.0f}")


def monthly_trend_chart(
    monthly: pd.DataFrame, period: Window, comparison: Window, title: str
) -> Figure:
    """Monthly recorded crime and ASB, with the period and comparison period shaded."""
    with plt.style.context(STYLE):
        fig, ax = plt.subplots()
        ax.axvspan(
            comparison.start.start_time,
            comparison.end.end_time,
            color=MUTED,
            alpha=0.12,
            label=f"Comparison period ({comparison.label})",
        )
        ax.axvspan(
            period.start.start_time,
            period.end.end_time,
            color=SECONDARY,
            alpha=0.18,
            label=f"Period ({period.label})",
        )
        ax.plot(
            monthly.index, monthly["recorded_crime"], color=PRIMARY, lw=1.8, label="Recorded crime"
        )
        ax.plot(
            monthly.index,
            monthly["asb"],
            color=HIGHLIGHT,
            lw=1.4,
            ls="--",
            label="Anti-social behaviour",
        )
        ax.set_title(_wrap(title))
        ax.set_ylabel("Offences or reports a month")
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", ncols=2)
        fig.tight_layout()
    return fig


def trend_chart(
    observed: pd.Series,
    trend: pd.Series,
    fitted: pd.Series,
    title: str,
    ylabel: str,
    stl_trend: pd.Series | None = None,
) -> Figure:
    """Monthly counts with the model's fitted values, its underlying trend and the STL trend."""
    with plt.style.context(STYLE):
        fig, ax = plt.subplots()
        ax.plot(
            observed.index, observed.to_numpy(), color=MUTED, lw=1.2, label="Recorded each month"
        )
        ax.plot(
            fitted.index,
            fitted.to_numpy(),
            color=PRIMARY,
            lw=1.0,
            ls=":",
            label="Model (trend and season)",
        )
        ax.plot(trend.index, trend.to_numpy(), color=HIGHLIGHT, lw=2.2, label="Underlying trend")
        if stl_trend is not None:
            ax.plot(
                stl_trend.index,
                stl_trend.to_numpy(),
                color=SECONDARY,
                lw=1.6,
                ls="--",
                label="STL trend",
            )
        ax.set_title(_wrap(title))
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower left", ncols=2)
        fig.tight_layout()
    return fig


def ward_rate_chart(wards: pd.DataFrame, title: str, highlight: str | None = None) -> Figure:
    """Horizontal bars of recorded crime per 1,000 residents by ward, highest first."""
    rates = wards.set_index("ward_name")["rate_per_1000"]
    return bar_chart(rates, title, "Recorded crimes per 1,000 residents", highlight=highlight)


def bar_chart(values: pd.Series, title: str, xlabel: str, highlight: str | None = None) -> Figure:
    """Horizontal bars of named values, largest at the top; ``highlight`` names one bar to colour."""
    data = values.sort_values()
    labels = [str(i) for i in data.index]
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(data) + 1.6))
        colours = [HIGHLIGHT if label == highlight else PRIMARY for label in labels]
        ax.barh(labels, data.to_numpy(), color=colours)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.xaxis.set_major_formatter(_thousands)
        ax.set_xlabel(xlabel)
        ax.set_title(_wrap(title))
        fig.tight_layout()
    return fig


def publish_figure(
    fig: Figure, name: str, data: pd.DataFrame, alt: str, caption: str, out_dir: Path
) -> str:
    """Save a chart and its data; return the MyST figure block that shows it.

    The PNG goes to ``out_dir/figures/NAME.png`` and the data to ``out_dir/downloads/NAME.csv``. The
    block carries the alt text, a caption, a label ``fig-NAME`` and a link to the CSV.
    """
    figures, downloads = out_dir / "figures", out_dir / "downloads"
    figures.mkdir(parents=True, exist_ok=True)
    downloads.mkdir(parents=True, exist_ok=True)
    # No metadata: the same chart gives the same bytes from one build to the next.
    fig.savefig(figures / f"{name}.png", metadata={"Software": None})
    plt.close(fig)
    data.to_csv(downloads / f"{name}.csv")
    alt_text = " ".join(alt.split()).replace('"', "'")
    return (
        f":::{{figure}} figures/{name}.png\n:name: fig-{name}\n:alt: {alt_text}\n:width: 100%\n\n"
        f"{caption} [Download the chart's data (CSV)](downloads/{name}.csv)\n:::\n"
    )
