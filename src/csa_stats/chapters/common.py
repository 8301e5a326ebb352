"""Sections more than one chapter shows."""

from __future__ import annotations

import pandas as pd

from csa_stats.analysis.disclosure import protect_breakdown
from csa_stats.chapters.context import Chapter
from csa_stats.presentation import charts
from csa_stats.presentation.tables import (
    change_columns,
    fmt_count,
    fmt_pct,
    fmt_rate,
    publish_table,
)
from csa_stats.reference.policy import load_disclosure_policy

#: Columns that would give a withheld count back: those of the period's count, and the change.
_ON_CURRENT = ("current", "share_pct", "rate_per_1000", "rank")
_ON_EITHER = ("change", "change_pct")


def withhold_small_ward_counts(wards: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sensitive measure's :func:`csa_stats.analysis.measures.ward_changes` table as it may be published,
    and which of its cells are withheld (a frame of booleans).

    Each period's counts are protected (:func:`csa_stats.analysis.disclosure.protect_breakdown`), and with
    a withheld count everything that would give it back (share, rate, change, test). Published
    wards come first, by rate, ranked among themselves (a rank among every ward would bound the
    rates of those withheld above it); withheld wards follow by name.
    """
    out = wards.copy()
    current = protect_breakdown(out["current"]).isna()
    previous = protect_breakdown(out["previous"]).isna()
    hidden = pd.DataFrame(False, index=out.index, columns=out.columns)
    for column in _ON_CURRENT:
        hidden[column] = current
    hidden["previous"] = previous
    for column in _ON_EITHER:
        hidden[column] = current | previous
    out["rank"] = out["rate_per_1000"].where(~current).rank(ascending=False, method="min")
    out["rank"] = out["rank"].astype("Int64")
    order = pd.concat(
        [
            out[~current].sort_values(["rate_per_1000", "ward_name"], ascending=[False, True]),
            out[current].sort_values("ward_name"),
        ]
    ).index
    return out.loc[order], hidden.loc[order]


def ward_map(
    ch: Chapter,
    rates: pd.Series,
    withheld: pd.Series,
    what: str,
    unit: str,
    name: str,
) -> str:
    """A ward map of ``rates`` (per 1,000 residents, by ward code) as an SVG figure with alt text
    and its data (:func:`csa_stats.presentation.maps.ward_choropleth`), the ``withheld`` wards
    (by code, True where withheld) hatched and their values nowhere; or, where the area has no
    ward boundaries, the sentence that says how to fetch them."""
    from csa_stats.presentation import maps

    if ch.boundaries is None:
        return (
            f"No map: there are no ward boundaries for {ch.area.name} here; "
            f"`csa-stats fetch --boundaries --area {ch.area.key}` downloads ONS's.\n"
        )
    p = ch.params.period
    hidden = frozenset(str(code) for code, flag in withheld.items() if flag)
    shown = rates[[code not in hidden for code in rates.index]]
    top = ch.area.wards[str(shown.astype(float).idxmax())] if len(shown) else None
    title = (
        f"{what.capitalize()} per resident was highest in {top}"
        if top
        else f"{what.capitalize()} per resident by ward"
    )
    drawn = maps.ward_choropleth(
        rates.astype(float),
        ch.boundaries,
        title=title,
        subtitle=f"{unit.capitalize()} per 1,000 residents by ward, {p.label}",
        measure=f"{unit} per 1,000 residents",
        withheld=hidden,
        attribution=ch.edition.manifest.inputs.get("boundaries", {}).get("about", ""),
        area_name=ch.area.name,
    )
    caption = (
        f"{what.capitalize()} per 1,000 residents by ward, {ch.area.name}, {p.label}: a darker "
        "shade is a higher rate."
        + (" Hatched wards are withheld (small counts)." if hidden else "")
    )
    return maps.publish_map(drawn, f"{name}-map", caption, ch.out_dir, table=False)


def ward_ranking_section(
    ch: Chapter, wards: pd.DataFrame, what: str, unit: str, name: str, sensitive: bool = False
) -> str:
    """A measure's wards ranked by rate per 1,000 residents: bar chart (city centre highlighted) and
    table with share, residents, rank and change.

    ``wards`` is :func:`csa_stats.analysis.measures.ward_changes` output; ``what`` names the measure in a
    sentence ("recorded crime"); ``unit`` is its plural ("crimes"); ``name`` stems the files. A
    ``sensitive`` measure's small counts are withheld, in the table, its download, the chart, its
    data and its alt text (:func:`withhold_small_ward_counts`).
    """
    p, c = ch.params.period, ch.params.comparison
    # None where the area has no city-centre ward configured: nothing is highlighted
    centre = ch.area.wards.get(ch.area.city_centre_ward) if ch.area.city_centre_ward else None
    hidden = pd.DataFrame(False, index=wards.index, columns=wards.columns)
    if sensitive:
        wards, hidden = withhold_small_ward_counts(wards)
    shown = wards[~hidden["current"]]
    withheld = len(wards) - len(shown)
    if shown.empty:
        return (
            f"Every ward's count of {what} in {p.label} is withheld: the counts are small enough "
            "that publishing any of them could identify a victim.\n"
        )
    top = shown.iloc[0]
    title = f"{top['ward_name']} had the highest rate of {what} in {p.label}" + (
        " of the wards shown" if withheld else ""
    )
    alt = (
        f"Bar chart of {what} per 1,000 residents in each of {ch.area.name}'s {len(wards)} wards in "
        f"{p.label}, highest first: "
        + "; ".join(f"{r['ward_name']} {fmt_rate(r['rate_per_1000'])}" for _, r in shown.iterrows())
        + (f"; {withheld} ward{'s' * (withheld != 1)} withheld (small counts)" if withheld else "")
        + "."
    )
    rates = shown.set_index("ward_name")["rate_per_1000"].astype(float)
    fig = charts.bar_chart(
        rates, title, f"{unit.capitalize()} per 1,000 residents", highlight=centre
    )
    figure_block = charts.publish_figure(
        fig,
        f"{name}-rates",
        shown[["ward_name", "current", "population", "rate_per_1000"]].rename(
            columns={"current": unit}
        ),
        alt,
        f"{what.capitalize()} per 1,000 residents by ward, {p.label}."
        + (
            f" {centre}, the city centre, is highlighted: many more people visit, work and go out "
            "there than live there, so its rate per resident overstates the risk to any one "
            "person."
            if centre
            else ""
        ),
        ch.out_dir,
    )
    columns = {
        "current": (p.label, fmt_count),
        "share_pct": ("Share of total", fmt_pct),
        "population": ("Residents", fmt_count),
        "rate_per_1000": ("Per 1,000 residents", fmt_rate),
        "rank": ("Rank (rate)", fmt_count),
        **change_columns(p.label, c.label, verdict=False),
    }
    table_block = publish_table(
        wards.set_index("ward_name"),
        name=f"{name}-by-ward",
        caption=f"{what.capitalize()} by ward, {p.label} against {c.label}",
        columns=columns,
        out_dir=ch.out_dir,
        index_label="Ward",
        withheld=hidden.set_axis(wards["ward_name"].to_numpy()) if sensitive else None,
    )
    notes = [ch.population_note()]
    if withheld:
        notes.append(
            f"`{load_disclosure_policy().shown_as}`: withheld ({withheld} ward{'s' * (withheld != 1)}). Counts from 1 to 4 "
            f"of {what} are not published by ward, because they could identify a victim; nor are "
            "the other counts that, with the city's total, would let one be worked out; nor the "
            "shares, rates and changes that would give them back. A withheld cell may hold any "
            "count, 0 included. The chart shows the wards whose counts are published; ranks are "
            "among those wards."
        )
    note = " ".join(n for n in notes if n)
    map_block = ward_map(ch, wards["rate_per_1000"], hidden["current"], what, unit, name)
    return map_block + "\n" + figure_block + "\n" + table_block + (f"\n{note}\n" if note else "")
