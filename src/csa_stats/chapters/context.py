"""What a chapter notebook needs, prepared in one call from its parameters.

A notebook's first code cell is ``ch = open_chapter(period_end=..., ...)``; everything it shows comes
from ``ch`` and the functions of this package.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from csa_stats import paths
from csa_stats.params import RunParameters, check_against_data, parse_parameters
from csa_stats.reference.policy import load_all
from csa_stats.reference.taxonomy import Area, load_area
from csa_stats.sources.demo import read_demo
from csa_stats.sources.extract import read_extract
from csa_stats.sources.inputs import read_deadline
from csa_stats.sources.policeuk import Ingested, ingest
from csa_stats.sources.population import read_population
from csa_stats.sources.schema import validate_incidents

if TYPE_CHECKING:
    from csa_stats.chapters.serious_violence import Assessment


@dataclass(frozen=True)
class Chapter:
    """A chapter's parameters, area, validated incidents, ward populations and output folder."""

    params: RunParameters
    area: Area
    incidents: pd.DataFrame
    population: pd.DataFrame
    out_dir: Path

    @property
    def is_demo(self) -> bool:
        """True when the chapter is built from the embedded demonstration data."""
        return self.params.source == "demo"

    @property
    def demo_populations(self) -> bool:
        """True when the ward populations are the embedded demonstration values (no
        ``population_path``): then every rate per resident is illustrative, whatever the data."""
        return not self.params.population_path

    def population_note(self) -> str:
        """The sentence every table or chart of rates per resident carries when the ward
        populations are demonstration values; empty when they are real."""
        if not self.demo_populations:
            return ""
        if self.is_demo:
            return (
                "Ward populations are **demonstration values** that add up to the Census 2021 "
                f"population of {self.area.name}; real ward populations can be supplied as an input."
            )
        return (
            "**These rates are illustrative:** the ward populations are demonstration values "
            f"(adding up to {self.area.name}'s Census 2021 population), not real ones; supply real "
            "ward populations with `--population` to publish rates per resident."
        )

    @property
    def data_span(self) -> tuple[pd.Period, pd.Period]:
        """First and last month of the data."""
        month = self.incidents["month"]
        return pd.Period(month.min(), "M"), pd.Period(month.max(), "M")


def load_incidents(params: RunParameters, area: Area) -> pd.DataFrame:
    """Read the incidents the parameters name and validate them against the schema."""
    if params.source == "demo":
        path = Path(params.data_path) if params.data_path else paths.demo_incidents_path()
        frame = read_demo(path)
    elif params.source == "police-uk":
        return _ingest_police_uk(params, area).incidents  # validated there
    else:
        path = Path(params.data_path)
        frame = read_extract(path)
    return validate_incidents(frame, area, str(path))


#: Whether reading police.uk files may write the cache: `csa-stats check` turns it off (it writes
#: nothing); builds and notebooks leave it on.
WRITE_CACHE = True


def _ingest_police_uk(params: RunParameters, area: Area) -> Ingested:
    """police.uk files read once into the cache that builds, checks and notebooks share."""
    cache = paths.build_dir() / "cache" / "police-uk"
    return ingest(
        Path(params.data_path), area, Path(params.lookups_path), cache, write_cache=WRITE_CACHE
    )


def source_findings(params: RunParameters, area: Area) -> list[str]:
    """What reading the source found, in sentences: police.uk's ingest report (missing months,
    repeated records, rows with no location or outside the area...); nothing for other sources,
    whose rows are checked one by one and refused if wrong."""
    if params.source != "police-uk":
        return []
    return _ingest_police_uk(params, area).report.lines()


def prepare(params: RunParameters) -> tuple[Area, pd.DataFrame, pd.DataFrame]:
    """Load and check everything a build needs; raise on the first problem."""
    load_all()  # a wrong policy or definition file stops the build before anything runs
    area = load_area(params.area)
    incidents = load_incidents(params, area)
    first, last = pd.Period(incidents["month"].min(), "M"), pd.Period(incidents["month"].max(), "M")
    check_against_data(params, first, last)
    population_path = Path(params.population_path) if params.population_path else None
    population = read_population(area, population_path)
    return area, incidents, population


def peer_population_path(params: RunParameters) -> Path:
    """The local authorities' populations for the peer comparison: given, or West Midlands'."""
    if params.peer_population_path:
        return Path(params.peer_population_path)
    return paths.reference_file(paths.PEER_POPULATION)


def check_inputs(params: RunParameters) -> tuple[Area, pd.DataFrame, pd.DataFrame, Assessment]:
    """Everything :func:`prepare` checks, and the inputs only one chapter reads (the
    supplementary indicators, the peer files and populations), so that a wrong one stops the
    build before any notebook runs, not 30 seconds into the plan on a page. Each input is read
    within the time limit (``data/reference/limits.yml``). Returns the area, incidents and ward
    populations, and the serious-violence assessment the front page shows (made once, here)."""
    from csa_stats.analysis import peers
    from csa_stats.analysis.indicators import latest_changes
    from csa_stats.sources.indicators import read_indicator_table

    with read_deadline(params.data_path or "the demo data"):
        area, incidents, population = prepare(params)
    indicators = Path(params.indicators_path) if params.indicators_path else None
    with read_deadline(str(indicators or "the demo indicators")):
        latest_changes(read_indicator_table(indicators), area.name, params.period_end)
    if params.peers_path:
        with read_deadline(params.peers_path):
            peers.read_lad_population(peer_population_path(params))
            peers.lad_counts(Path(params.peers_path), Path(params.lookups_path), params.period)
    # The front page's serious-violence verdict is made before the notebooks (pipeline.build);
    # anything that stops it (too few months for the projection) is found here, in check too.
    from csa_stats.chapters import serious_violence

    with tempfile.TemporaryDirectory() as scratch:
        front = Chapter(params, area, incidents, population, Path(scratch))
        assessment = serious_violence.assess_all(front)
    return area, incidents, population, assessment


def open_chapter(out_dir: Path | None = None, **values: Any) -> Chapter:
    """Validate the notebook's parameters, load the data and return the chapter's context.

    ``out_dir`` (default: the working directory, which papermill and nbval set to the notebook's
    folder) receives the chapter's figures and downloads.
    """
    params = parse_parameters(values)
    area, incidents, population = prepare(params)
    return Chapter(params, area, incidents, population, out_dir or Path.cwd())
