"""Run the chapter notebooks with papermill and build the site with Jupyter Book.

``build`` reads like the table of contents of a run: validate -> stage -> run notebooks -> build book
-> publish. Everything is written in a staging folder first; the published site and the executed
notebooks in ``book/chapters`` are replaced only when every notebook ran and the book built without
warnings, so a failed build leaves the last good site as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import yaml
from jupyter_client import AsyncKernelManager
from tqdm import tqdm
from traitlets.config import Config

from csa_stats import __version__, paths
from csa_stats.build import fingerprint
from csa_stats.build.publish import (
    MARKER,
    PublishError,
    build_lock,
    check_output_folder,
    fault_point,
    recover,
    swap_in,
)
from csa_stats.chapters import serious_violence
from csa_stats.chapters.context import Chapter, check_inputs, source_findings
from csa_stats.params import RunParameters, parse_parameters
from csa_stats.presentation.text import md_text, one_line
from csa_stats.reference.taxonomy import Area

#: Chapter notebooks in reading order (file stems in ``notebooks/``).
CHAPTERS: tuple[str, ...] = (
    "plan_on_a_page",
    "key_findings",
    "serious_violence",
    "priority_offending",
    "priority_public_places",
    "priority_exploitation",
    "wards",
)


#: Cached runs kept per chapter (for example the default period and a few others).
CACHE_KEEP = 4
#: File in the site folder recording what the site was built from (and that csa-stats wrote it).
STAMP = MARKER


class BuildError(RuntimeError):
    """A notebook or the book failed; the message names which and why."""


@dataclass(frozen=True)
class BuildResult:
    """Where the site was published and what it was built from."""

    site: Path
    notebooks: tuple[Path, ...]
    params: RunParameters
    executed: tuple[str, ...] = ()  # chapters whose notebooks ran (the rest came from the cache)
    up_to_date: bool = False  # nothing had changed: the site was left as it was
    findings: tuple[str, ...] = ()  # what reading the source found (police.uk's ingest report)


def source_label(params: RunParameters, markup: bool = True) -> str:
    """The data source in words, for the page: demo data or the extract's file name."""
    # The file name is the user's: shown as escaped text, never inside inline code, which a
    # backtick in the name would close.
    name = md_text(Path(params.data_path).name) if markup else one_line(Path(params.data_path).name)
    return {
        "demo": "synthetic demonstration data (not real police records)",
        "extract": f"partnership extract {name}",
        "police-uk": f"police.uk street-level data ({name})",
    }[params.source]


def build_info(params: RunParameters, area: Area, built: dt.date) -> str:
    """The Markdown block that states what a build is: data, period, version and date."""
    source = source_label(params)
    p, c = params.period, params.comparison
    return (
        ":::{admonition} About this edition\n:class: tip\n\n"
        f"- **Area:** {area.name}\n"
        f"- **Period:** {p.span} ({p.label}), compared with {c.span} ({c.label})\n"
        f"- **Data:** {source}\n"
        f"- **Built:** {built:%d %B %Y} with csa-stats {__version__}\n:::\n"
    )


def data_statement(incidents: pd.DataFrame, findings: list[str]) -> str:
    """The Markdown block that says what records this edition holds: how many, which months, the
    months with none, the records with no ward, and what reading the source found."""
    months = pd.PeriodIndex(incidents["month"], freq="M")
    first, last = months.min(), months.max()
    present = set(months.unique())
    gaps = [f"{m:%B %Y}" for m in pd.period_range(first, last, freq="M") if m not in present]
    crimes = int(incidents["is_crime"].sum())
    asb = len(incidents) - crimes
    no_ward = int(incidents["ward_code"].isna().sum())
    lines = [
        f"- **Records:** {len(incidents):,} ({crimes:,} crime{'s' * (crimes != 1)} and {asb:,} "
        f"ASB report{'s' * (asb != 1)}), {first:%B %Y} to {last:%B %Y}",
        f"- **Months with no records:** {', '.join(gaps) or 'none'}",
        f"- **Records with no ward:** {no_ward:,}"
        + (" (counted in the area's totals, in no ward's figures)" if no_ward else ""),
    ]
    if findings:
        lines += ["", "Reading the police.uk files found:", ""]
        # The findings quote the files (an unknown crime type, say): text, never markup.
        lines += [f"- {md_text(line[0].upper() + line[1:])}" for line in findings]
    return "\n".join(lines) + "\n"


