"""The ward chapter: every ward's counts, rates per 1,000 residents, ranks and changes for the main
offence groups, with small counts in sensitive categories withheld (and anything that would reveal
them: the rate and the change)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from csa_stats.analysis import measures
from csa_stats.analysis.disclosure import is_sensitive, protect_breakdown
from csa_stats.chapters.common import ward_map
from csa_stats.chapters.context import Chapter
from csa_stats.params import Window
from csa_stats.presentation import narrative
from csa_stats.presentation.tables import (
    NOT_GIVEN,
    fmt_count,
    fmt_pct,
    fmt_rate,
    fmt_signed_pct,
    publish_table,
)
from csa_stats.reference.definitions import availability, load_definitions
from csa_stats.reference.policy import load_change_policy, load_disclosure_policy

Formatter = Callable[[object], str]


def _withheld_or(fmt: Formatter) -> Formatter:
    """A formatter that shows a missing (withheld) count as the withheld symbol."""

    def show(value: object) -> str:
        return (
            load_disclosure_policy().shown_as
            if value is None or value is pd.NA or value != value
            else fmt(value)
        )

    return show


def _keys(ch: Chapter) -> list[str]:
    definitions = load_definitions()
    return [
        k
        for k in definitions.ward_measures
        if availability(definitions.measures[k], ch.incidents, ch.area) is None
    ]


def _safe_counts(ch: Chapter, window: Window) -> pd.DataFrame:
    """Counts by ward and measure in a window, with sensitive counts of 1 to 4 withheld (missing)
    and the counts that would reveal them from the city's total (published elsewhere).

    A sensitive column whose city total alone gives a small count away is withheld whole.
    """
    keys = _keys(ch)
    counts = measures.ward_measure_counts(ch.incidents, window, keys, ch.area).astype("Int64")
    for key in (k for k in keys if is_sensitive(k)):
        counts[key] = protect_breakdown(counts[key])  # as every other table of the measure by ward
    return counts


def _by_name(ch: Chapter, table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.index = [ch.area.wards[c] for c in out.index]
    out.index.name = "ward"
    return out.sort_index()


def _columns(keys: list[str], fmt: Formatter) -> dict[str, tuple[str, Formatter]]:
    definitions = load_definitions()
    return {k: (definitions.measures[k].label, _withheld_or(fmt)) for k in keys}


def _withheld_note(ch: Chapter, table: pd.DataFrame) -> str:
    """What is withheld at ward level and why; the withheld symbol is explained only when
    ``table`` (the counts shown) has a withheld cell; nothing when no measure shown is sensitive."""
    sensitive = [load_definitions().measures[k].label.lower() for k in _keys(ch) if is_sensitive(k)]
    if not sensitive:  # none of the measures shown could identify a victim (police.uk's)
        return ""
    labels = narrative.listed(sensitive)
    policy = (
        f"Counts from 1 to 4 of {labels} are not published at ward level, in the tables or their "
        "downloads, because they could identify a victim; nor are the next smallest counts that, "
        "with the city's total, would let them be worked out (secondary suppression); nor the "
        "rates and changes that would reveal them."
    )
    if not table.isna().any().any():
        return f"\n{policy} None had to be withheld here.\n"
    return (
        f"\n`{load_disclosure_policy().shown_as}`: withheld. {policy} A withheld cell may hold any "
        "count, 0 included.\n"
    )


def map_section(ch: Chapter) -> str:
    """Where crime was recorded: the verdict in a sentence, and the ward map of recorded crime per
    1,000 residents."""
    p = ch.params.period
    wards = measures.ward_table(ch.incidents, ch.population, ch.params)
    top = wards.iloc[0]
    verdict = (
        ":::{container} csa-verdict\n"
        f"**{top['ward_name']} had the highest rate of recorded crime in {p.label}: "
        f"{fmt_rate(top['rate_per_1000'])} per 1,000 residents, {fmt_pct(top['share_pct'])} of "
        f"all the crimes recorded in {ch.area.name}.**\n:::\n"
    )
    no_ward = pd.Series(False, index=wards.index)  # recorded crime: no count is withheld by ward
    note = ch.population_note()
    return (
        verdict
        + "\n"
        + ward_map(ch, wards["rate_per_1000"], no_ward, "recorded crime", "crimes", "ward-crime")
        + (f"\n{note}\n" if note else "")
    )


def counts_section(ch: Chapter) -> str:
    """Every ward's counts by measure for the period."""
    p = ch.params.period
    table = _by_name(ch, _safe_counts(ch, p))
    return publish_table(
        table,
        name="ward-counts",
        caption=f"Recorded crime and ASB by ward, {p.label}",
        columns=_columns(list(table.columns), fmt_count),
        out_dir=ch.out_dir,
        index_label="Ward",
        na_rep=load_disclosure_policy().shown_as,
    ) + _withheld_note(ch, table)


