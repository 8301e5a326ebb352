"""Every area of a force: found and read from one read of its files, checked area by area, built
one site each by a Snakemake workflow (one job per area, each the same command), with an index.
The sites' counts are checked against an independent count of the files (the csv module)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from csa_stats import paths
from csa_stats.cli import main
from csa_stats.reference.geography import LSOA11_FILE, TABLE_FILE, resolve_area
from csa_stats.sources.force_sample import WEST_MIDLANDS, write_force_months

from .independent_count import count, read_places
from .test_site_browser import browser  # noqa: F401 (a fixture)

#: Three years of a force's files; the period is the last twelve months, the baseline 2023.
MONTHS = [str(p) for p in pd.period_range("2022-04", "2025-03", freq="M")]
PERIOD = MONTHS[-12:]
ARGS = ["--baseline-year", "2023"]
WORKFLOW = Path(__file__).resolve().parents[1] / "src" / "csa_stats" / "build" / "areas.smk"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("force") / "west midlands files"  # a space in the path
    write_force_months(folder, MONTHS, rows_per_month=1500, seed=29)
    return folder


@pytest.fixture(scope="module")
def period_counts(files: Path, tmp_path_factory: pytest.TempPathFactory):
    """Crimes and ASB reports of each authority in the period, counted by the csv module."""
    period = tmp_path_factory.mktemp("period")
    for month in PERIOD:
        shutil.copytree(files / month, period / month)
    geo = paths.geography_dir()
    places = read_places(geo / TABLE_FILE, [geo / LSOA11_FILE])
    return count(period, places, list(WEST_MIDLANDS)).areas


def test_checking_every_area_reads_the_files_once_and_names_each_area(
    files: Path, monkeypatch
) -> None:
    from csa_stats.sources import policeuk

    before = policeuk.READS
    result = CliRunner().invoke(
        main, ["check", "--source", "police-uk", "--data", str(files), "--area", "all", *ARGS]
    )
    assert result.exit_code == 0, result.output
    assert before + 1 == policeuk.READS
    found = re.findall(r"^OK: ([^:]+): ([\d,]+) incidents", result.output, re.M)
    assert [name for name, _ in found] == [resolve_area(lad).name for lad in WEST_MIDLANDS]


def test_several_areas_need_police_uk_files() -> None:
    result = CliRunner().invoke(main, ["check", "--area", "Coventry,Solihull"])
    assert result.exit_code == 2
    assert "parameter area: 'Coventry,Solihull': several areas come from police.uk files" in (
        result.stderr
    )


def _snakemake(
    files: Path, output: Path, *extra: str, config: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    snakemake = Path(sys.executable).with_name("snakemake")
    command = [
        str(snakemake),
        "-s",
        str(WORKFLOW),
        "--cores",
        "2",
        "--config",
        f"data={files}",
        f"output={output}",
        f"args={' '.join(ARGS)}",
        f"csa_stats={Path(sys.executable).with_name('csa-stats')}",
        *config,
        *extra,
    ]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(
        command, cwd=paths.project_root(), capture_output=True, text=True, env=env, check=False
    )


def test_the_workflows_dry_run_plans_one_job_for_every_area_of_the_force(
    files: Path, tmp_path: Path
) -> None:
    done = _snakemake(files, tmp_path / "sites", "--dry-run", "--quiet", "rules")
    assert done.returncode == 0, done.stderr
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", done.stdout + done.stderr, re.M))
    assert jobs["area"] == str(len(WEST_MIDLANDS)) and jobs["index"] == "1", done.stdout
    assert not (tmp_path / "sites").exists()


@pytest.fixture(scope="module")
def two_sites(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Solihull's and Wolverhampton's sites and their index, built by the workflow."""
    sites = tmp_path_factory.mktemp("two") / "sites"
    done = _snakemake(files, sites, config=("areas=Solihull,Wolverhampton",))
    assert done.returncode == 0, done.stderr[-3000:]
    return sites


