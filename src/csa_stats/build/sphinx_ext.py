"""A small Sphinx extension for the book: the site's own style sheet, and no Thebe scripts.

The style sheet (``static/site.css`` in the package) keeps a wide table's first column and caption
in view when the table scrolls sideways on a phone.

Jupyter Book 1 always loads sphinx-thebe, even with Thebe switched off, and adds its configuration
script twice, so every page raised a JavaScript error ("THEBE_JS_URL has already been declared")
and named a script on unpkg.com. The site runs no live code, so the scripts are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csa_stats.build import print_style

#: The folder of the site's own static files (its style sheet).
STATIC_DIR = Path(__file__).parents[1] / "presentation" / "static"


def _is_thebe(asset: Any) -> bool:
    name = str(getattr(asset, "filename", asset) or "")
    body = str((getattr(asset, "attributes", None) or {}).get("body", ""))
    return "thebe" in name.lower() or "THEBE_JS_URL" in body


def drop_thebe(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove the Thebe scripts and style sheet from a page's context before it is written."""
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def add_style_sheet(app: Any) -> None:
    """Copy the package's style sheets and script with the site's static files and link them from
    every page: ``site.css`` and ``site.js`` (which marks a table that scrolls sideways) always;
    for print, ``print.css`` and the edition's page margins, written
    when the build finishes (:mod:`csa_stats.build.print_style`)."""
    app.config.html_static_path.append(str(STATIC_DIR))
    app.add_css_file("site.css")
    app.add_js_file("site.js")
    app.add_css_file("print.css", media="print")
    app.add_css_file(print_style.FILE_NAME, media="print")


def add_methodology_figures(app: Any, config: Any) -> None:
    """The methodology page's figures (:func:`csa_stats.presentation.methodology.substitutions`), as MyST
    substitutions: made from the configuration and the calibration run, never typed."""
    from csa_stats.presentation.methodology import substitutions

    config.myst_substitutions = {**(config.myst_substitutions or {}), **substitutions()}


def setup(app: Any) -> dict[str, Any]:
    """Register the extension with Sphinx."""
    app.connect("config-inited", add_methodology_figures)
    app.connect("builder-inited", add_style_sheet)
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("build-finished", print_style.write_edition_print_css)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
