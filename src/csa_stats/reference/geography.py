"""Reference geography: LSOA 2021 -> ward 2022 -> local authority district 2022, England and Wales.

The project derives two compact tables from ONS's lookups with its own code (``make geography``)
and commits them, with their attribution, in ``data/reference/geography/``, so that a machine
without the third-party files can build any area:

- ``lsoa21_ward22_lad22.csv.gz``: one row per LSOA 2021 (35,672), with its ward and local
  authority district codes and names (``LSOA21CD, WD22CD, WD22NM, LAD22CD, LAD22NM``);
- ``lsoa11_lsoa21_coventry.csv``: Coventry's LSOA 2011 -> 2021 best-fit lookup (one row per
  2011 LSOA: ``LSOA11CD, LSOA21CD, LAD22CD``), for police.uk months coded with 2011 LSOAs.
  Other areas' 2011 codes need ONS's national best-fit lookup: ``csa-stats fetch --lookups``.

Why gzip-compressed CSV: it is text every tool reads (Python's standard library included, so
tests can check the project against an independent reader), its bytes are the same each time it
is made (no time stamp in the gzip header, rows sorted), so ``make geography`` on any machine
either changes nothing or shows a real change; and it is smaller here than parquet (212 KB
against 277 KB). Welsh names, LSOA names and ONS's ObjectId are left out: nothing uses them.

On top of the table: :func:`resolve_area` turns an ONS local authority code or name into an
:class:`~csa_stats.reference.taxonomy.Area` with its wards and LSOAs; ``data/reference/areas.yml`` adds
what no lookup can say (a display name, the city-centre ward). :func:`areas_of_force` finds the
local authorities a force's records fall in.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from csa_stats import paths
from csa_stats.errors import ParameterError
from csa_stats.reference.taxonomy import Area

#: The compact national table and its columns.
TABLE_FILE = "lsoa21_ward22_lad22.csv.gz"
TABLE_COLUMNS = ("LSOA21CD", "WD22CD", "WD22NM", "LAD22CD", "LAD22NM")
#: Coventry's LSOA 2011 -> 2021 best-fit lookup and its columns.
LSOA11_FILE = "lsoa11_lsoa21_coventry.csv"
LSOA11_COLUMNS = ("LSOA11CD", "LSOA21CD", "LAD22CD")
ATTRIBUTION_FILE = "ATTRIBUTION.md"

#: The ONS files the tables are derived from (in ``../shared/data/real/ons-lookups``).
NATIONAL_SOURCE = "Lower_Layer_Super_Output_Area_(2021)_to_Ward_(2022)_to_LAD_(2022)_Lookup_in_England_and_Wales_v3.csv"
COVENTRY_LSOA11_SOURCE = "LSOA11_to_LSOA21_Coventry.csv"
#: Rows of the national lookup: one per LSOA 2021 in England and Wales.
NATIONAL_ROWS = 35_672

#: The highest LSOA code of each country in 2011 (ONS never reuses a code, so a 2021 code at or
#: below these existed in 2011 and is an LSOA that did not change).
LAST_2011_LSOA = {"E": 33_768, "W": 1_958}
_LSOA = re.compile(r"^([EW])01(\d{6})$")
_LAD = re.compile(r"^[EW]0[6-9]\d{6}$", re.IGNORECASE)

ATTRIBUTION = """\
# Reference geography: attribution

Source: Office for National Statistics licensed under the Open Government Licence v.3.0.
Contains OS data © Crown copyright and database right.
<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>

Derived by the project's own code (`make geography`, `csa_stats.reference.geography`) from:

