"""Every source of incident records, and the one contract they share.

A source turns the run's parameters and the area into the tidy incident table
(:mod:`csa_stats.sources.schema`), validated, with what reading it found (:class:`Loaded`). Its
entry here says what its input is (a file, or a folder or archive), whether it needs the ONS
lookups, how to fingerprint the input cheaply (for the edition's manifest), how to name it on a
page, and how to load it. A new source is a module beside the others and one entry in
:data:`SOURCES`: the parameters, the command line, the edition and the pages read everything else
from here.

Adapters are imported when a source is used, so that naming the sources (the command line's help)
costs nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from csa_stats import paths
from csa_stats.sources.inputs import Kind

if TYPE_CHECKING:
    import pandas as pd

    from csa_stats.params import RunParameters
    from csa_stats.reference.taxonomy import Area


@dataclass(frozen=True)
class Loaded:
    """A source's validated tidy table and, in sentences, what reading it found."""

    incidents: pd.DataFrame
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """An input format of incident records."""

    name: str
    #: What the data path must be; ``None``: the source needs no path (it has a default).
    data_kind: Kind | None
    #: The source in words for the pages, from the data path: plain text, which the pages escape
    #: (a file name is the user's).
    describe: Callable[[str], str]
    #: A content digest of the input (its files' bytes, or the ingest's own fingerprints).
    fingerprint: Callable[[RunParameters], str]
    #: Read and validate the input: ``load(params, area, write_cache)``.
    load: Callable[[RunParameters, Area, bool], Loaded]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the embedded demonstration data ------------------------------------------------------------


def _demo_path(params: RunParameters) -> Path:
    return Path(params.data_path) if params.data_path else paths.demo_incidents_path()


def _load_demo(params: RunParameters, area: Area, write_cache: bool) -> Loaded:
    from csa_stats.sources.demo import read_demo
    from csa_stats.sources.schema import validate_incidents

    path = _demo_path(params)
    return Loaded(validate_incidents(read_demo(path), area, str(path)))


# --- a partnership's record-level extract -------------------------------------------------------


def _load_extract(params: RunParameters, area: Area, write_cache: bool) -> Loaded:
    from csa_stats.sources.extract import read_extract
    from csa_stats.sources.schema import validate_incidents

    path = Path(params.data_path)
    return Loaded(validate_incidents(read_extract(path), area, str(path)))


# --- police.uk street-level files ---------------------------------------------------------------


def lookup_folders(params: RunParameters) -> list[Path]:
    """The ONS lookups police.uk records are placed with: the folder given, or the project's
    committed reference geography (and the national 2011 lookup, once fetched)."""
    from csa_stats.reference.geography import lookup_folders as committed

    return [Path(params.lookups_path)] if params.lookups_path else committed()


def _policeuk_fingerprint(params: RunParameters) -> str:
    from csa_stats.sources.policeuk import find_files, lookup_files

    # the ingest's own fingerprints: a folder's files (or a zip's members), and the lookups' bytes
    parts = [f.fingerprint for f in find_files(Path(params.data_path))]
    parts += [f"{p.name}:{_file_sha256(p)}" for p in lookup_files(lookup_folders(params))]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def _load_policeuk(params: RunParameters, area: Area, write_cache: bool) -> Loaded:
    from csa_stats.sources.policeuk import ingest

    ingested = ingest(
        Path(params.data_path),
        area,
        lookup_folders(params),
        paths.policeuk_cache_dir(),
        write_cache=write_cache,
    )
    return Loaded(ingested.incidents, tuple(ingested.report.lines()))


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name="demo",
            data_kind=None,
            describe=lambda _path: "synthetic demonstration data (not real police records)",
            fingerprint=lambda params: _file_sha256(_demo_path(params)),
            load=_load_demo,
        ),
        Source(
            name="extract",
            data_kind="file",
            describe=lambda path: f"partnership extract {Path(path).name}",
            fingerprint=lambda params: _file_sha256(Path(params.data_path)),
            load=_load_extract,
        ),
        Source(
            name="police-uk",
            data_kind="file or folder",
            describe=lambda path: f"police.uk street-level data ({Path(path).name})",
            fingerprint=_policeuk_fingerprint,
            load=_load_policeuk,
        ),
    )
}


def source_names() -> tuple[str, ...]:
    """The names of the sources, as ``--source`` takes them."""
    return tuple(SOURCES)
