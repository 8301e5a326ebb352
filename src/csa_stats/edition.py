"""One validated edition, made once and handed to every chapter.

The edition stage reads like the flow it starts: the policy files, the parameters, the area, the
source's records, the period against the data, the ward populations, the supplementary indicators
and the peer comparison. Every input is read and checked here, in ``csa-stats check`` and
``csa-stats build`` alike, before any notebook runs: a wrong one stops the run with one line
naming the parameter, or the file, column and row (a :class:`~csa_stats.errors.UserError`).

What the stage makes is written once, whole or not at all, as a folder under ``_build/editions/``:
each table as parquet and ``manifest.json``, which records the parameters (with the period end
the data gave), the area, the months the data hold, what reading the source found, and the path
and SHA-256 digest of every input and of every table written. Chapters open the folder
(:func:`open_edition`); nothing re-reads or re-checks the raw inputs. The folder is named by the
digest of the request (the parameters as given, every input's content, the reference files and
the code that makes editions), so a folder can only ever answer for the inputs it was made from;
an unchanged request finds it made and reads nothing else. The reference edition (the embedded
demo data, every parameter at its default) is kept under the fixed name ``reference``: the
executed chapters committed with the project open it there.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.files import file_digest, write_text
from csa_stats.manifest import (
    PARTS,
    REFERENCE,
    Manifest,
    edition_folder,
    input_digests,
    input_paths,
    is_reference,
    made_manifest,
    population_kind,
    request_key,
)
from csa_stats.params import RunParameters, check_against_data, parse_parameters
from csa_stats.reference.definitions import load_serious_violence
from csa_stats.reference.policy import load_all
from csa_stats.reference.taxonomy import Area, load_area
from csa_stats.sources.indicators import read_indicator_table
from csa_stats.sources.inputs import read_deadline
from csa_stats.sources.population import (
    demonstration_population,
    read_lad_population,
    read_population,
)
from csa_stats.sources.registry import SOURCES, lookup_folders
from csa_stats.sources.schema import to_storage_types

__all__ = [
    "REFERENCE",
    "Edition",
    "EditionError",
    "in_memory",
    "is_reference",
    "manifest_path",
    "open_edition",
    "prepare_edition",
    "prune",
]

#: Editions kept (the most recently used), besides the reference edition.
KEEP = 6


class EditionError(UserError):
    """An edition cannot be opened (missing, or not what its manifest says)."""


@dataclass(frozen=True)
class Edition:
    """A validated edition: its parameters (the period end resolved), area and tables.

    Tables not opened (:func:`open_edition`'s ``parts``) are not there: asking for one is an
    error, so a chapter reads only the inputs it declares, and its cache key holds them all.
    """

    manifest: Manifest
    params: RunParameters
    area: Area
    tables: dict[str, pd.DataFrame | None] = field(repr=False)
    folder: Path | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        """A table of the edition (``None``: the edition has none, as peers without ``--peers``)."""
        if name not in self.tables:
            raise EditionError(f"the edition was opened without its {name!r} table")
        return self.tables[name]

    def _required(self, name: str) -> pd.DataFrame:
        table = self.table(name)
        if table is None:
            raise EditionError(f"the edition has no {name!r} table")
        return table

    @property
    def incidents(self) -> pd.DataFrame:
        """The validated tidy incident table."""
        return self._required("data")

    @property
    def population(self) -> pd.DataFrame:
        """Ward resident populations (``ward_code, ward_name, population``)."""
        return self._required("population")

    @property
    def indicators(self) -> pd.DataFrame:
        """The supplementary indicators table."""
        return self._required("indicators")

    @property
    def boundaries(self) -> pd.DataFrame | None:
        """The area's ward boundaries (a GeoDataFrame in British National Grid), or ``None``
        where it has none."""
        return self.table("boundaries")

    @property
    def peers(self) -> pd.DataFrame | None:
        """Every local authority's police.uk records in the period (``None`` without peers)."""
        return self.table("peers")

    @property
    def peer_population(self) -> pd.DataFrame | None:
        """The local authorities' populations (index: LAD code), with the peers."""
        return self.table("peer_population")

    @property
    def findings(self) -> tuple[str, ...]:
        """What reading the source found, in sentences."""
        return self.manifest.findings

    @property
    def is_demo(self) -> bool:
        """True when built from the embedded demonstration data."""
        return self.params.source == "demo"

    @property
    def demo_populations(self) -> bool:
        """True when the ward populations are demonstration values (the demo's, or made from
        the LSOA counts): then every rate per resident is illustrative."""
        return self.manifest.population in ("demo", "demonstration")

    @property
    def data_span(self) -> tuple[pd.Period, pd.Period]:
        """First and last month of the data."""
        return pd.Period(self.manifest.first_month, "M"), pd.Period(self.manifest.last_month, "M")

    def source_label(self) -> str:
        """The data source in words (plain text: the pages escape it)."""
        return SOURCES[self.params.source].describe(self.params.data_path)


def in_memory(
    params: RunParameters,
    area: Area,
    incidents: pd.DataFrame,
    population: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
) -> Edition:
    """An edition of tables already in hand (checked by the caller), written nowhere: for an
    analyst's session or a test. The period end must be given."""
    months = incidents["month"] if len(incidents) else pd.Series([pd.Timestamp("2000-01-01")])
    manifest = Manifest(
        key="",
        parameters=json.loads(params.model_dump_json()),
        area=area.lad_code,
        first_month=pd.Period(months.min(), "M").strftime("%Y-%m"),
        last_month=pd.Period(months.max(), "M").strftime("%Y-%m"),
        inputs={},
        tables={},
        population="given" if params.population_path else "demo",
    )
    tables: dict[str, pd.DataFrame | None] = dict.fromkeys(PARTS)
    tables |= {"data": incidents, "population": population, "indicators": indicators}
    return Edition(manifest, params, area, tables)


def _read(params: RunParameters, write_cache: bool) -> tuple[Edition, dict[str, pd.DataFrame]]:
    """Read and check every input (the stage's work, in order); nothing is written but the
    police.uk ingest's cache (when ``write_cache``)."""
    load_all()
    area = load_area(params.area)
    where = input_paths(params, area)
    source = SOURCES[params.source]
    with read_deadline(params.data_path or "the demo data"):
        loaded = source.load(params, area, write_cache)
    months = loaded.incidents["month"]
    first, last = pd.Period(months.min(), "M"), pd.Period(months.max(), "M")
    resolved = params.resolved(last)
    check_against_data(resolved, first, last, load_serious_violence().min_months)
    tables: dict[str, pd.DataFrame] = {"data": loaded.incidents}
    population_path = where["population"]
    if population_path is None:
        tables["population"] = demonstration_population(area)
    else:
        with read_deadline(str(population_path)):
            tables["population"] = read_population(area, population_path)
    indicators_path = where["indicators"]
    assert indicators_path is not None
    with read_deadline(str(indicators_path)):
        tables["indicators"] = read_indicator_table(indicators_path)
    boundaries = where["boundaries"]
    if boundaries is not None:
        from csa_stats.reference.boundaries import load_ward_boundaries

        with read_deadline(str(boundaries)):
            tables["boundaries"] = load_ward_boundaries(boundaries, area)
    unplaced = 0
    if params.peers_path:
        from csa_stats.sources.policeuk import ingest_force

        peers_path, lad_path = where["peers"], where["peer_population"]
        assert peers_path is not None and lad_path is not None
        with read_deadline(params.peers_path):
            tables["peer_population"] = read_lad_population(lad_path)
            window = resolved.period
            wanted = {str(p) for p in pd.period_range(window.start, window.end, freq="M")}
            force = ingest_force(peers_path, lookup_folders(params), wanted)
        tables["peers"] = force.records
        unplaced = force.unplaced
    manifest = Manifest(
        key="",
        parameters=json.loads(resolved.model_dump_json()),
        area=area.lad_code,
        first_month=first.strftime("%Y-%m"),
        last_month=last.strftime("%Y-%m"),
        inputs={},
        tables={},
        findings=loaded.findings,
        peers_unplaced=unplaced,
        population=population_kind(params, area),
    )
    edition = Edition(manifest, resolved, area, dict.fromkeys(PARTS) | tables)
    return edition, tables


def prepare_edition(
    values: Mapping[str, Any] | RunParameters,
    *,
    write: bool = True,
    reuse: bool = True,
    editions_dir: Path | None = None,
) -> Edition:
    """The edition for these parameters: every input read and checked, then written to its
    folder under ``editions_dir`` (default ``_build/cache/editions``) when ``write``; an
    unchanged request reuses the folder already made (``reuse``).

    ``csa-stats check`` passes ``write=False, reuse=False``: it reads and checks everything and
    writes nothing at all (not even the police.uk cache).

    Raises
    ------
    UserError
        The first input or parameter that is wrong, in one line naming it.
    """
    params = values if isinstance(values, RunParameters) else parse_parameters(dict(values))
    load_all()  # a wrong policy file is named before any input is read
    inputs = input_digests(params, load_area(params.area))
    key = request_key(params, inputs)
    folder = edition_folder(params, key, editions_dir)
    if reuse:
        made = _made(folder, key)
        if made is not None:
            return made
    edition, tables = _read(params, write_cache=write)
    if not write:
        return edition
    return _write(edition, tables, inputs, key, folder)


def _made(folder: Path, key: str) -> Edition | None:
    """The edition in ``folder`` if it was made for ``key`` and its tables are whole."""
    if made_manifest(folder, key) is None:
        return None
    try:
        return open_edition(folder / paths.MANIFEST)
    except EditionError:
        return None


def _write(
    edition: Edition,
    tables: dict[str, pd.DataFrame],
    inputs: dict[str, dict[str, str]],
    key: str,
    folder: Path,
) -> Edition:
    """Write the tables and the manifest in a new folder beside ``folder``, then put it in
    place: a reader finds the old edition or the new one, never half of one."""
    boundaries = input_paths(edition.params, edition.area)["boundaries"]
    if boundaries is not None:  # what a map drawn from them must say of their source
        from csa_stats.reference.boundaries import attribution

        inputs = {
            **inputs,
            "boundaries": {**inputs["boundaries"], "about": attribution(boundaries)},
        }
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=parent))
    try:
        digests = {}
        for name, table in tables.items():
            target = staged / PARTS[name]
            table.to_parquet(target, index=name == "peer_population")
            digests[name] = file_digest(target)
        manifest = Manifest(
            key=key,
            parameters=edition.manifest.parameters,
            area=edition.manifest.area,
            first_month=edition.manifest.first_month,
            last_month=edition.manifest.last_month,
            inputs=inputs,
            tables=digests,
            findings=edition.manifest.findings,
            peers_unplaced=edition.manifest.peers_unplaced,
            population=edition.manifest.population,
        )
        write_text(staged / paths.MANIFEST, manifest.to_json())
        old = parent / f".{folder.name}-old-{key[:8]}"
        if folder.exists():
            folder.rename(old)
        staged.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return Edition(manifest, edition.params, edition.area, edition.tables, folder)


