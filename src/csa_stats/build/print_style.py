"""The edition's line on every printed page: CSS page-margin boxes made from the build's own words.

A page printed from the site (by a reader, or by ``csa-stats pdf``) carries, in the margins of
every sheet, the demonstration notice when the data are synthetic (top left), the publication's
title (top right), the edition's line (area, period, data source, build date and version: the
text of the site's ``p.csa-edition``) and "Page N of M" (bottom). Chromium draws CSS page-margin
boxes (``@page { @bottom-left { content: ... } }``), whose text must be written into the style
sheet itself; so the build writes ``_static/csa-edition-print.css`` from its configuration
(:func:`write_edition_print_css`, a Sphinx ``build-finished`` hook), and ``csa-stats pdf`` adds
the same rules from the page it prints (:func:`edition_print_css`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

#: The generated style sheet's name in the site's ``_static`` folder.
FILE_NAME = "csa-edition-print.css"
_BOX = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 7.5pt; color: #000000;"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that shows exactly it: quotes, backslashes and anything
    outside printable ASCII escaped (six hex digits, so no escape runs into the next character);
    control characters and line breaks become spaces.

    Examples
    --------
    >>> print(css_string('St Michael\\'s "ward" \\\\ 50%'))
    "St Michael's \\"ward\\" \\\\ 50%"
    >>> print(css_string("\u00a9 2021\\nnext"))
    "\\0000a9 2021 next"
    """
    out = []
    for char in " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split()):
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def text_of(fragment: str) -> str:
    """The text an HTML fragment shows: tags dropped, entities decoded, spaces collapsed.

    Examples
    --------
    >>> text_of('<p class="csa-edition">Coventry, 2024/25. Data: A &amp; B.</p>')
    'Coventry, 2024/25. Data: A & B.'
    """
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", fragment)).split())


def edition_print_css(notice: str, edition: str, title: str = "") -> str:
    """The page-margin rules: notice and title at the top, the edition's line and "Page N of M"
    at the foot of every page; the site's own footer line is then not repeated in the page.

    Examples
    --------
    >>> css = edition_print_css("Demonstration data", "Coventry, 2024/25", "Crime in Coventry")
    >>> '@bottom-right { content: "Page " counter(page) " of " counter(pages);' in css
    True
    """
    rules = [
        "/* Made by csa_stats.build.print_style: the edition's line on every printed page. */",
        "@media print {",
        "  @page {",
        f"    @top-left {{ content: {css_string(notice)}; {_BOX} font-weight: bold;"
        " vertical-align: bottom; padding-bottom: 2mm; width: 60%; }",
        f"    @top-right {{ content: {css_string(title)}; {_BOX} vertical-align: bottom;"
        " padding-bottom: 2mm; text-align: right; width: 40%; }",
        f"    @bottom-left {{ content: {css_string(edition)}; {_BOX} vertical-align: top;"
        " padding-top: 2mm; border-top: 0.5pt solid #000000; width: 82%; }",
        '    @bottom-right { content: "Page " counter(page) " of " counter(pages);'
        f" {_BOX} vertical-align: top; padding-top: 2mm; border-top: 0.5pt solid #000000;"
        " text-align: right; white-space: nowrap; }",
        "  }",
        "  p.csa-edition { display: none !important; }",
        "}",
    ]
    return "\n".join(rules) + "\n"


def write_edition_print_css(app: Any, exception: Exception | None) -> None:
    """Sphinx ``build-finished``: write :data:`FILE_NAME` into the site's ``_static`` folder from
    the build's announcement (the demonstration notice), footer (the edition's line) and title."""
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    options = app.config.html_theme_options or {}
    css = edition_print_css(
        text_of(str(options.get("announcement") or "")),
        text_of(str(options.get("extra_footer") or "")),
        text_of(str(app.config.html_title or "")),
    )
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / FILE_NAME).write_text(css, encoding="ascii")
