"""Generated police.uk street-level files, in the real layout and with the real files' quirks.

For tests, the benchmark and the fetch test's local server: never for the publication. Each month's
file has police.uk's 12 columns; crimes have a 64-character Crime ID and ASB rows a blank one; a share
of rows has no location (blank LSOA and coordinates); rows come from the area's LSOAs and from
neighbouring areas' LSOAs; months before ``lsoa_2021_from`` use the area's 2011 LSOA codes. Optional
quirks: a byte-order mark, a missing month. Fields are quoted only where a value needs it, as in
police.uk's own files; outcomes and places are drawn from police.uk's categories, so the files are
about as large as the real ones (about 225 bytes a row here; West Midlands' files: about 210).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from csa_stats.sources.policeuk import POLICE_UK_COLUMNS

#: police.uk crime types with rough relative weights in West Midlands street-level records.
TYPE_SHARES = {
    "Anti-social behaviour": 0.16,
    "Bicycle theft": 0.01,
    "Burglary": 0.06,
    "Criminal damage and arson": 0.08,
    "Drugs": 0.02,
    "Other crime": 0.02,
    "Other theft": 0.08,
    "Possession of weapons": 0.01,
    "Public order": 0.08,
    "Robbery": 0.02,
    "Shoplifting": 0.06,
    "Theft from the person": 0.01,
    "Vehicle crime": 0.08,
    "Violence and sexual offences": 0.41,
}

#: police.uk outcome categories for crimes with rough shares (ASB rows have no outcome).
OUTCOME_SHARES = {
    "Unable to prosecute suspect": 0.36,
    "Investigation complete; no suspect identified": 0.32,
    "Under investigation": 0.08,
    "Status update unavailable": 0.05,
    "Awaiting court outcome": 0.03,
    "Court result unavailable": 0.03,
    "Local resolution": 0.03,
    "Action to be taken by another organisation": 0.03,
    "Offender given a caution": 0.01,
    "Further investigation is not in the public interest": 0.02,
    "Formal action is not in the public interest": 0.02,
    "Further action is not in the public interest": 0.02,
}
#: Places as police.uk anonymises them ("On or near" a street or a kind of place).
PLACES = (
    "On or near Parking Area",
    "On or near Supermarket",
    "On or near Shopping Area",
    "On or near Petrol Station",
    "On or near Sports/recreation Area",
    "On or near Nightclub",
    "On or near Hospital",
    "On or near Police Station",
    "On or near High Street",
    "On or near Station Road",
    "On or near Church Road",
    "On or near Further/higher Educational Building",
)


@dataclass(frozen=True)
class Geography:
    """LSOA codes to draw rows from: the area's (2011 and 2021 codes) and its neighbours'."""

    area_2021: list[str]
    area_2011: list[str]
    neighbours: list[str]
    area_share: float = 0.11  # Coventry's share of West Midlands records, roughly


def geography_from_lookups(folder: Path, lad_code: str, neighbour_lads: list[str]) -> Geography:
    """The LSOAs of an area and of its neighbours, from the ONS lookups (read in place)."""
    national = next(
        f for f in sorted(folder.glob("*.csv")) if f.stat().st_size > 1_000_000
    )  # the national LSOA 2021 -> ward -> LAD lookup
    table = pd.read_csv(national, usecols=["LSOA21CD", "LAD22CD"], encoding="utf-8-sig")
    area_2021 = sorted(table.loc[table["LAD22CD"] == lad_code, "LSOA21CD"])
    neighbours = sorted(table.loc[table["LAD22CD"].isin(neighbour_lads), "LSOA21CD"])
    area_2011: list[str] = []
    for file in sorted(folder.glob("*.csv")):
        header = file.open(encoding="utf-8-sig").readline()
        if "LSOA11CD" in header and "LSOA21CD" in header:
            area_2011 = sorted(pd.read_csv(file, usecols=["LSOA11CD"])["LSOA11CD"].unique())
    return Geography(area_2021, area_2011 or area_2021, neighbours)


def month_frame(
    month: str,
    rows: int,
    geography: Geography,
    rng: np.random.Generator,
    lsoa_2021_from: str = "2022-01",
    no_location_share: float = 0.015,
    force: str = "West Midlands Police",
) -> pd.DataFrame:
    """One month's records in police.uk's 12 columns."""
    shares = np.array(list(TYPE_SHARES.values()))
    types = rng.choice(list(TYPE_SHARES), size=rows, p=shares / shares.sum())
    in_area = rng.random(rows) < geography.area_share
    area_codes = geography.area_2021 if month >= lsoa_2021_from else geography.area_2011
    lsoa = np.where(
        in_area,
        rng.choice(area_codes, size=rows),
        rng.choice(geography.neighbours or area_codes, size=rows),
    ).astype(object)
    located = rng.random(rows) >= no_location_share
    lsoa[~located] = None
    is_asb = types == "Anti-social behaviour"
    digits = rng.bytes(32 * rows).hex()  # police.uk's Crime IDs: 64 hexadecimal digits
    crime_id = np.array([digits[64 * i : 64 * i + 64] for i in range(rows)], dtype=object)
    crime_id[is_asb] = None
    outcome_shares = np.array(list(OUTCOME_SHARES.values()))
    outcomes = rng.choice(list(OUTCOME_SHARES), size=rows, p=outcome_shares / outcome_shares.sum())
    longitude = np.where(located, np.round(rng.uniform(-1.62, -1.42, rows), 6), np.nan)
    latitude = np.where(located, np.round(rng.uniform(52.36, 52.46, rows), 6), np.nan)
    return pd.DataFrame(
        {
            "Crime ID": crime_id,
            "Month": month,
            "Reported by": force,
            "Falls within": force,
            "Longitude": longitude,
            "Latitude": latitude,
            "Location": np.where(located, rng.choice(PLACES, size=rows), "No Location"),
            "LSOA code": lsoa,
            "LSOA name": pd.Series("Coventry 001A", index=range(rows)).where(located),
            "Crime type": types,
            "Last outcome category": pd.Series(outcomes).mask(is_asb),
            "Context": None,
        },
        columns=list(POLICE_UK_COLUMNS),
    )


def csv_bytes(frame: pd.DataFrame, bom: bool = False) -> bytes:
    """A month's records as police.uk writes them: quotes only around a value that needs them."""
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    try:  # Arrow's writer, fast, refuses a value with a comma, quote or line break in it ...
        pacsv.write_csv(
            table,
            buffer,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )
        body = buffer.getvalue()
    except pa.ArrowInvalid:  # ... which Python's csv module (as pandas uses it) quotes
        body = frame.to_csv(index=False, header=False, lineterminator="\n").encode()
    data = (",".join(POLICE_UK_COLUMNS) + "\n").encode() + body
    return (b"\xef\xbb\xbf" + data) if bom else data


def write_months(
    folder: Path,
    months: list[str],
    rows_per_month: int,
    geography: Geography,
    seed: int = 2025,
    force_slug: str = "west-midlands",
    missing: tuple[str, ...] = (),
    bom_months: tuple[str, ...] = (),
    month_folders: bool = True,
) -> list[Path]:
    """Write monthly files in the archive's layout (``YYYY-MM/YYYY-MM-<force>-street.csv``)."""
    rng = np.random.default_rng(seed)
    written = []
    for month in months:
        if month in missing:
            continue
        target = folder / month if month_folders else folder
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{month}-{force_slug}-street.csv"
        frame = month_frame(month, rows_per_month, geography, rng)
        path.write_bytes(csv_bytes(frame, bom=month in bom_months))
        written.append(path)
    return written


def zip_folder(folder: Path, archive: Path) -> Path:
    """Pack month folders into a zip in police.uk's archive layout."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for file in sorted(folder.rglob("*-street.csv")):
            out.write(file, file.relative_to(folder).as_posix())
    return archive
