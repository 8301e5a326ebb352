"""``csa-stats fetch --lookups``: ONS's national LSOA 2011 -> 2021 best-fit lookup, and what to say
when police.uk months hold LSOA codes no lookup places.

police.uk codes older months with 2011 LSOAs. An LSOA unchanged in 2021 kept its code; one that
was split, merged or redrawn got a new one, so a 2011 code of a changed LSOA needs ONS's "LSOA
(2011) to LSOA (2021) to Local Authority District (2022) Best Fit Lookup for EW (V2)" (one row per
2011 LSOA, 34,753 rows). The project commits Coventry's rows of it; for any other area this module
downloads the whole table from ONS's Open Geography Portal, an ArcGIS feature service that answers
at most 1,000 rows a request: the query is repeated with ``resultOffset`` moved on by the rows
that came back while the answer says ``exceededTransferLimit``.

Each page is kept as it arrives (written whole, then renamed) in a folder beside the final file,
so an interrupted download resumes from the first page it lacks; the CSV is written under a
temporary name and renamed when every page is in and checked. Nothing here runs at build time.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from tqdm import tqdm

from csa_stats.reference.geography import (
    csv_bytes,
    existed_in_2011,
    placeable_lsoas,
    write_atomically,
)
from csa_stats.sources.fetch import FetchError

#: ONS's Open Geography Portal feature service of the best-fit lookup (layer 0's query).
BEST_FIT_URL = (
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
    "LSOA11_LSOA21_LAD22_EW_LU_v2/FeatureServer/0/query"
)
#: The fields kept (the service also has Welsh names and an ObjectId).
FIELDS = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM")
#: The file written in the lookups folder (``data/lookups/``); the ingest reads it from there.
OUTPUT_NAME = "lsoa11_lsoa21_lad22_bestfit.csv"
#: Rows asked for a request: the service's own limit (maxRecordCount).
PAGE_SIZE = 1000
FETCH_COMMAND = "csa-stats fetch --lookups"


def page_params(offset: int, count: int) -> dict[str, str]:
    """The query for one page: every row, the fields kept, in a fixed order (so that pages do not
    overlap or skip), no geometry, as JSON.

    Examples
    --------
    >>> page_params(2000, 1000)["resultOffset"], page_params(0, 1000)["orderByFields"]
    ('2000', 'LSOA11CD')
    """
    return {
        "where": "1=1",
        "outFields": ",".join(FIELDS),
        "orderByFields": "LSOA11CD",
        "returnGeometry": "false",
        "resultOffset": str(offset),
        "resultRecordCount": str(count),
        "f": "json",
    }


def _get_json(session: requests.Session, url: str, params: Mapping[str, str], kept: str) -> Any:
    """One answer of the service as JSON; a one-line :class:`FetchError` otherwise."""
    again = f"; run `{FETCH_COMMAND}` again to resume{kept}"
    try:
        response = session.get(url, params=params, timeout=60)
    except requests.RequestException as error:
        raise FetchError(f"{url}: the download stopped ({type(error).__name__}){again}") from None
    if response.status_code != 200:
        raise FetchError(f"{url}: the server answered HTTP {response.status_code}{again}")
    try:
        answer = response.json()
    except ValueError:
        raise FetchError(f"{url}: the answer is not JSON (is this an ArcGIS query URL?)") from None
    if isinstance(answer, dict) and "error" in answer:
        refusal = answer["error"] if isinstance(answer["error"], dict) else {}
        message = (str(refusal.get("message") or "no reason given").splitlines() or [""])[0]
        raise FetchError(
            f"{url}: the service refused the query: {message} (code {refusal.get('code', '?')})"
        )
    if not isinstance(answer, dict):
        raise FetchError(f"{url}: the answer is not an ArcGIS query result")
    return answer


def _page_rows(answer: dict[str, Any], url: str, offset: int) -> list[dict[str, str]]:
    features = answer.get("features")
    if not isinstance(features, list):
        raise FetchError(f"{url}: the page at offset {offset:,} holds no 'features' list")
    rows = []
    for feature in features:
        attributes = feature.get("attributes", {}) if isinstance(feature, dict) else {}
        missing = [f for f in FIELDS if f not in attributes]
        if missing:
            raise FetchError(
                f"{url}: the page at offset {offset:,} lacks the field(s) {', '.join(missing)}"
            )
        rows.append({f: "" if attributes[f] is None else str(attributes[f]) for f in FIELDS})
    return rows


def _saved_pages(parts: Path) -> tuple[list[dict[str, str]], int, bool]:
    """The rows of the pages an earlier run kept, the offset to go on from and whether the last
    of them was the table's last page."""
    rows: list[dict[str, str]] = []
    offset, done = 0, False
    while (page := parts / f"{offset:09d}.json").is_file():
        try:
            saved = json.loads(page.read_text(encoding="utf-8"))
            got, done = list(saved["rows"]), bool(saved["last"])
        except (OSError, ValueError, KeyError, TypeError):
            page.unlink(missing_ok=True)  # damaged: fetched again
            break
        rows += got
        offset += len(got)
        if done or not got:
            break
    return rows, offset, done


