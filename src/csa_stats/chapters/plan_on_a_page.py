"""The plan on a page: each priority's objectives, their measures and a status, first in the book.

Committee members read this page first: for every objective, its measures (police-recorded and
supplementary indicators), the latest value, the change on the previous period, the direction the
plan wants, and a status decided by one stated rule.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from csa_stats.analysis.indicators import latest_changes
from csa_stats.analysis.measures import load_change_policy
from csa_stats.analysis.plan import load_plan, plan_rows
from csa_stats.chapters.context import Chapter
from csa_stats.presentation.downloads import write_csv
from csa_stats.presentation.narrative import counted
from csa_stats.presentation.sparklines import sparkline
from csa_stats.presentation.tables import fmt_count, fmt_signed_pct
from csa_stats.presentation.text import md_text
from csa_stats.reference.indicators import load_indicators
from csa_stats.reference.plan import plan_name

#: Statuses in the order they are counted on the page.
STATUSES = (
    "improving",
    "no clear change",
    "worsening",
    "too few to judge",
    "not tested",
    "withheld",
    "stale",
    "not available",
    "no measure",
    "no data",
)


def _indicators(ch: Chapter) -> dict:
    return latest_changes(ch.edition.indicators, ch.area.name, str(ch.params.period_end))


def all_rows(ch: Chapter) -> dict[str, pd.DataFrame]:
    """Every priority's rows."""
    indicators = _indicators(ch)
    return {
        key: plan_rows(ch.incidents, ch.params, ch.area, indicators, key) for key in load_plan()
    }


def rules(ch: Chapter) -> str:
    """The status and stale rules, stated once, under the tables."""
    limits = sorted({i.stale_after_months for i in load_indicators().values()})
    return (
        "For police-recorded measures, the period "
        f"({ch.params.period.label}) is compared with {ch.params.comparison.label}, allowing for "
        "how much each measure varies from month to month; for other indicators, the latest value "
        "is compared with the one before it. A change found clear at the "
        f"{100 * load_change_policy().alpha:.0f}% level is **improving** if it is in the direction the plan wants and "
        "**worsening** if not; anything else is **no clear change**. A count below "
        f"{load_change_policy().min_count} in either period is **too few to judge**. A change that cannot be tested (a "
        "published share with no counts) is **not tested**. Beside the status, each police measure's "
        "monthly series is read as a process-control chart (NHS England's Making Data Count): "
        "**common cause** when its latest month is within its usual variation, **special cause** "
        "(improving or concerning) when it is not. An indicator whose latest value is older than its "
        f"limit (between {limits[0]} and {limits[-1]} months, at the end of the period) is marked "
        "**stale**, not shown as current.\n"
    )


def summary(rows: dict[str, pd.DataFrame]) -> str:
    """How many measures have each status: the page's verdict, in one sentence; then whose plan
    the objectives are quoted from (another area's edition may follow another area's plan)."""
    every = pd.concat(rows.values())
    counts = every["status"].value_counts()
    parts = [f"{counts[s]} {s}" for s in STATUSES if s in counts and s != "no measure"]
    objectives = every["objective"].nunique()
    without = int(counts.get("no measure", 0))
    rest = (
        f"; {without} objective{'s' * (without != 1)} {'have' if without != 1 else 'has'} no "
        "measure in the data"
        if without
        else ""
    )
    return (
        ":::{container} csa-verdict\n"
        f"The plan's {counted(len(rows), 'priority', 'priorities')} "
        f"{'have' if len(rows) != 1 else 'has'} {objectives} objectives, followed through "
        f"{int((every['status'] != 'no measure').sum())} measures: "
        + ", ".join(parts)
        + rest
        + ".\n:::\n\n"
        + f"The priorities and objectives are those of the {plan_name()}, in its own words "
        "(`data/reference/plan.yml`).\n"
    )


#: Each status's symbol, shown with its word (never the colour alone).
SYMBOLS = {
    "improving": "✓",
    "worsening": "✗",
    "no clear change": "–",
    "too few to judge": "…",
    "not tested": "○",
    "withheld": "[c]",
    "stale": "!",
    "not available": "n/a",
    "no data": "?",
}


def _value_text(value: float, unit: str) -> str:
    """An indicator's value as written: a whole number as a count (``"6,920"``), a percentage or
    a fraction to one decimal place (``"61.5"``)."""
    whole = value == round(value) and "%" not in unit
    return fmt_count(value) if whole else f"{value:,.1f}"


def _latest_text(row: pd.Series) -> str:
    unit = str(row["unit"])
    shown = _value_text(float(row["latest"]), unit)
    return f"{shown}{'' if unit.startswith('%') else ' '}{unit}, {row['period']}"


