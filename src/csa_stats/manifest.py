"""What an edition is made from, and what it records: each input's path and digest, the key that
names the edition's folder, and its manifest.

All of it is found from the inputs' bytes without reading a table (this module imports no
pandas), so a build can tell that nothing changed in a fraction of a second: the same request
key finds the same folder, whose manifest gives every chapter's key
(:mod:`csa_stats.build.fingerprint`). :mod:`csa_stats.edition` reads, checks and writes the
tables themselves.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csa_stats import __version__, paths
from csa_stats.files import file_digest, tree_digest
from csa_stats.params import RunParameters, parse_parameters
from csa_stats.sources.registry import SOURCES

if TYPE_CHECKING:
    from csa_stats.reference.taxonomy import Area

#: The tables an edition holds, by the name of the input they come from.
PARTS: dict[str, str] = {
    "data": "incidents.parquet",
    "boundaries": "boundaries.parquet",
    "population": "population.parquet",
    "indicators": "indicators.parquet",
    "peers": "peers.parquet",
    "peer_population": "peer_population.parquet",
}
#: Inputs every chapter depends on besides its own: the policy and reference files, and the code
#: that makes editions.
SHARED_INPUTS = ("reference", "edition_code")
#: The folder of the reference edition (demo data, every parameter at its default).
REFERENCE = "reference"


@dataclass(frozen=True)
class Manifest:
    """What an edition is: its parameters, area and months, and each input's path and digest."""

    key: str
    parameters: dict[str, Any]
    area: str
    first_month: str
    last_month: str
    #: input name -> {"path": where it was read (empty: the embedded default), "sha256": digest}
    inputs: dict[str, dict[str, str]]
    #: part name -> SHA-256 of the table written
    tables: dict[str, str]
    findings: tuple[str, ...] = ()
    peers_unplaced: int = 0
    #: where the ward populations come from (:data:`POPULATION_KINDS`)
    population: str = "demo"
    version: str = __version__

    def digest(self, names: Iterable[str]) -> str:
        """One digest of the resolved parameters and the named inputs (with the shared ones):
        what a chapter that reads those inputs depends on."""
        chosen = sorted({*names, *SHARED_INPUTS})
        return combine(
            {
                "parameters": json.dumps(self.parameters, sort_keys=True),
                "area": self.area,
                **{name: self.inputs.get(name, {}).get("sha256", "") for name in chosen},
            }
        )

    def to_json(self) -> str:
        """The manifest as JSON."""
        return json.dumps({**self.__dict__, "findings": list(self.findings)}, indent=1) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest in ``path``."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**raw, "findings": tuple(raw.get("findings", ()))})


def combine(parts: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(parts), sort_keys=True).encode()).hexdigest()


def edition_code() -> str:
    """Digest of the code that makes an edition: a change there makes every edition anew."""
    package = Path(__file__).parent
    modules = [
        package / name
        for name in ("edition.py", "manifest.py", "params.py", "paths.py", "files.py", "errors.py")
    ]
    parts = {str(p.name): file_digest(p) for p in modules}
    for folder in ("sources", "reference"):
        parts[folder] = tree_digest(package / folder, ["*.py"], exclude=["__pycache__"])
    return combine(parts)


#: What the ward populations are, by where they come from.
POPULATION_KINDS = {
    "given": "the ward populations supplied",
    "census": "Census 2021 usual residents by ward (fetched from Nomis)",
    "demo": "the demonstration ward populations",
    "demonstration": "demonstration ward populations made from each ward's LSOAs",
}


def population_kind(params: RunParameters, area: Area) -> str:
    """Where the ward populations come from: ``given`` (``--population``), ``census`` (fetched
    by ``csa-stats fetch --populations``), ``demo`` (the demo's, for its area) or
    ``demonstration`` (made from the LSOA counts: illustrative)."""
    if params.population_path:
        return "given"
    if paths.ward_population_file(area.key).is_file():
        return "census"
    with paths.demo_population_path().open(encoding="utf-8", newline="") as handle:
        demo = {row["ward_code"] for row in csv.DictReader(handle)}
    return "demo" if demo == set(area.ward_codes) else "demonstration"


