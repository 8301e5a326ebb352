"""The keys that decide what a build runs again.

A chapter's key is the digest of what its output depends on: the edition's digest over the
tables the chapter reads (:meth:`csa_stats.manifest.Manifest.digest`: the resolved parameters, those
inputs' contents, the reference files and the code that makes editions), the chapter's own
module and notebook, and the library code every chapter runs (analysis, presentation, reference,
the chapter context). So every input is in the key by construction, and changing one reruns
exactly the chapters that read it. The site's key adds the hand-written pages, the book's
configuration and the build's own code. The build date is not an input: a site rebuilt with
nothing changed is the same site, and keeps the date it was built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from csa_stats import __version__, paths
from csa_stats.chapters import ChapterSpec
from csa_stats.files import file_digest, tree_digest
from csa_stats.manifest import Manifest

PACKAGE = Path(__file__).parents[1]
#: The library code every chapter runs, besides its own module.
LIBRARY = ("analysis", "presentation", "reference")
LIBRARY_MODULES = (
    "chapters/__init__.py",
    "chapters/context.py",
    "chapters/common.py",
    "edition.py",
    "manifest.py",
    "params.py",
    "paths.py",
    "files.py",
    "errors.py",
)


def _combine(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def library_digest() -> str:
    """Digest of the code every chapter runs (its own module aside)."""
    parts = {
        folder: tree_digest(PACKAGE / folder, ["*.py", "*.mplstyle"], exclude=["__pycache__"])
        for folder in LIBRARY
    }
    parts |= {name: file_digest(PACKAGE / name) for name in LIBRARY_MODULES}
    return _combine(parts)


def chapter_keys(manifest: Manifest, specs: Iterable[ChapterSpec]) -> dict[str, str]:
    """Each chapter's key (see the module's description)."""
    library = library_digest()
    keys = {}
    for spec in specs:
        keys[spec.name] = _combine(
            {
                "edition": manifest.digest(spec.inputs),
                "library": library,
                "module": file_digest(PACKAGE / "chapters" / f"{spec.module}.py"),
                "notebook": file_digest(paths.notebooks_dir() / f"{spec.notebook}.ipynb"),
                "parameters": json.dumps(spec.parameters, sort_keys=True),
                "version": __version__,
            }
        )
    return keys


def site_key(chapter_keys: dict[str, str], manifest: Manifest) -> str:
    """The site's key: every chapter's key, the edition (the pages it generates: what the data
    hold, what reading found), the hand-written pages, the book's configuration and the
    build's code."""
    root = paths.project_root()
    return _combine(
        {
            "chapters": json.dumps(chapter_keys, sort_keys=True),
            "edition": manifest.digest(["data"]),
            "findings": json.dumps(list(manifest.findings)),
            "pages": tree_digest(
                paths.book_dir(), ["*.md", "*.css", "*.png", "*.svg"], ["chapters"]
            ),
            "style": tree_digest(PACKAGE / "presentation" / "static", ["*.css"]),
            "build": tree_digest(PACKAGE / "build", ["*.py"], exclude=["__pycache__"]),
            "config": "".join(file_digest(root / name) for name in ("_config.yml", "_toc.yml")),
        }
    )
