"""Accessible charts: one palette and style, a title that states the finding, alt text, and the
chart's data written beside it as a CSV download."""

from __future__ import annotations

import math
import pickle
import textwrap
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from csa_stats.analysis.spc import XmR, point_variations
from csa_stats.files import atomic_write
from csa_stats.params import Window
from csa_stats.presentation.downloads import write_csv
from csa_stats.presentation.text import option_text

STYLE = Path(__file__).with_name("style") / "csa.mplstyle"
#: Okabe-Ito colours by role.
PRIMARY, SECONDARY, HIGHLIGHT, MUTED = "#0072B2", "#E69F00", "#D55E00", "#999999"


def _wrap(title: str, width: int = 56) -> str:
    """Break a long finding-title over lines so it is never clipped."""
    return "\n".join(textwrap.wrap(title, width))


def _title(fig: Figure, title: str, width: int = 64) -> None:
    """The finding as the chart's title, from the figure's left edge (not the plot's, which long
    bar labels push to the right, off the image)."""
    fig.suptitle(_wrap(title, width), x=0.01, ha="left", fontsize=12, fontweight="bold")


def add_subtitle(fig: Figure, subtitle: str, width: int = 92) -> None:
    """What the chart plots, under its finding-title (which moves up to make room): the title
    says what was found, the subtitle what is drawn."""
    found = [t for t in fig.texts if t.get_text() == fig.get_suptitle()]
    sub = fig.text(
        0.01, 1.0, _wrap(subtitle, width), ha="left", va="bottom", fontsize=9.5, color="#3b3b3b"
    )
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    height = sub.get_window_extent(renderer).height / (fig.get_figheight() * fig.dpi)
    for title in found:
        title.set_y(1.0 + height + 0.015)
        title.set_verticalalignment("bottom")


#: How charts are written: SVG, with text as text (findable, zoomable, crisp in print) and the same
#: bytes from one run to the next (a fixed salt for the ids, no date).
SVG: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "csa-stats"}


def save_svg(fig: Figure, path: Path) -> None:
    """Write a chart as SVG (see :data:`SVG`), whole or not at all."""
    with plt.rc_context(SVG):  # type: ignore[arg-type]
        atomic_write(
            path,
            lambda tmp: fig.savefig(
                tmp,
                format="svg",
                metadata={"Date": None},
                bbox_inches="tight",
                pad_inches=0.1,
            ),
        )


def _with_thousands(value: float, _: object) -> str:
    """An axis label: thousands separated, and the decimals a small tick needs (an axis of rates
    from 0 to 1.2 reads 0, 0.25, 0.5..., not 0, 0, 0, 1).

    Examples
    --------
    >>> [_with_thousands(v, None) for v in (0.0, 0.25, 0.5, 2500.0, 1.2)]
    ['0', '0.25', '0.5', '2,500', '1.2']
    """
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# a named function, not a lambda: a chart is copied (pickled) for its phone layout
_thousands = FuncFormatter(_with_thousands)


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
        _title(fig, title)
        ax.set_ylabel("Offences or reports a month")
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4)  # off the lines
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
        _title(fig, title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4)  # off the lines
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
        _title(fig, title)
        fig.tight_layout()
    return fig


#: A chart's width for a phone, in inches: 4.3 in (413 CSS pixels) shown across a 390-pixel
#: screen keeps 9-point labels near 10 pixels; the desktop chart (8 in) shown there would shrink
#: them to 5.
PHONE_WIDTH = 4.3


