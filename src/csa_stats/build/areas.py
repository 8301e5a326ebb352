"""Every area of a force from one read: one site per local authority, and an index page.

``csa-stats build --source police-uk --data FILES --area all`` (or a list, ``--area
Birmingham,Coventry``) reads the files once for all the areas
(:func:`csa_stats.sources.policeuk.ingest_force_areas`: every local authority the files cover;
:func:`~csa_stats.sources.policeuk.ingest_areas` for a list), which leaves each area's table in
the police.uk cache as if it had been read alone; then it builds each area's site with the one
build (:func:`csa_stats.build.pipeline.build`), whose edition finds its table there, into
``OUTPUT/<area>/``; and writes ``OUTPUT/index.html``, which links them and sets the areas side by
side: each one's recorded crime and ASB, and their rates per 1,000 residents on a funnel plot
where the local authorities' populations are known.

Where one machine is not enough, a workflow engine fans the areas out instead: the Snakemake
workflow beside this module (``areas.smk``) runs one job per area, each the same ``csa-stats
build --area AREA`` in a build folder of its own, and this module's index page last.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csa_stats import __version__, paths
from csa_stats.build.execute import KernelPool
from csa_stats.build.pipeline import BuildResult, build
from csa_stats.build.publish import check_output_folder
from csa_stats.edition import Edition, prepare_edition
from csa_stats.errors import ParameterError
from csa_stats.files import write_text
from csa_stats.params import ALL_AREAS, RunParameters
from csa_stats.presentation.downloads import write_csv
from csa_stats.reference.geography import resolve_area
from csa_stats.sources.inputs import read_deadline
from csa_stats.sources.population import read_lad_population
from csa_stats.sources.registry import lookup_folders


@dataclass(frozen=True)
class AreasResult:
    """The sites built, by area key, and the index page."""

    sites: dict[str, BuildResult]
    index: Path
    reads: int  # times the police.uk files were read


def plan_areas(data: Path, which: str = ALL_AREAS) -> list[str]:
    """The keys of the areas a build of ``which`` makes from the police.uk files ``data``: for
    ``all``, every local authority the files' LSOAs cover (reading that one column, not the
    records); else the list's. For a workflow to plan its jobs."""
    from csa_stats.reference.geography import areas_of_force
    from csa_stats.sources.ons_lookups import lsoa_codes_by_month
    from csa_stats.sources.policeuk import find_files

    if which != ALL_AREAS:
        return [resolve_area(text).key for text in which.split(",") if text]
    codes = {c for month in lsoa_codes_by_month(find_files(data)).values() for c in month}
    return [area.key for area in areas_of_force(codes)]


def read_areas_once(params: RunParameters, which: str, write_cache: bool = True) -> list[str]:
    """Read the police.uk files once for the areas named (``all``: every local authority they
    cover), leaving each area's table in the police.uk cache; return the areas' LAD codes.

    Raises
    ------
    ParameterError
        If the source is not police.uk (only its files hold several areas), or an area is unknown.
    """
    from csa_stats.sources import policeuk

    if params.source != "police-uk":
        raise ParameterError(
            f"parameter area: {which!r}: several areas come from police.uk files "
            "(--source police-uk --data FILES); the other sources hold one area"
        )
    data, folders = Path(params.data_path), lookup_folders(params)
    with read_deadline(params.data_path):
        if which == ALL_AREAS:
            found = policeuk.ingest_force_areas(
                data, folders, paths.policeuk_cache_dir(), write_cache, remember=True
            )
            areas = [resolve_area(key) for key in found]
        else:
            areas = [resolve_area(text) for text in which.split(",") if text]
            policeuk.ingest_areas(
                data, areas, folders, paths.policeuk_cache_dir(), write_cache, remember=True
            )
    if not areas:
        raise ParameterError(f"parameter area: {params.data_path}: the files cover no area")
    return [a.lad_code for a in areas]


