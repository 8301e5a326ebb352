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

import gzip
import hashlib
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csa_stats.files import atomic_write, file_digest, write_text
from csa_stats.reference.taxonomy import Area, offence_table, reference_lists
from csa_stats.sources.schema import (
    COLUMNS,
    FLAG_COLUMNS,
    IncidentDataError,
    to_storage_types,
    validate_incidents,
)

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
READ_COLUMNS = ("Crime ID", "LSOA code", "Crime type")  # the month comes from the file name
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
    path: Path | None = None  # a file on disk (read memory-mapped); None for an archive member


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
    #: the months holding LSOA codes no lookup places, and how to fetch the lookup that would
    unplaced: list[str] = field(default_factory=list)

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
        return out + self.unplaced


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
        # The archive's own size and times in every member's fingerprint: the CRCs its directory
        # lists do not change when a member's bytes are damaged, but any write moves the ctime.
        whole = path.stat()
        stamp = f"{whole.st_size}:{whole.st_mtime_ns}:{whole.st_ctime_ns}"
        for info in members:
            parts = Path(info.filename).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts:
                raise PoliceUkError(
                    f"{path}:{info.filename}: a member whose path leaves the archive (absolute or "
                    "with '..'); police.uk's archives hold none"
                )
            match = FILE_NAME.match(Path(info.filename).name)
            if match and not info.is_dir():
                found.append(
                    SourceFile(
                        name=f"{path}:{info.filename}",
                        month=match["month"],
                        force=match["force"],
                        fingerprint=f"{info.filename}:{info.file_size}:{info.CRC}:{stamp}",
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
                    # What changes when the content does, without reading it all: any write
                    # moves the change time (ctime), which, unlike mtime, cannot be set back
                    fingerprint=(
                        f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:"
                        f"{_edges_digest(file)}"
                    ),
                    read=file.read_bytes,
                    path=file,
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


def _checked_input(source: SourceFile) -> pa.NativeFile:
    """The file to parse, after checking that its header is police.uk's: memory-mapped when it is
    on disk, else the archive member's bytes."""
    try:
        if source.path is not None:
            with source.path.open("rb") as handle:
                first = handle.readline(4096)
            stream: pa.NativeFile = pa.memory_map(str(source.path))
        else:
            data = source.read()
            first = data[: data.find(b"\n")] if b"\n" in data else data
            stream = pa.BufferReader(data)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise PoliceUkError(f"{source.name}: cannot be read ({error})") from None
    _check_header(first, source)
    return stream


def _check_header(first: bytes, source: SourceFile) -> None:
    header = first.decode("utf-8", errors="replace").lstrip("\ufeff").strip().split(",")
    names = tuple(h.strip().strip('"') for h in header)
    if names == POLICE_UK_COLUMNS:
        return
    # say what differs (a whole header is too long for one line)
    missing = [c for c in POLICE_UK_COLUMNS if c not in names]
    unexpected = [c[:40] for c in names if c not in POLICE_UK_COLUMNS][:3]
    if missing or unexpected:
        differs = "; ".join(
            part
            for part in (
                f"missing {', '.join(map(repr, missing))}" if missing else "",
                f"unexpected {', '.join(map(repr, unexpected))}" if unexpected else "",
            )
            if part
        )
    else:
        differs = "the columns are in another order"
    raise PoliceUkError(
        f"{source.name}: not a police.uk street-level file: {differs} "
        f"(expected the 12 columns {','.join(POLICE_UK_COLUMNS)})"
    )


_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
#: How a blank crime type is named among the unknown types in the report.
BLANK_TYPE = "(blank)"


def read_columns(source: SourceFile) -> pa.Table:
    """The columns the ingest needs from one file: LSOA and crime type dictionary-encoded as they
    are read (a few thousand distinct values in millions of rows), Crime ID as bytes.

    Only a blank field is missing (not "NA", "null"...), and text is checked as UTF-8 after
    reading, on the distinct values (:func:`positions`) and the kept Crime IDs, not on every row.
    """
    stream = _checked_input(source)
    try:
        return pacsv.read_csv(
            stream,
            # one thread a file: files are read in parallel, which is faster than threads a file
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 23),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(READ_COLUMNS),
                column_types={
                    "Crime ID": pa.binary(),  # text only for the rows kept (saves a UTF-8 pass)
                    "LSOA code": _DICTIONARY,
                    "Crime type": _DICTIONARY,
                },
                strings_can_be_null=True,
                null_values=[""],
                check_utf8=False,
            ),
        )
    except pa.ArrowInvalid as error:
        raise PoliceUkError(f"{source.name}: cannot be read as CSV: {error}") from None