| file here | derived from | how |
|---|---|---|
| `lsoa21_ward22_lad22.csv.gz` | ONS "Lower Layer Super Output Area (2021) to Ward (2022) to LAD (2022) Lookup in England and Wales" (v3), obtained from the copy in the public repository `Birmingham-and-Solihull-ICS/BSOL_Outcomes_Framework`, path `data/Lower_Layer_Super_Output_Area_(2021)_to_Ward_(2022)_to_LAD_(2022)_Lookup_in_England_and_Wales_v3.csv`, last changed in commit `597be4459f55ec56c28039979ac467593c601580` (repository licence: OGL v3) | columns `LSOA21CD, WD22CD, WD22NM, LAD22CD, LAD22NM` kept (Welsh names, LSOA names and ObjectId dropped), rows sorted by `LSOA21CD`, gzip-compressed without a time stamp; 35,672 rows, unchanged otherwise |
| `lsoa11_lsoa21_coventry.csv` | ONS "LSOA (2011) to LSOA (2021) to Local Authority District (2022)" best-fit lookup (one row per 2011 LSOA), from the copy in the public repository `findmeanickpls/Coventry-crime-analysis`, path `LSOA_(2011,2021) and LAD(2022)_Lookup.csv`, commit `1d3a34c0dcb6cda89e60eb33ea5cb9dc11e7165e`, filtered to Coventry (`LAD22CD = E08000026`) | columns `LSOA11CD, LSOA21CD, LAD22CD`, rows sorted by `LSOA11CD`; 195 rows. A best fit: each 2011 LSOA split in 2021 is given one successor (8 in Coventry); `E01009703` (Coventry 025C), split between Westwood and Woodlands, goes to `E01034740` (Coventry 025F) in Westwood. That repository has no licence file (its README shows an MIT badge); the data are ONS's, under the Open Government Licence |

Other areas' 2011 codes: `csa-stats fetch --lookups` downloads ONS's national "LSOA (2011) to
LSOA (2021) to Local Authority District (2022) Best Fit Lookup for EW (V2)" into `data/lookups/`
(not committed).
"""


class GeographyError(ValueError):
    """A reference geography file is missing or wrong; the message names it."""


class AreaNotFoundError(ParameterError):
    """No local authority matches the text given; the message suggests close names."""


# ---- deriving the committed tables --------------------------------------------------------------


def _read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV (plain or gzip-compressed) as text columns: nothing converted, blanks kept as ''."""
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", compression="infer"
        )
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError) as error:
        raise GeographyError(f"{path}: cannot be read ({error})") from None
    except pd.errors.EmptyDataError:
        raise GeographyError(f"{path}: the file is empty") from None