def build_areas(
    params: RunParameters,
    which: str,
    output: Path | None = None,
    progress: bool = True,
    today: dt.date | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> AreasResult:
    """Build a site for each area named (see the module's description) into ``output`` (default
    ``_build/areas``), from one read of the files, and the index page that links them."""
    from csa_stats.sources import policeuk

    output = output or paths.build_dir() / "areas"
    check_output_folder(output, paths.build_dir())
    before = policeuk.READS
    codes = read_areas_once(params, which)
    sites = {}
    try:
        sites = _build_each(params, codes, output, progress, today, jobs, force)
    finally:
        policeuk.forget()
    index = write_index(params, codes, output, today)
    return AreasResult(sites, index, policeuk.READS - before)


def _build_each(
    params: RunParameters,
    codes: list[str],
    output: Path,
    progress: bool,
    today: dt.date | None,
    jobs: int | None,
    force: bool,
) -> dict[str, BuildResult]:
    sites = {}
    # One set of kernels for every area: each starts and imports the chapters' libraries once.
    with KernelPool() as kernels:
        for code in codes:
            area = resolve_area(code)
            area_params = params.model_copy(update={"area": code})
            sites[area.key] = build(
                area_params,
                site_dir=output / area.key,
                chapters_dir=paths.build_dir() / "chapters-by-area" / area.key,
                progress=progress,
                today=today,
                jobs=jobs,
                force=force,
                kernels=kernels,
            )
    return sites


def _editions(params: RunParameters, codes: list[str]) -> list[Edition]:
    return [prepare_edition(params.model_copy(update={"area": code})) for code in codes]


def area_table(editions: list[Edition]) -> pd.DataFrame:
    """Each area's period, recorded crime and ASB against the comparison period."""
    from csa_stats.analysis.measures import asb, crimes, period_change  # scipy: only for the index

    rows = []
    for edition in editions:
        p = edition.params
        crime = period_change(crimes(edition.incidents), p)
        reports = period_change(asb(edition.incidents), p)
        rows.append(
            {
                "area": edition.area.name,
                "lad_code": edition.area.lad_code,
                "site": f"{edition.area.key}/index.html",
                "period": p.period.label,
                "recorded_crime": crime.current,
                "recorded_crime_before": crime.previous,
                "asb": reports.current,
                "asb_before": reports.previous,
            }
        )
    return pd.DataFrame(rows)


def write_index(
    params: RunParameters, codes: list[str], output: Path, today: dt.date | None = None
) -> Path:
    """The index page of a force's sites (``OUTPUT/index.html``), written whole, with its table as
    CSV and, where every area's population is known, a funnel plot of recorded crime per 1,000
    residents (SVG, with its data)."""
    editions = _editions(params, codes)
    table = area_table(editions)
    built = today or dt.date.today()
    populations = read_lad_population(
        Path(params.peer_population_path)
        if params.peer_population_path
        else paths.reference_file(paths.PEER_POPULATION)
    )
    output.mkdir(parents=True, exist_ok=True)
    # each file written whole (the sites beside it are each published whole by their builds)
    write_csv(table, output / "areas.csv", index=False)
    funnel = _funnel(table, populations, output)
    write_text(output / "index.html", _page(editions, table, funnel, populations, built))
    write_text(
        output / paths.SITE_MARKER,
        json.dumps({"index": sorted(codes), "version": __version__}, indent=1),
    )
    return output / "index.html"


#: What the index's funnel plot shows, and the files it is written to (its data beside, as CSV).
FUNNEL_SUBJECT = "Recorded crime per 1,000 residents"
#: The rate the index's funnel is drawn around: the areas built, which need not be the whole force.
POOLED = "the areas' overall rate"
FUNNEL_FILE, FUNNEL_PHONE_FILE = "funnel.svg", "funnel-phone.svg"


def _funnel(
    table: pd.DataFrame, populations: pd.DataFrame, out: Path
) -> tuple[pd.DataFrame, str] | None:
    """The funnel plot of recorded crime per 1,000 residents (:data:`FUNNEL_FILE`), when every
    area's population is known, its title the finding; its table
    (:func:`csa_stats.analysis.peers.funnel`) and that finding, or ``None``."""
    # drawing's libraries imported here: a build of one area (csa-stats build) never needs them
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from csa_stats.analysis import peers
    from csa_stats.presentation import charts, narrative

    known = table[table["lad_code"].isin(populations.index)]
    if len(known) < 2 or len(known) < len(table):
        return None
    counts = known.set_index("area")["recorded_crime"]
    population = populations.loc[known["lad_code"], "population"].set_axis(counts.index)
    rates, curve = peers.funnel(counts, population)
    finding = narrative.funnel_finding(rates["outside"].to_dict(), FUNNEL_SUBJECT, POOLED)
    subtitle = (
        "Each area's rate against its population, with the 95% and 99.8% control limits around "
        f"{POOLED}"
    )
    fig = charts.funnel_chart(
        rates, curve, "", finding, "Per 1,000 residents", pooled_label="These areas' overall rate"
    )
    phone = charts.phone_version(fig, finding, subtitle)  # shown instead on a narrow screen
    phone.axes[0].xaxis.set_major_locator(MaxNLocator(4))  # populations' labels are wide
    charts.save_svg(phone, out / FUNNEL_PHONE_FILE)
    charts.add_subtitle(fig, subtitle)
    charts.save_svg(fig, out / FUNNEL_FILE)
    plt.close(fig)
    plt.close(phone)
    write_csv(rates.round(3).rename_axis("area"), out / "funnel.csv")
    return rates, finding


def _page(
    editions: list[Edition],
    table: pd.DataFrame,
    funnel: tuple[pd.DataFrame, str] | None,
    populations: pd.DataFrame,
    built: dt.date,
) -> str:
    """The index page: plain, accessible HTML (a heading, a captioned table with a header row
    and scoped headers, the figure with its alt text and data)."""
    e = html.escape
    first = editions[0]
    p, c = first.params.period, first.params.comparison
    demo = any(ed.demo_populations for ed in editions)
    rows = "\n".join(
        "<tr>"
        f'<th scope="row"><a href="{e(r.site)}">{e(r.area)}</a></th>'
        f"<td>{r.recorded_crime:,}</td><td>{r.recorded_crime_before:,}</td>"
        f"<td>{r.asb:,}</td><td>{r.asb_before:,}</td>"
        "</tr>"
        for r in table.itertuples()
    )
    if funnel is not None:
        rates, finding = funnel
        alt = (
            "Funnel plot of recorded crime per 1,000 residents against population for "
            f"{len(rates)} local authorities, {p.label}, with 95% and 99.8% control limits "
            f"around {POOLED}: "
            + "; ".join(f"{name} {row['rate']:,.1f}" for name, row in rates.iterrows())
            + f". The areas' overall rate is {rates['pooled_rate'].iloc[0]:,.1f}. {finding}."
        )
        source = e(str(populations["source"].iloc[0]))
        comparison = (
            f'<figure><picture><source media="(max-width: 599.98px)" srcset="{FUNNEL_PHONE_FILE}">'
            f'<img src="{FUNNEL_FILE}" alt="{e(alt)}" width="100%"></picture>'
            f"<figcaption>Recorded crime per 1,000 residents, {e(p.label)}. Populations: "
            f'{source}. <a href="funnel.csv">The plot\'s data (CSV)</a>. An illustrative '
            "comparison: these authorities differ in ways the plot does not adjust for."
            "</figcaption></figure>"
        )
    else:
        comparison = (
            "<p>No funnel plot: the local authorities' populations are not all known "
            "(<code>--peer-population FILE</code> gives them).</p>"
        )
    notice = (
        "<p><strong>Rates on each area's site use demonstration ward populations where none were "
        "fetched</strong> (<code>csa-stats fetch --populations --area AREA</code>).</p>"
        if demo
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crime and ASB strategic assessments: {len(table)} areas, {e(p.label)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1a1a; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; }}
.scroll {{ overflow-x: auto; }}
.scroll caption {{ position: sticky; left: 0; text-align: left; max-width: calc(100vw - 2rem); }}
@media (max-width: 599.98px) {{
  .scroll::before {{ content: "Scroll the table sideways to see all its columns \\2192";
    display: block; position: sticky; left: 0; font-size: 0.8rem; padding-bottom: 0.3rem; }}
}}
.scroll:focus {{ outline: 3px solid #1a1a1a; outline-offset: 2px; }}
th, td {{ border-bottom: 1px solid #767676; padding: 0.4rem; text-align: right; }}
th[scope="row"], thead th:first-child {{ text-align: left; }}
a {{ color: #0b4f8a; }}
a:focus {{ outline: 3px solid #1a1a1a; outline-offset: 2px; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 1rem 0; }}
</style>
</head>
<body>
<main>
<h1>Crime and ASB strategic assessments: {len(table)} areas</h1>
<p>One site for each local authority in the police.uk files, {e(p.span)} against {e(c.span)},
built {built:%d %B %Y} with csa-stats {__version__}. Data: police.uk street-level records
(crime and anti-social behaviour as recorded by the police).</p>
{notice}
<div class="scroll" role="region" aria-labelledby="areas-caption" tabindex="0">
<table>
<caption id="areas-caption">Recorded crime and ASB reports by area, {e(p.label)} against {e(c.label)}.
<a href="areas.csv">The table as CSV</a>.</caption>
<thead><tr><th scope="col">Area</th><th scope="col">Recorded crime, {e(p.label)}</th>
<th scope="col">Recorded crime, {e(c.label)}</th><th scope="col">ASB reports, {e(p.label)}</th>
<th scope="col">ASB reports, {e(c.label)}</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
<h2>The areas side by side</h2>
{comparison}
</main>
</body>
</html>
"""
