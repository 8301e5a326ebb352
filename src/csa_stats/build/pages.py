"""The pages a build generates beside the chapters: what the edition is (on the front page and
every page's footer), what the data hold (on the data page), and the front page's
serious-violence box, taken from what the serious-violence chapter wrote."""

from __future__ import annotations

import datetime as dt
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import yaml

from csa_stats import __version__, paths
from csa_stats.edition import Edition
from csa_stats.files import write_text
from csa_stats.presentation.downloads import write_csv
from csa_stats.presentation.text import md_text, one_line


def build_info(edition: Edition, built: dt.date) -> str:
    """The Markdown block that states what a build is: area, period, data, version and date."""
    p, c = edition.params.period, edition.params.comparison
    return (
        ":::{admonition} About this edition\n:class: tip\n\n"
        f"- **Area:** {edition.area.name}\n"
        f"- **Period:** {p.span} ({p.label}), compared with {c.span} ({c.label})\n"
        # the source's name may quote a file name, which is the user's: text, never markup
        f"- **Data:** {md_text(edition.source_label())}\n"
        f"- **Built:** {built:%d %B %Y} with csa-stats {__version__}\n:::\n"
    )


def data_statement(incidents: pd.DataFrame, findings: list[str] | tuple[str, ...]) -> str:
    """The Markdown block that says what records this edition holds: how many, which months, the
    months with none, the records with no ward, and what reading the source found."""
    months = pd.PeriodIndex(incidents["month"], freq="M")
    first, last = months.min(), months.max()
    present = set(months.unique())
    gaps = [f"{m:%B %Y}" for m in pd.period_range(first, last, freq="M") if m not in present]
    crimes = int(incidents["is_crime"].sum())
    asb = len(incidents) - crimes
    no_ward = int(incidents["ward_code"].isna().sum())
    lines = [
        f"- **Records:** {len(incidents):,} ({crimes:,} crime{'s' * (crimes != 1)} and {asb:,} "
        f"ASB report{'s' * (asb != 1)}), {first:%B %Y} to {last:%B %Y}",
        f"- **Months with no records:** {', '.join(gaps) or 'none'}",
        f"- **Records with no ward:** {no_ward:,}"
        + (" (counted in the area's totals, in no ward's figures)" if no_ward else ""),
    ]
    if findings:
        lines += ["", "Reading the police.uk files found:", ""]
        # The findings quote the files (an unknown crime type, say): text, never markup.
        lines += [f"- {md_text(line[0].upper() + line[1:])}" for line in findings]
    return "\n".join(lines) + "\n"


def _why_they_differ(edition: Edition, reasons: str) -> str:
    """The known reasons a real edition differs from a published figure; for the demonstration
    data, which are made to agree with it, that they are calibrated to it."""
    if edition.is_demo:
        return "The demonstration data are made to agree with this figure"
    return str(reasons)


def reconciliation(edition: Edition, csv_name: str) -> tuple[str, pd.DataFrame]:
    """The edition's totals beside the published figures the project holds for its area and
    period (:func:`csa_stats.analysis.reconcile.reconcile`): a table in Markdown, with a link to
    ``csv_name``, and the table; or the sentence that says there is nothing to reconcile."""
    from csa_stats.analysis.reconcile import monthly_totals, reconcile

    p = edition.params
    found = reconcile(
        monthly_totals(edition.incidents), edition.area, str(p.period_end), p.period_months
    )
    if found.message:
        return md_text(found.message) + "\n", found.table
    rows = [
        "| Figure | Period | Published | This edition | Difference | Why they differ |",
        "|---|---|--:|--:|--:|---|",
    ]
    for (_, r), (published, ours, difference) in zip(
        found.table.iterrows(), found.figures(), strict=True
    ):
        cells = [
            f"{r['label']} ({r['note']})" if r["note"] else str(r["label"]),
            str(r["period"]),
            published,
            "not in this edition" if ours is None else ours,
            difference or "",
            f"{_why_they_differ(edition, r['reasons'])}. Source: {r['source']}",
        ]
        rows.append("| " + " | ".join(md_text(c) for c in cells) + " |")
    if edition.is_demo:
        intro = (
            "This edition's figures are synthetic: the demonstration data are made to agree with "
            "these published figures (the generator is calibrated to them), so the table shows "
            "that calibration, not a comparison of two sources. "
            f"{{download}}`The table as CSV <_generated/{csv_name}>`."
        )
        return intro + "\n\n" + "\n".join(rows) + "\n", found.table
    intro = (
        f"The edition's own figures for {md_text(edition.area.name)} beside the published figures "
        "the project holds for the same period (`data/reference/published_figures.csv`). They are "
        "on other bases, so they are not expected to agree exactly; the last column says why they "
        f"differ. {{download}}`The table as CSV <_generated/{csv_name}>`."
    )
    return intro + "\n\n" + "\n".join(rows) + "\n", found.table


