"""The built demo site as a reader sees it, in headless Chromium (Debian's, driven by Playwright).

The site is served on the loopback; any request to another host is blocked and recorded, so the
checks also show that the site works with no network. Every page is opened and checked: internal
links and images resolve, figures have alt text, every CSV download is there and parses, the
demonstration notice shows, the page fits a phone's width, and the footer gives the period, the
data source, the code version and the build date. The search page finds pages offline.

`make test` installs Debian's chromium first if it is missing (`make browser`).
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pandas as pd
import pytest

from csa_stats import __version__
from tests.conftest import SITE_BUILT

pytestmark = [pytest.mark.build, pytest.mark.browser]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test output stays readable
        pass


@pytest.fixture(scope="module")
def served(site) -> Iterator[tuple[str, Path]]:
    """The built site over HTTP on 127.0.0.1: (base URL, site folder)."""
    html, _ = site
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", html
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Debian's chromium is needed for the site tests: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser, served):
    """A browser context that lets only the loopback site through, and records anything else."""
    base, _ = served
    context = browser.new_context()
    context.outside = []  # type: ignore[attr-defined]

    def route(route_) -> None:
        url = route_.request.url
        if url.startswith(base) or url.startswith("data:"):
            route_.continue_()
        else:
            context.outside.append(url)  # type: ignore[attr-defined]
            route_.abort()

    context.route("**/*", route)
    yield context
    context.close()


def _pages(html: Path) -> list[str]:
    """Every page of the site but ``index.html``, which only redirects to the front page."""
    return sorted(
        str(p.relative_to(html))
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_") and p.name != "index.html"
    )


def test_the_site_address_opens_the_front_page(context, served) -> None:
    base, _ = served
    page = context.new_page()
    page.goto(base)
    page.wait_for_url("**/book/intro.html")
    assert "strategic assessment" in page.locator("article h1").first.inner_text()


def test_every_page_works_as_a_reader_sees_it(context, served) -> None:
    base, html = served
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    pages = _pages(html)
    assert "book/chapters/serious_violence.html" in pages and len(pages) >= 12
    checked_links = checked_csv = checked_figures = 0
    for name in pages:
        url = urljoin(base, name)
        response = page.goto(url)
        assert response is not None and response.ok, name
        page.wait_for_load_state("load")

        # the demonstration notice and the edition's details are on every page
        assert page.get_by_text(
            "Demonstration data: the figures on this site are synthetic"
        ).first.is_visible(), name
        footer = page.locator(".csa-edition").first.inner_text()
        for expected in (
            "April 2023 to March 2024",
            "synthetic demonstration data",
            f"csa-stats {__version__}",
            f"Built {SITE_BUILT:%d %B %Y}",
        ):
            assert expected in footer, (name, footer)

        # internal links and images resolve
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            target, fragment = urldefrag(href)
            if not target.startswith(base):
                assert urlparse(target).scheme in {"http", "https", "mailto", ""}, href
                continue
            path = html / urlparse(target).path.removeprefix("/")
            if path.is_dir():
                path = path / "index.html"
            assert path.is_file(), (name, href)
            if fragment and path.suffix == ".html":
                assert f'id="{fragment}"' in path.read_text(), (name, href)
            checked_links += 1
        images = page.eval_on_selector_all(
            "img",
            "els => els.map(e => ({src: e.src, alt: e.getAttribute('alt') || '',"
            " ok: e.complete && e.naturalWidth > 0, inArticle: !!e.closest('article')}))",
        )
        for image in images:
            assert image["ok"], (name, image["src"])
            if image["inArticle"]:
                assert len(image["alt"]) > 40, (name, image["src"])  # alt text that says something
                checked_figures += 1

        # every table and chart has its CSV download, and it parses
        for href in {h for h in hrefs if urldefrag(h)[0].endswith(".csv")}:
            download = context.request.get(href)
            assert download.ok, (name, href)
            table = pd.read_csv(io.StringIO(download.text()))
            assert len(table) > 0 and len(table.columns) > 0, (name, href)
            checked_csv += 1

    assert errors == []
    assert context.outside == []  # nothing was asked of any other host
    assert checked_links > 100 and checked_csv >= 30 and checked_figures >= 10


def test_every_page_fits_a_phones_width(browser, served) -> None:
    base, html = served
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    for name in _pages(html):
        page.goto(urljoin(base, name))
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, (name, width)  # wide tables scroll inside themselves
        assert page.locator("main h1:visible").count() >= 1, name  # the heading is on screen
    context.close()


def test_a_table_that_fits_says_nothing_of_scrolling(context, served) -> None:
    base, _ = served
    page = context.new_page()  # a desktop, where the serious-violence chapter's tables all fit
    page.goto(urljoin(base, "book/chapters/serious_violence.html"))
    page.wait_for_load_state("load")
    marked = page.evaluate(
        "[...document.querySelectorAll('.pst-scrollable-table-container')]"
        ".filter(e => e.classList.contains('csa-scrolls')).length"
    )
    assert marked == 0


def test_a_wide_table_keeps_its_first_column_in_view_on_a_phone(browser, served) -> None:
    base, _ = served
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(urljoin(base, "book/chapters/wards.html"))
    page.wait_for_load_state("load")
    box = page.locator(".pst-scrollable-table-container").first
    box.locator("tbody td").first.scroll_into_view_if_needed()
    scrolled = box.evaluate("e => { e.scrollLeft = 300; return e.scrollLeft; }")
    assert scrolled > 100  # the ward table is wider than a phone: it does scroll
    edges = box.evaluate(
        """e => {
          const left = r => e.querySelector(r).getBoundingClientRect();
          return {box: e.getBoundingClientRect().left, ward: left('tbody td').left,
                  head: left('thead th').left, caption: left('caption').left,
                  captionRight: left('caption').right, ward_text: e.querySelector('tbody td').innerText};
        }"""
    )
    # the ward's name and the caption stay at the box's left edge while the numbers move under them
    for what in ("ward", "head", "caption"):
        assert abs(edges[what] - edges["box"]) <= 1, (what, edges)
    assert edges["captionRight"] <= PHONE["width"], edges  # the caption wraps to the screen
    assert (
        page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('td').innerText",
            [edges["box"] + 5, box.locator("tbody td").first.bounding_box()["y"] + 5],
        )
        == edges["ward_text"]
    )  # and is on top, not under the scrolled numbers
    # the table says that it scrolls, above it and held at the box's left edge
    hint = box.evaluate(
        """e => ({marked: e.classList.contains('csa-scrolls'),
                  text: getComputedStyle(e, '::before').content})"""
    )
    assert hint["marked"] and "Scroll the table sideways" in hint["text"], hint
    context.close()


def test_the_search_finds_pages_with_no_network(context, served) -> None:
    base, _ = served
    page = context.new_page()
    page.goto(urljoin(base, "search.html?q=shoplifting"))
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=15_000)
    titles = " ".join(results.all_inner_texts())
    assert results.count() >= 2
    assert "Priority two" in titles  # shoplifting is a priority-two measure
    assert context.outside == []


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, PHONE], ids=["1280x800", "390x844"]
)
def test_every_page_has_one_search_control_and_it_opens_the_search(
    browser, served, viewport
) -> None:
    """The theme drew a second search box above the sidebar's at desktop widths: one a page, and
    it (or Ctrl+K) opens the search."""
    base, html = served
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    for name in _pages(html):
        page.goto(urljoin(base, name))
        page.wait_for_load_state("load")
        visible = page.locator(".search-button__button:visible").count()
        assert visible == 1, (name, viewport, visible)
    page.goto(urljoin(base, "book/chapters/key_findings.html"))
    page.wait_for_load_state("load")
    page.locator(".search-button__button:visible").click()  # the one left opens the search
    page.locator("#pst-search-dialog input[name='q']").wait_for(state="visible", timeout=5_000)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")  # and so does the keyboard
    page.locator("#pst-search-dialog input[name='q']").wait_for(state="visible", timeout=5_000)
    context.close()


DESKTOP = {"width": 1280, "height": 800}
#: Every chapter, by its page: a committee member's first screen holds its verdict.
CHAPTER_PAGES = (
    "plan_on_a_page",
    "key_findings",
    "serious_violence",
    "priority_offending",
    "priority_public_places",
    "priority_exploitation",
    "wards",
)


def _top_and_bottom(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"], box["y"] + box["height"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_every_chapters_verdict_is_on_its_first_screen(browser, served, viewport) -> None:
    base, _ = served
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    for name in CHAPTER_PAGES:
        page.goto(urljoin(base, f"book/chapters/{name}.html"))
        page.wait_for_load_state("load")
        top, bottom = _top_and_bottom(page, ".csa-verdict")
        assert bottom <= viewport["height"], (name, viewport, top, bottom)  # all of it, unscrolled
        if viewport == DESKTOP and name.startswith("priority_"):
            # and the start of the summary table: its header and first row
            first_row = page.locator(
                ".csa-verdict ~ div table tbody tr, .csa-verdict ~ table tbody tr"
            )
            row_top, _ = _top_and_bottom(page, "article table tbody tr")
            assert first_row.count() >= 1 and row_top < viewport["height"], (name, row_top)
    context.close()


def test_the_plan_on_a_page_fits_a_screen_a_priority_and_two_screens_in_all(
    browser, served
) -> None:
    base, _ = served
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(urljoin(base, "book/chapters/plan_on_a_page.html"))
    page.wait_for_load_state("load")
    tables = page.locator("table.csa-plan")
    assert tables.count() == 3  # one per priority
    boxes = [tables.nth(i).bounding_box() for i in range(3)]
    heights = [box["height"] for box in boxes if box]
    assert max(heights) <= DESKTOP["height"], heights  # each priority fits one screen
    first_top = page.locator("article h2").first.bounding_box()["y"]
    last = boxes[-1]
    assert last is not None and last["y"] + last["height"] - first_top <= 2 * DESKTOP["height"]
    # the statuses are words with their symbols, and every police measure has its sparkline
    statuses = page.locator("table.csa-plan td.csa-status").all_inner_texts()
    assert all(" " in s and s.split(" ", 1)[1] for s in statuses), statuses
    labels = page.eval_on_selector_all(
        "svg.csa-sparkline", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert len(labels) >= 15 and all(label and "from" in label for label in labels)
    context.close()


def test_every_chart_and_map_is_svg_with_text_as_text(context, served) -> None:
    base, html = served
    page = context.new_page()
    seen = 0
    for name in CHAPTER_PAGES:
        page.goto(urljoin(base, f"book/chapters/{name}.html"))
        sources = page.eval_on_selector_all(
            "article img:not(.csa-chart-phone)", "els => els.map(e => e.src)"
        )
        for source in sources:
            assert source.endswith(".svg"), (name, source)
            svg = (html / urlparse(source).path.removeprefix("/")).read_text()
            assert "<text" in svg, (name, source)  # findable, zoomable, crisp in print
            if "/figures/" in source:  # every chart and map has its phone layout
                phone = (html / urlparse(source).path.removeprefix("/")).with_suffix("")
                assert "<text" in phone.with_name(phone.name + "-phone.svg").read_text()
            seen += 1
    # key findings 4 (trend, offences, ward chart and map), serious violence 3, priority one 2
    # (trend, process control), two 4 and three 4 (with their hotspots' chart and map), wards 1
    assert seen == 18


def _svg_width_px(svg: str) -> float:
    """An SVG's own width in CSS pixels (matplotlib writes it in points)."""
    found = re.search(r'<svg[^>]*\swidth="([0-9.]+)pt"', svg)
    assert found, svg[:300]
    return float(found.group(1)) * 96 / 72