def rates_section(ch: Chapter) -> str:
    """Every ward's rate per 1,000 residents by measure, with its rank among the wards."""
    p = ch.params.period
    counts = _safe_counts(ch, p)
    population = ch.population.set_index("ward_code")["population"].reindex(counts.index)
    rates = _by_name(ch, counts.astype("Float64").div(population, axis=0) * 1000)
    ranks = rates.rank(ascending=False, method="min")
    shown = pd.DataFrame(
        {
            column: [
                load_disclosure_policy().shown_as
                if pd.isna(rate)
                else f"{fmt_rate(rate)} ({int(rank)})"
                for rate, rank in zip(rates[column], ranks[column], strict=True)
            ]
            for column in rates.columns
        },
        index=rates.index,
    )
    top = rates["total_recorded_crime"].idxmax()
    note = ch.population_note()
    intro = (
        "Rates are per 1,000 residents; the number in brackets is the ward's rank (1 = highest). "
        f"{top} had the highest rate of recorded crime, "
        f"{fmt_rate(rates.loc[top, 'total_recorded_crime'])} per 1,000 residents."
        + (f" {note}" if note else "")
        + "\n\n"
    )
    return intro + publish_table(
        rates,
        name="ward-rates-by-measure",
        caption=f"Rates per 1,000 residents by ward (rank in brackets), {p.label}",
        columns=_columns(list(rates.columns), fmt_rate),
        out_dir=ch.out_dir,
        index_label="Ward",
        na_rep=load_disclosure_policy().shown_as,
        cells=shown,
    )


def changes_section(ch: Chapter) -> str:
    """Every ward's per cent change by measure against the comparison period.

    A change is withheld wherever either period's count is withheld, since with the other count it
    would reveal it.
    """
    p, c = ch.params.period, ch.params.comparison
    current, previous = _safe_counts(ch, p), _safe_counts(ch, c)
    # the download: a change, blank (too few), or missing (withheld: written as its symbol)
    percent = pd.DataFrame(index=current.index, columns=current.columns, dtype=object)
    shown = pd.DataFrame(
        load_disclosure_policy().shown_as, index=current.index, columns=current.columns
    )
    fewest = load_change_policy().min_count
    for column in current.columns:
        for ward in current.index:
            now, before = current.at[ward, column], previous.at[ward, column]
            if pd.isna(now) or pd.isna(before):
                continue
            if min(int(now), int(before)) < fewest:  # a percentage of a handful: not given
                percent.at[ward, column] = ""  # blank in the download, as elsewhere
                shown.at[ward, column] = NOT_GIVEN
                continue
            change = 100 * (int(now) - int(before)) / int(before)
            percent.at[ward, column] = change
            shown.at[ward, column] = fmt_signed_pct(change)
    return publish_table(
        _by_name(ch, percent),
        name="ward-changes",
        caption=f"Per cent change by ward, {p.label} against {c.label}",
        columns=_columns(list(current.columns), fmt_signed_pct),
        out_dir=ch.out_dir,
        index_label="Ward",
        na_rep=load_disclosure_policy().shown_as,
        cells=_by_name(ch, shown),
    ) + (
        "\nNo ward's change is tested: with every ward and measure in one table, several would "
        "look clear by chance alone (see the [methodology](../methodology.md)). "
        f"`{NOT_GIVEN}`: not given, as fewer than {fewest} were recorded in one of the periods "
        "(a percentage of a handful says more about chance than about crime).\n"
    )
