"""Every path and file name the project uses, built from the project root, never from the working
directory. A module that reads or writes a file asks here for its name."""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that points the package at another checkout of the project.
ROOT_ENV = "CSA_STATS_ROOT"

# --- the policy and reference files in data/reference/ -------------------------------------------
AREAS = "areas.yml"
OFFENCES = "offences.yml"
MEASURES = "measures.yml"
SERIOUS_VIOLENCE = "serious_violence.yml"
PLAN = "plan.yml"
INDICATORS = "indicators.yml"
CHANGES = "changes.yml"
DISCLOSURE = "disclosure.yml"
SPC = "spc.yml"
LIMITS = "limits.yml"
PERIODS = "periods.yml"
PUBLISHED_FIGURES = "published_figures.csv"
CALIBRATION = "calibration.json"
PEER_POPULATION = "la_population_west_midlands.csv"
#: The year of the ward codes the boundaries and the populations use (May 2022).
WARD_YEAR = 2022

# --- what a build writes ---------------------------------------------------------------------------
#: In a published site folder: what it was built from (and that csa-stats wrote it).
SITE_MARKER = ".csa-stats-build.json"
#: In each cached chapter run: the digest of every file the run wrote.
CACHE_DIGESTS = ".digests.json"
#: In an edition's folder: what it holds and the digest of each input.
MANIFEST = "manifest.json"
#: In a chapter's output folder: the front page's serious-violence box, as its chapter wrote it.
FRONT_PAGE_BOX = "pages/serious_violence_front_page.md"


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


def reference_file(name: str) -> Path:
    """A file in ``data/reference/`` (one of the names above)."""
    return reference_dir() / name


def demo_dir() -> Path:
    """Folder of the embedded demonstration data."""
    return project_root() / "data" / "demo"


def demo_incidents_path() -> Path:
    """The embedded default incident table (synthetic, record level)."""
    return demo_dir() / "incidents.parquet"


def demo_population_path() -> Path:
    """Demonstration ward resident populations."""
    return demo_dir() / "ward_population.csv"


def demo_indicators_path() -> Path:
    """Demonstration values of the supplementary indicators."""
    return demo_dir() / "indicators.csv"


def demo_assumptions_path() -> Path:
    """The settings the demonstration data are generated from."""
    return demo_dir() / "assumptions.yml"


def notebooks_dir() -> Path:
    """Source chapter notebooks (parameterised, outputs stripped)."""
    return project_root() / "notebooks"


def book_dir() -> Path:
    """Hand-written pages and the executed chapter notebooks."""
    return project_root() / "book"


def chapters_dir() -> Path:
    """Where papermill's executed chapter notebooks live inside the book."""
    return book_dir() / "chapters"


#: Environment variable that gives a build a folder of its own (the workflow's jobs, one per area,
#: each build in parallel with its own lock, staging and caches).
BUILD_DIR_ENV = "CSA_STATS_BUILD_DIR"


def build_dir() -> Path:
    """Build output and caches (``_build``, or ``CSA_STATS_BUILD_DIR``); the site is
    ``site_dir()``."""
    override = os.environ.get(BUILD_DIR_ENV)
    return Path(override).resolve() if override else project_root() / "_build"


def site_dir() -> Path:
    """The published site (default)."""
    return build_dir() / "html"


def cache_dir() -> Path:
    """Cached chapter runs and the police.uk ingest's tables."""
    return build_dir() / "cache"


def policeuk_cache_dir(cache: Path | None = None) -> Path:
    """The police.uk ingest's cached tables."""
    return (cache or cache_dir()) / "police-uk"


def editions_dir(cache: Path | None = None) -> Path:
    """Validated editions, one folder each, named by the digest of their inputs."""
    return (cache or cache_dir()) / "editions"


def notebook_cache_dir(cache: Path | None = None) -> Path:
    """Cached chapter runs (a notebook, its figures and downloads, per key)."""
    return (cache or cache_dir()) / "notebooks"


def lock_path() -> Path:
    """The build lock: one build at a time."""
    return build_dir() / ".lock"


def geography_dir() -> Path:
    """The project's compact ONS reference geography (LSOA -> ward -> local authority), committed."""
    return reference_dir() / "geography"


def lookups_dir() -> Path:
    """Where ``csa-stats fetch --lookups`` puts ONS's national lookups (git-ignored)."""
    return project_root() / "data" / "lookups"


def populations_dir() -> Path:
    """Where ``csa-stats fetch --populations`` puts ward populations (git-ignored)."""
    return project_root() / "data" / "populations"


def ward_population_file(area_key: str) -> Path:
    """Where ``csa-stats fetch --populations`` writes an area's Census 2021 ward populations."""
    return populations_dir() / f"{area_key}-ward-population.csv"


def committed_boundaries_path(area_key: str = "coventry") -> Path:
    """The area's committed ward boundaries (made by ``make boundaries``)."""
    return reference_dir() / "boundaries" / f"{area_key}_wards_{WARD_YEAR}.geojson"


def fetched_boundaries_dir() -> Path:
    """Where ``csa-stats fetch --boundaries`` writes (git ignores it)."""
    return project_root() / "data" / "boundaries"


def fetched_boundaries_path(area_key: str = "coventry", folder: Path | None = None) -> Path:
    """The area's ward boundaries as downloaded from ONS."""
    return (folder or fetched_boundaries_dir()) / f"{area_key}_wards_{WARD_YEAR}.geojson"


def boundaries_file(area_key: str, fetched_dir: Path | None = None) -> Path | None:
    """The ward boundaries a build draws its maps with: ONS's own when they have been fetched,
    else the committed ones derived from LSOAs; ``None`` where the area has neither (no map: the
    page says how to fetch them)."""
    for candidate in (
        fetched_boundaries_path(area_key, fetched_dir),
        committed_boundaries_path(area_key),
    ):
        if candidate.is_file():
            return candidate
    return None