def input_paths(params: RunParameters, area: Area) -> dict[str, Path | None]:
    """Where each input is read from (``None``: not given and no default, or made in memory:
    demonstration ward populations)."""
    peers = bool(params.peers_path)
    kind = population_kind(params, area)
    return {
        "data": Path(params.data_path) if params.data_path else paths.demo_incidents_path(),
        "population": {
            "given": Path(params.population_path),
            "census": paths.ward_population_file(area.key),
            "demo": paths.demo_population_path(),
            "demonstration": None,
        }[kind],
        "indicators": (
            Path(params.indicators_path) if params.indicators_path else paths.demo_indicators_path()
        ),
        "boundaries": paths.boundaries_file(area.key),
        "peers": Path(params.peers_path) if peers else None,
        "peer_population": (
            (
                Path(params.peer_population_path)
                if params.peer_population_path
                else paths.reference_file(paths.PEER_POPULATION)
            )
            if peers
            else None
        ),
    }


def input_digests(params: RunParameters, area: Area) -> dict[str, dict[str, str]]:
    """Each input's path and content digest (the inputs' bytes, or police.uk's fingerprints), and
    the reference files' and the edition code's. Cheap: nothing is parsed."""
    where = input_paths(params, area)
    out: dict[str, dict[str, str]] = {}
    if where["population"] is None:  # made from the reference geography, whose digest is below
        out["population"] = {"path": "", "sha256": f"demonstration:{area.key}"}
    for name, path in where.items():
        if path is None:
            continue
        if name == "data":
            digest = SOURCES[params.source].fingerprint(params)
        elif name == "peers":
            peers = params.model_copy(update={"data_path": params.peers_path})
            digest = SOURCES["police-uk"].fingerprint(peers)
        else:
            digest = file_digest(path)
        given = {
            "boundaries": str(path.relative_to(paths.project_root()))
            if path.is_relative_to(paths.project_root())
            else str(path),
            "data": params.data_path,
            "population": params.population_path or (str(path) if name == "population" else ""),
            "indicators": params.indicators_path,
            "peers": params.peers_path,
            "peer_population": params.peer_population_path,
        }[name]
        out[name] = {"path": given, "sha256": digest}
    out["reference"] = {"path": "", "sha256": tree_digest(paths.reference_dir(), ["*"])}
    out["edition_code"] = {"path": "", "sha256": edition_code()}
    return out


def request_key(params: RunParameters, inputs: Mapping[str, Mapping[str, str]]) -> str:
    """The digest that names an edition's folder: the parameters as given (no paths: an input
    is its content) and every input's digest."""
    given = params.model_dump(
        exclude={
            "data_path",
            "population_path",
            "indicators_path",
            "peers_path",
            "peer_population_path",
            "lookups_path",
        }
    )
    return combine(
        {
            "parameters": json.dumps(given, sort_keys=True),
            **{name: record["sha256"] for name, record in inputs.items()},
            "version": __version__,
        }
    )


def is_reference(params: RunParameters) -> bool:
    """Whether these (requested) parameters make the reference edition: the embedded demo data
    with every parameter at its default (a period end, if given, the data's last month)."""
    default = parse_parameters({})
    if params == default:
        return True
    if params.source != "demo" or params.data_path or params.period_end is None:
        return False
    import pandas as pd  # only when a period end is given

    last = pd.read_parquet(paths.demo_incidents_path(), columns=["month"])["month"].max()
    return params == default.resolved(pd.Period(last, "M"))


def edition_folder(params: RunParameters, key: str, editions_dir: Path | None = None) -> Path:
    """The folder of the edition these parameters ask for: ``reference`` for the reference
    edition, else named by the request's key."""
    return (editions_dir or paths.editions_dir()) / (
        REFERENCE if is_reference(params) else key[:16]
    )


def made_manifest(folder: Path, key: str) -> Manifest | None:
    """The manifest in ``folder`` if that edition was made for ``key`` (its tables unread)."""
    try:
        manifest = Manifest.read(folder / paths.MANIFEST)
    except (OSError, ValueError, TypeError):
        return None
    return manifest if manifest.key == key else None