def test_a_phone_shows_each_chart_and_map_laid_out_for_it_with_labels_it_can_read(
    browser, served
) -> None:
    """At 390 px each chart's and map's phone layout is shown and its desktop one is not (at
    1280 px the other way round), and the phone layout's 9-point labels are drawn at 9.5 px or
    more (the desktop chart shrunk to a phone's width draws them near 5 px)."""
    base, html = served
    shown: dict[int, list] = {390: [], 1280: []}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        for chapter in ("serious_violence", "wards"):  # three charts; a map
            page.goto(urljoin(base, f"book/chapters/{chapter}.html"))
            shown[width] += page.eval_on_selector_all(
                "img.csa-chart-phone, img.csa-chart-wide",
                "els => els.map(e => ({cls: e.className, src: e.src,"
                " width: e.getBoundingClientRect().width, visible: e.offsetParent !== null}))",
            )
        context.close()
    phone_images = [i for i in shown[390] if "csa-chart-phone" in i["cls"]]
    assert len(phone_images) == 4 and phone_images[-1]["src"].endswith("-map-phone.svg")
    assert all(i["visible"] == ("csa-chart-phone" in i["cls"]) for i in shown[390])
    assert all(i["visible"] == ("csa-chart-wide" in i["cls"]) for i in shown[1280])
    for image in phone_images:
        svg = (html / urlparse(image["src"]).path.removeprefix("/")).read_text()
        scale = image["width"] / _svg_width_px(svg)
        assert 9 * 96 / 72 * scale >= 9.5, (image["src"], scale)
