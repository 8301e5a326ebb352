"""Generated police.uk street-level files for a whole force, for tests of "every area of a force
from one read": never for the publication.

Each month's file has police.uk's 12 columns and holds records in every local authority of the
force (by default West Midlands Police's seven: Birmingham, Coventry, Dudley, Sandwell, Solihull,
Walsall, Wolverhampton), a share in neighbouring forces' areas (police.uk's files hold a few
crimes placed over the border), a share with no location (blank LSOA and coordinates, "No
Location"), ASB reports with no Crime ID, and a few records repeated whole, as police.uk's files
sometimes do.

LSOA codes: months before ``lsoa_2021_from`` are coded with 2011 LSOAs, later ones with 2021
LSOAs, as police.uk's are. A 2011-coded month uses, for each local authority, its LSOAs that did
not change in 2021 (the same code in both vintages) and, where a 2011 -> 2021 lookup for it is
known (the committed one is Coventry's), the 2011 codes of those that did. **Limitation:** for the
other authorities, the 2011 codes of LSOAs that changed in 2021 are not known here (they need
ONS's national lookup, ``csa-stats fetch --lookups``), so their 2011-coded months hold only
unchanged LSOAs, and the parts of them that were redrawn get no records in those months.
Neighbouring authorities' records use unchanged LSOAs, valid in either vintage.

LSOA names are written in police.uk's form (``Coventry 001A``) but made up from the authority's
name and a running number: the committed lookup holds no LSOA names, and the ingest reads none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csa_stats.reference.geography import (
    existed_in_2011,
    lsoa11_table,
    lsoa_table,
    write_atomically,
)
from csa_stats.sources.policeuk import POLICE_UK_COLUMNS
from csa_stats.sources.policeuk_sample import OUTCOME_SHARES, PLACES, TYPE_SHARES

#: West Midlands Police's local authorities (ONS codes, 2022).
WEST_MIDLANDS = (
    "E08000025",  # Birmingham
    "E08000026",  # Coventry
    "E08000027",  # Dudley
    "E08000028",  # Sandwell
    "E08000029",  # Solihull
    "E08000030",  # Walsall
    "E08000031",  # Wolverhampton
)
#: Neighbouring forces' authorities: Warwickshire (North Warwickshire, Nuneaton and Bedworth,
#: Warwick), Staffordshire (Lichfield, South Staffordshire), West Mercia (Bromsgrove).
NEIGHBOURS = ("E07000218", "E07000219", "E07000222", "E07000194", "E07000196", "E07000234")
ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class ForceGeography:
    """The LSOA codes a force's records are drawn from, by local authority and vintage."""

    lsoa_2021: dict[str, list[str]]  # local authority -> its LSOA 2021 codes
    lsoa_2011: dict[str, list[str]]  # local authority -> the codes its 2011-coded months use
    neighbours: list[str]  # LSOAs of neighbouring forces' areas (the same code in both vintages)
    names: dict[str, str]  # LSOA code -> a name in police.uk's form (made up)


def force_geography(
    lad_codes: Sequence[str] = WEST_MIDLANDS,
    neighbour_lads: Sequence[str] = NEIGHBOURS,
    neighbour_lsoas: int = 4,
    lsoa11_extra: Sequence[Path] = (),
) -> ForceGeography:
    """The force's LSOAs from the committed reference geography (and any further LSOA 2011 ->
    2021 lookups given, such as ONS's national one from ``csa-stats fetch --lookups``).

    Parameters
    ----------
    neighbour_lsoas
        How many LSOAs of each neighbouring authority records may fall in (the first by code, so
        the neighbours stay far below half their LSOAs, as over a real border).
    """
    table = lsoa_table()
    successors = lsoa11_table(lsoa11_extra)
    current = set(table["LSOA21CD"])
    changed = successors[~successors["LSOA11CD"].isin(current)]
    lsoa_2021: dict[str, list[str]] = {}
    lsoa_2011: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for lad in lad_codes:
        rows = table[table["LAD22CD"] == lad]
        codes = sorted(rows["LSOA21CD"])
        lsoa_2021[lad] = codes
        old = changed.loc[changed["LSOA21CD"].isin(codes), "LSOA11CD"]
        lsoa_2011[lad] = sorted({*(c for c in codes if existed_in_2011(c)), *old})
        name = str(rows["LAD22NM"].iloc[0])
        for n, code in enumerate(sorted({*codes, *old}), start=1):
            names[code] = f"{name} {n // 26 + 1:03d}{chr(65 + n % 26)}"
    neighbours: list[str] = []
    for lad in neighbour_lads:
        rows = table[table["LAD22CD"] == lad]
        unchanged = sorted(c for c in rows["LSOA21CD"] if existed_in_2011(c))[:neighbour_lsoas]
        neighbours += unchanged
        names.update(
            {c: f"{rows['LAD22NM'].iloc[0]} 900{chr(65 + i)}" for i, c in enumerate(unchanged)}
        )
    return ForceGeography(lsoa_2021, lsoa_2011, neighbours, names)


