"""``csa-stats fetch --boundaries``: download an area's ward boundaries from ONS.

ONS's Open Geography Portal serves "Wards (May 2022) Boundaries UK BGC" (generalised to 20 m,
clipped to the coastline) from an ArcGIS REST feature service. The fetch asks it for the area's
wards (by their codes in ``data/reference/areas.yml``) as GeoJSON in WGS84, a page at a time: the
service sends at most its record limit per request and says ``exceededTransferLimit`` when more
remain, so the next page starts at ``resultOffset`` past the features received so far.

As with the police.uk fetch (:mod:`csa_stats.sources.fetch`), nothing half-written is left under
the final name: the file is written to a ``.part`` file and renamed when every ward has arrived
and parsed as a valid polygon; a failure is one line saying what and where. The file goes to
``data/boundaries/<area>_wards_2022.geojson`` (git ignores it), where
:func:`csa_stats.reference.boundaries.boundaries_path` finds it before the committed, derived file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import requests
from shapely.errors import ShapelyError
from shapely.geometry import shape
from tqdm import tqdm

from csa_stats.paths import WARD_YEAR, fetched_boundaries_path
from csa_stats.reference.boundaries import ONS_ATTRIBUTION, os_attribution, write_atomically
from csa_stats.reference.taxonomy import Area
from csa_stats.sources.fetch import FetchError

#: The ONS Open Geography feature service of ward boundaries (May 2022, UK, BGC) and its layer.
DEFAULT_SERVICE_URL = (
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
    "Wards_May_2022_Boundaries_UK_BGC_V3/FeatureServer/0/query"
)
#: Features asked for per request (the service may send fewer, and says so).
PAGE_SIZE = 100
#: Requests made at most, whatever the service says (a guard against a loop that never ends).
MAX_PAGES = 200
_WARD_CODE = re.compile(r"[EWSN]\d{8}")


def ward_filter(codes: list[str]) -> str:
    """The service's ``where`` clause selecting the wards ``codes``.

    Examples
    --------
    >>> ward_filter(["E05001218", "E05001219"])
    "WD22CD IN ('E05001218','E05001219')"
    """
    for code in codes:
        if not _WARD_CODE.fullmatch(code):
            raise FetchError(f"{code!r} is not a ward code (a letter and eight digits)")
    return "WD22CD IN (" + ",".join(f"'{code}'" for code in codes) + ")"


def page_parameters(codes: list[str], offset: int, page_size: int) -> dict[str, str]:
    """The query string of one page: the wards, code and name, WGS84 GeoJSON, in code order
    (a stable order, so that pages neither repeat nor skip a feature)."""
    return {
        "where": ward_filter(codes),
        "outFields": "WD22CD,WD22NM",
        "outSR": "4326",
        "orderByFields": "WD22CD",
        "returnGeometry": "true",
        "resultOffset": str(offset),
        "resultRecordCount": str(page_size),
        "f": "geojson",
    }


def more_pages(page: dict[str, Any]) -> bool:
    """Whether the service holds more features than this page: ArcGIS says
    ``exceededTransferLimit`` at the top of its JSON, or among the properties of a GeoJSON
    collection."""
    flag = page.get("exceededTransferLimit")
    if flag is None:
        flag = (page.get("properties") or {}).get("exceededTransferLimit")
    return bool(flag)


def _get_page(session: requests.Session, url: str, params: dict[str, str]) -> dict[str, Any]:
    """One page of the service's answer, as JSON; any failure as a one-line :class:`FetchError`."""
    try:
        response = session.get(url, params=params, timeout=60)
    except requests.RequestException as error:
        raise FetchError(
            f"{url}: the request failed ({type(error).__name__}); run the fetch again"
        ) from None
    if response.status_code != 200:
        raise FetchError(f"{url}: the server answered HTTP {response.status_code}")
    try:
        page = response.json()
    except ValueError:
        raise FetchError(f"{url}: the answer is not JSON") from None
    if not isinstance(page, dict):
        raise FetchError(f"{url}: the answer is not a GeoJSON feature collection")
    if "error" in page:
        detail = page["error"] if isinstance(page["error"], dict) else {}
        message = " ".join(str(detail.get("message", page["error"])).split())
        raise FetchError(f"{url}: the service refused the query: {message}")
    if not isinstance(page.get("features"), list):
        raise FetchError(f"{url}: the answer is not a GeoJSON feature collection")
    return page


