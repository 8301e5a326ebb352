"""``csa-stats fetch --populations --area X``: Census 2021 usual residents of each of an area's
wards, from Nomis, written as the ward-population CSV the build reads
(:func:`csa_stats.sources.population.read_population`).

The table is Census 2021 TS001 ("Number of usual residents in households and communal
establishments"), Nomis dataset ``NM_2021_1``, for 2022 wards (Nomis geography type TYPE153, the
ward boundaries of the ONS lookup the project uses). The wards are asked for by their ONS codes,
listed (Nomis takes a comma-separated list of GSS codes), so that the answer can be checked
against them one by one; ``c2021_restype_3=0`` is the total of all usual residents and
``measures=20100`` the count (not the percentage). Nomis's CSV quotes its header and names its
columns in capitals (``"GEOGRAPHY_CODE","GEOGRAPHY_NAME","OBS_VALUE"``); both are accepted.

Source: Office for National Statistics, Census 2021, via Nomis; Open Government Licence v3.0.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import requests

from csa_stats.reference.geography import csv_bytes, write_atomically
from csa_stats.reference.taxonomy import Area
from csa_stats.sources.fetch import FetchError

#: Nomis's API for Census 2021 TS001 as CSV.
NOMIS_URL = "https://www.nomisweb.co.uk/api/v01/dataset/NM_2021_1.data.csv"
#: What the ``note`` column of the written file says of each row.
NOTE = "Census 2021 usual residents (ONS TS001 via Nomis NM_2021_1), 2022 ward; OGL v3.0"


class PopulationFetchError(FetchError):
    """Nomis's answer is not the populations asked for; the message says which ward or line."""


def nomis_params(area: Area) -> dict[str, str]:
    """The query for an area's wards: all usual residents, as a count, three columns.

    Examples
    --------
    >>> from csa_stats.reference.taxonomy import load_area
    >>> query = nomis_params(load_area("coventry"))
    >>> query["geography"][:19], query["c2021_restype_3"], query["measures"]
    ('E05001218,E05001219', '0', '20100')
    """
    return {
        "date": "latest",
        "geography": ",".join(area.ward_codes),
        "c2021_restype_3": "0",
        "measures": "20100",
        "select": "geography_code,geography_name,obs_value",
    }


def parse_nomis_csv(text: str, area: Area, source: str = "Nomis") -> pd.DataFrame:
    """Nomis's CSV as the ward-population table: ``ward_code, ward_name, population, note``.

    Ward names are the lookup's (those :func:`~csa_stats.sources.population.read_population` checks);
    Nomis's own are not used.

    Parameters
    ----------
    text
        The CSV Nomis sent (a byte-order mark, quoted header and any case of column names are
        accepted).
    area
        The area whose every ward must appear once.
    source
        How messages name the answer (its URL).

    Raises
    ------
    PopulationFetchError
        In one line: not Nomis's CSV, a value that is not a whole number, a ward twice, a ward
        not of the area, or a ward missing (named).
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise PopulationFetchError(f"{source}: Nomis returned nothing (no header, no rows)")
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = [h.strip().upper() for h in next(reader)]
    if "GEOGRAPHY_CODE" not in header or "OBS_VALUE" not in header:
        raise PopulationFetchError(
            f"{source}: not Nomis's CSV: the first line is {lines[0][:80]!r}, expected the "
            "columns GEOGRAPHY_CODE and OBS_VALUE"
        )
    code_at, value_at = header.index("GEOGRAPHY_CODE"), header.index("OBS_VALUE")
    found: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        code, value = row[code_at].strip(), row[value_at].strip()
        if code not in area.wards:
            raise PopulationFetchError(
                f"{source}: line {number}: {code!r} is not a ward of {area.name} ({area.lad_code})"
            )
        if code in found:
            raise PopulationFetchError(f"{source}: line {number}: ward {code} appears twice")
        if not value.isdigit() or int(value) <= 0:
            raise PopulationFetchError(
                f"{source}: line {number}: the population of ward {code} is {value!r}, not a "
                "positive whole number"
            )
        found[code] = int(value)
    missing = [c for c in area.ward_codes if c not in found]
    if missing:
        named = ", ".join(f"{c} ({area.wards[c]})" for c in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise PopulationFetchError(
            f"{source}: Nomis returned no population for ward {named}{more} of {area.name}"
        )
    return pd.DataFrame(
        {
            "ward_code": area.ward_codes,
            "ward_name": [area.wards[c] for c in area.ward_codes],
            "population": [found[c] for c in area.ward_codes],
            "note": NOTE,
        }
    )


def fetch_ward_populations(
    area: Area,
    out_path: Path,
    url: str = NOMIS_URL,
    session: requests.Session | None = None,
) -> pd.DataFrame:
    """Download the Census 2021 population of each of ``area``'s wards and write them to
    ``out_path`` (written whole under a temporary name, then renamed).

    Returns
    -------
    pandas.DataFrame
        What was written: ``ward_code, ward_name, population, note``, in ward-code order.

    Raises
    ------
    FetchError
        In one line: the server's refusal, a broken connection, or an answer that is not every
        ward's population (:func:`parse_nomis_csv`); nothing is written then.
    """
    session = session or requests.Session()
    try:
        response = session.get(url, params=nomis_params(area), timeout=60)
    except requests.RequestException as error:
        raise FetchError(
            f"{url}: the download stopped ({type(error).__name__}); run the fetch again"
        ) from None
    if response.status_code != 200:
        raise FetchError(f"{url}: Nomis answered HTTP {response.status_code}")
    # UTF-8, whatever the headers say: Nomis sends text/csv without a charset, which requests
    # would read as ISO-8859-1 (a byte-order mark and Welsh ward names would come out garbled)
    try:
        text = response.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PopulationFetchError(f"{url}: Nomis's answer is not UTF-8 text") from None
    table = parse_nomis_csv(text, area, url)
    write_atomically(out_path, csv_bytes(table, compress=False))
    return table
