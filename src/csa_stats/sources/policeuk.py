"""police.uk street-level files, as published: one tidy incident table for an area.

Input: monthly files named ``YYYY-MM-<force>-street.csv`` with police.uk's 12 columns, in a folder
(month folders or flat), or inside the archive zip. The ingest reads only the four columns it needs
with Arrow's multi-threaded CSV reader, keeps the rows whose LSOA lies in the area (the local
authority, from the ONS lookups), maps each LSOA to its ward, keeps ASB apart from crime (police.uk's
own crime type), and reports what it found: the months, missing months, duplicate records, unknown
crime types, rows with no location and rows outside the area.

LSOA codes: police.uk uses 2011 codes in older months and 2021 codes in newer ones. A 2021 code is
looked up directly (ONS LSOA 2021 -> ward 2022 -> LAD 2022). A 2011 code that is also a 2021 code
(unchanged in 2021) is looked up the same way; otherwise it goes through the ONS LSOA 2011 -> 2021
lookup to its 2021 successor. Where a 2011 LSOA was split into two 2021 LSOAs in different wards
(in Coventry, E01009703 "Coventry 025C": Westwood and Woodlands), the rule is the lookup's best-fit
successor, or, where the lookup lists several, the one with the lowest code; so every record of
that LSOA goes to one ward, the same one every time.

The tidy table is cached as parquet under a key made from the inputs' fingerprints (for a zip, each
member's name, size and CRC-32; for a folder, each file's name, size, modification time and first and
last 64 KiB), the lookups, the area and this module's code, so a rebuild with unchanged inputs does
not read the CSVs again. Cache files are written whole, then renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from csa_stats.schema import COLUMNS, FLAG_COLUMNS, IncidentDataError, to_storage_types
from csa_stats.taxonomy import Area, offence_table, reference_lists

#: police.uk street-level columns, in order.
POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
#: The columns the ingest reads.
READ_COLUMNS = ("Crime ID", "Month", "LSOA code", "Crime type")
FILE_NAME = re.compile(r"^(?P<month>\d{4}-(0[1-9]|1[0-2]))-(?P<force>[a-z0-9-]+)-street\.csv$")
_EDGE = 64 * 1024


class PoliceUkError(IncidentDataError):
    """A police.uk input is wrong; the message names the file."""


@dataclass(frozen=True)
class SourceFile:
    """One monthly street-level file: where it is, its month and force, how to read it."""

    name: str  # as shown in messages: the path, or archive.zip:member
    month: str
    force: str
    fingerprint: str
    read: Callable[[], bytes]


@dataclass
class IngestReport:
    """What the ingest found: shown by `csa-stats check` and on the data page."""

    files: int = 0
    rows_read: int = 0
    rows_kept: int = 0
    crimes: int = 0
    asb: int = 0
    first_month: str = ""
    last_month: str = ""
    missing_months: list[str] = field(default_factory=list)
    duplicate_rows: int = 0
    unknown_crime_types: dict[str, int] = field(default_factory=dict)
    no_location: int = 0
    outside_area: int = 0
    lsoa_2011_rows: int = 0
    lsoa_2021_rows: int = 0

    def lines(self) -> list[str]:
        """The report in plain sentences."""
        out = [
            f"{self.files} monthly files, {self.first_month} to {self.last_month}: "
            f"{self.rows_read:,} rows read, {self.rows_kept:,} kept "
            f"({self.crimes:,} crimes and {self.asb:,} ASB reports)",
            f"missing months: {', '.join(self.missing_months) or 'none'}",
            f"duplicate records dropped: {self.duplicate_rows:,}",
            f"rows with no location (no LSOA): {self.no_location:,}",
            f"rows outside the area: {self.outside_area:,}",
            f"rows coded to 2011 LSOAs that changed in 2021 (mapped through the ONS lookup): "
            f"{self.lsoa_2011_rows:,}; to current (2021) LSOAs: {self.lsoa_2021_rows:,}",
        ]
        if self.unknown_crime_types:
            listed = ", ".join(f"{k!r} ({v:,})" for k, v in self.unknown_crime_types.items())
            out.append(f"unknown crime types, left out: {listed}")
        return out


# ---- finding the files ------------------------------------------------------------------------


def _edges_digest(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_EDGE)
        handle.seek(max(0, size - _EDGE))
        tail = handle.read(_EDGE)
    return hashlib.sha256(head + tail).hexdigest()[:16]


def find_files(path: Path) -> list[SourceFile]:
    """The monthly street-level files in a folder (searched recursively), a zip or one file.

    Raises
    ------
    PoliceUkError
        If there is nothing to read, the zip is damaged, or a month appears twice for a force.
    """
    if not path.exists():
        raise PoliceUkError(f"{path}: no such file or folder")
    found: list[SourceFile] = []
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError) as error:
            raise PoliceUkError(f"{path}: not a readable zip archive ({error})") from None
        for info in members:
            match = FILE_NAME.match(Path(info.filename).name)
            if match and not info.is_dir():
                found.append(
                    SourceFile(
                        name=f"{path}:{info.filename}",
                        month=match["month"],
                        force=match["force"],
                        fingerprint=f"{info.filename}:{info.file_size}:{info.CRC}",
                        read=lambda info=info: archive.read(info),  # type: ignore[misc]
                    )
                )
    else:
        candidates = [path] if path.is_file() else sorted(path.rglob("*-street.csv"))
        for file in candidates:
            match = FILE_NAME.match(file.name)
            if not match:
                raise PoliceUkError(
                    f"{file}: not a police.uk street-level file name (YYYY-MM-<force>-street.csv)"
                )
            stat = file.stat()
            found.append(
                SourceFile(
                    name=str(file),
                    month=match["month"],
                    force=match["force"],
                    fingerprint=(
                        f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}:{_edges_digest(file)}"
                    ),
                    read=file.read_bytes,
                )
            )
    if not found:
        raise PoliceUkError(
            f"{path}: no police.uk street-level files (YYYY-MM-<force>-street.csv) found"
        )
    seen: dict[tuple[str, str], str] = {}
    for source in found:
        key = (source.month, source.force)
        if key in seen:
            raise PoliceUkError(
                f"{source.name}: month {source.month} of {source.force} appears twice "
                f"(also {seen[key]})"
            )
        seen[key] = source.name
    return sorted(found, key=lambda s: (s.month, s.force))


# ---- reading ----------------------------------------------------------------------------------


def _read_one(source: SourceFile) -> pa.Table:
    """The four columns the ingest needs from one file, after checking its header."""
    try:
        data = source.read()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise PoliceUkError(f"{source.name}: cannot be read ({error})") from None
    first = data[: data.find(b"\n")] if b"\n" in data else data
    header = first.decode("utf-8", errors="replace").lstrip("\ufeff").strip().split(",")
    if tuple(h.strip().strip('"') for h in header) != POLICE_UK_COLUMNS:
        shown = ",".join(header)[:80]
        raise PoliceUkError(
            f"{source.name}: not a police.uk street-level file: the header is {shown!r}, "
            f"expected the 12 columns {','.join(POLICE_UK_COLUMNS)}"
        )
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 22),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(READ_COLUMNS),
                column_types=dict.fromkeys(READ_COLUMNS, pa.string()),
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise PoliceUkError(f"{source.name}: cannot be read as CSV: {error}") from None


def read_files(sources: list[SourceFile], workers: int | None = None) -> pa.Table:
    """All files' needed columns in one Arrow table, with each row's file number (``file``)."""
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        tables = list(pool.map(_read_one, sources))
    numbered = [
        t.append_column("file", pa.array([i] * t.num_rows, type=pa.int32()))
        for i, t in enumerate(tables)
    ]
    return pa.concat_tables(numbered)


# ---- the LSOA lookups -------------------------------------------------------------------------


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as handle:
        return handle.readline().strip().split(",")


def load_lookups(folder: Path, area: Area) -> pd.DataFrame:
    """LSOA code (2011 or 2021) -> ward code and the code's vintage, for every LSOA in the area.

    Reads the ONS LSOA 2021 -> ward -> LAD lookups (files with columns LSOA21CD, WD22CD, LAD22CD)
    and LSOA 2011 -> 2021 lookups (LSOA11CD, LSOA21CD) found in ``folder``.
    """
    if not folder.is_dir():
        raise PoliceUkError(f"{folder}: no such folder of ONS lookups")
    to_ward: list[pd.DataFrame] = []
    successors: list[pd.DataFrame] = []
    for file in sorted(folder.glob("*.csv")):
        header = _csv_header(file)
        if {"LSOA21CD", "WD22CD", "LAD22CD"} <= set(header):
            table = pd.read_csv(
                file, usecols=["LSOA21CD", "WD22CD", "LAD22CD"], dtype=str, encoding="utf-8-sig"
            )
            to_ward.append(table[table["LAD22CD"] == area.lad_code])
        elif {"LSOA11CD", "LSOA21CD"} <= set(header):
            successors.append(
                pd.read_csv(file, usecols=["LSOA11CD", "LSOA21CD"], dtype=str, encoding="utf-8-sig")
            )
    if not to_ward:
        raise PoliceUkError(
            f"{folder}: no ONS LSOA 2021 to ward lookup (a CSV with LSOA21CD, WD22CD, LAD22CD)"
        )
    wards = pd.concat(to_ward).drop_duplicates("LSOA21CD").set_index("LSOA21CD")["WD22CD"]
    if wards.empty:
        raise PoliceUkError(f"{folder}: the lookups hold no LSOA of {area.name} ({area.lad_code})")
    unknown = sorted(set(wards) - set(area.ward_codes))
    if unknown:
        raise PoliceUkError(
            f"{folder}: ward(s) {', '.join(unknown)} of {area.name} are not in data/reference/areas.yml"
        )
    mapping = {code: (ward, "2021") for code, ward in wards.items()}
    if successors:
        pairs = pd.concat(successors).dropna().sort_values(["LSOA11CD", "LSOA21CD"])
        first_child = pairs.drop_duplicates("LSOA11CD").set_index("LSOA11CD")["LSOA21CD"]
        for old, new in first_child.items():
            if old not in mapping and new in wards.index:
                mapping[old] = (wards[new], "2011")
    table = pd.DataFrame.from_dict(mapping, orient="index", columns=["ward_code", "vintage"])
    return table.rename_axis("lsoa_code")


# ---- the tidy table ---------------------------------------------------------------------------


def _to_tidy(
    table: pa.Table, sources: list[SourceFile], lookup: pd.DataFrame, area: Area
) -> tuple[pd.DataFrame, IngestReport]:
    report = IngestReport(files=len(sources), rows_read=table.num_rows)
    months = sorted({s.month for s in sources})
    report.first_month, report.last_month = months[0], months[-1]
    every = pd.period_range(months[0], months[-1], freq="M").strftime("%Y-%m")
    report.missing_months = [m for m in every if m not in set(months)]

    # Categorical columns: each distinct LSOA or type is looked up once, not once a row.
    lsoa = pd.Categorical(table.column("LSOA code").to_pandas(types_mapper=None))
    ctype = pd.Categorical(table.column("Crime type").to_pandas())
    crime_id = table.column("Crime ID").to_pandas()
    file_number = table.column("file").to_numpy()

    known_types = reference_lists()["police_uk_types"]
    type_ok = ctype.isin(known_types)
    unknown = pd.Series(ctype[~type_ok]).value_counts()
    report.unknown_crime_types = {str(k): int(v) for k, v in unknown.items() if v}
    located = pd.notna(lsoa)
    report.no_location = int((type_ok & ~located).sum())
    ward_of = lookup["ward_code"].reindex(lsoa.categories)
    ward = pd.Categorical.from_codes(lsoa.codes, categories=lsoa.categories, validate=False).map(
        ward_of.to_dict(), na_action="ignore"
    )
    inside = pd.notna(ward)
    report.outside_area = int((type_ok & located & ~inside).sum())
    keep = type_ok & located & inside

    ids = crime_id[keep].reset_index(drop=True)
    duplicated = ids.notna() & ids.duplicated()
    report.duplicate_rows = int(duplicated.sum())
    rows = pd.DataFrame(
        {
            "crime_id": ids,
            "crime_type": pd.Series(ctype[keep]).reset_index(drop=True),
            "lsoa_code": pd.Series(lsoa[keep]).reset_index(drop=True),
            "ward_code": pd.Series(ward[keep]).reset_index(drop=True),
            "file": file_number[keep],
        }
    )[~duplicated.to_numpy()].reset_index(drop=True)

    codes = offence_table()
    by_type = codes[codes.index.str.startswith("PUK-")].reset_index().set_index("police_uk_type")
    offence = by_type.loc[rows["crime_type"].astype(str)]
    file_month = pd.Series([s.month for s in sources])
    file_force = pd.Series([s.force for s in sources])
    month_text = file_month.iloc[rows["file"]].to_numpy()
    # ASB records have no Crime ID: an id from the file and the row's place in it.
    fallback = (
        "PUK-"
        + pd.Series(month_text)
        + "-"
        + file_force.iloc[rows["file"]].to_numpy()
        + "-"
        + rows.groupby("file").cumcount().astype(str)
    )
    vintage = rows["lsoa_code"].map(lookup["vintage"].to_dict()).astype(str)
    report.lsoa_2021_rows = int((vintage == "2021").sum())
    report.lsoa_2011_rows = int((vintage == "2011").sum())
    tidy = pd.DataFrame(
        {
            "incident_id": rows["crime_id"].fillna(fallback).astype(str),
            "month": pd.to_datetime(pd.Series(month_text), format="%Y-%m").astype("datetime64[ns]"),
            "date": pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]"),
            "hour": pd.Series(pd.NA, index=rows.index, dtype="Int8"),
            "offence_code": offence["offence_code"].to_numpy(),
            "offence": offence["name"].to_numpy(),
            "offence_group": offence["group"].to_numpy(),
            "offence_subgroup": offence["subgroup"].to_numpy(),
            "crime_type": rows["crime_type"].astype(str).to_numpy(),
            "is_crime": offence["crime"].to_numpy(dtype=bool),
            "ward_code": rows["ward_code"].astype(str).to_numpy(),
            "ward_name": rows["ward_code"].astype(str).map(area.wards).to_numpy(),
            "lsoa_code": rows["lsoa_code"].astype("string").to_numpy(),
            **{flag: pd.Series(pd.NA, index=rows.index, dtype="boolean") for flag in FLAG_COLUMNS},
            "hate_strand": None,
            "victim_age_band": None,
            "victim_sex": None,
            "source": "police-uk",
        },
        columns=list(COLUMNS),
    )
    report.rows_kept = len(tidy)
    report.crimes = int(tidy["is_crime"].sum())
    report.asb = report.rows_kept - report.crimes
    return to_storage_types(tidy), report


# ---- the ingest, with its cache ---------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """The tidy table, what the ingest found, and whether it came from the cache."""

    incidents: pd.DataFrame
    report: IngestReport
    from_cache: bool


def _cache_key(sources: list[SourceFile], lookups: Path, area: Area) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.fingerprint.encode())
    for file in sorted(lookups.glob("*.csv")):
        stat = file.stat()
        digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(area.key.encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:32]


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ingest(
    path: Path,
    area: Area,
    lookups: Path,
    cache_dir: Path | None = None,
) -> Ingested:
    """Read police.uk street-level files into the tidy table for ``area``, or take it from the cache.

    Raises
    ------
    PoliceUkError
        Naming the file (or archive member) that is wrong; nothing is written to the cache.
    """
    sources = find_files(path)
    key = _cache_key(sources, lookups, area) if cache_dir else ""
    cached = cache_dir / f"{key}.parquet" if cache_dir else None
    if cached is not None and cached.is_file():
        report = IngestReport(**json.loads(cached.with_suffix(".json").read_text()))
        # Storage types again: parquet does not keep a categorical with no categories.
        return Ingested(to_storage_types(pd.read_parquet(cached)), report, from_cache=True)
    lookup = load_lookups(lookups, area)
    incidents, report = _to_tidy(read_files(sources), sources, lookup, area)
    if cached is not None:
        # The report first: a parquet file is only ever beside its report.
        _write_atomically(
            cached.with_suffix(".json"), lambda p: p.write_text(json.dumps(asdict(report)))
        )
        _write_atomically(cached, lambda p: incidents.to_parquet(p, index=False))
    return Ingested(incidents, report, from_cache=False)
