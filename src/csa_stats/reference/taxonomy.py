"""Offence taxonomy and areas, read from ``data/reference/*.yml``.

Definitions live in configuration so that a partnership can change them without touching code.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from csa_stats import paths
from csa_stats.reference.policy import SAFE_LOADER

if TYPE_CHECKING:  # pandas is imported where a table is made: knowing an area needs none
    import pandas as pd


@dataclass(frozen=True)
class Area:
    """A local authority the publication can be built for (see :mod:`csa_stats.geography`)."""

    key: str
    name: str
    lad_code: str
    census_2021_population: int | None  # None where data/reference/areas.yml does not give it
    city_centre_ward: str | None  # None: no city-centre ward configured for this area
    wards: dict[str, str]  # ward code -> ward name
    lsoas: tuple[str, ...] = ()  # its LSOA 2021 codes, from the ONS lookup
    partnership: str | None = (
        None  # its community safety partnership's name, where areas.yml gives it
    )

    @property
    def ward_codes(self) -> list[str]:
        """Ward codes in code order."""
        return sorted(self.wards)

    def as_record(self) -> dict[str, Any]:
        """The area as JSON-ready values (:meth:`from_record` makes it again)."""
        return {**dataclasses.asdict(self), "lsoas": list(self.lsoas)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Area:
        """The area :meth:`as_record` gave."""
        return cls(**{**record, "wards": dict(record["wards"]), "lsoas": tuple(record["lsoas"])})


def _read_yaml(path: Path) -> dict:
    stat = path.stat()
    return copy.deepcopy(_parse_yaml(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=16)
def _parse_yaml(path: Path, mtime_ns: int, size: int) -> dict:
    """Parse a reference file once per version of it (the key includes its time and size)."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=SAFE_LOADER)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=4)
def offence_table(path: Path | None = None) -> pd.DataFrame:
    """Return the offence taxonomy as a table indexed by offence code.

    Columns: name, group, subgroup, police_uk_type, person_victim, crime.
    """
    import pandas as pd

    path = path or paths.reference_file(paths.OFFENCES)
    raw = _read_yaml(path)["offences"]
    table = pd.DataFrame.from_dict(raw, orient="index")
    table.index = table.index.astype(str)
    table.index.name = "offence_code"
    table["crime"] = (
        table.get("crime", pd.Series(True, index=table.index)).fillna(True).astype(bool)
    )
    table["person_victim"] = table["person_victim"].astype(bool)
    return table


@lru_cache(maxsize=4)
def reference_lists(path: Path | None = None) -> dict[str, list[str]]:
    """Return the controlled vocabularies: police.uk types, age bands, sexes, hate strands."""
    path = path or paths.reference_file(paths.OFFENCES)
    raw = _read_yaml(path)
    keys = ("police_uk_types", "age_bands", "sexes", "hate_strands")
    return {key: [str(v) for v in raw[key]] for key in keys}


def load_area(key: str = "coventry", path: Path | None = None) -> Area:
    """Return an area: a key of ``areas.yml``, or any local authority district of England and
    Wales by its ONS code or name (:func:`csa_stats.geography.resolve_area`). Its wards and
    LSOAs come from the ONS lookup (``data/reference/geography/``).

    Raises
    ------
    ParameterError
        If no area matches, naming the configured ones and the closest names.
    """
    from csa_stats.reference.geography import resolve_area

    return resolve_area(key, areas_path=path or paths.reference_file(paths.AREAS))


def financial_year_presets(path: Path | None = None) -> dict[str, str]:
    """Financial-year presets: name (``"2023/24"``) -> period end month (``"2024-03"``)."""
    path = path or paths.reference_file(paths.PERIODS)
    return {str(k): str(v) for k, v in _read_yaml(path)["financial_years"].items()}
