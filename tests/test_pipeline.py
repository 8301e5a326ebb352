"""The whole build: notebooks run, the book builds without warnings, the site's pages are written.

Builds into temporary folders so the project's own site and notebooks are not touched.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from csa_stats.build.pipeline import BuildError, build
from csa_stats.params import parse_parameters
from csa_stats.sources.demo import read_demo

pytestmark = pytest.mark.build


def test_the_build_writes_the_sites_pages(site) -> None:
    html, _ = site
    for page in (
        "index.html",
        "book/chapters/key_findings.html",
        "book/methodology.html",
        "book/how_to_read.html",
        "book/data_and_caveats.html",
        "book/glossary.html",
        "book/revisions.html",
        "search.html",
    ):
        assert (html / page).is_file(), page


def test_no_page_shows_a_python_object_in_place_of_its_content(site) -> None:
    """An empty Markdown display falls back to its repr ("<IPython.core.display.Markdown
    object>"), which the site once showed under a heading."""
    html, _ = site
    for page in (html / "book").rglob("*.html"):
        text = page.read_text()
        assert "IPython.core.display" not in text, page.name
        assert not re.search(r"&lt;[\w.]+ object at 0x[0-9a-f]+&gt;", text), page.name


def test_the_key_findings_page_shows_the_periods_figures_under_the_demo_notice(site) -> None:
    html, _ = site
    page = (html / "book/chapters/key_findings.html").read_text()
    assert "Demonstration data" in page
    # 2023/24 against 2022/23: the demo reproduces the published totals 38,509 and 42,867
    assert "police recorded 38,509 crimes in Coventry" in page
    assert "from 42,867 to 38,509 offences" in page
    assert "April 2023 to March 2024" in page


# chapter page -> (charts, tables) expected on it, counted from the chapters and measures.yml:
# key findings: trend, top offences, ward rates / headline, offences, wards tables;
# offending: trend / measures, shares and 4 victim tables; public places: trend, ASB hotspots /
# measures, shares, hotspots; exploitation: trend, domestic abuse hotspots / measures, shares, 2 victim
# tables, hate by strand, hotspots; wards: counts, rates, changes.
CHAPTERS = {
    # the plan on a page: a CSV of measures for each of the three priorities
    "plan_on_a_page": (0, 3),
    # key findings: trend, top offences, the wards' chart and map / headline, offences, wards
    "key_findings": (4, 3),
    # serious violence: a projection per series (3) / status, and per series its projection,
    # baselines and annual tables (1 + 3 x 3)
    "serious_violence": (3, 10),
    # each priority: the measures at a glance and in detail; its headline's trend and its
    # process-control (XmR) chart; a hotspot measure's ward chart and map
    "priority_offending": (2, 7),
    "priority_public_places": (4, 4),
    "priority_exploitation": (4, 7),
    # wards: the map of recorded crime / counts, rates, changes
    "wards": (1, 3),
}


@pytest.mark.parametrize(("chapter", "expected"), CHAPTERS.items())
def test_every_figure_has_alt_text_and_every_download_parses(site, chapter, expected) -> None:
    html, _ = site
    page = (html / f"book/chapters/{chapter}.html").read_text()
    every_image = re.findall(r"<img [^>]*>", page)
    images = [i for i in every_image if "csa-chart-phone" not in i]  # a chart's phone layout
    links = re.findall(r'href="([^"]+\.csv)"', page)
    assert (len(images), len(links) - len(images)) == expected
    # each chart and map is drawn for a phone too, with the same alt text
    charts = [i for i in images if "csa-chart-wide" in i]
    phones = [i for i in every_image if "csa-chart-phone" in i]
    assert len(phones) == len(charts) == len(images)
    assert sorted(re.findall(r'alt="[^"]*"', " ".join(phones))) == sorted(
        re.findall(r'alt="[^"]*"', " ".join(charts))
    )
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and len(alt.group(1)) > 40, image
    for link in links:
        path = (html / "book/chapters" / link).resolve()
        table = pd.read_csv(path)
        assert len(table) > 0
        if "ward" in link:
            assert len(table) == 18, link
        # every column has a heading (a spreadsheet shows none for an unnamed index), and no
        # count is written as a decimal ("761.0")
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert all(heading and not heading.startswith("Unnamed") for heading in text.columns), link
        assert not text.stack().str.fullmatch(r"-?\d+\.0").any(), link
    assert "Demonstration data" in page


def test_the_notebooks_built_for_another_period_pass_nbval(site) -> None:
    """The 2024-03 build re-executes to exactly the same outputs (strict nbval)."""
    import subprocess
    import sys

    _, chapters = site
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--nbval",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--rootdir",
            str(chapters),
            str(chapters),
        ],
        capture_output=True,
        text=True,
        cwd=chapters,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]


