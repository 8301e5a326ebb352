"""The "Key findings" chapter: recorded crime and ASB for the period, top offences, wards, trend."""

from __future__ import annotations

from csa_stats.analysis import measures
from csa_stats.chapters.common import ward_ranking_section
from csa_stats.chapters.context import Chapter
from csa_stats.presentation import charts, narrative
from csa_stats.presentation.tables import (
    change_columns,
    fmt_count,
    fmt_pct,
    fmt_rate,
    fmt_signed_count,
    fmt_signed_pct,
    fmt_verdict,
    publish_table,
)


def _scope(ch: Chapter) -> str:
    p = ch.params.period
    return p.span if p.months == 1 else f"the {p.months} months from {p.span}"


def _illustrative(ch: Chapter) -> str:
    """A flag for a rate per resident worked out on demonstration populations from real data."""
    return (
        " (on demonstration ward populations: illustrative)"
        if ch.demo_populations and not ch.is_demo
        else ""
    )


def summary(ch: Chapter) -> str:
    """The verdict first: the period's headline numbers in sentences, then the caveats."""
    crime = measures.period_change(measures.crimes(ch.incidents), ch.params)
    asb = measures.period_change(measures.asb(ch.incidents), ch.params)
    top = measures.top_offences(ch.incidents, ch.params, n=1)
    wards = measures.ward_table(ch.incidents, ch.population, ch.params)
    top_name, top_row = top.index[0], top.iloc[0]
    highest = wards.iloc[0]
    comparison = ch.params.comparison
    lines = [
        ":::{container} csa-verdict",
        f"**In {_scope(ch)}, police recorded {fmt_count(crime.current)} crimes in {ch.area.name}.**",
        ":::",
        "",
        f"- {narrative.describe_change('Total recorded crime', crime, 'offences')}",
        f"- {narrative.describe_change('Anti-social behaviour (ASB)', asb, 'reports')}",
        *_listed(
            narrative.why_verdicts_differ(
                ("recorded crime", crime), ("ASB", asb), ch.params.period_months
            )
        ),
        f"- The most recorded offence was {top_name.lower()}: {fmt_count(top_row['current'])} "
        f"offences, {fmt_pct(top_row['share_pct'])} of total recorded crime.",
        f"- {highest['ward_name']} had the highest rate, {fmt_rate(highest['rate_per_1000'])} crimes "
        f"per 1,000 residents{_illustrative(ch)}, and {fmt_pct(highest['share_pct'])} of all "
        "recorded crime.",
        "",
        ":::{admonition} How to read these figures\n:class: note\n\n"
        f"Each period is compared with {comparison.span} ({comparison.label}). A change is called "
        "real only when a test of the two counts says it is unlikely to be chance "
        "(see [Methodology](../methodology.md)). ASB reports are shown beside crime but are not part "
        "of total recorded crime. Recorded crime reflects what is reported to and recorded by the "
        "police, not all crime that happens.\n:::",
    ]
    return "\n".join(lines) + "\n"


def _listed(sentence: str) -> list[str]:
    """A bullet of ``sentence``, or none when it is empty."""
    return [f"- {sentence}"] if sentence else []


def headline_section(ch: Chapter) -> str:
    """Table of total recorded crime and ASB, period against comparison period."""
    table = measures.headline_table(ch.incidents, ch.params)
    p, c = ch.params.period, ch.params.comparison
    return publish_table(
        table,
        name="headline",
        caption=f"Recorded crime and ASB in {ch.area.name}, {p.label} against {c.label}",
        columns={
            "current": (p.label, fmt_count),
            "previous": (c.label, fmt_count),
            "change": ("Change", fmt_signed_count),
            "change_pct": ("Change (%)", fmt_signed_pct),
            "verdict": ("Clear change?", fmt_verdict),
        },
        out_dir=ch.out_dir,
        index_label="Measure",
    )


def trend_section(ch: Chapter) -> str:
    """Monthly chart of recorded crime and ASB across all the data."""
    monthly = measures.monthly_counts(ch.incidents)
    crime = measures.period_change(measures.crimes(ch.incidents), ch.params)
    p, c = ch.params.period, ch.params.comparison
    title = f"Recorded crime {narrative.direction_word(crime)} in {p.label} against {c.label}"
    first, last = monthly.index[0], monthly.index[-1]
    peak_month = monthly["recorded_crime"].idxmax()
    alt = (
        f"Line chart of recorded crime and anti-social behaviour in {ch.area.name} each month from "
        f"{first:%B %Y} to {last:%B %Y}. Recorded crime ranges from "
        f"{fmt_count(monthly['recorded_crime'].min())} to {fmt_count(monthly['recorded_crime'].max())} "
        f"a month, highest in {peak_month:%B %Y}; ASB ranges from {fmt_count(monthly['asb'].min())} to "
        f"{fmt_count(monthly['asb'].max())} a month. The period {p.span} is shaded, with the "
        f"comparison period before it."
    )
    fig = charts.monthly_trend_chart(monthly, p, c, title)
    data = monthly.rename(columns={"asb": "asb_reports"})
    data.index = data.index.strftime("%Y-%m")
    return charts.publish_figure(
        fig,
        "monthly-trend",
        data,
        alt,
        f"Recorded crime and ASB each month, {ch.area.name}. Shaded: the period and the comparison period.",
        ch.out_dir,
    )


#: How many offences the chart and table of the most recorded show (fewer if fewer were recorded).
TOP_OFFENCES = 10


def offences_section(ch: Chapter) -> str:
    """The most recorded offences (:data:`TOP_OFFENCES` of them), chart and table."""
    top = measures.top_offences(ch.incidents, ch.params, n=TOP_OFFENCES)
    p, c = ch.params.period, ch.params.comparison
    first = top.index[0]
    most = narrative.counted(len(top), "most recorded offence")
    title = f"{first} was the most recorded offence in {p.label}"
    alt = (
        f"Bar chart of the {most} in {ch.area.name} in {p.label}. "
        + "; ".join(f"{name}: {fmt_count(row['current'])}" for name, row in top.iterrows())
        + "."
    )
    fig = charts.bar_chart(top["current"], title, f"Offences recorded in {p.label}")
    figure_block = charts.publish_figure(
        fig,
        "top-offences",
        top[["current"]].rename(columns={"current": "offences"}),
        alt,
        f"The {most} in {ch.area.name}, {p.label}.",
        ch.out_dir,
    )
    table_block = publish_table(
        top,
        name="top-offences-table",
        caption=f"The {most}, {p.label} against {c.label}",
        columns={
            "current": (p.label, fmt_count),
            "share_pct": ("Share of total recorded crime", fmt_pct),
            **change_columns(p.label, c.label),
        },
        out_dir=ch.out_dir,
        index_label="Offence",
    )
    return figure_block + "\n" + table_block


def wards_section(ch: Chapter) -> str:
    """All wards: counts, rates per 1,000 residents, rank and change; chart and table."""
    wards = measures.ward_table(ch.incidents, ch.population, ch.params)
    return ward_ranking_section(ch, wards, "recorded crime", "crimes", "crime")
