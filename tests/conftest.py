"""Shared fixtures: small hand-built incident tables with known answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from csa_stats.reference.taxonomy import Area, load_area, offence_table
from csa_stats.sources.schema import COLUMNS, FLAG_COLUMNS, to_storage_types

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


#: The demo build the site tests share: the 12 months to March 2024, built on a fixed date.
SITE_PERIOD_END = "2024-03"
SITE_BUILT = dt.date(2026, 1, 31)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A whole demo build into a temporary folder: (site folder, executed notebooks folder)."""
    from csa_stats.build.pipeline import build
    from csa_stats.chapters import CHAPTERS
    from csa_stats.params import parse_parameters

    root = tmp_path_factory.mktemp("build")
    result = build(
        parse_parameters({"period_end": SITE_PERIOD_END}),
        site_dir=root / "html",
        chapters_dir=root / "chapters",
        progress=False,
        today=SITE_BUILT,
        cache_dir=root / "cache",
    )
    assert set(result.executed) == {c.name for c in CHAPTERS}  # a cold cache runs every chapter
    return result.site, root / "chapters"


def pytest_collection_finish(session: pytest.Session) -> None:
    """nbval runs the executed chapters in book/chapters, which open the reference edition (their
    one parameter): make it first, or find it made (a fresh clone has no ``_build``)."""
    if any(item.nodeid.startswith("book/chapters") for item in session.items):
        from csa_stats.edition import prepare_edition

        prepare_edition({})