def test_every_page_carries_the_banner_and_the_build_details(site) -> None:
    html, _ = site
    for page in (html / "book/intro.html", html / "book/methodology.html"):
        text = page.read_text()
        assert "Demonstration data: the figures on this site are synthetic" in text
        assert "Built 31 January 2026 with csa-stats" in text


def test_the_executed_notebook_keeps_its_outputs_and_hides_parameters(site) -> None:
    import nbformat

    _, chapters = site
    nb = nbformat.read(chapters / "key_findings.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata["tags"]
    assert injected[0].id == "injected-parameters"
    # its one parameter: the edition's manifest, which holds the period asked for
    assert re.fullmatch(r'# Parameters\nedition = "[^"]+/manifest\.json"\n', injected[0].source)
    manifest = json.loads(Path(injected[0].source.split('"')[1]).read_text())
    assert manifest["parameters"]["period_end"] == "2024-03"
    assert sum(len(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code") >= 5
    # no run-time metadata: the same inputs give the same committed notebook, on any machine
    assert all("execution" not in c.metadata and "papermill" not in c.metadata for c in nb.cells)
    assert set(nb.metadata.get("papermill", {})) <= {"parameters"}
    assert str(chapters) not in (chapters / "key_findings.ipynb").read_text()


def test_a_failing_notebook_leaves_the_last_good_site(site, tmp_path: Path, monkeypatch) -> None:
    import shutil

    from csa_stats.build import pipeline

    html, _ = site
    before = (html / "book/chapters/key_findings.html").read_text()
    broken = tmp_path / "notebooks"
    shutil.copytree(pipeline.paths.notebooks_dir(), broken)
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    }
    nb.cells = [
        nbformat.v4.new_code_cell("period_end = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken')"),
    ]
    nbformat.write(nb, broken / "key_findings.ipynb")
    monkeypatch.setattr(pipeline.paths, "notebooks_dir", lambda: broken)
    chapters = tmp_path / "chapters"
    with pytest.raises(
        BuildError, match=r"notebook key_findings: cell 2 failed: RuntimeError: deliberately broken"
    ):
        build(
            parse_parameters({"period_end": "2024-03"}),
            site_dir=html,
            chapters_dir=chapters,
            progress=False,
            cache_dir=html.parent / "cache",
        )
    assert (html / "book/chapters/key_findings.html").read_text() == before
    # the failed run left nothing in the cache
    assert not list((html.parent / "cache" / "notebooks").glob(".key_findings-*"))
    assert not chapters.exists()
    shutil.rmtree(tmp_path / "notebooks")


def test_the_site_loads_nothing_from_elsewhere(site) -> None:
    html, _ = site
    for page in html.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r'<script[^>]+src="https?://', text), page
        assert not re.search(r'<link[^>]+href="https?://[^"]+\.css"', text), page


def test_the_front_page_gives_the_serious_violence_status_that_its_chapter_reaches(site) -> None:
    html, _ = site
    front = (html / "book/intro.html").read_text()
    chapter = (html / "book/chapters/serious_violence.html").read_text()
    found = re.search(r"Serious violence toward the 2030 goal: (on track|at risk|off track)", front)
    assert found, "no status on the front page"
    assert f"Status: {found.group(1)}" in chapter
    assert 'href="chapters/serious_violence.html"' in front
    # the verdict's caveats: the lockdown baseline, the other baselines, the status rule
    assert "Lockdowns in spring 2020" in chapter
    assert "Against the other baselines the status would be: 2019:" in chapter
    assert "at least 80%" in chapter and "20% or less" in chapter
    assert "12 months to March 2024" in chapter
    # the year before the baseline in one plain sentence (no brackets inside brackets)
    plain = re.sub(r"<[^>]+>", "", front)
    assert re.search(
        r"Against 2019, the year before the baseline, it would be (on track|at risk|off track): "
        r"it is [a-z ]+ \(about \d+%\) that the 2030 total is below 2019.s\.",
        plain,
    ), plain[plain.find("Against 2019") :][:200]
    assert "((" not in plain


def test_no_single_wards_change_is_called_clear(site) -> None:
    """Per-cell tests across every ward and measure would find clear changes by chance alone: the
    wards chapter gives the changes untested, and says so."""
    html, _ = site
    page = re.sub(r"<[^>]+>", "", (html / "book/chapters/wards.html").read_text())
    assert "change is tested: with every ward and measure in one table" in page
    assert not re.search(r"\d%\*", page) and "more than chance)" not in page


def test_the_site_holds_no_record_level_data_and_no_incident_ids(site) -> None:
    html, _ = site
    record_columns = {"incident_id", "crime_id", "crime id", "lsoa_code", "date", "hour"}
    for path in html.rglob("*"):
        if path.suffix not in {".html", ".csv", ".txt", ".js", ".json", ".ipynb", ".md"}:
            continue
        text = path.read_text(errors="ignore")
        assert not re.search(r"DEMO-\d{7}", text), path  # the demo's incident ids
        if path.suffix == ".csv":
            header = {h.strip().lower() for h in text.splitlines()[0].split(",")}
            assert not header & record_columns, path
            assert len(text.splitlines()) < 1000, path  # tables, not records


def test_a_rebuild_runs_only_what_changed(site, tmp_path: Path, monkeypatch) -> None:
    """Nothing changed: nothing runs and the site is left as it was (its build date too). One
    notebook changed: only it runs, the rest come from the cache, and the site is rebuilt."""
    import shutil

    from csa_stats import paths
    from csa_stats.build import execute, pipeline

    # a copy of the built site, notebooks and cache, so the other tests see the original
    for folder in ("html", "chapters", "cache"):
        shutil.copytree(site[0].parent / folder, tmp_path / folder, symlinks=True)
    html, chapters, cache = tmp_path / "html", tmp_path / "chapters", tmp_path / "cache"
    params = parse_parameters({"period_end": "2024-03"})
    calls: list[str] = []
    real = execute.execute

    def counting(spec, *args, **kwargs):
        calls.append(spec.name)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(execute, "execute", counting)
    stamp = (html / paths.SITE_MARKER).read_text()
    again = build(
        params, html, chapters, progress=False, today=dt.date(2026, 2, 1), cache_dir=cache
    )
    assert again.up_to_date and calls == []
    assert "Built 31 January 2026" in (html / "book/intro.html").read_text()
    assert (html / paths.SITE_MARKER).read_text() == stamp

    edited = tmp_path / "notebooks"
    shutil.copytree(pipeline.paths.notebooks_dir(), edited)
    wards = edited / "wards.ipynb"
    wards.write_text(wards.read_text().replace("# Wards", "# Wards of the city", 1))
    monkeypatch.setattr(pipeline.paths, "notebooks_dir", lambda: edited)
    changed = build(
        params, html, chapters, progress=False, today=dt.date(2026, 2, 1), cache_dir=cache
    )
    assert calls == ["wards"] and changed.executed == ("wards",)
    assert "Wards of the city" in (html / "book/chapters/wards.html").read_text()
    assert "Built 01 February 2026" in (html / "book/intro.html").read_text()


def test_an_unchanged_rebuild_is_known_from_the_digests_alone(site, tmp_path: Path) -> None:
    """A rebuild with nothing changed reads no table and imports no data library (so it costs a
    blink, not a build); the area it reuses is the one the last build resolved, and only while
    the request's key says nothing changed: a changed input, another area or a record whose key
    does not match is never taken as unchanged."""
    import shutil
    import subprocess
    import sys

    from csa_stats import paths
    from csa_stats.build import pipeline

    for folder in ("html", "chapters", "cache"):
        shutil.copytree(site[0].parent / folder, tmp_path / folder, symlinks=True)
    html, chapters, cache = tmp_path / "html", tmp_path / "chapters", tmp_path / "cache"
    script = f"""
import sys
from pathlib import Path
from csa_stats.build.pipeline import build
from csa_stats.params import parse_parameters
result = build(parse_parameters({{"period_end": "2024-03"}}), Path({str(html)!r}),
               Path({str(chapters)!r}), progress=False, cache_dir=Path({str(cache)!r}))
heavy = ["pandas", "numpy", "matplotlib", "statsmodels", "scipy", "geopandas", "nbformat"]
print(result.up_to_date, [m for m in heavy if m in sys.modules])
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["True", "[]"], run.stdout + run.stderr

    params = parse_parameters({"period_end": "2024-03"})
    assert pipeline._unchanged(params, html, chapters, cache) is not None
    # another area, or the same area under another name, is resolved again by a full build
    assert (
        pipeline._unchanged(params.model_copy(update={"area": "E08000026"}), html, chapters, cache)
        is None
    )
    # a record of the area that is not the one its key was made with is not believed
    marker = html / paths.SITE_MARKER
    recorded = json.loads(marker.read_text())
    recorded["request"]["area"]["key"] = "birmingham"
    marker.write_text(json.dumps(recorded))
    assert pipeline._unchanged(params, html, chapters, cache) is None
    # a changed input
    recorded["request"]["area"]["key"] = "coventry"
    marker.write_text(json.dumps(recorded))
    assert pipeline._unchanged(params, html, chapters, cache) is not None
    indicators = tmp_path / "indicators.csv"
    indicators.write_bytes(paths.demo_indicators_path().read_bytes() + b"\n")
    changed = params.model_copy(update={"indicators_path": str(indicators)})
    assert pipeline._unchanged(changed, html, chapters, cache) is None


def _tiny_notebook(path: Path, *sources: str) -> Path:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{number}",
            "metadata": {"tags": ["parameters"]} if number == 0 else {},
            "outputs": [],
            "source": source,
        }
        for number, source in enumerate(["edition = ''", *sources])
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {"kernelspec": kernelspec},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    return path


def test_a_kept_kernel_gives_the_next_chapter_an_empty_namespace_and_its_own_folder(
    tmp_path: Path,
) -> None:
    """Two chapters in one kept kernel: the second sees none of the first's names, writes into
    its own folder, is numbered from 1, and no second kernel is started. A chapter whose cell
    fails is reported and the kernel still serves the next."""
    from csa_stats.build.execute import BuildError, KernelPool, run_or_reuse
    from csa_stats.chapters import ChapterSpec

    first = _tiny_notebook(
        tmp_path / "first.ipynb",
        "leaked = 41\nopen('mine.txt', 'w').write('first')",
    )
    second = _tiny_notebook(
        tmp_path / "second.ipynb",
        "print('leaked' in globals(), sorted(n for n in globals() if not n.startswith('_'))[:3])",
        "open('mine.txt', 'w').write('second')",
    )
    failing = _tiny_notebook(tmp_path / "failing.ipynb", "1 / 0")
    cache = tmp_path / "cache"
    with KernelPool() as kernels:
        one, _ = run_or_reuse(
            ChapterSpec("first", "first", "first", ()), "", first, cache, "a" * 32, kernels
        )
        with pytest.raises(BuildError, match="notebook failing: cell 2 failed: ZeroDivisionError"):
            run_or_reuse(
                ChapterSpec("failing", "failing", "failing", ()),
                "",
                failing,
                cache,
                "b" * 32,
                kernels,
            )
        two, _ = run_or_reuse(
            ChapterSpec("second", "second", "second", ()), "", second, cache, "c" * 32, kernels
        )
        started = kernels.started
    assert started == 1
    assert (one / "mine.txt").read_text() == "first"
    assert (two / "mine.txt").read_text() == "second"
    nb = nbformat.read(two / "second.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in nb.cells[-2].outputs)
    assert printed.startswith("False"), printed
    assert "leaked" not in printed and "edition" in printed
    numbers = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert numbers == [1, 2, 3, 4], numbers


def test_kernels_started_ahead_have_imported_the_chapters_modules_and_serve_every_chapter(
    tmp_path: Path,
) -> None:
    """A build starts its kernels before it reads its edition: two started ahead serve three
    chapters (no third is started), a chapter finds the chapters' modules already imported
    though its notebook imports none, and the warm-up leaves no name in its namespace."""
    from csa_stats.build.execute import KernelPool, run_or_reuse
    from csa_stats.chapters import ChapterSpec

    probe = (
        "import sys\n"
        "print('csa_stats.chapters.wards' in sys.modules, 'geopandas' in sys.modules,"
        " {'_gc', '_importlib', '_name'} & set(globals()),"
        " sorted(n for n in globals() if not n.startswith('_') and n != 'sys'))"
    )
    cache = tmp_path / "cache"
    with KernelPool() as kernels:
        kernels.start(2)
        assert kernels.started == 2
        entries = [
            run_or_reuse(
                ChapterSpec(name, name, name, ()),
                "",
                _tiny_notebook(tmp_path / f"{name}.ipynb", probe),
                cache,
                key * 32,
                kernels,
            )[0]
            for name, key in (("one", "a"), ("two", "b"), ("three", "c"))
        ]
        started = kernels.started
    assert started == 2
    for entry in entries:
        nb = nbformat.read(next(entry.glob("*.ipynb")), as_version=4)
        printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        # the notebook's own names only: its parameter (the injected cell's), nothing else
        names = "['In', 'Out', 'edition', 'exit', 'get_ipython', 'open', 'quit']"
        assert printed.strip() == f"True True set() {names}", printed


def test_the_data_statement_counts_the_records_the_gaps_and_those_with_no_ward(
    make_incidents,
) -> None:
    from csa_stats.build.pages import data_statement

    SM, HENLEY = "E05001228", "E05001223"
    frame = make_incidents(
        [
            ("2024-01", "46", SM),
            ("2024-02", "8N", HENLEY),
            ("2024-02", "ASB-N", SM),
            ("2024-05", "5A", SM),  # March and April have no records
        ]
    )
    frame.loc[3, ["ward_code", "ward_name"]] = None
    text = data_statement(frame, [])
    assert "- **Records:** 4 (3 crimes and 1 ASB report), January 2024 to May 2024" in text
    assert "- **Months with no records:** March 2024, April 2024" in text
    assert "- **Records with no ward:** 1 (counted in the area's totals" in text
    assert "police.uk" not in text
    with_findings = data_statement(frame, ["missing months: 2019-07"])
    assert with_findings.endswith("- Missing months: 2019-07\n")


def test_the_data_and_caveats_page_states_the_records_of_the_edition(site) -> None:
    html, _ = site
    page = (html / "book" / "data_and_caveats.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Months with no records: none" in text  # the demo data has every month
    assert "Records with no ward: 0" in text
    demo = read_demo()
    crimes = int(demo["is_crime"].sum())
    assert (
        f"Records: {len(demo):,} ({crimes:,} crimes and {len(demo) - crimes:,} ASB reports), "
        "April 2017 to March 2025" in text
    )
