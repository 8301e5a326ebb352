"""Content fingerprints of a build's inputs, so that unchanged chapters are not run again.

A chapter's key covers everything its notebook's output depends on: the data's content (not its
file date), the ward populations, the reference configuration, the parameters, the notebook itself,
and the csa_stats code (its version and the content of its source files). The site's key adds the
hand-written pages and the book's configuration. The build date is not an input: a site rebuilt
with nothing changed is the same site, and keeps the date it was built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from csa_stats import __version__, paths
from csa_stats.params import RunParameters


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (data files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_digest(root: Path, patterns: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """SHA-256 over the relative paths and contents of the files under ``root`` matching
    ``patterns``, in a fixed order; paths containing a part in ``exclude`` are left out."""
    skip = set(exclude)
    files = sorted(
        {p for pattern in patterns for p in root.rglob(pattern) if p.is_file()}
        - {p for p in root.rglob("*") if skip & set(p.relative_to(root).parts)}
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


def _combine(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def inputs_digest(params: RunParameters) -> str:
    """Digest of what every chapter depends on (everything but the chapter's own notebook)."""
    data = Path(params.data_path) if params.data_path else paths.demo_incidents_path()
    if params.source == "police-uk":
        from csa_stats.sources.policeuk import find_files, lookup_files

        # the ingest's own fingerprints: a folder's files (or a zip's members) and the lookups
        lookups = Path(params.lookups_path)
        data_digest = hashlib.sha256(
            "".join(
                [f.fingerprint for f in find_files(data)]
                + [f"{p.name}:{file_digest(p)}" for p in lookup_files(lookups)]
            ).encode()
        ).hexdigest()
    else:
        data_digest = file_digest(data)
    population = (
        Path(params.population_path) if params.population_path else paths.demo_population_path()
    )
    package = Path(__file__).parent
    return _combine(
        {
            "parameters": params.model_dump_json(),
            "data": data_digest,
            "population": file_digest(population),
            "reference": tree_digest(paths.reference_dir(), ["*"]),
            "indicators": file_digest(
                Path(params.indicators_path)
                if params.indicators_path
                else paths.demo_dir() / "indicators.csv"
            ),
            "version": __version__,
            "code": tree_digest(package, ["*.py", "*.mplstyle"], exclude=["__pycache__"]),
        }
    )


def chapter_key(inputs: str, notebook: Path) -> str:
    """A chapter's key: the shared inputs and its own notebook."""
    return _combine({"inputs": inputs, "notebook": file_digest(notebook)})


def site_key(chapter_keys: dict[str, str]) -> str:
    """The site's key: every chapter's key, the hand-written pages and the book's configuration."""
    root = paths.project_root()
    return _combine(
        {
            "chapters": json.dumps(chapter_keys, sort_keys=True),
            "pages": tree_digest(
                paths.book_dir(), ["*.md", "*.css", "*.png", "*.svg"], ["chapters"]
            ),
            "style": tree_digest(Path(__file__).parent / "static", ["*.css"]),
            "config": "".join(
                file_digest(root / name) for name in ("_config.yml", "_toc.yml", "CHANGELOG.md")
            ),
        }
    )