def is_reference_build(params: RunParameters) -> bool:
    """Whether this is the build whose executed notebooks are kept in ``book/chapters`` and
    regression-tested (nbval): the embedded demo data with every parameter at its default. Any
    other edition keeps its notebooks under ``_build/``, so building one (another period, real
    data) never changes the project's tracked files."""
    if params.source != "demo" or params.data_path:
        return False
    last = pd.read_parquet(paths.demo_incidents_path(), columns=["month"])["month"].max()
    return params == parse_parameters({"period_end": pd.Period(last, "M").strftime("%Y-%m")})


def _stage_sources(project: Path, staging: Path) -> None:
    for name in ("_config.yml", "_toc.yml", "CHANGELOG.md"):  # the revisions page includes it
        shutil.copy2(project / name, staging / name)
    shutil.copytree(
        project / "book",
        staging / "book",
        ignore=shutil.ignore_patterns(
            "_generated", ".ipynb_checkpoints", "figures", "downloads", "*.ipynb"
        ),
    )


def _write_config(staging: Path, params: RunParameters, area: Area, built: dt.date) -> None:
    """Add the build's notice and footer to the staged ``_config.yml``."""
    config_path = staging / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    html = config.setdefault("html", {})
    if params.source == "demo":
        html["announcement"] = (
            "Demonstration data: the figures on this site are synthetic, not Coventry's statistics."
        )
    # Every page says what it is: area, period, data source, code version and build date.
    source = html_escape(source_label(params, markup=False))
    html["extra_footer"] = (
        f'<p class="csa-edition">{area.name}, {params.period.span}. Data: {source}. '
        f"Built {built:%d %B %Y} with csa-stats {__version__}.</p>"
    )
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def tidy_executed_notebook(notebook: Path) -> None:
    """Hide papermill's injected-parameters cell from the book and drop run-time metadata.

    Timestamps, durations and the machine's paths change on every run; without them, rebuilding
    with the same inputs writes the same notebook byte for byte.
    """
    nb = nbformat.read(notebook, as_version=4)
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    nb.metadata.pop("papermill", None)
    if parameters is not None:
        nb.metadata["papermill"] = {"parameters": parameters}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill draws a random id each run
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, notebook)


def _source_cell_number(source: Path, executed: Path) -> int | None:
    """1-based number, in the source notebook, of the cell that raised (matched by cell id)."""
    try:
        failed = [
            cell.get("id")
            for cell in nbformat.read(executed, as_version=4).cells
            if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        ]
        ids = [cell.get("id") for cell in nbformat.read(source, as_version=4).cells]
        return ids.index(failed[0]) + 1
    except (OSError, ValueError, IndexError):
        return None


class QuietShutdownKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, without the SIGINT it sends a kernel before asking it to
    shut down. A chapter's kernel is only shut down once its cells have finished (a cell that runs
    too long is interrupted by nbclient first), so the signal stops nothing; it only raced with the
    shutdown and printed "KeyboardInterrupt caught in kernel" into some builds' output."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


def _kernel_over_local_sockets(folder: Path) -> Config:
    """Kernel settings: talk to the kernel over Unix sockets in a private folder, not over TCP on
    the loopback (which anyone on the machine can reach, and which ipykernel warns about)."""
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(folder / "kernel")
    return config