def manifest_path(edition: Edition) -> str:
    """The edition's manifest as the chapters are given it: relative to the project's root (the
    executed chapters committed with the project name no path of one machine)."""
    if edition.folder is None:
        raise EditionError("the edition was not written (csa-stats check writes none)")
    path = edition.folder / paths.MANIFEST
    try:
        return str(path.relative_to(paths.project_root()))
    except ValueError:
        return str(path)


def open_edition(manifest: Path | str, parts: Iterable[str] | None = None) -> Edition:
    """Open a written edition: its manifest (relative to the project's root, or absolute) and the
    tables named in ``parts`` (default: all), each checked against its digest. No raw input is
    read and nothing is re-validated.

    Raises
    ------
    EditionError
        If the manifest is missing or a table is not the one it lists.
    """
    path = Path(manifest)
    if not path.is_absolute():
        path = paths.project_root() / path
    try:
        record = Manifest.read(path)
    except FileNotFoundError:
        raise EditionError(
            f"{path}: no such edition; `csa-stats build` makes it (or `make book` for the demo)"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise EditionError(f"{path}: not an edition's manifest ({error})") from None
    params = RunParameters.model_validate(record.parameters)
    wanted = list(PARTS) if parts is None else list(parts)
    tables: dict[str, pd.DataFrame | None] = {}
    for name in wanted:
        if name not in PARTS:
            raise EditionError(f"an edition has no {name!r} table (it has {', '.join(PARTS)})")
        if name not in record.tables:
            tables[name] = None
            continue
        table_path = path.parent / PARTS[name]
        try:
            same = file_digest(table_path) == record.tables[name]
        except OSError:
            same = False
        if not same:
            raise EditionError(f"{table_path}: not the table the manifest lists; build again")
        if name == "boundaries":
            import geopandas as gpd

            tables[name] = gpd.read_parquet(table_path)
            continue
        table = pd.read_parquet(table_path)
        tables[name] = to_storage_types(table) if name == "data" else table
    return Edition(record, params, load_area(record.area), tables, path.parent)


def prune(folder: Path | None = None, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently made editions (the reference edition stays)."""
    folder = folder or paths.editions_dir()
    if not folder.is_dir():
        return
    made = sorted(
        (p for p in folder.iterdir() if p.is_dir() and p.name != REFERENCE),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in made[keep:]:
        shutil.rmtree(old, ignore_errors=True)
