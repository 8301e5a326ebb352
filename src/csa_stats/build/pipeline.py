"""A build, as a table of contents: edition -> chapters -> pages -> book -> publish.

:func:`build` makes (or reuses) the one validated edition, works out each chapter's key, runs the
chapters whose keys changed, writes the generated pages, builds the book and publishes it.
Everything is written in a staging folder first; the published site and the executed notebooks
are replaced only when every chapter ran and the book built without warnings, so a failed build
leaves the last good site as it was. The build imports no chapter: the chapters' outputs (the
front page's serious-violence box among them) come from their notebooks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from csa_stats import manifest as manifests
from csa_stats import paths
from csa_stats.build import fingerprint
from csa_stats.build.publish import (
    PublishError,
    build_lock,
    check_output_folder,
    fault_point,
    is_up_to_date,
    publish_notebooks,
    recorded_request,
    recover,
    stamp,
    swap_in,
)
from csa_stats.chapters import CHAPTERS
from csa_stats.errors import BuildError, UserError
from csa_stats.files import write_text
from csa_stats.params import RunParameters
from csa_stats.reference.taxonomy import Area

if TYPE_CHECKING:
    from csa_stats.build.execute import KernelPool
    from csa_stats.edition import Edition

__all__ = ["BuildError", "BuildResult", "build"]


@dataclass(frozen=True)
class BuildResult:
    """Where the site was published and what it was built from."""

    site: Path
    notebooks: tuple[Path, ...]
    params: RunParameters
    executed: tuple[str, ...] = ()  # chapters whose notebooks ran (the rest came from the cache)
    up_to_date: bool = False  # nothing had changed: the site was left as it was
    findings: tuple[str, ...] = ()  # what reading the source found (police.uk's ingest report)


def build(
    params: RunParameters,
    site_dir: Path | None = None,
    chapters_dir: Path | None = None,
    progress: bool = True,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    kernels: KernelPool | None = None,
) -> BuildResult:
    """Make the edition, run the chapters that changed, build the book and publish it atomically.

    Parameters
    ----------
    params
        The run's parameters as given (the period end may be left to the data).
    site_dir
        Where the site goes; default ``_build/html``.
    chapters_dir
        Where the executed notebooks go; default ``book/chapters`` for the reference edition
        (:func:`csa_stats.edition.is_reference`: kept with the project and regression-tested),
        ``_build/chapters`` for any other, so building one never changes tracked files.
    progress
        Show a progress bar of the chapters.
    today
        The build date shown on the site (default: today).
    cache_dir
        Editions and cached chapter runs; default ``_build/cache``.
    jobs
        Chapters run at once; default: one per core.
    force
        Rebuild the site even if nothing changed (cached chapters are still reused).
    kernels
        Kernels to run the chapters in, kept for the caller's next build (a build of several
        areas); default: this build's own, shut down at its end.
    """
    if site_dir is not None:
        check_output_folder(site_dir, paths.build_dir())
    site_dir = site_dir or paths.site_dir()
    cache_dir = cache_dir or paths.cache_dir()
    try:
        with build_lock(paths.build_dir()):
            _remove_leftovers(site_dir, cache_dir)
            unchanged = None if force else _unchanged(params, site_dir, chapters_dir, cache_dir)
            return unchanged or _build(
                params, site_dir, chapters_dir, progress, today, cache_dir, jobs, force, kernels
            )
    except PublishError:
        raise
    except OSError as error:  # a full disk, a read-only folder: one line, the old site whole
        where = f"{error.filename}: " if error.filename else ""
        raise PublishError(
            error.errno, f"{where}{error.strerror or error}; the last good site is as it was"
        ) from None


def _unchanged(
    params: RunParameters, site_dir: Path, chapters_dir: Path | None, cache_dir: Path
) -> BuildResult | None:
    """The site as it was, if nothing it was built from has changed; else ``None``.

    Found from the inputs' digests and the last edition's manifest alone: no table is read and
    no data library imported, so an unchanged rebuild costs a fraction of a second. The area is
    taken as the last build resolved it (resolving it reads the national lookup), and so is the
    edition's folder: the request key covers the area asked for, the reference files it was
    resolved from, every input, the policy files and the code that makes editions, so when the
    key is the one the site recorded, the area and the edition a full build would make are the
    ones found here.
    """
    request = recorded_request(site_dir)
    if request is None or request.get("area_query") != params.area:
        return None
    try:
        area = Area.from_record(request["area"])  # type: ignore[arg-type]  # as resolved then: checked by the key below
        inputs = manifests.input_digests(params, area)
    except (UserError, KeyError, TypeError):  # the full build names what is wrong
        return None
    key = manifests.request_key(params, inputs)
    if key != request.get("key"):
        return None
    folder = paths.editions_dir(cache_dir) / str(request.get("edition"))  # as named for this key
    manifest = manifests.made_manifest(folder, key)
    if manifest is None:
        return None
    chapters_dir = chapters_dir or _chapters_dir(folder)
    keys = fingerprint.chapter_keys(manifest, CHAPTERS)
    site_key = fingerprint.site_key(keys, manifest)
    if not is_up_to_date(site_dir, chapters_dir, site_key, [spec.name for spec in CHAPTERS]):
        return None
    return _as_it_was(site_dir, chapters_dir, RunParameters.model_validate(manifest.parameters))


def _request(params: RunParameters, edition: Edition) -> dict[str, object]:
    """What a site records of the request it was built for (:func:`_unchanged` reads it)."""
    return {
        "key": edition.manifest.key,
        "edition": edition.folder.name if edition.folder else "",
        "area_query": params.area,
        "area": edition.area.as_record(),
    }


def _chapters_dir(edition_folder: Path) -> Path:
    """Where the executed notebooks go: ``book/chapters`` for the reference edition (kept with the
    project and regression-tested), ``_build/chapters`` for any other."""
    if edition_folder.name == manifests.REFERENCE:
        return paths.chapters_dir()
    return paths.build_dir() / "chapters"


def _as_it_was(site_dir: Path, chapters_dir: Path, params: RunParameters) -> BuildResult:
    current = tuple(chapters_dir / f"{spec.name}.ipynb" for spec in CHAPTERS)
    return BuildResult(site_dir, current, params, up_to_date=True)


def _remove_leftovers(site_dir: Path, cache_dir: Path) -> None:
    """What a killed build left: its staging folder, half-run chapters and half-made editions,
    folders beside the site. Only ever called holding the build lock, so no other build is
    using them."""
    recover(site_dir)
    for staging in paths.build_dir().glob("staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    for work in [
        *paths.notebook_cache_dir(cache_dir).glob(".*-*"),
        *paths.editions_dir(cache_dir).glob(".*"),
    ]:
        shutil.rmtree(work, ignore_errors=True)


def _build(
    params: RunParameters,
    site_dir: Path,
    chapters_dir: Path | None,
    progress: bool,
    today: dt.date | None,
    cache_dir: Path,
    jobs: int | None,
    force: bool,
    kernels: KernelPool | None,
) -> BuildResult:
    # the stages below import the data libraries; the check above needed none of them
    from csa_stats import edition as editions
    from csa_stats.build.book import build_book, stage_sources
    from csa_stats.build.execute import KernelPool, chapters_at_once, is_cached, run_chapters
    from csa_stats.build.pages import write_config, write_generated

    with contextlib.ExitStack() as own:
        if kernels is None:  # this build's own kernels, shut down at its end
            kernels = own.enter_context(KernelPool())
        # 0. the kernels start first: their imports overlap the reading of the edition
        kernels.start(chapters_at_once(jobs, len(CHAPTERS)))

        # 1. the edition: every input read and checked once (or the unchanged one reused)
        edition = editions.prepare_edition(params, editions_dir=paths.editions_dir(cache_dir))
        assert edition.folder is not None  # a build always writes its edition
        chapters_dir = chapters_dir or _chapters_dir(edition.folder)
        names = [spec.name for spec in CHAPTERS]

        # 2. what changed: each chapter's key, and the site's
        keys = fingerprint.chapter_keys(edition.manifest, CHAPTERS)
        site_key = fingerprint.site_key(keys, edition.manifest)
        if not force and is_up_to_date(site_dir, chapters_dir, site_key, names):
            return _as_it_was(site_dir, chapters_dir, edition.params)
        if all(is_cached(cache_dir, name, keys[name]) for name in names):
            own.close()  # no chapter will run: the book is built without kernels busy beside it
            kernels = None  # not the closed pool: a chapter found damaged after all starts its own

        built = today or dt.date.today()
        paths.build_dir().mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="staging-", dir=paths.build_dir()) as tmp:
            staging = Path(tmp)
            stage_sources(paths.project_root(), staging)
            executed = staging / "book" / "chapters"
            # 3. the chapters whose keys changed, each given the edition
            ran = run_chapters(
                CHAPTERS,
                editions.manifest_path(edition),
                keys,
                executed,
                cache_dir,
                progress,
                jobs,
                kernels,
            )
            fault_point("notebooks-done")
            # 4. the generated pages, and the book
            write_generated(staging / "book" / "_generated", edition, executed, built)
            write_config(staging, edition, built)
            html = build_book(staging)
            fault_point("book-built")
            # 5. publish: the executed notebooks, then the site in one exchange
            published = publish_notebooks(executed, chapters_dir)
            fault_point("notebooks-published")
            write_text(
                html / paths.SITE_MARKER,
                json.dumps(
                    stamp(site_key, chapters_dir, names, _request(params, edition)), indent=1
                ),
            )
            swap_in(html, site_dir)
            fault_point("published")
        editions.prune(paths.editions_dir(cache_dir))
        return BuildResult(
            site=site_dir,
            notebooks=tuple(published),
            params=edition.params,
            executed=tuple(ran),
            findings=edition.findings,
        )