def _execute(name: str, params: RunParameters, source: Path, workdir: Path) -> Path:
    """Run one notebook with papermill in ``workdir`` (its figures and downloads go there)."""
    target = workdir / f"{name}.ipynb"
    try:
        with tempfile.TemporaryDirectory(prefix="csa-kernel-") as sockets:
            papermill.execute_notebook(
                str(source),
                str(target),
                parameters=params.notebook_parameters(),
                # The kernel's working folder, set without papermill's process-wide chdir, which
                # notebooks running in parallel threads would race on.
                resources={"metadata": {"path": str(workdir)}},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                config=_kernel_over_local_sockets(Path(sockets)),
                kernel_manager_class=QuietShutdownKernelManager,
            )
    except papermill.PapermillExecutionError as error:
        cell = _source_cell_number(source, target) or "?"
        raise BuildError(
            f"notebook {name}: cell {cell} failed: {error.ename}: {error.evalue}"
        ) from None
    except Exception as error:  # a notebook that cannot be read, a kernel that died
        raise BuildError(f"notebook {name}: {type(error).__name__}: {error}") from None
    tidy_executed_notebook(target)
    return target


#: File in each cached chapter run: the digest of every file the run wrote, checked on every use.
DIGESTS = ".digests.json"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): fingerprint.file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != DIGESTS
    }


def _entry_is_whole(entry: Path, name: str) -> bool:
    """Whether a cached chapter run is exactly what its run wrote: a notebook edited by hand, a
    figure truncated or a file added or removed is not served (the chapter runs again)."""
    try:
        recorded = json.loads((entry / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return f"{name}.ipynb" in recorded and recorded == _digests(entry)


def _cache_entry(cache_dir: Path, name: str, key: str) -> Path:
    return cache_dir / "notebooks" / f"{name}-{key[:24]}"


def _run_or_reuse(
    name: str, params: RunParameters, source: Path, cache_dir: Path, key: str
) -> tuple[Path, bool]:
    """The cached outputs of a chapter for its key, running the notebook first if there are none.

    The notebook runs in a temporary folder that is renamed into the cache only when it succeeded,
    so the cache never holds a half-written chapter. Returns the entry and whether it ran.
    """
    entry = _cache_entry(cache_dir, name, key)
    if _entry_is_whole(entry, name):
        os.utime(entry)  # most recently used: kept when the cache is pruned
        return entry, False
    shutil.rmtree(entry, ignore_errors=True)  # missing, or damaged or edited: run it again
    entry.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=entry.parent))
    try:
        _execute(name, params, source, work)
        (work / DIGESTS).write_text(json.dumps(_digests(work), indent=0), encoding="utf-8")
        try:
            work.rename(entry)
        except OSError:  # another build cached it meanwhile: use that one
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return entry, True


def _prune_cache(cache_dir: Path, names: Iterable[str], keep: int = CACHE_KEEP) -> None:
    """Keep the ``keep`` most recently used cached runs of each chapter."""
    folder = cache_dir / "notebooks"
    for name in names:
        entries = sorted(
            (p for p in folder.glob(f"{name}-*") if p.is_dir()),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)


def run_notebooks(
    names: Iterable[str],
    params: RunParameters,
    source_dir: Path,
    out_dir: Path,
    progress: bool = True,
    cache_dir: Path | None = None,
    keys: dict[str, str] | None = None,
    jobs: int | None = None,
) -> list[str]:
    """Execute each chapter notebook with the parameters, in parallel, into ``out_dir``.

    A chapter whose key is already in ``cache_dir`` is not run again: its cached notebook, figures
    and downloads are used. Returns the names of the chapters that ran.

    Raises
    ------
    BuildError
        Naming the first notebook (in reading order) that failed, its cell and the error.
    """
    names = list(names)
    cache_dir = cache_dir or paths.build_dir() / "cache"
    if keys is None:
        inputs = fingerprint.inputs_digest(params)
        keys = {n: fingerprint.chapter_key(inputs, source_dir / f"{n}.ipynb") for n in names}
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(names)))
    entries: dict[str, Path] = {}
    ran: list[str] = []
    errors: dict[str, BuildError] = {}
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(
            total=len(names),
            desc="Chapters",
            unit="notebook",
            disable=not progress,
            file=sys.stderr,
        ) as bar,
    ):
        futures = {
            pool.submit(_run_or_reuse, n, params, source_dir / f"{n}.ipynb", cache_dir, keys[n]): n
            for n in names
        }
        for future in as_completed(futures):
            name = futures[future]
            try:
                entries[name], executed = future.result()
                if executed:
                    ran.append(name)
            except BuildError as error:
                errors[name] = error
            bar.update(1)
    if errors:
        raise next(errors[n] for n in names if n in errors)
    for name in names:
        entry = entries[name]
        shutil.copy2(entry / f"{name}.ipynb", out_dir / f"{name}.ipynb")
        for folder in ("figures", "downloads"):
            if (entry / folder).is_dir():
                shutil.copytree(entry / folder, out_dir / folder, dirs_exist_ok=True)
    _prune_cache(cache_dir, names)
    return [n for n in names if n in ran]