def _ward_feature(feature: Any, url: str) -> dict[str, Any]:
    """A received feature as the project writes it: ``ward_code``, ``ward_name`` and a valid
    polygon geometry."""
    properties = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
    code, name = properties.get("WD22CD"), properties.get("WD22NM")
    if not isinstance(code, str) or not isinstance(name, str):
        raise FetchError(f"{url}: a feature has no WD22CD and WD22NM")
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, ShapelyError):
        raise FetchError(f"{url}: ward {code} has no readable geometry") from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
        raise FetchError(f"{url}: ward {code}'s geometry is not a valid polygon")
    return {
        "type": "Feature",
        "properties": {"ward_code": code, "ward_name": name},
        "geometry": feature["geometry"],
    }


def fetch_ward_boundaries(
    area: Area,
    out_dir: Path | None = None,
    service_url: str = DEFAULT_SERVICE_URL,
    page_size: int = PAGE_SIZE,
    progress: bool = True,
    session: requests.Session | None = None,
    today: dt.date | None = None,
) -> Path:
    """Download the area's ward boundaries and write them as one GeoJSON file.

    Parameters
    ----------
    area
        The area; its wards' codes select the features.
    out_dir
        Folder to write to (default ``data/boundaries``).
    service_url
        The feature layer's ``query`` endpoint.
    page_size
        Features asked for per request.
    today
        The retrieval date written in the file's metadata (default: today).

    Returns
    -------
    Path
        The file written, ``<out_dir>/<area>_wards_2022.geojson``.

    Raises
    ------
    FetchError
        One line: the service failed or refused, or did not send every ward exactly once.
    """
    codes = sorted(area.wards)
    session = session or requests.Session()
    received: dict[str, dict[str, Any]] = {}
    offset = 0
    with tqdm(total=len(codes), unit="ward", desc="ward boundaries", disable=not progress) as bar:
        for _ in range(MAX_PAGES):
            page = _get_page(session, service_url, page_parameters(codes, offset, page_size))
            for raw in page["features"]:
                feature = _ward_feature(raw, service_url)
                code = feature["properties"]["ward_code"]
                if code in received:
                    raise FetchError(f"{service_url}: ward {code} arrived twice")
                received[code] = feature
                bar.update(1)
            offset += len(page["features"])
            if not more_pages(page):
                break
            if not page["features"]:
                raise FetchError(f"{service_url}: the service said more remain but sent none")
        else:
            raise FetchError(f"{service_url}: still more pages after {MAX_PAGES} requests")
    missing = [code for code in codes if code not in received]
    if missing:
        raise FetchError(
            f"{service_url}: no boundary for {len(missing)} of {area.name}'s wards "
            f"({', '.join(missing)})"
        )
    strangers = sorted(set(received) - set(codes))
    if strangers:
        raise FetchError(f"{service_url}: wards not asked for arrived ({', '.join(strangers)})")
    collection = {
        "type": "FeatureCollection",
        "metadata": {
            "title": f"{area.name} wards: Wards (May 2022) Boundaries UK BGC, from ONS",
            "source": service_url,
            "retrieved": (today or dt.date.today()).isoformat(),
            "attribution": [ONS_ATTRIBUTION, os_attribution(WARD_YEAR)],
            "crs": "WGS84 longitude/latitude (RFC 7946), as the service sent it",
        },
        "features": [received[code] for code in codes],
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
    return write_atomically(fetched_boundaries_path(area.key, out_dir), text)