def phone_version(fig: Figure, title: str, subtitle: str) -> Figure:
    """The same chart laid out for a phone: narrower, its title and subtitle wrapped shorter, each
    legend in one column under the plot and at most eight labels on a named axis (a copy;
    ``fig`` is unchanged)."""
    phone: Figure = pickle.loads(pickle.dumps(fig))
    _, height = phone.get_size_inches()
    phone.set_size_inches(PHONE_WIDTH, max(3.4, height * 0.9))
    for text in list(phone.texts):  # the desktop title goes; it is set again, wrapped shorter
        text.remove()
    phone._suptitle = None  # type: ignore[attr-defined]
    with plt.style.context(STYLE):
        for ax in phone.axes:
            if ax.get_legend() is not None:
                handles, labels = ax.get_legend_handles_labels()
                ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16))
            if isinstance(ax.xaxis.get_major_locator(), mdates.DateLocator):
                # matplotlib's own date labels ("2022-05") run into each other at a phone's
                # width: at most about six, years (every one, or every second...) or quarters
                low, high = ax.get_xlim()
                years = (high - low) / 365.25
                dates: mdates.DateLocator = (
                    mdates.YearLocator(base=max(1, math.ceil(years / 6)))
                    if years > 2
                    else mdates.MonthLocator(bymonth=(1, 4, 7, 10))
                )
                ax.xaxis.set_major_locator(dates)
                ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(dates))
            if isinstance(ax.xaxis.get_major_locator(), FixedLocator):
                labels = ax.get_xticklabels()
                step = -(-len(labels) // 8)  # every label, or every second, third...
                for number, label in enumerate(labels):
                    label.set_visible(number % step == 0)
        # laid out before the titles, which then sit above the plot (as on the desktop chart)
        phone.tight_layout()
        _title(phone, title, width=34)
        add_subtitle(phone, subtitle, width=50)
    return phone


def publish_figure(
    fig: Figure,
    name: str,
    data: pd.DataFrame,
    alt: str,
    caption: str,
    out_dir: Path,
    subtitle: str | None = None,
) -> str:
    """Save a chart and its data; return the MyST blocks that show it.

    The chart goes to ``out_dir/figures/NAME.svg`` (:func:`save_svg`) with ``subtitle`` (default:
    the caption's first sentence) under its title, its phone layout (:func:`phone_version`) to
    ``NAME-phone.svg``, and the data to ``out_dir/downloads/NAME.csv``. The figure block carries
    the alt text, a caption, a label ``fig-NAME`` and a link to the CSV; the phone image before it
    is shown instead of the figure's image on a narrow screen (the site's style sheet), never both.
    """
    figures, downloads = out_dir / "figures", out_dir / "downloads"
    figures.mkdir(parents=True, exist_ok=True)
    downloads.mkdir(parents=True, exist_ok=True)
    if subtitle is None:  # the caption's first sentence moves onto the chart, not said twice
        first, _, rest = caption.partition(". ")
        subtitle, caption = first.rstrip("."), rest
    title = " ".join(fig.get_suptitle().split())
    phone = phone_version(fig, title, subtitle)
    save_svg(phone, figures / f"{name}-phone.svg")
    plt.close(phone)
    add_subtitle(fig, subtitle)
    save_svg(fig, figures / f"{name}.svg")
    plt.close(fig)
    write_csv(data, downloads / f"{name}.csv")
    caption = f"{caption} " if caption else ""
    return both_layouts(
        name, alt, f"{caption}[Download the chart's data (CSV)](downloads/{name}.csv)"
    )


def both_layouts(name: str, alt: str, caption: str) -> str:
    """The MyST blocks of a chart or map saved as ``figures/NAME.svg`` and ``NAME-phone.svg``:
    the phone image (shown on a narrow screen only, by the site's style sheet), then the figure
    with its label ``fig-NAME``, alt text and ``caption`` (shown on a wider one): never both."""
    alt_text = option_text(alt)
    return (
        f":::{{image}} figures/{name}-phone.svg\n:alt: {alt_text}\n:class: {PHONE_CLASS}\n"
        f":width: 100%\n:::\n\n"
        f":::{{figure}} figures/{name}.svg\n:name: fig-{name}\n:alt: {alt_text}\n"
        f":class: {WIDE_CLASS}\n:width: 100%\n\n{caption}\n:::\n"
    )


#: The classes of a chart's two images: the site's style sheet shows one of them by screen width.
PHONE_CLASS, WIDE_CLASS = "csa-chart-phone", "csa-chart-wide"


def year_midpoint(window: Window) -> float:
    """Where a 12-month window sits on a chart's time axis: its middle, in decimal years."""
    return window.start.year + (window.start.month - 1) / 12 + window.months / 24


def projection_chart(
    recorded: pd.DataFrame,
    projection: pd.DataFrame,
    baselines: list[tuple[str, float, bool]],
    path: pd.DataFrame,
    title: str,
    ylabel: str,
) -> Figure:
    """Yearly totals recorded, the projection with its 80% and 95% prediction intervals, the
    baselines as horizontal lines and the path needed to finish below the chosen one.

    Parameters
    ----------
    recorded
        Columns ``x`` (decimal year), ``label`` and ``count``: complete years recorded.
    projection
        Columns ``x``, ``label``, ``central``, ``low_80``, ``high_80``, ``low_95``, ``high_95``.
    baselines
        ``(label, count, chosen)``: the chosen baseline is drawn solid, the others dashed.
    path
        Columns ``x``, ``label`` and ``value``: from the latest 12 months (the first row, marked) to
        the baseline in the goal year.
    """
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 4.6))
        ax.bar(recorded["x"], recorded["count"], width=0.7, color=PRIMARY, label="Recorded")
        ax.fill_between(
            projection["x"],
            projection["low_95"],
            projection["high_95"],
            color=SECONDARY,
            alpha=0.22,
            lw=0,
            label="95% prediction interval",
        )
        ax.fill_between(
            projection["x"],
            projection["low_80"],
            projection["high_80"],
            color=SECONDARY,
            alpha=0.45,
            lw=0,
            label="80% prediction interval",
        )
        ax.plot(
            projection["x"],
            projection["central"],
            color="#000000",
            lw=1.6,
            marker="o",
            ms=3.5,
            label="Projection (central)",
        )
        for label, count, chosen in baselines:
            ax.axhline(
                count,
                color=HIGHLIGHT if chosen else MUTED,
                lw=2.0 if chosen else 1.2,
                ls="-" if chosen else "--",
                label=f"{label}: {count:,.0f}" + (" (baseline)" if chosen else ""),
            )
        ax.plot(
            path["x"].iloc[:1],
            path["value"].iloc[:1],
            ls="none",
            marker="D",
            ms=7,
            color=HIGHLIGHT,
            markeredgecolor="#000000",
            label=str(path["label"].iloc[0]),
        )
        ax.plot(
            path["x"],
            path["value"],
            color=HIGHLIGHT,
            lw=1.6,
            ls=":",
            marker=">",
            ms=4,
            markevery=[len(path) - 1],
            label="Path needed to finish below the baseline",
        )
        ticks = pd.concat([recorded[["x", "label"]], projection[["x", "label"]]])
        ticks = ticks.drop_duplicates("label")
        ax.set_xticks(ticks["x"], ticks["label"], rotation=45 if len(ticks) > 10 else 0)
        _title(fig, title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_thousands)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3)
        fig.tight_layout()
    return fig