#: The substitutions a hand-written page may use that come from the edition, not the configuration.
EDITION_SUBSTITUTIONS = ("area", "goal_year", "baseline_year", "baseline_note")


def edition_substitutions(edition: Edition) -> dict[str, str]:
    """The edition's own figures for the hand-written pages (:data:`EDITION_SUBSTITUTIONS`): the
    area's name, the serious-violence goal's years and, where the baseline is not the plan's
    own, a note that says so."""
    p = edition.params
    plans = type(p).model_fields["baseline_year"].default  # the plan's own, the parameter's default
    return {
        "area": edition.area.name,
        "goal_year": str(p.goal_year),
        "baseline_year": str(p.baseline_year),
        "baseline_note": (
            ""
            if p.baseline_year == plans
            else f" (set for this edition: the plan's own is {plans})"
        ),
    }


def write_config(staging: Path, edition: Edition, built: dt.date) -> None:
    """Add the build's title, notice and footer to the staged ``_config.yml``, and the edition's
    own substitutions (:data:`EDITION_SUBSTITUTIONS`) for the hand-written pages."""
    config_path = staging / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["title"] = f"{edition.area.name} crime and ASB strategic assessment"
    # the partnership the area's entry names, never another area's
    partnership = edition.area.partnership
    config["author"] = f"{partnership} (csa-stats)" if partnership else "csa-stats"
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["myst_substitutions"] = {
        **(sphinx.get("myst_substitutions") or {}),
        **edition_substitutions(edition),
    }
    html = config.setdefault("html", {})
    if edition.is_demo:
        html["announcement"] = (
            "Demonstration data: the figures on this site are synthetic, not Coventry's statistics."
        )
    # Every page says what it is: area, period, data source, code version and build date.
    source = html_escape(one_line(edition.source_label()))
    html["extra_footer"] = (
        f'<p class="csa-edition">{edition.area.name}, {edition.params.period.span}. '
        f"Data: {source}. Built {built:%d %B %Y} with csa-stats {__version__}.</p>"
    )
    write_text(config_path, yaml.safe_dump(config, sort_keys=False))


def write_generated(generated: Path, edition: Edition, executed: Path, built: dt.date) -> None:
    """Write the generated pages the hand-written ones include: the edition's details, what the
    data hold, its figures beside the published ones, the methodology's calibration tables as CSV,
    and the front page's serious-violence box (as its chapter wrote it; empty when the chapter
    wrote none)."""
    generated.mkdir(parents=True, exist_ok=True)
    write_text(generated / "build_info.md", build_info(edition, built))
    write_text(generated / "data_quality.md", data_statement(edition.incidents, edition.findings))
    text, table = reconciliation(edition, "reconciliation.csv")
    write_text(generated / "reconciliation.md", text)
    write_csv(table, generated / "reconciliation.csv", index=False)
    from csa_stats.presentation import methodology

    tables = methodology.calibration_downloads(methodology.calibration_results())
    for key, name in methodology.DOWNLOADS.items():
        write_csv(tables[key], generated / name, index=False)
    box = executed / paths.FRONT_PAGE_BOX
    write_text(
        generated / "serious_violence.md", box.read_text(encoding="utf-8") if box.is_file() else ""
    )