def fetch_lsoa_lookup(
    out_dir: Path,
    url: str = BEST_FIT_URL,
    page_size: int = PAGE_SIZE,
    progress: bool = True,
    session: requests.Session | None = None,
) -> Path:
    """Download ONS's LSOA 2011 -> 2021 best-fit lookup into ``out_dir`` (``data/lookups``).

    Parameters
    ----------
    out_dir
        The lookups folder; the file is ``lsoa11_lsoa21_lad22_bestfit.csv`` with the columns
        :data:`FIELDS`, one row per 2011 LSOA, sorted by ``LSOA11CD``.
    url
        The feature service's query URL (a local server in tests).
    page_size
        Rows asked for a request; the service may send fewer, and the next request starts after
        the rows that came.

    Returns
    -------
    pathlib.Path
        The file (left as it is if it is already there).

    Raises
    ------
    FetchError
        One line: the server's refusal, a broken connection (the pages already in are kept and
        the next run resumes after them), or a table that is not what was expected.
    """
    target = out_dir / OUTPUT_NAME
    if target.is_file():
        return target
    session = session or requests.Session()
    parts = out_dir / f".{OUTPUT_NAME}.pages"
    parts.mkdir(parents=True, exist_ok=True)
    rows, offset, done = _saved_pages(parts)
    seen = {r["LSOA11CD"] for r in rows}
    total: int | None = None
    if not done:
        counted = _get_json(
            session, url, {"where": "1=1", "returnCountOnly": "true", "f": "json"}, ""
        )
        total = int(counted["count"]) if isinstance(counted.get("count"), int) else None
    with tqdm(
        total=total, initial=len(rows), unit="rows", desc=OUTPUT_NAME, disable=not progress
    ) as bar:
        while not done:
            kept = f" ({len(rows):,} rows kept)" if rows else ""
            answer = _get_json(session, url, page_params(offset, page_size), kept)
            got = _page_rows(answer, url, offset)
            if seen.intersection(r["LSOA11CD"] for r in got):
                raise FetchError(
                    f"{url}: the page at offset {offset:,} repeats rows already received (the "
                    "service ignored resultOffset?)"
                )
            seen.update(r["LSOA11CD"] for r in got)
            done = not answer.get("exceededTransferLimit", False) or not got
            page = {"offset": offset, "rows": got, "last": done}
            write_atomically(parts / f"{offset:09d}.json", json.dumps(page).encode("utf-8"))
            rows += got
            offset += len(got)
            bar.update(len(got))
    table = _checked(rows, total, url)
    write_atomically(target, csv_bytes(table, compress=False))
    shutil.rmtree(parts, ignore_errors=True)
    return target


def _checked(rows: list[dict[str, str]], total: int | None, url: str) -> pd.DataFrame:
    """The downloaded rows as a table, once they are known to be the whole lookup."""
    table = pd.DataFrame(rows, columns=list(FIELDS))
    if table.empty:
        raise FetchError(f"{url}: the service returned no rows")
    if total is not None and len(table) != total:
        raise FetchError(
            f"{url}: {len(table):,} rows arrived, the service counts {total:,}; run "
            f"`{FETCH_COMMAND}` again (delete {OUTPUT_NAME}'s pages folder to start over)"
        )
    repeated = table["LSOA11CD"].duplicated()
    if repeated.any():
        code = table.loc[repeated, "LSOA11CD"].iloc[0]
        raise FetchError(
            f"{url}: LSOA {code} arrived twice (pages overlapped, or this is not a best-fit lookup)"
        )
    if table[["LSOA11CD", "LSOA21CD", "LAD22CD"]].eq("").any(axis=None):
        raise FetchError(f"{url}: a row has a blank LSOA or local authority code")
    return table.sort_values("LSOA11CD", kind="stable").reset_index(drop=True)


# ---- LSOA codes no lookup places ----------------------------------------------------------------


def unplaced_lsoas(
    codes_by_month: Mapping[str, Iterable[str]], known: Iterable[str]
) -> dict[str, list[str]]:
    """For each month, the LSOA codes in its records that no lookup holds (sorted); months with
    none are left out.

    Parameters
    ----------
    codes_by_month
        Month (``YYYY-MM``) -> the LSOA codes of its records (blanks are ignored: no location).
    known
        Every code the lookups place: the 2021 codes and the 2011 codes with a successor.

    Examples
    --------
    >>> unplaced_lsoas({"2019-04": ["E01000001", "E01009703", ""], "2024-04": ["E01000001"]},
    ...                known={"E01000001"})
    {'2019-04': ['E01009703']}
    """
    placed = set(known)
    out = {}
    for month, codes in sorted(codes_by_month.items()):
        missing = sorted({c for c in codes if c and c not in placed})
        if missing:
            out[month] = missing
    return out