def _change_text(row: pd.Series) -> str:
    if not pd.isna(row.get("change_points", float("nan"))):
        return fmt_signed_pct(row["change_points"]).removesuffix("%") + " points"
    if not pd.isna(row.get("change_pct")):
        return fmt_signed_pct(row["change_pct"])
    return ""


def _series(ch: Chapter, row: pd.Series) -> tuple[list[float] | None, str]:
    """The values a row's sparkline draws, and their label: a police measure's last months; an
    indicator's values of its period type, oldest first."""
    if row["source"] == "police-recorded":
        series = row.get("series")
        if not isinstance(series, list) or len(series) < 2:
            return None, ""
        return series, (
            f"{row['measure']}, each of the last {len(series)} months to "
            f"{ch.params.period.end:%B %Y}: from {fmt_count(min(series))} to "
            f"{fmt_count(max(series))} a month, {fmt_count(series[-1])} in the last"
        )
    table = ch.edition.indicators
    mine = table[(table["indicator"] == row["key"]) & (table["geography"] == ch.area.name)]
    mine = mine[mine["period_end"] <= str(ch.params.period_end)].sort_values("period_end")
    if "period_type" in mine and len(mine):
        mine = mine[mine["period_type"] == mine["period_type"].iloc[-1]]
    values = [float(v) for v in mine["value"]]
    if len(values) < 2:
        return None, ""
    unit = str(row["unit"])
    low, high, last = (_value_text(v, unit) for v in (min(values), max(values), values[-1]))
    return values, (
        f"{row['measure']}, its last {len(values)} values: from {low} to {high}, {last} in the latest"
    )


def _wanted_mark(wanted: str) -> str:
    """The direction the plan wants, as an arrow after the measure (said in full to a screen
    reader)."""
    words = {"down": ("↓", "wanted: fewer"), "up": ("↑", "wanted: more")}.get(wanted)
    if words is None:
        return ""
    arrow, text = words
    return (
        f' <span class="csa-wanted" title="{text}">{arrow}'
        f'<span class="visually-hidden"> ({text})</span></span>'
    )


def priority_section(ch: Chapter, key: str, rows: pd.DataFrame) -> str:
    """A priority's objectives and measures in one compact table: each measure's latest value,
    change, status (a symbol and its word) and recent months (a sparkline); the rows as a CSV."""
    name = f"plan-{key.replace('_', '-')}"
    downloads = ch.out_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    write_csv(
        rows.drop(columns=["series"], errors="ignore"), downloads / f"{name}.csv", index=False
    )
    e = html.escape
    body = []
    for objective, group in rows.groupby("objective", sort=False):
        body.append(
            f'<tr class="csa-objective"><th colspan="5" scope="colgroup">{e(str(objective))}</th></tr>'
        )
        for _, row in group.iterrows():
            status = str(row["status"])
            if status == "no measure":
                body.append(
                    f'<tr><td colspan="5">No measure in the data: {e(str(row["note"]))}</td></tr>'
                )
                continue
            if status in ("not available", "no data", "withheld"):
                latest, change = "", ""
            else:
                latest, change = _latest_text(row), _change_text(row)
            values, label = (None, "") if status == "withheld" else _series(ch, row)
            symbol = SYMBOLS.get(status, "")
            wanted = _wanted_mark(str(row.get("wanted")))
            body.append(
                "<tr>"
                f'<th scope="row">{e(str(row["measure"]))}{wanted}</th>'
                f"<td>{e(latest)}</td><td>{e(change)}</td>"
                f'<td class="csa-status csa-status-{status.replace(" ", "-")}">{e(symbol)} {e(status)}</td>'
                f"<td>{sparkline(values, label)}</td>"
                "</tr>"
            )
    p = ch.params.period
    return (
        '<div class="pst-scrollable-table-container">'
        f'<table class="csa-plan">\n<caption>{e(title_of(key))}: each measure, {e(p.label)}'
        "</caption>\n"
        '<thead><tr><th scope="col">Measure</th><th scope="col">Latest</th>'
        '<th scope="col">Change</th><th scope="col">Status</th>'
        '<th scope="col">Recent</th></tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table></div>\n\n"
        # a Markdown link, so that the book copies the file (a link in the HTML above it would not)
        + f"[{title_of(key)}: the rows as CSV](downloads/{name}.csv)\n"
    )


def title_of(key: str) -> str:
    """A priority's title as the plan gives it."""
    return str(load_plan()[key]["title"])


