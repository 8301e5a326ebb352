"""An independent count of police.uk street-level files by local authority and ward: the csv and
gzip modules of Python's standard library only, no project code, no pandas or Arrow. It follows
the rules the README states, written afresh here:

- a record's place is its LSOA: a 2021 code is looked up in the ONS LSOA 2021 -> ward -> LAD
  table; any other code through an LSOA 2011 -> 2021 lookup (the lowest-coded successor where a
  lookup lists several) and then the table; a blank code is a record with no location;
- only police.uk's 14 crime types count; "Anti-social behaviour" is ASB, the rest are crimes;
- within one month's file, a Crime ID seen again in the same area is the same crime (counted
  once); ASB reports have no Crime ID and are each counted.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

POLICE_UK_TYPES = {
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
}


@dataclass
class AreaCount:
    """What one local authority's records come to."""

    crimes: int = 0
    asb: int = 0
    repeated: int = 0  # crime rows dropped as a Crime ID seen before in the file
    outside: int = 0  # located records of a known type that lie elsewhere
    wards: Counter[tuple[str, str]] = field(default_factory=Counter)  # (ward, crime|asb) -> n


@dataclass
class Counted:
    """The whole count: rows read, rows with no location, and each local authority's count."""

    rows: int = 0
    no_location: int = 0
    areas: dict[str, AreaCount] = field(default_factory=dict)


def read_places(table_gz: Path, lsoa11_files: list[Path]) -> dict[str, tuple[str, str]]:
    """LSOA code (2021, and 2011 where a lookup gives a successor) -> (ward, local authority)."""
    places: dict[str, tuple[str, str]] = {}
    with gzip.open(table_gz, "rt", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            places[row["LSOA21CD"]] = (row["WD22CD"], row["LAD22CD"])
    successors: dict[str, str] = {}
    for path in lsoa11_files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                old, new = row["LSOA11CD"], row["LSOA21CD"]
                if old not in successors or new < successors[old]:
                    successors[old] = new
    for old, new in successors.items():
        if old not in places and new in places:
            places[old] = places[new]
    return places


def count(folder: Path, places: dict[str, tuple[str, str]], lads: list[str]) -> Counted:
    """Count every ``*-street.csv`` file under ``folder`` for each of ``lads``."""
    counted = Counted(areas={lad: AreaCount() for lad in lads})
    for path in sorted(folder.rglob("*-street.csv")):
        seen: dict[str, set[str]] = {lad: set() for lad in lads}
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            at_id, at_lsoa = header.index("Crime ID"), header.index("LSOA code")
            at_type = header.index("Crime type")
            for row in reader:
                counted.rows += 1
                crime_type, lsoa = row[at_type], row[at_lsoa]
                if crime_type not in POLICE_UK_TYPES:
                    continue
                if not lsoa:
                    counted.no_location += 1
                    continue
                ward, lad = places.get(lsoa, ("", ""))
                for other in lads:
                    if other != lad:
                        counted.areas[other].outside += 1
                if lad not in counted.areas:
                    continue
                area = counted.areas[lad]
                if crime_type == "Anti-social behaviour":
                    area.asb += 1
                    area.wards[(ward, "asb")] += 1
                    continue
                crime_id = row[at_id]
                if crime_id in seen[lad]:
                    area.repeated += 1
                    continue
                seen[lad].add(crime_id)
                area.crimes += 1
                area.wards[(ward, "crime")] += 1
    return counted