def month_spans(months: Iterable[str]) -> str:
    """Months as runs: ``2019-04 to 2020-03, 2021-01``.

    Examples
    --------
    >>> month_spans(["2019-05", "2019-04", "2019-06", "2021-01"])
    '2019-04 to 2019-06, 2021-01'
    """
    periods = sorted({pd.Period(m, "M") for m in months})
    spans: list[list[pd.Period]] = []
    for period in periods:
        if spans and period == spans[-1][1] + 1:
            spans[-1][1] = period
        else:
            spans.append([period, period])
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in spans)


def _codes(codes: list[str]) -> str:
    shown = ", ".join(codes[:3])
    return f"{shown} and {len(codes) - 3:,} more" if len(codes) > 3 else shown


def describe_unplaced(unplaced: Mapping[str, Iterable[str]]) -> list[str]:
    """What to tell the user about LSOA codes no lookup placed, one line each (none: empty).

    2011 codes (within ONS's 2011 ranges, not 2021 codes) mean the LSOA 2011 -> 2021 lookup is
    missing: the line names the months and says how to fetch it. Other codes are in no ONS
    lookup at all: their records are counted as outside the area.

    Parameters
    ----------
    unplaced
        Month -> codes no lookup places (:func:`unplaced_lsoas`).

    Examples
    --------
    >>> months = [f"2019-{m:02d}" for m in range(4, 13)] + [f"2020-{m:02d}" for m in range(1, 4)]
    >>> print(describe_unplaced({m: ["E01009703"] for m in months})[0])
    12 months (2019-04 to 2020-03) are coded with 2011 LSOAs not in the lookups (E01009703); run `csa-stats fetch --lookups`, which downloads ONS's LSOA 2011 to 2021 best-fit lookup into data/lookups/
    >>> describe_unplaced({})
    []
    """
    old: dict[str, set[str]] = {}
    other: dict[str, set[str]] = {}
    for month, codes in unplaced.items():
        for code in codes:
            (old if existed_in_2011(code) else other).setdefault(month, set()).add(code)
    lines = []
    if old:
        n = len(old)
        lines.append(
            f"{n} month{'s' * (n != 1)} ({month_spans(old)}) {'are' if n != 1 else 'is'} coded "
            f"with 2011 LSOAs not in the lookups ({_codes(sorted(set().union(*old.values())))}); "
            f"run `{FETCH_COMMAND}`, which downloads ONS's LSOA 2011 to 2021 best-fit lookup "
            "into data/lookups/"
        )
    if other:
        n = len(other)
        lines.append(
            f"{n} month{'s' * (n != 1)} ({month_spans(other)}) hold LSOA codes that are in no "
            f"ONS lookup ({_codes(sorted(set().union(*other.values())))}); their records are "
            "counted as outside the area"
        )
    return lines


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def unplaced_findings(sources: Iterable[Any], lookups: Sequence[Path] = ()) -> list[str]:
    """What to tell the user about the LSOA codes in police.uk files that no lookup places
    (:func:`describe_unplaced`), for the ingest's report: the lookups are the committed tables
    and the LSOA 2011 -> 2021 lookups in the ``lookups`` folders (such as ``data/lookups``).

    Parameters
    ----------
    sources
        The files (:func:`csa_stats.sources.policeuk.find_files`).
    lookups
        Folders of further lookups (the ingest's ``--lookups``).
    """
    from csa_stats.sources.policeuk import csv_header, lookup_files

    extra = [
        f for f in lookup_files(list(lookups)) if {"LSOA11CD", "LSOA21CD"} <= set(csv_header(f))
    ]
    known = placeable_lsoas(extra)
    return describe_unplaced(unplaced_lsoas(lsoa_codes_by_month(sources), known))


def lsoa_codes_by_month(sources: Iterable[Any]) -> dict[str, set[str]]:
    """The distinct LSOA codes of each month's police.uk files (the ``LSOA code`` column, as
    the ingest reads it), for :func:`unplaced_lsoas`.

    Parameters
    ----------
    sources
        :class:`csa_stats.sources.policeuk.SourceFile` objects (:func:`~csa_stats.sources.policeuk.find_files`).
    """
    from csa_stats.sources.policeuk import read_columns

    out: dict[str, set[str]] = {}
    for source in sources:
        if not _MONTH.match(source.month):
            continue
        column = read_columns(source).column("LSOA code").combine_chunks()
        values = column.dictionary.to_pylist() if hasattr(column, "dictionary") else []
        out.setdefault(source.month, set()).update(v for v in values if v)
    return out