def month_rows(
    month: str,
    rows: int,
    geography: ForceGeography,
    rng: np.random.Generator,
    lsoa_2021_from: str = "2022-01",
    no_location_share: float = 0.015,
    outside_share: float = 0.01,
    repeated_share: float = 0.002,
    force_name: str = "West Midlands Police",
) -> list[list[str]]:
    """One month's records, in police.uk's 12 columns (a list of rows of text).

    Every local authority gets records in proportion to its LSOAs (at least a few each); then
    ``outside_share`` of the rows fall in the neighbours' LSOAs, ``no_location_share`` have none,
    and ``repeated_share`` of the crimes are written twice.
    """
    vintage = geography.lsoa_2021 if month >= lsoa_2021_from else geography.lsoa_2011
    pool = [code for lad in vintage for code in vintage[lad]]
    outside = int(round(rows * outside_share))
    missing = int(round(rows * no_location_share))
    inside = rows - outside - missing
    lsoas = list(rng.choice(pool, size=inside))
    # every authority at least 5 records, whatever the draw
    for lad_codes in vintage.values():
        lsoas += list(rng.choice(lad_codes, size=5))
    lsoas += list(rng.choice(geography.neighbours, size=outside)) + [""] * missing
    types = list(TYPE_SHARES)
    weights = np.array(list(TYPE_SHARES.values()))
    drawn = rng.choice(len(types), size=len(lsoas), p=weights / weights.sum())
    outcomes = list(OUTCOME_SHARES)
    outcome_p = np.array(list(OUTCOME_SHARES.values()))
    out: list[list[str]] = []
    for lsoa, type_index in zip(lsoas, drawn, strict=True):
        crime_type = types[int(type_index)]
        is_asb = crime_type == ASB
        located = bool(lsoa)
        out.append(
            [
                "" if is_asb else rng.bytes(32).hex(),
                month,
                force_name,
                force_name,
                f"{rng.uniform(-2.2, -1.4):.6f}" if located else "",
                f"{rng.uniform(52.35, 52.65):.6f}" if located else "",
                str(rng.choice(PLACES)) if located else "No Location",
                lsoa,
                geography.names.get(lsoa, "") if located else "",
                crime_type,
                "" if is_asb else str(rng.choice(outcomes, p=outcome_p / outcome_p.sum())),
                "",
            ]
        )
    crimes = [i for i, row in enumerate(out) if row[0]]
    repeated = rng.choice(crimes, size=int(round(len(crimes) * repeated_share)), replace=False)
    out += [list(out[int(i)]) for i in repeated]
    order = rng.permutation(len(out))
    return [out[int(i)] for i in order]


def csv_text(rows: list[list[str]]) -> bytes:
    """Rows as police.uk writes them: its header, fields quoted only where needed, ``\\n``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(POLICE_UK_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_force_months(
    out_dir: Path,
    months: Sequence[str],
    rows_per_month: int = 4000,
    seed: int = 18,
    lsoa_2021_from: str = "2022-01",
    geography: ForceGeography | None = None,
    force: str = "west-midlands",
) -> list[Path]:
    """Write a force's monthly files, ``out_dir/YYYY-MM/YYYY-MM-<force>-street.csv``, seeded.

    Returns
    -------
    list of pathlib.Path
        The files, in month order.
    """
    geography = geography or force_geography()
    rng = np.random.default_rng(seed)
    written = []
    for month in sorted(months):
        pd.Period(month, "M")  # a month, or an error naming it
        rows = month_rows(month, rows_per_month, geography, rng, lsoa_2021_from)
        path = out_dir / month / f"{month}-{force}-street.csv"
        written.append(write_atomically(path, csv_text(rows)))
    return written
