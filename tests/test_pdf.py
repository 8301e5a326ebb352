"""`csa-stats pdf` on the built demo site, read back with poppler's pdftotext: the verdict, the
demonstration notice and the edition's line on every page, page numbers that run on, chapters
starting on new pages in reading order, tables whole, no navigation; and the failures that must
leave the last PDFs as they were. `make browser` installs chromium and poppler-utils."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from csa_stats import __version__
from csa_stats.build.pdf import PACK_NAME, PdfError, make_pdfs, pdf_names
from csa_stats.build.print_style import css_string, edition_print_css, text_of
from csa_stats.cli import main
from tests.conftest import SITE_BUILT

NOTICE = "Demonstration data: the figures on this site are synthetic"
EDITION = (
    "Coventry, April 2023 to March 2024.",
    "synthetic demonstration data",
    f"Built {SITE_BUILT:%d %B %Y} with csa-stats {__version__}.",
)
CHAPTERS = [
    "intro",
    "plan_on_a_page",
    "key_findings",
    "serious_violence",
    "priority_offending",
    "priority_public_places",
    "priority_exploitation",
    "wards",
    "how_to_read",
    "methodology",
    "data_and_caveats",
    "glossary",
    "revisions",
]


def _pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed), spaces collapsed."""
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler's pdftotext is needed for the PDF tests: run `make browser`")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [" ".join(page.split()) for page in text.split("\f")]
    return pages[:-1] if pages and not pages[-1] else pages


def _h1(html: Path) -> str:
    """A page's title, from its HTML (the first h1 of its article)."""
    found = re.search(
        r'<article class="bd-article">.*?<h1>(.*?)<a class="headerlink"', html.read_text(), re.S
    )
    assert found, html
    return text_of(found.group(1))


def _unmargined(text: str, margin: tuple[str, ...]) -> str:
    """A page's text without the margins' lines (and the banner) it starts with."""
    stripped = True
    while stripped:
        stripped = False
        for line in margin:
            if text.startswith(line):
                text, stripped = text[len(line) :].lstrip(), True
    return text


@pytest.fixture(scope="module")
def printed(site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo site's PDFs: (output folder, site folder)."""
    html, _ = site
    out = tmp_path_factory.mktemp("pdf") / "papers"
    result = make_pdfs(html, out)
    assert result.pack == out / PACK_NAME
    return out, html


@pytest.mark.build
@pytest.mark.browser
def test_every_page_of_the_site_and_the_edition_are_printed(printed) -> None:
    out, _ = printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.pdf" for name in CHAPTERS] + [PACK_NAME]
    )
    assert not list(out.parent.glob(".pdf-*"))  # the staging folder is gone


@pytest.mark.build
@pytest.mark.browser
def test_each_page_carries_the_notice_the_edition_and_its_number(printed) -> None:
    out, _ = printed
    for name in ("key_findings", "wards", "serious_violence"):
        pages = _pages(out / f"{name}.pdf")
        total = len(PdfReader(out / f"{name}.pdf").pages)
        assert len(pages) == total > 1, name
        for number, text in enumerate(pages, start=1):
            assert NOTICE in text, (name, number)
            for part in EDITION:
                assert part in text, (name, number, part)
            assert f"Page {number} of {total}" in text, (name, number)


@pytest.mark.build
@pytest.mark.browser
def test_the_front_page_states_the_verdict(printed) -> None:
    out, html = printed
    page = (html / "book" / "intro.html").read_text()
    verdict = re.search(
        r"Serious violence toward the \d{4} goal: (on track|at risk|off track)", page
    )
    assert verdict, "the front page has no serious-violence verdict"
    text = " ".join(_pages(out / "intro.pdf"))
    assert verdict.group(0) in text
    assert "Crime and anti-social behaviour in Coventry: the strategic assessment" in text