@dataclass
class _FileCounts:
    rows: int = 0
    no_location: int = 0
    outside_area: int = 0
    duplicates: int = 0
    placed: int = 0  # rows with a known crime type and an LSOA (in the lookups or not)
    unknown: dict[str, int] = field(default_factory=dict)


def positions(
    table: pa.Table, name: str, value_set: pa.Array, source: SourceFile
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """For the dictionary-encoded column ``name`` of ``table``: its distinct values, each row's
    index into them (-1 when blank), and each row's position in ``value_set`` (-1 when not in it,
    -2 when blank). Computed on the distinct values with Arrow, then spread to the rows with an
    array take.

    Raises
    ------
    PoliceUkError
        If a value is not UTF-8 text (checked on the distinct values).
    """
    array = table.column(name).combine_chunks()
    if not isinstance(array, pa.DictionaryArray):  # an empty column reads as null-typed
        blank = np.full(len(array), -1, dtype=np.int64)
        return pa.array([], pa.string()), blank, blank - 1
    try:
        array.dictionary.validate(full=True)
    except pa.ArrowInvalid:
        raise PoliceUkError(f"{source.name}: a value of '{name}' is not valid UTF-8 text") from None
    found = pc.fill_null(pc.index_in(array.dictionary, value_set=value_set), -1)
    per_value = np.append(found.to_numpy(zero_copy_only=False).astype(np.int64), -2)
    rows = pc.fill_null(array.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return array.dictionary, rows, per_value[rows]


def select_rows(
    source: SourceFile, number: int, lsoas: pa.Array, types: pa.Array
) -> tuple[dict[str, object], _FileCounts]:
    """One file's records in the area and counts of the rest.

    Returns, for each kept record, its incident id (the Crime ID, or one made for ASB), its crime
    type's position in ``types`` (police.uk's list), its LSOA's position in ``lsoas`` (the lookup
    table's rows) and the file's number. The work is done on Arrow arrays and NumPy, so the
    threads reading other files are not held up.
    """
    table = read_columns(source)
    counts = _FileCounts(rows=table.num_rows)
    type_values, type_index, type_pos = positions(table, "Crime type", types, source)
    lsoa_values, lsoa_index, position = positions(table, "LSOA code", lsoas, source)
    type_ok, located = type_pos >= 0, position != -2
    counts.no_location = int(np.count_nonzero(type_ok & ~located))
    counts.outside_area = int(np.count_nonzero(type_ok & located & (position < 0)))
    if not type_ok.all():
        values, n = np.unique(type_index[~type_ok], return_counts=True)  # -1: a blank type
        counts.unknown = {
            str(type_values[int(i)]) if i >= 0 else BLANK_TYPE: int(k)
            for i, k in zip(values, n, strict=True)
        }
    keep = type_ok & (position >= 0)
    ids = _as_text(table.column("Crime ID").filter(pa.array(keep)), source)
    first = _first_of_each_id(ids)
    counts.duplicates = int(len(first) - np.count_nonzero(first))
    counts.placed = int(np.count_nonzero(type_ok & located))
    kept = {
        "incident_id": _with_asb_ids(ids, source, np.flatnonzero(keep)).filter(pa.array(first)),
        "type_pos": type_pos[keep][first],
        "lookup_row": position[keep][first],
        "file": np.full(int(np.count_nonzero(first)), number, dtype=np.int32),
        "duplicate_row": position[keep][~first],
        # the file's distinct LSOA codes that the lookup does not hold (another area's, or none's)
        "outside_codes": sorted(
            {str(lsoa_values[int(i)]) for i in np.unique(lsoa_index[position == -1])}
        ),
    }
    return kept, counts


def _first_of_each_id(ids: pa.Array) -> np.ndarray:
    """True for a record's first row in the file, and for every row with no id (ASB: nothing to
    compare). Dictionary encoding numbers the ids in order of first appearance, so a row is the
    first of its id exactly when its number is above every number before it."""
    codes = pc.fill_null(pc.dictionary_encode(ids).indices, -1).to_numpy(zero_copy_only=False)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return (codes > before) | (codes < 0)


def _with_asb_ids(ids: pa.Array, source: SourceFile, rows: np.ndarray) -> pa.Array:
    """ASB records have no Crime ID: each gets one from its file and its row there (``rows``:
    each kept record's row in the file), ``PUK-<month>-<force>-<row>``, made in Arrow, not row by
    row. The row, not the place among the records kept, so that a record has the same id whichever
    areas are read with it."""
    blank = pc.is_null(ids).to_numpy(zero_copy_only=False)
    if not blank.any():
        return ids
    places = pa.array(rows, mask=~blank)
    made = pc.binary_join_element_wise(
        f"PUK-{source.month}-{source.force}-", pc.cast(places, pa.string()), ""
    )
    return pc.coalesce(ids, made)


def _as_text(ids: pa.ChunkedArray, source: SourceFile) -> pa.Array:
    try:
        return pc.cast(ids, pa.string()).combine_chunks()
    except pa.ArrowInvalid:
        raise PoliceUkError(f"{source.name}: a Crime ID is not valid UTF-8 text") from None


def _all_missing_boolean(n: int) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


def _categorical(values: list[str] | np.ndarray, positions: np.ndarray) -> pd.Categorical:
    """``values[positions]`` as a categorical, built from codes (no per-row strings)."""
    categories, inverse = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inverse[positions], categories=categories)


# ---- the LSOA lookups -------------------------------------------------------------------------


def csv_header(path: Path) -> list[str]:
    """A lookup CSV's column names (the file plain or gzip-compressed, ``.csv.gz``)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as handle:
        return handle.readline().strip().split(",")


def lookup_files(lookups: Path | Sequence[Path]) -> list[Path]:
    """The lookup CSVs (``*.csv`` and ``*.csv.gz``) in one folder or several, in a fixed order:
    such as the committed ``data/reference/geography`` and ``data/lookups``, where
    ``csa-stats fetch --lookups`` puts ONS's national LSOA 2011 -> 2021 lookup."""
    folders = [lookups] if isinstance(lookups, Path) else list(lookups)
    files: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise PoliceUkError(f"{folder}: no such folder of ONS lookups")
        files += sorted({*folder.glob("*.csv"), *folder.glob("*.csv.gz")})
    return files


def read_lookup(file: Path, columns: list[str]) -> pd.DataFrame:
    """Some columns of an ONS lookup CSV, as text (Arrow's reader: the national file is large)."""
    try:
        table = pacsv.read_csv(
            file,
            convert_options=pacsv.ConvertOptions(
                include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
            ),
        )
    except pa.ArrowInvalid as error:
        raise PoliceUkError(f"{file}: cannot be read as an ONS lookup: {error}") from None
    return table.to_pandas()


def load_lookups(folder: Path | Sequence[Path], area: Area) -> pd.DataFrame:
    """LSOA code (2011 or 2021) -> ward code and the code's vintage, for every LSOA in the area.

    Reads the ONS LSOA 2021 -> ward -> LAD lookups (files with columns LSOA21CD, WD22CD, LAD22CD)
    and LSOA 2011 -> 2021 lookups (LSOA11CD, LSOA21CD) found in ``folder`` (or in each of
    several folders; plain or gzip-compressed CSV).
    """
    files = lookup_files(folder)
    if not isinstance(folder, Path):
        folder = Path(", ".join(str(f) for f in folder))  # as messages name it
    to_ward: list[pd.DataFrame] = []
    successors: list[pd.DataFrame] = []
    for file in files:
        header = csv_header(file)
        if {"LSOA21CD", "WD22CD", "LAD22CD"} <= set(header):
            table = read_lookup(file, ["LSOA21CD", "WD22CD", "LAD22CD"])
            to_ward.append(table[table["LAD22CD"] == area.lad_code])
        elif {"LSOA11CD", "LSOA21CD"} <= set(header):
            successors.append(read_lookup(file, ["LSOA11CD", "LSOA21CD"]))
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


def load_force_lookups(folder: Path | Sequence[Path]) -> pd.DataFrame:
    """LSOA code (2011 or 2021) -> ward and local authority codes, for every LSOA the lookups hold
    (a whole force, or England and Wales): the same lookups, and the same rule for 2011 codes, as
    :func:`load_lookups`, without the area."""
    to_ward: list[pd.DataFrame] = []
    successors: list[pd.DataFrame] = []
    for file in lookup_files(folder):
        header = csv_header(file)
        if {"LSOA21CD", "WD22CD", "LAD22CD"} <= set(header):
            to_ward.append(read_lookup(file, ["LSOA21CD", "WD22CD", "LAD22CD"]))
        elif {"LSOA11CD", "LSOA21CD"} <= set(header):
            successors.append(read_lookup(file, ["LSOA11CD", "LSOA21CD"]))
    if not to_ward:
        raise PoliceUkError(
            f"{folder}: no ONS LSOA 2021 to ward lookup (a CSV with LSOA21CD, WD22CD, LAD22CD)"
        )
    places = pd.concat(to_ward).drop_duplicates("LSOA21CD").set_index("LSOA21CD")
    table = pd.DataFrame(
        {"ward_code": places["WD22CD"], "lad_code": places["LAD22CD"], "vintage": "2021"}
    )
    if successors:
        pairs = pd.concat(successors).dropna().sort_values(["LSOA11CD", "LSOA21CD"])
        first_child = pairs.drop_duplicates("LSOA11CD").set_index("LSOA11CD")["LSOA21CD"]
        old = first_child[~first_child.index.isin(table.index) & first_child.isin(table.index)]
        earlier = table.loc[old.to_numpy()].set_axis(old.index).assign(vintage="2011")
        table = pd.concat([table, earlier])
    return table.rename_axis("lsoa_code")


@dataclass(frozen=True)
class ForceRecords:
    """Every local authority's records from police.uk force files: one row a record, with the
    columns the measure definitions select on (``month``, the offence and crime-type columns,
    ``is_crime``, ``ward_code``, ``source``) and the record's ``lad_code``; how many rows carry an
    LSOA the lookups do not hold (``unplaced``), and how many carry none (``no_location``)."""

    records: pd.DataFrame
    unplaced: int
    no_location: int


def ingest_force(
    path: Path, lookups: Path | Sequence[Path], months: set[str] | None = None
) -> ForceRecords:
    """Read police.uk files for every local authority the lookups place them in, with the same
    reading, checks and offence coding as :func:`ingest` (``months``: only those files).

    Raises
    ------
    PoliceUkError
        Naming the file (or archive member) that is wrong.
    """
    lookup = load_force_lookups(lookups)
    sources = [s for s in find_files(path) if months is None or s.month in months]
    if not sources:
        raise PoliceUkError(f"{path}: no street-level files for the months asked for")
    verify_archive(path)
    lsoas = pa.array(lookup.index.to_numpy(dtype=str))
    police_types = reference_lists()["police_uk_types"]
    types = pa.array(police_types)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(
            pool.map(lambda ns: select_rows(ns[1], ns[0], lsoas, types), enumerate(sources))
        )
    unplaced = sum(counts.outside_area for _, counts in parts)
    no_location = sum(counts.no_location for _, counts in parts)
    type_pos = np.concatenate([kept["type_pos"] for kept, _ in parts])
    lookup_row = np.concatenate([kept["lookup_row"] for kept, _ in parts])
    file_number = np.concatenate([kept["file"] for kept, _ in parts])
    codes = offence_table()
    puk = codes[codes.index.str.startswith("PUK-")].reset_index().set_index("police_uk_type")
    puk = puk.loc[police_types]
    month_start = pd.to_datetime([s.month for s in sources], format="%Y-%m").to_numpy(
        dtype="datetime64[ns]"
    )
    records = pd.DataFrame(
        {
            "month": month_start[file_number],
            "offence_code": _categorical(list(puk["offence_code"]), type_pos),
            "offence_group": _categorical(list(puk["group"]), type_pos),
            "offence_subgroup": _categorical(list(puk["subgroup"]), type_pos),
            "crime_type": _categorical(police_types, type_pos),
            "is_crime": puk["crime"].to_numpy(dtype=bool)[type_pos],
            "ward_code": _categorical(list(lookup["ward_code"]), lookup_row),
            "lad_code": _categorical(list(lookup["lad_code"]), lookup_row),
            "source": _categorical(["police-uk"], np.zeros(len(type_pos), dtype=np.int64)),
        }
    )
    return ForceRecords(records, int(unplaced), int(no_location))


# ---- the tidy table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Selected:
    """One read of the files against a lookup: each record kept (its id, crime type, place in the
    lookup and file), the lookup places of the repeats dropped, and what the read counted."""

    sources: list[SourceFile]
    lookup: pd.DataFrame
    incident_id: pa.ChunkedArray
    type_pos: np.ndarray
    lookup_row: np.ndarray
    file_number: np.ndarray
    duplicate_row: np.ndarray
    report: IngestReport  # what holds for every area: files, months, rows read, no location
    placed: int  # rows with a known crime type and an LSOA
    police_types: list[str]
    outside_codes: dict[str, set[str]] = field(default_factory=dict)  # by month


def select(sources: list[SourceFile], lookup: pd.DataFrame, workers: int | None = None) -> Selected:
    """Read every file once against ``lookup`` (index: LSOA codes), in parallel threads (Arrow's
    reader releases the interpreter while it parses); each thread returns its file's kept
    records as arrays, put together here from codes."""
    lsoas = pa.array(lookup.index.to_numpy(dtype=str))
    police_types = reference_lists()["police_uk_types"]
    types = pa.array(police_types)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        parts = list(
            pool.map(lambda ns: select_rows(ns[1], ns[0], lsoas, types), enumerate(sources))
        )
    common = IngestReport(files=len(sources))
    months = sorted({s.month for s in sources})
    common.first_month, common.last_month = months[0], months[-1]
    every = pd.period_range(months[0], months[-1], freq="M").strftime("%Y-%m")
    common.missing_months = [m for m in every if m not in set(months)]
    unknown: dict[str, int] = {}
    placed = 0
    for _, counts in parts:
        common.rows_read += counts.rows
        common.no_location += counts.no_location
        placed += counts.placed
        for name, n in counts.unknown.items():
            unknown[name] = unknown.get(name, 0) + n
    common.unknown_crime_types = dict(sorted(unknown.items()))

    def joined(key: str) -> np.ndarray:
        return np.concatenate([kept[key] for kept, _ in parts])

    return Selected(
        sources=sources,
        lookup=lookup,
        incident_id=pa.chunked_array([kept["incident_id"] for kept, _ in parts], type=pa.string()),
        type_pos=joined("type_pos"),
        lookup_row=joined("lookup_row"),
        file_number=joined("file"),
        duplicate_row=joined("duplicate_row").astype(np.int64),
        report=common,
        placed=placed,
        police_types=police_types,
        outside_codes=_by_month(
            sources, [cast(list[str], kept["outside_codes"]) for kept, _ in parts]
        ),
    )


def _by_month(sources: list[SourceFile], codes: list[list[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for source, found in zip(sources, codes, strict=True):
        out.setdefault(source.month, set()).update(found)
    return out


def unplaced_lines(selected: Selected, lookups: Path | Sequence[Path]) -> list[str]:
    """What to say of the LSOA codes in the files that no lookup places (the months, and how to
    fetch the lookup that would), from the codes the read saw outside its own lookup."""
    from csa_stats.reference.geography import placeable_lsoas
    from csa_stats.sources.ons_lookups import describe_unplaced, unplaced_lsoas

    extra = [f for f in lookup_files(lookups) if {"LSOA11CD", "LSOA21CD"} <= set(csv_header(f))]
    return describe_unplaced(unplaced_lsoas(selected.outside_codes, placeable_lsoas(extra)))


def split(
    selected: Selected,
    in_area: np.ndarray,
    area: Area,
    lookup: pd.DataFrame,
    unplaced: list[str] | None = None,
) -> tuple[pd.DataFrame, IngestReport]:
    """One area's tidy table and report from a read: ``in_area`` marks the read's lookup rows
    that are the area's, ``lookup`` is the area's own (from :func:`load_lookups`)."""
    mine = in_area[selected.lookup_row]
    report = IngestReport(
        **{**asdict(selected.report), "missing_months": list(selected.report.missing_months)}
    )
    report.duplicate_rows = int(np.count_nonzero(in_area[selected.duplicate_row]))
    report.unplaced = list(unplaced or [])
    # every placed row not kept for this area (outside it, or a repeat of one kept) is outside
    report.outside_area = selected.placed - int(np.count_nonzero(mine)) - report.duplicate_rows
    # positions in the area's own lookup, from positions in the read's (mapped on the lookup's
    # rows, then taken for the records)
    to_local = np.full(len(selected.lookup), -1, dtype=np.int64)
    here = np.flatnonzero(in_area)
    to_local[here] = pd.Index(lookup.index).get_indexer(selected.lookup.index[here])
    month_start = pd.to_datetime([s.month for s in selected.sources], format="%Y-%m").to_numpy(
        dtype="datetime64[ns]"
    )
    return _tidy(
        area,
        lookup,
        selected.police_types,
        selected.type_pos[mine],
        to_local[selected.lookup_row[mine]],
        month_start[selected.file_number[mine]],
        pc.filter(selected.incident_id, pa.array(mine)),
        report,
    )


def _tidy(
    area: Area,
    lookup: pd.DataFrame,
    police_types: list[str],
    type_pos: np.ndarray,
    lookup_row: np.ndarray,
    month: np.ndarray,
    incident_id: pa.ChunkedArray,
    report: IngestReport,
) -> tuple[pd.DataFrame, IngestReport]:
    """One area's kept records as the tidy table, from codes, and its report completed."""
    n = len(type_pos)
    per_lookup_row = np.bincount(lookup_row, minlength=len(lookup))  # records of each LSOA
    vintage = lookup["vintage"].to_numpy()
    report.lsoa_2021_rows = int(per_lookup_row[vintage == "2021"].sum())
    report.lsoa_2011_rows = int(per_lookup_row[vintage == "2011"].sum())

    # police.uk's offence codes, one per crime type, in police.uk's order of types
    codes = offence_table()
    puk = codes[codes.index.str.startswith("PUK-")].reset_index().set_index("police_uk_type")
    puk = puk.loc[police_types]
    ward_codes = lookup["ward_code"].to_numpy()
    nothing = pd.Categorical.from_codes(np.full(n, -1), categories=pd.Index([], dtype=object))
    tidy = pd.DataFrame(
        {
            "incident_id": incident_id.to_pandas(),  # Arrow-backed text, no copy to objects
            "month": month,
            "date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
            "hour": pd.arrays.IntegerArray(np.zeros(n, np.int8), np.ones(n, bool)),
            "offence_code": _categorical(list(puk["offence_code"]), type_pos),
            "offence": _categorical(list(puk["name"]), type_pos),
            "offence_group": _categorical(list(puk["group"]), type_pos),
            "offence_subgroup": _categorical(list(puk["subgroup"]), type_pos),
            "crime_type": _categorical(police_types, type_pos),
            "is_crime": puk["crime"].to_numpy(dtype=bool)[type_pos],
            "ward_code": _categorical(list(ward_codes), lookup_row),
            "ward_name": _categorical([area.wards[w] for w in ward_codes], lookup_row),
            "lsoa_code": pd.array(
                pc.take(pa.array(lookup.index.to_numpy(dtype=str)), lookup_row),
                dtype=pd.StringDtype("pyarrow"),
            ),
            # police.uk records none of the flags: all missing ("not recorded"), never False
            **{flag: _all_missing_boolean(n) for flag in FLAG_COLUMNS},
            "hate_strand": nothing,
            "victim_age_band": nothing,
            "victim_sex": nothing,
            "source": _categorical(["police-uk"], np.zeros(n, dtype=np.int64)),
        },
        columns=list(COLUMNS),
    )
    report.rows_kept = n
    report.crimes = int(tidy["is_crime"].sum())
    report.asb = n - report.crimes
    return tidy, report


# ---- the ingest, with its cache ---------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """The tidy table, what the ingest found, and whether it came from the cache."""

    incidents: pd.DataFrame
    report: IngestReport
    from_cache: bool


def _validate(incidents: pd.DataFrame, area: Area, path: Path) -> None:
    """The schema's checks; a Crime ID repeated across files is named with its months (the
    schema's row number, a position in the joined table, would mean nothing to a reader)."""
    try:
        # Ward names and offence columns are made here from the codes, so they cannot disagree.
        validate_incidents(incidents, area, str(path), cross_check=False)
    except IncidentDataError as error:
        if "'incident_id'" not in str(error) or "appears more than once" not in str(error):
            raise
        repeated = incidents["incident_id"].duplicated(keep=False).to_numpy()
        first = incidents["incident_id"].iloc[int(np.argmax(repeated))]
        months = incidents.loc[incidents["incident_id"] == first, "month"]
        listed = ", ".join(sorted({f"{m:%Y-%m}" for m in months}))
        others = int(incidents["incident_id"].duplicated().sum()) - 1
        more = f" (and {others:,} more repeated)" if others > 0 else ""
        raise PoliceUkError(
            f"{path}: Crime ID {first!r} appears in more than one month's file ({listed}){more}; "
            "police.uk lists a crime once, in the month it was recorded"
        ) from None


def verify_archive(path: Path) -> None:
    """Read every member of a zip and check its CRC-32 (a damaged member the build does not use
    still means a damaged download); nothing for a folder.

    Raises
    ------
    PoliceUkError
        Naming the first damaged member.
    """
    if not (path.is_file() and path.suffix.lower() == ".zip"):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise PoliceUkError(f"{path}: damaged zip archive ({error})") from None
    if damaged is not None:
        raise PoliceUkError(
            f"{path}:{damaged}: damaged (its CRC-32 does not match the archive's); download it again"
        )


def _read_cache_entry(cached: Path) -> Ingested | None:
    """A cached table, if its report is whole and the table's bytes are the ones it was written
    with; otherwise ``None`` and the entry removed (truncated, garbled or altered: rebuilt from
    the files, never served)."""
    try:
        entry = json.loads(cached.with_suffix(".json").read_text(encoding="utf-8"))
        if file_digest(cached) != entry["sha256"]:
            raise ValueError("the table's digest does not match")
        report = IngestReport(**entry["report"])
        # Storage types again: parquet does not keep a categorical with no categories.
        incidents = to_storage_types(pd.read_parquet(cached))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        cached.unlink(missing_ok=True)
        cached.with_suffix(".json").unlink(missing_ok=True)
        return None
    return Ingested(incidents, report, from_cache=True)


def _cache_key(sources: list[SourceFile], lookups: Path | Sequence[Path], area: Area) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.fingerprint.encode())
    for file in lookup_files(lookups):
        stat = file.stat()
        digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(area.key.encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:32]


def _write_parquet(incidents: pd.DataFrame, path: Path) -> None:
    """The tidy table as parquet. Crime IDs (random hexadecimal, all different) are stored plain:
    dictionary encoding and compression gain nothing on them and cost a third of the write."""
    others = [c for c in incidents.columns if c != "incident_id"]
    incidents.to_parquet(
        path,
        index=False,
        use_dictionary=others,
        compression={c: "snappy" for c in others} | {"incident_id": "none"},
    )


def ingest(
    path: Path,
    area: Area,
    lookups: Path | Sequence[Path],
    cache_dir: Path | None = None,
    write_cache: bool = True,
) -> Ingested:
    """Read police.uk street-level files into the tidy table for ``area``, or take it from the cache
    (:func:`ingest_areas` for one area).

    Raises
    ------
    PoliceUkError
        Naming the file (or archive member) that is wrong; nothing is written to the cache.
    """
    return ingest_areas(path, [area], lookups, cache_dir, write_cache)[area.key]


#: How many times the files have been read in this process (the benchmark and tests count them).
READS = 0
#: Areas' tables from the last read of several areas, by cache key, while a build of them all
#: runs in this process (:func:`remember`): each area's build takes its table from here.
_REMEMBERED: dict[str, Ingested] = {}


def forget() -> None:
    """Let go of the tables a read of several areas left in memory."""
    _REMEMBERED.clear()


def ingest_areas(
    path: Path,
    areas: Sequence[Area],
    lookups: Path | Sequence[Path],
    cache_dir: Path | None = None,
    write_cache: bool = True,
    remember: bool = False,
) -> dict[str, Ingested]:
    """The tidy table of each area (by key), from the cache where it is there and otherwise from
    one read of the files for all the areas missing (:func:`select`, then :func:`split` for each):
    every local authority of
    a force's files costs one read, not one each. Each area's table is validated and cached as if
    it had been read alone, so a later build of any one of them finds it; with ``remember``,
    they are also kept in memory for this process's builds of them (until :func:`forget`).

    Raises
    ------
    PoliceUkError
        Naming the file (or archive member) that is wrong; nothing is written to the cache.
    """
    global READS
    out: dict[str, Ingested] = {}
    sources = find_files(path)
    for area in areas:
        held = _REMEMBERED.get(_cache_key(sources, lookups, area))
        if held is not None:
            out[area.key] = held
    if len(out) == len(areas):
        return out
    with ThreadPoolExecutor(max_workers=1) as reader:
        # the lookups are read while the files are found and fingerprinted; unused on a cache hit
        lookup_reads = {
            a.key: reader.submit(load_lookups, lookups, a) for a in areas if a.key not in out
        }
        entries: dict[str, Path | None] = {}
        for area in areas:
            if area.key in out:
                continue
            key = _cache_key(sources, lookups, area) if cache_dir else ""
            cached = cache_dir / f"{key}.parquet" if cache_dir else None
            entries[area.key] = cached
            if cached is not None and cached.is_file():
                hit = _read_cache_entry(cached)
                if hit is not None:
                    out[area.key] = hit
        missing = [a for a in areas if a.key not in out]
        wanted = {a.key: (a, lookup_reads[a.key].result()) for a in missing}
    if not missing:
        return out
    verify_archive(path)
    READS += 1
    combined = pd.concat(
        [lookup.assign(area=number) for number, (_, lookup) in enumerate(wanted.values())]
    )
    combined = combined[~combined.index.duplicated()]  # an LSOA lies in one local authority
    selected = select(sources, combined)
    unplaced = unplaced_lines(selected, lookups)
    for number, area in enumerate(missing):
        in_area = combined["area"].to_numpy() == number
        incidents, report = split(selected, in_area, area, wanted[area.key][1], unplaced)
        out[area.key] = _keep(incidents, report, area, path, entries[area.key], write_cache)
        if remember:
            _REMEMBERED[_cache_key(sources, lookups, area)] = out[area.key]
    return out


def _keep(
    incidents: pd.DataFrame,
    report: IngestReport,
    area: Area,
    path: Path,
    cached: Path | None,
    write_cache: bool,
) -> Ingested:
    """Validate an area's table and, where there is a cache (and writing it is allowed), cache it."""
    if cached is None or not write_cache:  # `csa-stats check` reads the cache, never writes it
        _validate(incidents, area, path)
        return Ingested(incidents, report, from_cache=False)

    # The parquet file is written (to a temporary name) while the table is validated; it is moved
    # into place only if the table is valid. The report goes first: a parquet file in the cache is
    # only ever beside its report.
    def stage(staged: Path) -> None:
        with ThreadPoolExecutor(max_workers=1) as writer:
            written = writer.submit(_write_parquet, incidents, staged)
            _validate(incidents, area, path)
            written.result()
        # The report carries the table's digest, checked whenever the entry is read.
        entry = {"report": asdict(report), "sha256": file_digest(staged)}
        write_text(cached.with_suffix(".json"), json.dumps(entry))

    atomic_write(cached, stage)
    return Ingested(incidents, report, from_cache=False)


def ingest_force_areas(
    path: Path,
    lookups: Path | Sequence[Path],
    cache_dir: Path | None = None,
    write_cache: bool = True,
    min_coverage: float = 0.5,
    remember: bool = False,
) -> dict[str, Ingested]:
    """Every local authority a force's files cover (at least ``min_coverage`` of its LSOAs:
    :func:`csa_stats.reference.geography.areas_of_force`), each as its tidy table, from one read
    of the files against the whole lookup; each validated and cached as if it had been read
    alone (:func:`ingest` of any one of them then reads nothing; with ``remember``, kept in memory
    too, as :func:`ingest_areas` does). Returned by area key, in local authority code order."""
    from csa_stats.reference.geography import areas_of_force

    global READS
    sources = find_files(path)
    national = load_force_lookups(lookups)
    verify_archive(path)
    READS += 1
    selected = select(sources, national)
    unplaced = unplaced_lines(selected, lookups)
    found = national.index[np.unique(selected.lookup_row)]
    out: dict[str, Ingested] = {}
    lads = national["lad_code"].to_numpy()
    for area in areas_of_force(found, min_coverage):
        in_area = lads == area.lad_code
        lookup = national.loc[in_area, ["ward_code", "vintage"]]
        unknown = sorted(set(lookup["ward_code"]) - set(area.ward_codes))
        if unknown:
            raise PoliceUkError(
                f"ward(s) {', '.join(unknown)} of {area.name} are not among its wards"
            )
        incidents, report = split(selected, in_area, area, lookup, unplaced)
        key = _cache_key(sources, lookups, area)
        cached = cache_dir / f"{key}.parquet" if cache_dir else None
        out[area.key] = _keep(incidents, report, area, path, cached, write_cache)
        if remember:
            _REMEMBERED[key] = out[area.key]
    return out