def _jupyter_book() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    if script.exists():
        return [str(script)]
    found = shutil.which("jupyter-book")
    if not found:
        raise BuildError("jupyter-book is not installed; run `make install`")
    return [found]


def build_book(staging: Path) -> Path:
    """Build the staged book with warnings as errors; return the HTML folder."""
    command = [
        *_jupyter_book(),
        "build",
        str(staging),
        "--path-output",
        str(staging),
        "-W",
        "-n",
        "--keep-going",
        "-q",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = (done.stdout + done.stderr).strip().splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-5:]
        raise BuildError("the book did not build: " + " | ".join(problems[:5]))
    return staging / "_build" / "html"


def _publish_notebooks(executed: Path, chapters: Path) -> list[Path]:
    """Copy executed notebooks and their figures and downloads into ``book/chapters``."""
    chapters.mkdir(parents=True, exist_ok=True)
    for folder in ("figures", "downloads"):
        if (executed / folder).exists():
            _swap_in_copy(executed / folder, chapters / folder)
    published = []
    for notebook in sorted(executed.glob("*.ipynb")):
        target = chapters / notebook.name
        tmp = target.with_suffix(".ipynb.tmp")
        shutil.copy2(notebook, tmp)
        tmp.replace(target)
        published.append(target)
    return published