@pytest.mark.build
@pytest.mark.browser
def test_the_edition_runs_the_pages_in_reading_order_each_on_a_new_page(printed) -> None:
    out, html = printed
    pages = _pages(out / PACK_NAME)
    total = len(PdfReader(out / PACK_NAME).pages)
    assert len(pages) == total
    assert [f"Page {n} of {total}" in text for n, text in enumerate(pages, 1)] == [True] * total
    sources = {p.stem: p for p in (html / "book").rglob("*.html")}
    margin = (
        NOTICE + ", not Coventry's statistics.",
        "Coventry crime and ASB strategic assessment",
    )
    # the outline's top level: each page's title (h1) and the page it is on
    reader = PdfReader(out / PACK_NAME)
    top = [
        ("".join(entry.title.split()), reader.get_destination_page_number(entry))
        for entry in reader.outline
        if not isinstance(entry, list)
    ]
    assert len(top) == len(CHAPTERS)
    starts = []
    for name, (outlined, number) in zip(CHAPTERS, top, strict=True):
        title = _h1(sources[name])
        # (Chromium's bookmark of a heading at a page break repeats its first line before it)
        assert outlined.endswith("".join(title.split())), (name, outlined)
        # and the title opens its page, straight after what the margins (and banner) print
        assert _unmargined(pages[number], margin).startswith(title), (name, number)
        starts.append(number)
    assert starts == sorted(starts) and len(set(starts)) == len(CHAPTERS)
    # every page's content is in it: its words, as many as the pages printed alone hold (pages
    # printed one after another break differently, so their page counts differ; each page's
    # margins, a few dozen words, are printed once a sheet)
    alone = sum(len(" ".join(_pages(out / f"{name}.pdf")).split()) for name in CHAPTERS)
    assert len(" ".join(pages).split()) >= 0.95 * alone


@pytest.mark.build
@pytest.mark.browser
def test_a_table_is_never_split_across_pages(printed) -> None:
    out, _ = printed
    pages = _pages(out / "wards.pdf")
    caption = "Recorded crime and ASB by ward, 2023/24"
    (page,) = [text for text in pages if caption in text]
    tail = page[page.index(caption) :]
    for ward in ("Bablake", "Foleshill", "St Michael", "Wyken"):  # first, middle and last rows
        assert ward in tail, ward
    assert "Download this table (CSV)" in tail


@pytest.mark.build
@pytest.mark.browser
def test_no_navigation_is_printed(printed) -> None:
    out, _ = printed
    text = " ".join(_pages(out / "key_findings.pdf"))
    for chrome in ("Skip to main content", "Back to top", "Ctrl+K", "Search", "On this page"):
        assert chrome not in text, chrome
    assert "Key findings" in text and "Summary" in text


@pytest.mark.build
def test_the_site_ships_the_edition_lines_for_print(site) -> None:
    html, _ = site
    css = (html / "_static" / "csa-edition-print.css").read_text(encoding="ascii")
    assert css_string("Coventry, April 2023 to March 2024.")[:-1] in css
    assert 'counter(page) " of " counter(pages)' in css
    page = (html / "book" / "chapters" / "wards.html").read_text()
    assert 'media="print" rel="stylesheet" type="text/css" href="../../_static/print.css' in page
    assert 'href="../../_static/csa-edition-print.css"' in page


# --- without a browser ---------------------------------------------------------------------------


def test_the_margin_rules_escape_what_they_quote() -> None:
    css = edition_print_css('Notice "quoted"', "Data: a\\b \u00a9 2021", "Title")
    assert '@top-left { content: "Notice \\"quoted\\"";' in css
    assert '@bottom-left { content: "Data: a\\\\b \\0000a9 2021";' in css
    assert css.isascii()


def test_a_folder_that_is_not_a_site_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="no index.html; build the site first"):
        make_pdfs(tmp_path, tmp_path / "out")
    result = CliRunner().invoke(main, ["pdf", "--site", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("csa-stats: error: ") and result.stderr.count("\n") == 1


def test_a_failed_print_leaves_the_last_pdfs_as_they_were(tmp_path: Path) -> None:
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=a.html" />')
    out = tmp_path / "pdf"
    out.mkdir()
    (out / PACK_NAME).write_bytes(b"%PDF-the last good one")
    with pytest.raises(PdfError, match="chromium is needed"):
        make_pdfs(site, out, chromium=str(tmp_path / "no-such-browser"))
    assert (out / PACK_NAME).read_bytes() == b"%PDF-the last good one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", "pdf"]


def test_pdf_names_follow_the_pages() -> None:
    assert pdf_names(["book/intro.html", "book/chapters/key_findings.html"]) == [
        "intro.pdf",
        "key_findings.pdf",
    ]
