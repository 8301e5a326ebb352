"""Sections more than one chapter shows."""

from __future__ import annotations

import pandas as pd

from csa_stats import charts
from csa_stats.chapter import Chapter
from csa_stats.tables import change_columns, fmt_count, fmt_pct, fmt_rate, publish_table


def ward_ranking_section(ch: Chapter, wards: pd.DataFrame, what: str, unit: str, name: str) -> str:
    """A measure's wards ranked by rate per 1,000 residents: bar chart (city centre highlighted) and
    table with share, residents, rank and change.

    ``wards`` is :func:`csa_stats.measures.ward_changes` output; ``what`` names the measure in a
    sentence ("recorded crime"); ``unit`` is its plural ("crimes"); ``name`` stems the files.
    """
    p, c = ch.params.period, ch.params.comparison
    centre = ch.area.wards[ch.area.city_centre_ward]
    top = wards.iloc[0]
    title = f"{top['ward_name']} had the highest rate of {what} in {p.label}"
    alt = (
        f"Bar chart of {what} per 1,000 residents in each of {ch.area.name}'s {len(wards)} wards in "
        f"{p.label}, highest first: "
        + "; ".join(f"{r['ward_name']} {fmt_rate(r['rate_per_1000'])}" for _, r in wards.iterrows())
        + "."
    )
    rates = wards.set_index("ward_name")["rate_per_1000"]
    fig = charts.bar_chart(
        rates, title, f"{unit.capitalize()} per 1,000 residents", highlight=centre
    )
    figure_block = charts.publish_figure(
        fig,
        f"{name}-rates",
        wards[["ward_name", "current", "population", "rate_per_1000"]].rename(
            columns={"current": unit}
        ),
        alt,
        f"{what.capitalize()} per 1,000 residents by ward, {p.label}. {centre}, the city centre, is "
        "highlighted: its residents are few beside the people who visit, work and go out there, so "
        "its rate per resident overstates the risk to any one person.",
        ch.out_dir,
    )
    table_block = publish_table(
        wards.set_index("ward_name"),
        name=f"{name}-by-ward",
        caption=f"{what.capitalize()} by ward, {p.label} against {c.label}",
        columns={
            "current": (p.label, fmt_count),
            "share_pct": ("Share of total", fmt_pct),
            "population": ("Residents", fmt_count),
            "rate_per_1000": ("Per 1,000 residents", fmt_rate),
            "rank": ("Rank (rate)", fmt_count),
            **change_columns(p.label, c.label),
        },
        out_dir=ch.out_dir,
        index_label="Ward",
    )
    note = ch.population_note()
    return figure_block + "\n" + table_block + (f"\n{note}\n" if note else "")