def _swap_in_copy(source: Path, target: Path) -> None:
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.copy-", dir=target.parent))
    try:
        shutil.copytree(source, staged / "tree")
        swap_in(staged / "tree", target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _stamp(site_key: str, chapters_dir: Path) -> dict[str, object]:
    return {
        "site_key": site_key,
        "notebooks": {
            n: fingerprint.file_digest(chapters_dir / f"{n}.ipynb")
            for n in CHAPTERS
            if (chapters_dir / f"{n}.ipynb").is_file()
        },
    }


def is_up_to_date(site_dir: Path, chapters_dir: Path, site_key: str) -> bool:
    """True when the site was built from exactly these inputs and its notebooks are in place."""
    try:
        recorded = json.loads((site_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    current = _stamp(site_key, chapters_dir)
    return recorded == current and len(current["notebooks"]) == len(CHAPTERS)  # type: ignore[arg-type]


def build(
    params: RunParameters,
    site_dir: Path | None = None,
    chapters_dir: Path | None = None,
    progress: bool = True,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> BuildResult:
    """Validate, run the chapter notebooks that changed, build the book and publish it atomically.

    Parameters
    ----------
    params
        The run's parameters (already parsed).
    site_dir
        Where the site goes; default ``_build/html``.
    chapters_dir
        Where the executed notebooks go; default ``book/chapters`` for the reference build
        (:func:`is_reference_build`), ``_build/chapters`` for any other edition.
    progress
        Show a progress bar of the notebooks.
    today
        The build date shown on the site (default: today).
    cache_dir
        Cached chapter runs, keyed by their inputs; default ``_build/cache``.
    jobs
        Notebooks run at once; default: one per core.
    force
        Rebuild the site even if nothing changed (cached chapters are still reused).
    """
    project = paths.project_root()
    if site_dir is not None:
        check_output_folder(site_dir, paths.build_dir())
    site_dir = site_dir or paths.build_dir() / "html"
    try:
        with build_lock(paths.build_dir()):
            _remove_leftovers(site_dir, cache_dir or paths.build_dir() / "cache")
            return _build(
                params, project, site_dir, chapters_dir, progress, today, cache_dir, jobs, force
            )
    except PublishError:
        raise
    except OSError as error:  # a full disk, a read-only folder: one line, the old site whole
        where = f"{error.filename}: " if error.filename else ""
        raise PublishError(
            error.errno, f"{where}{error.strerror or error}; the last good site is as it was"
        ) from None


def _remove_leftovers(site_dir: Path, cache_dir: Path) -> None:
    """What a killed build left: its staging folder, half-run chapters in the cache, folders
    beside the site. Only ever called holding the build lock, so no other build is using them."""
    recover(site_dir)
    for staging in paths.build_dir().glob("staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    for work in (cache_dir / "notebooks").glob(".*-*"):
        shutil.rmtree(work, ignore_errors=True)


def _build(
    params: RunParameters,
    project: Path,
    site_dir: Path,
    chapters_dir: Path | None,
    progress: bool,
    today: dt.date | None,
    cache_dir: Path | None,
    jobs: int | None,
    force: bool,
) -> BuildResult:
    if chapters_dir is None:
        reference = is_reference_build(params)
        chapters_dir = paths.chapters_dir() if reference else paths.build_dir() / "chapters"
    cache_dir = cache_dir or paths.build_dir() / "cache"
    built = today or dt.date.today()

    notebooks = paths.notebooks_dir()
    for name in CHAPTERS:
        if not (notebooks / f"{name}.ipynb").is_file():
            raise BuildError(f"notebook {name}: {notebooks / f'{name}.ipynb'} does not exist")
    inputs = fingerprint.inputs_digest(params)
    keys = {n: fingerprint.chapter_key(inputs, notebooks / f"{n}.ipynb") for n in CHAPTERS}
    site_key = fingerprint.site_key(keys)
    if not force and is_up_to_date(site_dir, chapters_dir, site_key):
        current = tuple(chapters_dir / f"{n}.ipynb" for n in CHAPTERS)
        return BuildResult(site_dir, current, params, up_to_date=True)

    # every input and parameter checked first (and the front page's serious-violence verdict made)
    area, incidents, population, assessment = check_inputs(params)

    paths.build_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="staging-", dir=paths.build_dir()) as tmp:
        staging = Path(tmp)
        _stage_sources(project, staging)
        generated = staging / "book" / "_generated"
        generated.mkdir(parents=True)
        (generated / "build_info.md").write_text(build_info(params, area, built), encoding="utf-8")
        findings = source_findings(params, area)
        (generated / "data_quality.md").write_text(
            data_statement(incidents, findings), encoding="utf-8"
        )
        front = Chapter(params, area, incidents, population, staging)
        (generated / "serious_violence.md").write_text(
            serious_violence.headline(front, assessment, "chapters/serious_violence.ipynb"),
            encoding="utf-8",
        )
        _write_config(staging, params, area, built)
        executed_dir = staging / "book" / "chapters"
        ran = run_notebooks(
            CHAPTERS, params, notebooks, executed_dir, progress, cache_dir, keys, jobs
        )
        fault_point("notebooks-done")
        html = build_book(staging)
        fault_point("book-built")
        published = _publish_notebooks(executed_dir, chapters_dir)
        fault_point("notebooks-published")
        (html / STAMP).write_text(
            json.dumps(_stamp(site_key, chapters_dir), indent=1), encoding="utf-8"
        )
        swap_in(html, site_dir)
        fault_point("published")
    return BuildResult(
        site=site_dir,
        notebooks=tuple(published),
        params=params,
        executed=tuple(ran),
        findings=tuple(findings),
    )
