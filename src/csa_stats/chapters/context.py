"""What a chapter notebook works from: the edition, opened for the chapter, and its output folder.

A notebook's parameters are the edition's manifest (and, for a priority chapter, the priority);
its first code cell is ``ch = open_chapter(edition, "key_findings")``, and everything it shows
comes from ``ch`` and the functions of this package. The chapter reads the tables it declares
(:data:`csa_stats.chapters.CHAPTERS`) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csa_stats.chapters import chapter_spec
from csa_stats.edition import Edition, open_edition, prepare_edition
from csa_stats.params import RunParameters
from csa_stats.reference.taxonomy import Area


@dataclass(frozen=True)
class Chapter:
    """A chapter's edition and the folder its figures and downloads go to."""

    edition: Edition
    out_dir: Path
    #: Tables a chapter works out once and shows in several sections (its measures' changes).
    worked: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def params(self) -> RunParameters:
        """The edition's parameters (the period end resolved)."""
        return self.edition.params

    @property
    def area(self) -> Area:
        """The area the edition is for."""
        return self.edition.area

    @property
    def incidents(self) -> pd.DataFrame:
        """The validated tidy incident table."""
        return self.edition.incidents

    @property
    def population(self) -> pd.DataFrame:
        """Ward resident populations."""
        return self.edition.population

    @property
    def boundaries(self) -> pd.DataFrame | None:
        """The area's ward boundaries, or ``None`` where it has none (no map is drawn)."""
        return self.edition.boundaries

    @property
    def is_demo(self) -> bool:
        """True when the chapter is built from the embedded demonstration data."""
        return self.edition.is_demo

    @property
    def demo_populations(self) -> bool:
        """True when the ward populations are the embedded demonstration values (no
        ``population_path``): then every rate per resident is illustrative, whatever the data."""
        return self.edition.demo_populations

    def population_note(self) -> str:
        """The sentence every table or chart of rates per resident carries: which ward
        populations the rates use, and, when they are demonstration values, that the rates are
        illustrative; empty when they were supplied (``--population``)."""
        kind = self.edition.manifest.population
        if kind == "given":
            return ""
        if kind == "census":
            return (
                "Rates per 1,000 residents use Census 2021 usual residents by ward (ONS, from "
                "Nomis)."
            )
        if kind == "demo" and self.is_demo:
            return (
                "Ward populations are **demonstration values** that add up to the Census 2021 "
                f"population of {self.area.name}; real ward populations can be supplied as an input."
            )
        if kind == "demo":
            return (
                "**These rates are illustrative:** the ward populations are demonstration values "
                f"(adding up to {self.area.name}'s Census 2021 population), not real ones; supply "
                "real ward populations with `--population` to publish rates per resident."
            )
        return (
            "**These rates are illustrative:** the ward populations are demonstration values "
            "(each ward's LSOAs times 1,670 residents, about the average LSOA), not counts; "
            "`csa-stats fetch --populations --area AREA` fetches the Census 2021 ward populations "
            "(or supply them with `--population`)."
        )

    @property
    def data_span(self) -> tuple[pd.Period, pd.Period]:
        """First and last month of the data."""
        return self.edition.data_span


def open_chapter(edition: str = "", chapter: str = "", out_dir: Path | None = None) -> Chapter:
    """Open the edition for a chapter: the manifest ``edition`` (relative to the project's root,
    as the build passes it), with the tables ``chapter`` declares.

    With no ``edition`` (a notebook opened by hand, not run by the build), the reference edition
    is made, or reused if it is made already. ``out_dir`` (default: the working directory, which
    papermill and nbval set to the notebook's folder) receives the chapter's figures and
    downloads.
    """
    parts = chapter_spec(chapter).inputs if chapter else None
    opened = open_edition(edition, parts) if edition else prepare_edition({})
    return Chapter(opened, out_dir or Path.cwd())
