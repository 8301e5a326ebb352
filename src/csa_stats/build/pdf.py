"""``csa-stats pdf``: the built site as PDFs for committee papers.

Each page of the site's navigation (the front page, the chapters, the pages about the statistics)
is printed to its own PDF, and the whole edition to one more, the pages in reading order, each
starting on a new page, with one run of page numbers. Debian's Chromium prints them, headless,
through Playwright, with the site's print style sheet (``static/print.css``: no navigation, tables
and figures whole) and, in the margins of every page, the demonstration notice (when the data are
synthetic) and the publication's title, the edition's line (area, period, data source, build date
and version: the site's ``p.csa-edition``) and "Page N of M" (:mod:`csa_stats.build.print_style`, the
same rules a reader's browser uses when printing a page of the site).

The site is served on the loopback for the run, and the browser may ask nothing of any other
host. The PDFs are written to a temporary folder beside the output folder and moved into it only
when every one has printed, each by an atomic rename: the output folder holds the last complete
set, never part of a file.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from csa_stats.build.print_style import edition_print_css

#: Debian's Chromium, where ``make browser`` installs it.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Flags for a Chromium that reaches nothing beyond the loopback site (Playwright adds
#: ``--headless``; the profile is a new, empty ``--user-data-dir`` each run).
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Name of the whole-edition PDF in the output folder.
PACK_NAME = "edition.pdf"


class PdfError(RuntimeError):
    """The PDFs could not be made; the message says why, in one line."""


@dataclass(frozen=True)
class PrintedPage:
    """One page of the site, printed."""

    source: str  # the page's path in the site, e.g. book/chapters/wards.html
    title: str
    pdf: Path


@dataclass(frozen=True)
class PdfResult:
    """What ``csa-stats pdf`` wrote."""

    pages: tuple[PrintedPage, ...]
    pack: Path
    seconds: float


def front_page(site: Path) -> str:
    """The page the site's address opens (``index.html`` redirects to it), relative to the site.

    Raises
    ------
    PdfError
        If ``site`` has no ``index.html``: not a built site.
    """
    index = site / "index.html"
    if not index.is_file():
        raise PdfError(f"{site}: no index.html; build the site first (csa-stats build)")
    match = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index.read_text("utf-8"))
    return match.group(1) if match else "index.html"


def pdf_names(sources: Sequence[str]) -> list[str]:
    """A file name for each page's PDF: its stem, or its path with dashes where stems repeat.

    Examples
    --------
    >>> pdf_names(["book/intro.html", "book/chapters/wards.html"])
    ['intro.pdf', 'wards.pdf']
    >>> pdf_names(["a/notes.html", "b/notes.html"])
    ['a-notes.pdf', 'b-notes.pdf']
    """
    stems = [Path(s).stem for s in sources]
    return [
        (
            f"{Path(s).with_suffix('').as_posix().replace('/', '-')}.pdf"
            if stems.count(stem) > 1
            else f"{stem}.pdf"
        )
        for s, stem in zip(sources, stems, strict=True)
    ]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site over HTTP on 127.0.0.1 for the duration: its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


_ABSOLUTE_URLS = """() => {
  for (const e of document.querySelectorAll('article img[src]')) e.setAttribute('src', e.src);
  for (const e of document.querySelectorAll('article a[href]')) e.setAttribute('href', e.href);
  for (const e of document.querySelectorAll('article object[data]')) e.setAttribute('data', e.data);
}"""

_IMAGES_LOADED = """() => Promise.all([...document.images].map(i => i.complete ? null :
  new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })))
  .then(() => document.fonts.ready).then(() => true)"""


def _open(page: Any, url: str) -> None:
    """Open a page and wait until it, its images and its fonts have loaded."""
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        status = "no answer" if response is None else f"HTTP {response.status}"
        raise PdfError(f"{url}: the page did not open ({status})")
    page.evaluate(_IMAGES_LOADED)


def _edition_lines(page: Any) -> tuple[str, str, str]:
    """The page's notice (the announcement, if any), its edition line (``p.csa-edition``) and
    the publication's title (the navigation's logo title)."""
    found = page.evaluate(
        """() => ['.bd-header-announcement', 'p.csa-edition', '.navbar-brand .logo__title']
             .map(s => (document.querySelector(s)?.textContent || '').trim())"""
    )
    notice, edition, title = (" ".join(str(text).split()) for text in found)
    return notice, edition, title


def _print(page: Any, path: Path, lines: tuple[str, str, str]) -> None:
    """Print the open page to ``path`` as the committee's papers are: A4 (the print style
    sheet's page), the edition's lines and the page number in the margins of every page."""
    page.add_style_tag(content=edition_print_css(*lines))
    page.pdf(
        path=str(path),
        format="A4",
        print_background=True,
        prefer_css_page_size=True,
        outline=True,
        tagged=True,
    )


def reading_order(page: Any, base: str, front: str) -> list[str]:
    """The site's pages in reading order, from the front page's navigation: paths relative to
    ``base``, the front page first."""
    _open(page, urljoin(base, front))
    hrefs = page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference.internal", "links => links.map(a => a.href)"
    )
    order: list[str] = [front]
    for href in hrefs:
        target = urldefrag(href)[0]
        if target.startswith(base):
            relative = target.removeprefix(base)
            if relative.endswith(".html") and relative not in order:
                order.append(relative)
    return order


def _build_pack(page: Any, base: str, sources: Sequence[str], title: str) -> None:
    """Open the front page and replace its article with every page's, in order, each a section
    that starts on a new page; links and images keep working (made absolute)."""
    articles = []
    for source in sources:
        _open(page, urljoin(base, source))
        page.evaluate(_ABSOLUTE_URLS)
        articles.append(page.evaluate("() => document.querySelector('article').innerHTML"))
    _open(page, urljoin(base, sources[0]))
    page.evaluate(
        """([articles, title]) => {
          const article = document.querySelector('article');
          article.innerHTML = articles.map(a =>
            '<section class="csa-pack-chapter">' + a + '</section>').join('');
          document.title = title;
        }""",
        [articles, title],
    )
    page.evaluate(_IMAGES_LOADED)


def make_pdfs(
    site: Path,
    out_dir: Path,
    chromium: str | None = None,
    pack_title: str | None = None,
) -> PdfResult:
    """Print every page of a built site, and the whole edition, to PDFs in ``out_dir``.

    Parameters
    ----------
    site
        The built site (``_build/html``).
    out_dir
        Folder for the PDFs (made if missing): one per page, named after it
        (:func:`pdf_names`), and :data:`PACK_NAME` for the whole edition.
    chromium
        The browser (default: Debian's, :data:`DEFAULT_CHROMIUM`, or ``chromium`` on the path).
    pack_title
        The whole edition's title (default: the site's title, "the whole edition").

    Raises
    ------
    PdfError
        One line: no site, no browser, a page that would not open or print.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    site = site.resolve()
    front = front_page(site)
    browser_path = chromium or (
        DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).is_file() else shutil.which("chromium")
    )
    if not browser_path or not Path(browser_path).is_file():
        raise PdfError("Debian's chromium is needed to print: run `make browser`")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pdf-", dir=out_dir.parent))
    printed: list[PrintedPage] = []
    try:
        with (
            serve(site) as base,
            tempfile.TemporaryDirectory(prefix="csa-chromium-") as profile,
            sync_playwright() as playwright,
        ):
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=browser_path, args=list(CHROMIUM_FLAGS), headless=True
            )
            try:
                _block_other_hosts(context, base)
                page = context.new_page()
                sources = reading_order(page, base, front)
                for source, name in zip(sources, pdf_names(sources), strict=True):
                    _open(page, urljoin(base, source))
                    lines = _edition_lines(page)
                    _print(page, staging / name, lines)
                    printed.append(PrintedPage(source, page.title(), out_dir / name))
                _build_pack(page, base, sources, pack_title or f"{lines[2]}: the whole edition")
                _print(page, staging / PACK_NAME, lines)
            finally:
                context.close()
        for name in [p.pdf.name for p in printed] + [PACK_NAME]:
            os.chmod(staging / name, 0o644)
            os.replace(staging / name, out_dir / name)
    except PlaywrightError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PdfError(f"printing failed: {first}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PdfResult(tuple(printed), out_dir / PACK_NAME, time.perf_counter() - started)


def _block_other_hosts(context: Any, base: str) -> None:
    """Let the browser reach the loopback site only (and ``data:`` URLs)."""

    def route(route_: Any) -> None:
        url = route_.request.url
        if url.startswith(base) or url.startswith("data:"):
            route_.continue_()
        else:
            route_.abort()

    context.route("**/*", route)