def _require(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise GeographyError(f"{path}: missing column(s) {', '.join(missing)}")
    blank = frame[list(columns)].eq("").any(axis=1)
    if blank.any():
        row = int(blank.to_numpy().argmax())
        raise GeographyError(f"{path}: row {row + 2} has a blank code or name")


def derive_lsoa_ward_lad(source: Path) -> pd.DataFrame:
    """The compact national table from ONS's LSOA 2021 -> ward 2022 -> LAD 2022 lookup.

    Parameters
    ----------
    source
        ONS's CSV (with a byte-order mark, Welsh names and ObjectId, as ONS publishes it).

    Returns
    -------
    pandas.DataFrame
        One row per LSOA 2021, columns :data:`TABLE_COLUMNS`, sorted by ``LSOA21CD``.

    Raises
    ------
    GeographyError
        If a column is missing, a field is blank or an LSOA appears twice.
    """
    frame = _read_csv_text(source)
    _require(frame, TABLE_COLUMNS, source)
    repeated = frame["LSOA21CD"].duplicated()
    if repeated.any():
        code = frame.loc[repeated, "LSOA21CD"].iloc[0]
        raise GeographyError(f"{source}: LSOA {code} appears more than once")
    table = frame[list(TABLE_COLUMNS)].sort_values("LSOA21CD", kind="stable")
    return table.reset_index(drop=True)


def derive_lsoa11_lsoa21(source: Path) -> pd.DataFrame:
    """A best-fit LSOA 2011 -> 2021 lookup, compacted: one row per 2011 LSOA.

    Where a lookup lists several successors of a 2011 LSOA (an exact-fit lookup), the one with
    the lowest code is kept, as the ingest does (:func:`csa_stats.sources.policeuk.load_lookups`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LSOA11_COLUMNS`, sorted by ``LSOA11CD``.
    """
    frame = _read_csv_text(source)
    _require(frame, LSOA11_COLUMNS, source)
    table = frame[list(LSOA11_COLUMNS)].sort_values(["LSOA11CD", "LSOA21CD"], kind="stable")
    return table.drop_duplicates("LSOA11CD").reset_index(drop=True)


def csv_bytes(frame: pd.DataFrame, compress: bool) -> bytes:
    """A table as CSV bytes (UTF-8, ``\\n`` line ends, quoted only where needed), gzip-compressed
    with no time stamp or file name in the header when ``compress``: the same table always gives
    the same bytes.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"a": ["x,y"], "b": ["1"]}), compress=False)
    b'a,b\\n"x,y",1\\n'
    >>> csv_bytes(pd.DataFrame({"a": ["1"]}), True) == csv_bytes(pd.DataFrame({"a": ["1"]}), True)
    True
    """
    text = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if not compress:
        return text
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as zipped:
        zipped.write(text)
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place: a reader
    sees the old file or the new one, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def build_reference_geography(source_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Derive and write the committed tables and their attribution (``make geography``).

    Parameters
    ----------
    source_dir
        The folder of ONS lookups (``../shared/data/real/ons-lookups``).
    out_dir
        Where to write them (default ``data/reference/geography``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = out_dir or paths.geography_dir()
    national = derive_lsoa_ward_lad(source_dir / NATIONAL_SOURCE)
    if len(national) != NATIONAL_ROWS:
        raise GeographyError(
            f"{source_dir / NATIONAL_SOURCE}: {len(national):,} LSOAs, expected {NATIONAL_ROWS:,}"
        )
    coventry = derive_lsoa11_lsoa21(source_dir / COVENTRY_LSOA11_SOURCE)
    unknown = sorted(set(coventry["LSOA21CD"]) - set(national["LSOA21CD"]))
    if unknown:
        raise GeographyError(
            f"{source_dir / COVENTRY_LSOA11_SOURCE}: LSOA 2021 code(s) {', '.join(unknown[:3])} "
            "are not in the national lookup"
        )
    return [
        write_atomically(out_dir / TABLE_FILE, csv_bytes(national, compress=True)),
        write_atomically(out_dir / LSOA11_FILE, csv_bytes(coventry, compress=False)),
        write_atomically(out_dir / ATTRIBUTION_FILE, ATTRIBUTION.encode("utf-8")),
    ]


# ---- reading them --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _cached_table(path: Path, mtime_ns: int, size: int, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = _read_csv_text(path)
    _require(frame, columns, path)
    return frame[list(columns)]


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A reference table, parsed once per version of the file (keyed by its time and size)."""
    try:
        stat = path.stat()
    except OSError:
        raise GeographyError(
            f"{path}: no such file; run `make geography` (it derives the reference geography "
            "from the ONS lookups)"
        ) from None
    return _cached_table(path, stat.st_mtime_ns, stat.st_size, columns).copy()


def lsoa_table(path: Path | None = None) -> pd.DataFrame:
    """The committed LSOA 2021 -> ward 2022 -> LAD 2022 table (:data:`TABLE_COLUMNS`)."""
    return _read_table(path or paths.geography_dir() / TABLE_FILE, TABLE_COLUMNS)


def lsoa11_table(extra: Iterable[Path] = ()) -> pd.DataFrame:
    """LSOA 2011 -> 2021 best fit: the committed Coventry table and any other lookup given (such
    as ONS's national one that ``csa-stats fetch --lookups`` writes), one row per 2011 LSOA (the
    lowest-coded successor where the lookups list several).

    Parameters
    ----------
    extra
        Further CSVs with at least ``LSOA11CD`` and ``LSOA21CD`` columns.
    """
    frames = [_read_table(paths.geography_dir() / LSOA11_FILE, LSOA11_COLUMNS)]
    frames += [_read_table(Path(p), ("LSOA11CD", "LSOA21CD")) for p in extra]
    pairs = pd.concat(frames, ignore_index=True)[["LSOA11CD", "LSOA21CD"]]
    pairs = pairs.sort_values(["LSOA11CD", "LSOA21CD"], kind="stable")
    return pairs.drop_duplicates("LSOA11CD").reset_index(drop=True)


def lookup_folders() -> list[Path]:
    """The folders of LSOA lookups a build reads: the committed ``data/reference/geography`` and,
    if ``csa-stats fetch --lookups`` has made it, ``data/lookups``."""
    fetched = paths.lookups_dir()
    return [paths.geography_dir(), *([fetched] if fetched.is_dir() else [])]


def placeable_lsoas(extra: Iterable[Path] = ()) -> set[str]:
    """Every LSOA code the lookups place: each 2021 code, and each 2011 code with a successor
    (the committed Coventry table and the ``extra`` 2011 -> 2021 lookups)."""
    return set(lsoa_table()["LSOA21CD"]) | set(lsoa11_table(extra)["LSOA11CD"])


def local_authorities(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every local authority district in the table: ``lad_code``, ``lad_name``, by code."""
    table = lsoa_table() if table is None else table
    lads = table[["LAD22CD", "LAD22NM"]].drop_duplicates("LAD22CD").sort_values("LAD22CD")
    return lads.rename(columns={"LAD22CD": "lad_code", "LAD22NM": "lad_name"}).reset_index(
        drop=True
    )


def existed_in_2011(code: str) -> bool:
    """Whether an LSOA code lies in ONS's 2011 ranges (E01000001-E01033768, W01000001-W01001958).

    A 2021 LSOA whose code is in them is one that did not change in 2021 (ONS gave every new or
    changed LSOA a new code), so police.uk's 2011-coded months use the same code for it.

    Examples
    --------
    >>> existed_in_2011("E01009696"), existed_in_2011("E01034746"), existed_in_2011("W01001958")
    (True, False, True)
    >>> existed_in_2011("not a code")
    False
    """
    match = _LSOA.match(code)
    if match is None:
        return False
    return 1 <= int(match[2]) <= LAST_2011_LSOA[match[1]]


def slug(name: str) -> str:
    """An area's key made from its name: lower case, words joined by hyphens.

    Examples
    --------
    >>> slug("Bristol, City of"), slug("St. Helens"), slug("Ynys Môn")
    ('bristol-city-of', 'st-helens', 'ynys-môn')
    """
    return "-".join(re.findall(r"\w+", name.casefold()))


# ---- areas ---------------------------------------------------------------------------------------


def _configured(areas_path: Path | None) -> dict[str, Any]:
    from csa_stats.reference.taxonomy import _read_yaml

    return _read_yaml(areas_path or paths.reference_dir() / "areas.yml")


def configured_area(key: str, entry: Mapping[str, Any], table: pd.DataFrame | None = None) -> Area:
    """An area of ``data/reference/areas.yml``: what the file says (its key, display name, the
    city-centre ward, if it has one) and, from the lookup, its wards and LSOAs.

    Raises
    ------
    GeographyError
        If the local authority is not in the lookup, or the city-centre ward is not one of its
        wards.
    """
    table = lsoa_table() if table is None else table
    lad_code = str(entry.get("lad_code", ""))
    rows = table[table["LAD22CD"] == lad_code]
    if rows.empty:
        raise GeographyError(
            f"data/reference/areas.yml: area {key!r}: lad_code {lad_code!r} is not a local "
            "authority district in the ONS lookup"
        )
    wards = _wards(rows)
    centre = entry.get("city_centre_ward")
    if centre is not None and str(centre) not in wards:
        raise GeographyError(
            f"data/reference/areas.yml: area {key!r}: city_centre_ward {centre!r} is not a ward "
            f"of {rows['LAD22NM'].iloc[0]} ({lad_code})"
        )
    population = entry.get("census_2021_population")
    return Area(
        key=key,
        name=str(entry.get("name") or rows["LAD22NM"].iloc[0]),
        lad_code=lad_code,
        census_2021_population=None if population is None else int(population),
        city_centre_ward=None if centre is None else str(centre),
        wards=wards,
        lsoas=tuple(sorted(rows["LSOA21CD"])),
        partnership=None if entry.get("partnership") is None else str(entry["partnership"]),
    )


def _wards(rows: pd.DataFrame) -> dict[str, str]:
    """Ward code -> name, in code order (a ward split between two authorities has a name in
    each: the name for this one)."""
    pairs = rows[["WD22CD", "WD22NM"]].drop_duplicates("WD22CD").sort_values("WD22CD")
    return dict(zip(pairs["WD22CD"], pairs["WD22NM"], strict=True))


def area_for_lad(
    lad_code: str, table: pd.DataFrame | None = None, areas_path: Path | None = None
) -> Area:
    """The area of a local authority district: as configured in ``areas.yml`` if it is there,
    else named as ONS names it, with no city-centre ward."""
    table = lsoa_table() if table is None else table
    for key, entry in _configured(areas_path).items():
        if isinstance(entry, Mapping) and str(entry.get("lad_code")) == lad_code:
            return configured_area(str(key), entry, table)
    rows = table[table["LAD22CD"] == lad_code]
    if rows.empty:
        raise AreaNotFoundError(f"{lad_code} is not a local authority district in the ONS lookup")
    name = str(rows["LAD22NM"].iloc[0])
    return configured_area(slug(name), {"lad_code": lad_code, "name": name}, table)


def resolve_area(
    text: str, table: pd.DataFrame | None = None, areas_path: Path | None = None
) -> Area:
    """The area a user means: an ONS local authority district code (``E08000025``), its name
    (``Birmingham``, any case, exact), its key (``bristol-city-of``: :func:`slug`) or a key of
    ``data/reference/areas.yml`` (``coventry``).

    Returns
    -------
    Area
        With the district's wards (codes and names) and LSOAs from the lookup, and what
        ``areas.yml`` adds for it (display name, city-centre ward); ``city_centre_ward`` is
        ``None`` where none is configured.

    Raises
    ------
    AreaNotFoundError
        In one line, suggesting the closest names.
    """
    table = lsoa_table() if table is None else table
    query = text.strip()
    configured = _configured(areas_path)
    if query in configured:
        return configured_area(query, configured[query], table)
    lads = local_authorities(table)
    if _LAD.match(query):
        found = lads[lads["lad_code"] == query.upper()]
    else:
        found = lads[lads["lad_name"].str.casefold() == query.casefold()]
        if found.empty:  # the area's key, as csa-stats names its sites: bristol-city-of
            found = lads[lads["lad_name"].map(slug) == query]
    if len(found) == 1:
        return area_for_lad(str(found["lad_code"].iloc[0]), table, areas_path)
    raise AreaNotFoundError(_not_found(query, lads, sorted(configured)))


def _not_found(query: str, lads: pd.DataFrame, configured: list[str]) -> str:
    names = {n.casefold(): n for n in lads["lad_name"]}
    close = [names[n] for n in difflib.get_close_matches(query.casefold(), names, n=3, cutoff=0.6)]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return (
        f"parameter area: {query!r} is not in data/reference/areas.yml (configured: "
        f"{', '.join(configured) or 'none'}) nor a local authority district of England and Wales "
        f"(an ONS code such as E08000026 or a name such as Coventry){hint}"
    )


def to_lsoa21(codes: Iterable[str], table: pd.DataFrame, lsoa11: pd.DataFrame) -> pd.Series:
    """Each LSOA code (2011 or 2021) as a 2021 code: itself where it is a 2021 code, else its
    best-fit successor; missing (``<NA>``) where no lookup places it. Indexed by the codes given.

    Examples
    --------
    >>> t = pd.DataFrame({"LSOA21CD": ["E01000001", "E01034000"]})
    >>> l11 = pd.DataFrame({"LSOA11CD": ["E01000002"], "LSOA21CD": ["E01034000"]})
    >>> to_lsoa21(["E01000001", "E01000002", "E01999999"], t, l11).tolist()
    ['E01000001', 'E01034000', <NA>]
    """
    index = pd.Index(list(codes), dtype=object)
    current = set(table["LSOA21CD"])
    successor = dict(zip(lsoa11["LSOA11CD"], lsoa11["LSOA21CD"], strict=True))
    values = [c if c in current else successor.get(c) for c in index]
    return pd.Series(pd.array(values, dtype="string"), index=index)


def lad_coverage(
    lsoa_codes: Iterable[str],
    table: pd.DataFrame | None = None,
    lsoa11: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How much of each local authority a set of LSOA codes (2011 or 2021) reaches.

    Returns
    -------
    pandas.DataFrame
        One row per local authority any code falls in, by code: ``lad_code``, ``lad_name``,
        ``lsoas`` (its LSOAs), ``seen`` (how many of them the codes reach) and ``coverage``
        (``seen / lsoas``). Codes no lookup places are left out (see
        :func:`csa_stats.sources.ons_lookups.describe_unplaced`).
    """
    table = lsoa_table() if table is None else table
    lsoa11 = lsoa11_table() if lsoa11 is None else lsoa11
    placed = to_lsoa21(set(lsoa_codes), table, lsoa11).dropna()
    by_lsoa = table.set_index("LSOA21CD")["LAD22CD"]
    seen = by_lsoa.loc[sorted(set(placed))].value_counts()
    sizes = table["LAD22CD"].value_counts()
    lads = local_authorities(table).set_index("lad_code").loc[sorted(seen.index)]
    out = lads.assign(lsoas=sizes.loc[lads.index], seen=seen.loc[lads.index])
    out["coverage"] = out["seen"] / out["lsoas"]
    return out.reset_index()


def areas_of_force(
    lsoa_codes: Iterable[str],
    min_coverage: float = 0.5,
    table: pd.DataFrame | None = None,
    lsoa11: pd.DataFrame | None = None,
    areas_path: Path | None = None,
) -> list[Area]:
    """The local authorities a force's records fall in: "every area of a force from one read".

    A force's files also hold a few records placed in its neighbours' LSOAs; a local authority
    counts as the force's when the codes reach at least ``min_coverage`` of its LSOAs (over a
    month of a force's records, nearly all of its own; of a neighbour's, a handful).

    Parameters
    ----------
    lsoa_codes
        The LSOA codes (2011 or 2021) found in the force's files.
    min_coverage
        The share of a local authority's LSOAs the codes must reach (0 keeps every one touched).

    Returns
    -------
    list of Area
        In local authority code order.
    """
    table = lsoa_table() if table is None else table
    coverage = lad_coverage(lsoa_codes, table, lsoa11)
    chosen = coverage.loc[coverage["coverage"] >= min_coverage, "lad_code"]
    return [area_for_lad(str(code), table, areas_path) for code in chosen]


def main(argv: Sequence[str] | None = None) -> None:
    """``make geography``: derive the committed reference geography from the ONS lookups."""
    parser = argparse.ArgumentParser(
        prog="python -m csa_stats.reference.geography", description=__doc__
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=paths.project_root().parent / "shared" / "data" / "real" / "ons-lookups",
        help="folder of the ONS lookups (default ../shared/data/real/ons-lookups)",
    )
    parser.add_argument("--out", type=Path, default=None, help="default data/reference/geography")
    args = parser.parse_args(argv)
    try:
        written = build_reference_geography(args.source, args.out)
    except GeographyError as error:
        raise SystemExit(f"csa-stats: error: {error}") from None
    for path in written:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