@pytest.mark.build
def test_the_workflow_builds_two_areas_whose_sites_count_what_the_files_hold(
    two_sites: Path, period_counts
) -> None:
    sites = two_sites
    index = (sites / "index.html").read_text()
    for name, lad in (("Solihull", "E08000029"), ("Wolverhampton", "E08000031")):
        key = resolve_area(lad).key
        assert f'href="{key}/index.html"' in index and name in index
        front = (sites / key / "book" / "intro.html").read_text()
        # the front page and the site's title name the area built, not the project's own
        assert f"<h1>Crime and anti-social behaviour in {name}: the strategic assessment" in front
        assert f"<title>Crime and anti-social behaviour in {name}" in front
        assert f"{name} crime and ASB strategic assessment</title>" in front
        assert "serious violence in Coventry" not in front
        # built against 2023 (ARGS), and the front page says that is not the plan's own baseline
        # (the theme sets apostrophes as typographic ones)
        text = " ".join(re.sub(r"<[^>]+>", " ", front).replace("\u2019", "'").split())
        assert (
            f"less serious violence in {name} than there was in 2023 (set for this edition: the "
            "plan's own is 2020)" in text
        )
        assert "Coventry Community Safety Partnership (csa-stats)" not in front  # the author
        page = (sites / key / "book" / "chapters" / "key_findings.html").read_text()
        expected = period_counts[lad]
        # "In the 12 months from April 2024 to March 2025, police recorded N crimes in NAME."
        assert f"police recorded {expected.crimes:,} crimes in {name}" in page
        headline = pd.read_csv(
            sites / key / "_downloads" / _download(sites / key, "headline.csv")
        ).set_index("measure")
        assert headline.loc["Total recorded crime", "current"] == expected.crimes
        assert headline.loc["Anti-social behaviour", "current"] == expected.asb
    table = pd.read_csv(sites / "areas.csv").set_index("lad_code")
    assert table.loc["E08000029", "recorded_crime"] == period_counts["E08000029"].crimes
    assert table.loc["E08000031", "asb"] == period_counts["E08000031"].asb
    # the funnel plot's alt text gives each area's rate, per 1,000 of its Census 2021 population
    population = pd.read_csv(paths.reference_file(paths.PEER_POPULATION)).set_index("lad_code")
    alt = re.search(r'<img src="funnel.svg" alt="([^"]*)"', index)
    assert alt, "no funnel plot on the index"
    for name, lad in (("Solihull", "E08000029"), ("Wolverhampton", "E08000031")):
        rate = 1000 * period_counts[lad].crimes / population.loc[lad, "population"]
        assert f"{name} {rate:,.1f}" in alt[1]
    # and ends with the finding its title states (the words are tested in test_narrative)
    assert alt[1].endswith(("by more than chance.", "within the range chance allows."))
    # two areas are not the force: their pooled rate is called theirs, never "force-wide"
    said = html.unescape(alt[1])
    assert "The areas' overall rate is " in said and "force-wide" not in said
    svg = (sites / "funnel.svg").read_text()
    assert "<text" in svg and "Recorded crime per 1,000 residents:" in svg  # text kept as text


def _download(site: Path, name: str) -> str:
    """The path of a download under the site's ``_downloads`` (Sphinx puts each in a folder)."""
    found = sorted((site / "_downloads").rglob(name))
    assert found, name
    return str(found[0].relative_to(site / "_downloads"))


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_index_of_the_areas_passes_the_accessibility_engine_and_fits_a_phone(
    two_sites: Path,
    browser,  # noqa: F811 (a fixture)
    viewport: tuple[int, int],
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto((two_sites / "index.html").as_uri())
    found = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']})" for v in found if v["impact"] in {"serious", "critical"}
    ]
    # the page never scrolls sideways: the table scrolls in its own region
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    # the phone is shown the phone layout of the funnel plot
    shown = page.evaluate("document.querySelector('figure img').currentSrc")
    hint = page.evaluate("getComputedStyle(document.querySelector('.scroll'), '::before').content")
    context.close()
    assert not serious, serious
    assert overflow <= 0
    assert shown.endswith("funnel-phone.svg" if width < 600 else "/funnel.svg")
    # a phone is told that the table scrolls sideways (the desktop's table fits)
    assert ("Scroll the table sideways" in hint) == (width < 600), hint
