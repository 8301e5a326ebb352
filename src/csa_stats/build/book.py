"""Staging the book's sources and building the site with Jupyter Book, warnings as errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from csa_stats.errors import BuildError


def stage_sources(project: Path, staging: Path) -> None:
    """Copy the book's configuration and hand-written pages into ``staging`` (the executed
    chapters, figures, downloads and generated pages are added there by the build)."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(project / name, staging / name)
    shutil.copytree(
        project / "book",
        staging / "book",
        ignore=shutil.ignore_patterns(
            "_generated", ".ipynb_checkpoints", "figures", "downloads", "pages", "*.ipynb"
        ),
    )


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
