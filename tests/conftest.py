"""Shared fixtures: small hand-built incident tables with known answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from csa_stats.schema import COLUMNS, FLAG_COLUMNS, to_storage_types
from csa_stats.taxonomy import Area, load_area, offence_table

#: The shared folder of third-party data, beside the project checkout (read in place, never copied).
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def area() -> Area:
    return load_area("coventry")


@pytest.fixture(scope="session")
def make_incidents(area: Area) -> Callable[[list[tuple[str, str, str]]], pd.DataFrame]:
    """Build a valid tidy table from (month, offence code, ward code) triples."""
    offences = offence_table()

    def build(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
        records = []
        for i, (month, code, ward) in enumerate(rows):
            offence = offences.loc[code]
            records.append(
                {
                    "incident_id": f"T{i}",
                    "month": pd.Timestamp(f"{month}-01"),
                    "date": pd.NaT,
                    "hour": pd.NA,
                    "offence_code": code,
                    "offence": offence["name"],
                    "offence_group": offence["group"],
                    "offence_subgroup": offence["subgroup"],
                    "crime_type": offence["police_uk_type"],
                    "is_crime": bool(offence["crime"]),
                    "ward_code": ward,
                    "ward_name": area.wards[ward],
                    "lsoa_code": pd.NA,
                    **dict.fromkeys(FLAG_COLUMNS, pd.NA),
                    "hate_strand": None,
                    "victim_age_band": None,
                    "victim_sex": None,
                    "source": "extract",
                }
            )
        frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
        frame["month"] = frame["month"].astype("datetime64[ns]")
        frame["date"] = frame["date"].astype("datetime64[ns]")
        frame["hour"] = frame["hour"].astype("Int8")
        frame["lsoa_code"] = frame["lsoa_code"].astype("string")
        for flag in FLAG_COLUMNS:
            frame[flag] = frame[flag].astype("boolean")
        return to_storage_types(frame)

    return build
