"""Every path the project uses, built from the project root, never from the working directory."""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that points the package at another checkout of the project.
ROOT_ENV = "CSA_STATS_ROOT"


def project_root() -> Path:
    """Return the project's root folder (the one holding ``_config.yml``).

    The package is installed in editable mode from ``src/``, so the root is two levels above the
    package. ``CSA_STATS_ROOT`` overrides it, for a copy of the project elsewhere.
    """
    override = os.environ.get(ROOT_ENV)
    root = Path(override) if override else Path(__file__).resolve().parents[2]
    if not (root / "_config.yml").is_file():
        raise FileNotFoundError(
            f"{root} is not a csa-stats project (no _config.yml); set {ROOT_ENV} to the project folder"
        )
    return root


def reference_dir() -> Path:
    """Folder of reference configuration: taxonomy, areas, period presets, published figures."""
    return project_root() / "data" / "reference"


def demo_dir() -> Path:
    """Folder of the embedded demonstration data."""
    return project_root() / "data" / "demo"


def demo_incidents_path() -> Path:
    """The embedded default incident table (synthetic, record level)."""
    return demo_dir() / "incidents.parquet"


def demo_population_path() -> Path:
    """Demonstration ward resident populations."""
    return demo_dir() / "ward_population.csv"


def notebooks_dir() -> Path:
    """Source chapter notebooks (parameterised, outputs stripped)."""
    return project_root() / "notebooks"


def book_dir() -> Path:
    """Hand-written pages and the executed chapter notebooks."""
    return project_root() / "book"


def chapters_dir() -> Path:
    """Where papermill's executed chapter notebooks live inside the book."""
    return book_dir() / "chapters"


def build_dir() -> Path:
    """Jupyter Book output folder; the site is ``build_dir() / 'html'``."""
    return project_root() / "_build"


def geography_dir() -> Path:
    """The project's compact ONS reference geography (LSOA -> ward -> local authority), committed."""
    return reference_dir() / "geography"


def lookups_dir() -> Path:
    """Where ``csa-stats fetch --lookups`` puts ONS's national lookups (git-ignored)."""
    return project_root() / "data" / "lookups"


def populations_dir() -> Path:
    """Where ``csa-stats fetch --populations`` puts ward populations (git-ignored)."""
    return project_root() / "data" / "populations"
