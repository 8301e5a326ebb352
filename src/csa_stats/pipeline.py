"""Run the chapter notebooks with papermill and build the site with Jupyter Book.

``build`` reads like the table of contents of a run: validate -> stage -> run notebooks -> build book
-> publish. Everything is written in a staging folder first; the published site and the executed
notebooks in ``book/chapters`` are replaced only when every notebook ran and the book built without
warnings, so a failed build leaves the last good site as it was.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
import yaml
from tqdm import tqdm

from csa_stats import __version__, paths
from csa_stats.chapter import Chapter, prepare
from csa_stats.chapters import serious_violence
from csa_stats.params import RunParameters
from csa_stats.taxonomy import Area

#: Chapter notebooks in reading order (file stems in ``notebooks/``).
CHAPTERS: tuple[str, ...] = (
    "key_findings",
    "serious_violence",
    "priority_offending",
    "priority_public_places",
    "priority_exploitation",
    "wards",
)


class BuildError(RuntimeError):
    """A notebook or the book failed; the message names which and why."""


@dataclass(frozen=True)
class BuildResult:
    """Where the site was published and what it was built from."""

    site: Path
    notebooks: tuple[Path, ...]
    params: RunParameters


def build_info(params: RunParameters, area: Area, built: dt.date) -> str:
    """The Markdown block that states what a build is: data, period, version and date."""
    source = {
        "demo": "synthetic demonstration data (not real police records)",
        "extract": f"partnership extract `{Path(params.data_path).name}`",
    }[params.source]
    p, c = params.period, params.comparison
    return (
        ":::{admonition} About this edition\n:class: tip\n\n"
        f"- **Area:** {area.name}\n"
        f"- **Period:** {p.span} ({p.label}), compared with {c.span} ({c.label})\n"
        f"- **Data:** {source}\n"
        f"- **Built:** {built:%d %B %Y} with csa-stats {__version__}\n:::\n"
    )


def _stage_sources(project: Path, staging: Path) -> None:
    for name in ("_config.yml", "_toc.yml"):
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
    html["extra_footer"] = (
        f"<p>{area.name}, {params.period.span}. Data: {params.source}. "
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


def run_notebooks(
    names: Iterable[str],
    params: RunParameters,
    source_dir: Path,
    out_dir: Path,
    progress: bool = True,
) -> list[Path]:
    """Execute each chapter notebook with the parameters into ``out_dir``.

    Raises
    ------
    BuildError
        Naming the notebook and the cell that failed, with the error.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    names = list(names)
    for name in tqdm(
        names, desc="Chapters", unit="notebook", disable=not progress, file=sys.stderr
    ):
        target = out_dir / f"{name}.ipynb"
        try:
            papermill.execute_notebook(
                str(source_dir / f"{name}.ipynb"),
                str(target),
                parameters=params.notebook_parameters(),
                cwd=str(out_dir),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
            )
        except papermill.PapermillExecutionError as error:
            cell = _source_cell_number(source_dir / f"{name}.ipynb", target) or "?"
            raise BuildError(
                f"notebook {name}: cell {cell} failed: {error.ename}: {error.evalue}"
            ) from None
        tidy_executed_notebook(target)
        written.append(target)
    return written


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


def _swap_in(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` with renames, so readers never see a half-written folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    shutil.move(str(new), str(target))
    if old.exists():
        shutil.rmtree(old)


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
    staged = target.with_name(target.name + ".new")
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(source, staged)
    _swap_in(staged, target)


def build(
    params: RunParameters,
    site_dir: Path | None = None,
    chapters_dir: Path | None = None,
    progress: bool = True,
    today: dt.date | None = None,
) -> BuildResult:
    """Validate, run every chapter notebook, build the book and publish it atomically.

    Parameters
    ----------
    params
        The run's parameters (already parsed).
    site_dir
        Where the site goes; default ``_build/html``.
    chapters_dir
        Where the executed notebooks go; default ``book/chapters``.
    progress
        Show a progress bar of the notebooks.
    today
        The build date shown on the site (default: today).
    """
    project = paths.project_root()
    site_dir = site_dir or paths.build_dir() / "html"
    chapters_dir = chapters_dir or paths.chapters_dir()
    built = today or dt.date.today()

    area, incidents, population = prepare(params)  # every input and parameter checked first

    paths.build_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="staging-", dir=paths.build_dir()) as tmp:
        staging = Path(tmp)
        _stage_sources(project, staging)
        generated = staging / "book" / "_generated"
        generated.mkdir(parents=True)
        (generated / "build_info.md").write_text(build_info(params, area, built), encoding="utf-8")
        front = Chapter(params, area, incidents, population, staging)
        (generated / "serious_violence.md").write_text(
            serious_violence.headline(
                front, serious_violence.assess_all(front), "chapters/serious_violence.ipynb"
            ),
            encoding="utf-8",
        )
        _write_config(staging, params, area, built)
        executed_dir = staging / "book" / "chapters"
        run_notebooks(CHAPTERS, params, paths.notebooks_dir(), executed_dir, progress)
        html = build_book(staging)
        published = _publish_notebooks(executed_dir, chapters_dir)
        _swap_in(html, site_dir)
    return BuildResult(site=site_dir, notebooks=tuple(published), params=params)
