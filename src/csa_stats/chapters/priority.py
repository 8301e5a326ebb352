"""A priority chapter: the priority's measures for the period, and its headline series' trend.

The three priority chapters share this module; ``data/reference/measures.yml`` says which measures
each reports and which series its trend model is fitted to.
"""

from __future__ import annotations

import pandas as pd

from csa_stats import charts, measures, narrative, trends
from csa_stats.chapter import Chapter
from csa_stats.definitions import load_definitions
from csa_stats.measures import Change
from csa_stats.tables import change_columns, fmt_count, fmt_pct, publish_table


def _priority(key: str) -> dict:
    return load_definitions().priorities[key]


def title(key: str) -> str:
    """The chapter's title, from the configuration."""
    return str(_priority(key)["title"])


def measure_table(ch: Chapter, key: str) -> pd.DataFrame:
    """The priority's measures with their changes (unavailable ones marked)."""
    return measures.measure_changes(
        ch.incidents, ch.params, list(_priority(key)["measures"]), ch.area
    )


def summary(ch: Chapter, key: str) -> str:
    """The verdict first: a sentence per available measure; then what the source cannot provide."""
    table = measure_table(ch, key)
    p, c = ch.params.period, ch.params.comparison
    lines = [f"**{p.label} ({p.span}) against {c.label}, {ch.area.name}:**", ""]
    for _, row in table[table["available"]].iterrows():
        change = Change(int(row["current"]), int(row["previous"]), float(row["p_value"]))
        lines.append(f"- {narrative.describe_change(str(row['label']), change, str(row['unit']))}")
    missing = table[~table["available"]]
    if len(missing):
        lines += ["", ":::{admonition} Not available from this source\n:class: note\n"]
        lines += [f"- {row['label']}: {row['note']}." for _, row in missing.iterrows()]
        lines += [
            "\nThese measures need data the police-recorded incidents do not hold; they are never shown as zero.\n:::"
        ]
    return "\n".join(lines) + "\n"


def measures_section(ch: Chapter, key: str) -> str:
    """Every measure of the priority in one table, with its CSV download."""
    table = measure_table(ch, key)
    p, c = ch.params.period, ch.params.comparison
    shown = table.set_index("label")
    return publish_table(
        shown.drop(columns=["p_value"], errors="ignore"),
        name=f"{key}-measures",
        caption=f"{title(key).split(': ', 1)[-1].capitalize()}: measures, {p.label} against {c.label}",
        columns={
            "current": (p.label, lambda v: fmt_count(v) if not pd.isna(v) else "not available"),
            **change_columns(p.label, c.label),
        },
        out_dir=ch.out_dir,
        index_label="Measure",
    )


def trend_section(ch: Chapter, key: str) -> str:
    """The headline series with the count model's underlying trend, and the annual change."""
    headline = str(_priority(key)["headline"])
    measure = load_definitions().measures[headline]
    series = measures.monthly_measure(ch.incidents, headline, ch.area)
    series = series[series.index <= ch.params.period.end.start_time]
    fit = trends.fit_trend(series)
    low, high = fit.annual_change_ci
    direction = "falling" if fit.annual_change_pct < 0 else "rising"
    finding = (
        f"{measure.label} has been {direction} by about {abs(fit.annual_change_pct):.1f}% a year"
        if fit.is_clear
        else f"{measure.label} shows no clear underlying trend"
    )
    first, last = series.index[0], series.index[-1]
    alt = (
        f"Line chart of {measure.label.lower()} each month from {first:%B %Y} to {last:%B %Y}, "
        f"between {fmt_count(series.min())} and {fmt_count(series.max())} a month, with the model's "
        f"underlying trend going from {fmt_count(round(fit.trend.iloc[0]))} to "
        f"{fmt_count(round(fit.trend.iloc[-1]))} a month."
    )
    data = pd.DataFrame(
        {"recorded": series, "model": fit.fitted.round(2), "trend": fit.trend.round(2)}
    )
    data.index = data.index.strftime("%Y-%m")
    fig = charts.trend_chart(
        series, fit.trend, fit.fitted, finding, f"{measure.unit.capitalize()} a month"
    )
    block = charts.publish_figure(
        fig,
        f"{key}-trend",
        data,
        alt,
        f"{measure.label} each month, {ch.area.name}, with the fitted underlying trend.",
        ch.out_dir,
    )
    sentence = (
        f"\nOver {first:%B %Y} to {last:%B %Y}, the underlying annual change in "
        f"{measure.label.lower()} is {fmt_pct(fit.annual_change_pct, signed=True)} a year "
        f"(95% confidence interval {fmt_pct(low, signed=True)} to {fmt_pct(high, signed=True)}), "
        f"from a {fit.family} regression with a linear trend and month-of-year seasonality "
        f"(dispersion {fit.dispersion:.2f}; a negative binomial model is used above "
        f"{trends.OVERDISPERSION_LIMIT}). See the [methodology](../methodology.md).\n"
    )
    return block + sentence


def definitions_note(key: str) -> str:
    """How each measure with a stated definition is counted."""
    notes = [
        f"- **{m.label}**: {m.note}."
        for k in _priority(key)["measures"]
        if (m := load_definitions().measures[k]).note
    ]
    if not notes:
        return ""
    return (
        "Definitions used in this chapter (from `data/reference/measures.yml`):\n\n"
        + "\n".join(notes)
        + "\n"
    )