def statuses_note() -> str:
    """The symbols, in words (under the rules)."""
    return (
        "Symbols: ↓ the plan wants fewer, ↑ more; "
        + "; ".join(f"{symbol} {status}" for status, symbol in SYMBOLS.items())
        + ". A sparkline shows a measure's last 24 months (a supplementary indicator's recent "
        "values), each scaled to its own lowest and highest value: the shape, not the size; the "
        "values are in the CSV. A measure whose small monthly counts could identify a victim has "
        "no sparkline. The plan wants more of some measures (↑), such as hate crime and modern "
        "slavery offences: more of them reported counts as success.\n"
    )


def indicators_note(ch: Chapter) -> str:
    """Where the indicators come from, plainly labelled when they are demonstration values."""
    if ch.params.indicators_path:
        return f"Supplementary indicators: {md_text(Path(ch.params.indicators_path).name)}.\n"
    return (
        ":::{admonition} Demonstration indicators\n:class: warning\n\n"
        "The supplementary indicators on this page (youth justice, reoffending, hospital admissions, "
        "the residents' survey, fly-tipping, referrals, modern slavery cases) are **demonstration "
        "values**, except those whose source names a published figure (first-time entrants "
        "2019/20 to 2021/22; the 2024 crime survey's shares). A partnership's own figures "
        "replace them when it builds the publication with them (for analysts: "
        "`--indicators FILE`).\n:::\n"
    )


def peers_section(ch: Chapter) -> str:
    """The area's headline rates beside the force's other local authorities, as funnel plots
    (only when police.uk force files are given with ``--peers``)."""
    from csa_stats.analysis import peers
    from csa_stats.presentation import charts

    records, populations = ch.edition.peers, ch.edition.peer_population
    if records is None or populations is None:
        return (
            f"No comparison with the other areas of {ch.area.name}'s police force in this edition: "
            "it needs police.uk's files for the whole force (for analysts: "
            "`--peers FOLDER --lookups ONS_LOOKUPS`).\n"
        )
    chosen = peers.peer_measures(records)
    counts = peers.lad_counts(records, ch.params.period, chosen, ch.area)
    counts = counts[counts.index.isin(populations.index)]
    names = populations["lad_name"]
    p = ch.params.period
    proxies = [c.measure.label.lower() for c in chosen if c.is_proxy]
    through = (
        f" Where police.uk cannot give a measure, it is followed through its proxy: {', '.join(proxies)}."
        if proxies
        else ""
    )
    blocks = [
        ":::{admonition} An illustrative comparison\n:class: note\n\n"
        f"{ch.area.name} beside the other local authorities of its police force, {p.label}, from "
        "police.uk records, counted by the same definitions as the rest of this publication "
        "(`data/reference/measures.yml`). This is not the Home Office's most similar group "
        "comparison: these authorities differ in ways the plot does not adjust for (size of city "
        f"centre, students, visitors). Populations: {md_text(populations['source'].iloc[0])}. "
        "Records whose LSOA the lookups do not place: "
        f"{fmt_count(ch.edition.manifest.peers_unplaced)} (left out).{through}\n:::\n"
    ]
    for peer in chosen:
        key, label = peer.key, peer.measure.label
        table, curve = peers.funnel(
            counts[key].rename(index=names), populations["population"].rename(index=names)
        )
        area_row = table.loc[ch.area.name] if ch.area.name in table.index else None
        if area_row is None:
            continue
        where = {
            "above": "above the force-wide rate by more than chance",
            "below": "below the force-wide rate by more than chance",
            "within": "within the range chance allows around the force-wide rate",
        }[str(area_row["outside"])]
        title = {
            "above": f"{label}: {ch.area.name}'s rate is above the force-wide rate, beyond chance",
            "below": f"{label}: {ch.area.name}'s rate is below the force-wide rate, beyond chance",
            "within": f"{label}: {ch.area.name}'s rate is within the range chance allows",
        }[str(area_row["outside"])]
        fig = charts.funnel_chart(table, curve, ch.area.name, title, "Per 1,000 residents")
        alt = (
            f"Funnel plot of {label.lower()} per 1,000 residents against population for "
            f"{len(table)} local authorities, {p.label}: "
            + "; ".join(f"{n} {r['rate']:,.1f}" for n, r in table.iterrows())
            + f". The force-wide rate is {area_row['pooled_rate']:,.1f}; {ch.area.name} is {where}."
        )
        data = table.round(3)
        data.index.name = "local_authority"
        blocks.append(
            charts.publish_figure(
                fig,
                f"peers-{key.replace('_', '-')}",
                data,
                alt,
                f"{label} per 1,000 residents by local authority, {p.label}, with 95% and 99.8% "
                "control limits around the force-wide rate.",
                ch.out_dir,
            )
        )
    return "\n".join(blocks)