def funnel_chart(
    table: pd.DataFrame,
    curve: pd.DataFrame,
    highlight: str,
    title: str,
    ylabel: str,
    pooled_label: str = "Force-wide rate",
) -> Figure:
    """A funnel plot: each authority's rate against its population, the pooled rate (named in the
    legend by ``pooled_label``), and the 95% and 99.8% control limits; ``highlight`` names the
    authority drawn in the highlight colour."""
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 4.8))
        pooled = float(table["pooled_rate"].iloc[0])
        ax.axhline(pooled, color=MUTED, lw=1.2, label=f"{pooled_label} ({pooled:,.1f})")
        for level, style in (("0.95", "--"), ("0.998", ":")):
            share = f"{100 * float(level):g}%"
            ax.plot(
                curve["population"],
                curve[f"high_{level}"],
                color=SECONDARY,
                ls=style,
                lw=1.4,
                label=f"{share} control limits",
            )
            ax.plot(curve["population"], curve[f"low_{level}"], color=SECONDARY, ls=style, lw=1.4)
        for name, row in table.iterrows():
            colour = HIGHLIGHT if name == highlight else PRIMARY
            ax.scatter(
                row["population"],
                row["rate"],
                color=colour,
                s=46,
                zorder=3,
                edgecolor="#000000" if name == highlight else "none",
            )
            ax.annotate(
                str(name),
                (row["population"], row["rate"]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=8,
            )
        _title(fig, title)
        ax.set_xlabel("Resident population")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(_thousands)
        # Zoomed to the points and the limits: the funnel's shape is the point of the chart.
        values = [table["rate"], curve["low_0.998"], curve["high_0.998"]]
        low = min(float(v.min()) for v in values)
        high = max(float(v.max()) for v in values)
        margin = 0.08 * (high - low)
        ax.set_ylim(max(0.0, low - margin), high + margin)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3)
        fig.tight_layout()
    return fig


def spc_chart(x: XmR, title: str, ylabel: str) -> Figure:
    """An XmR chart (:func:`csa_stats.analysis.spc.xmr`): each month's count joined by a line, the mean and
    the process limits, and the points of special-cause signals marked by shape and colour both.

    Colours follow MDC's reading (grey common cause, blue improving, orange concerning), each with
    its own marker so that no verdict rests on colour alone.
    """
    verdicts = point_variations(x)
    # (verdict, legend label, colour, marker): the marker tells them apart without the colour.
    marks = (
        ("special cause, improving", "Special cause: improving", PRIMARY, "s"),
        ("special cause, concerning", "Special cause: concerning", HIGHLIGHT, "D"),
        ("special cause, neither", "Special cause", SECONDARY, "P"),
    )
    months = x.values.index
    with plt.style.context(STYLE):
        fig, ax = plt.subplots()
        if x.baseline < len(x.values):
            ax.axvspan(
                months[0],
                months[x.baseline - 1],
                color=MUTED,
                alpha=0.12,
                label=f"Baseline: limits from these {x.baseline} months",
            )
        ax.plot(
            months,
            x.values.to_numpy(),
            color=MUTED,
            lw=1.4,
            marker="o",
            ms=3.5,
            label="Recorded each month",
        )
        ax.axhline(x.mean, color="#000000", lw=1.2, label=f"Mean ({x.mean:,.0f})")
        ax.axhline(
            x.upper,
            color="#000000",
            lw=1.0,
            ls="--",
            label=f"Process limits ({x.lower:,.0f} to {x.upper:,.0f})",
        )
        ax.axhline(x.lower, color="#000000", lw=1.0, ls="--")
        for verdict, label, colour, marker in marks:
            points = x.values[(verdicts == verdict).to_numpy()]
            if len(points):
                ax.plot(
                    points.index,
                    points.to_numpy(),
                    ls="none",
                    marker=marker,
                    ms=7,
                    color=colour,
                    markeredgecolor="#000000",
                    zorder=3,
                    label=label,
                )
        _title(fig, title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_thousands)
        # Zoomed to the points and the limits: the variation about the mean is the chart's point.
        low = min(float(x.values.min()), x.lower)
        high = max(float(x.values.max()), x.upper)
        margin = 0.08 * (high - low) or 1.0
        ax.set_ylim(max(0.0, low - margin), high + margin)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3)  # off the lines
        fig.tight_layout()
    return fig
