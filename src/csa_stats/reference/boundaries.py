"""Ward boundaries for the maps: derived by the project's own code from LSOA polygons, or
downloaded from ONS (``csa-stats fetch --boundaries``), and read back for drawing.

The committed file ``data/reference/boundaries/<area>_wards_2022.geojson`` is made by
``make boundaries`` (:func:`main`) from two third-party open files:

- the Coventry LSOA 2021 polygons (ONS LSOA Dec 2021 EW BGC, British National Grid) in a public
  repository's copy, which holds 195 of the city's 203 LSOAs, and
- the ONS LSOA (2021) to ward (2022) lookup, which places every LSOA in a ward.

LSOAs nest in wards, so each ward is the union of its LSOAs. The eight missing LSOAs are the
second children of 2011 LSOAs split in 2021; most leave a hole in the city's coverage. A hole is
given to a missing LSOA by the ONS naming of LSOAs inside MSOAs: an LSOA named "Coventry 028E"
lies in MSOA "Coventry 028", so its hole borders LSOAs of that MSOA. The holes are matched to the
missing LSOAs that could fill them (one to one, by elimination), and each hole joins the ward the
lookup gives its LSOA. A missing LSOA that leaves no hole (one on the city's edge) cannot be
recovered and is stated as such. The wards are then simplified as a coverage (shared borders are
simplified once, so neighbouring wards still meet exactly) and written as GeoJSON in WGS84
(RFC 7946: any GeoJSON tool reads it, and it is the form ONS's service returns), with what is
approximate in the file's ``metadata`` and in ``ATTRIBUTION.md`` beside it.

Coordinates move between British National Grid and WGS84 by one fixed transformation, the
Helmert "OSGB36 to WGS 84 (6)" (about 2 m), so the file is the same on a machine that has PROJ's
OSTN15 grid and on one that has not. Maps are drawn in British National Grid (true shapes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from pyproj.transformer import TransformerGroup
from shapely.geometry.base import BaseGeometry

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.reference.taxonomy import Area, load_area

#: British National Grid, the CRS of the LSOA polygons and of every area computed here.
BNG = "EPSG:27700"
#: WGS84 longitude/latitude, the CRS of the GeoJSON files (RFC 7946).
WGS84 = "EPSG:4326"
#: The one transformation used between the two (Helmert, about 2 m), named as PROJ names it.
HELMERT = "OSGB36 to WGS 84 (6)"
#: Coverage simplification tolerance in metres (roughly the side of the triangles removed).
SIMPLIFY_TOLERANCE_M = 20.0
#: Decimal places of longitude and latitude written (1e-6 degree is about 0.1 m).
COORDINATE_DECIMALS = 6
#: The ward boundaries' vintage (ONS ward codes of May 2022).

ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)


def os_attribution(year: int) -> str:
    """Ordnance Survey's attribution for boundaries of ``year``.

    Examples
    --------
    >>> os_attribution(2022)
    'Contains OS data \u00a9 Crown copyright and database right 2022'
    """
    return f"Contains OS data \u00a9 Crown copyright and database right {year}"


#: The attribution of the LSOA polygons (boundaries as at December 2021).
OS_ATTRIBUTION = os_attribution(2021)
#: Where the LSOA polygons came from (the public repository holding the copy used).
LSOA_REPOSITORY = (
    "github.com/findmeanickpls/Coventry-crime-analysis, coventry_lsoa.shp, "
    "commit 1d3a34c0dcb6cda89e60eb33ea5cb9dc11e7165e"
)
#: Where the LSOA-to-ward lookup came from.
LOOKUP_REPOSITORY = (
    "github.com/Birmingham-and-Solihull-ICS/BSOL_Outcomes_Framework, data/Lower_Layer_Super_"
    "Output_Area_(2021)_to_Ward_(2022)_to_LAD_(2022)_Lookup_in_England_and_Wales_v3.csv, "
    "commit 597be4459f55ec56c28039979ac467593c601580 (filtered to the local authority)"
)


class BoundaryError(UserError, ValueError):
    """Boundaries that cannot be derived or read as the area's wards; the message says why."""


@dataclass(frozen=True)
class GapFill:
    """A hole in the LSOA coverage, filled with the missing LSOA that the ONS names place there."""

    area_m2: float
    lsoa_code: str
    lsoa_name: str
    ward_code: str
    ward_name: str
    neighbours: tuple[str, ...]  # wards whose LSOAs border the hole


@dataclass(frozen=True)
class MissingLsoa:
    """An LSOA of the lookup that the polygons lack and no hole could be matched to."""

    lsoa_code: str
    lsoa_name: str
    ward_code: str
    ward_name: str


@dataclass(frozen=True)
class WardBoundaries:
    """The area's wards derived from LSOAs, with what was approximated."""

    area: Area
    wards: gpd.GeoDataFrame  # ward_code, ward_name, geometry (British National Grid), code order
    fills: tuple[GapFill, ...]
    unplaced: tuple[MissingLsoa, ...]
    lsoas_used: int
    lsoas_in_lookup: int
    lsoa_union_km2: float
    tolerance_m: float


def msoa_of(lsoa_name: str) -> str:
    """The MSOA an LSOA lies in, from its ONS name: the name less its final letter.

    Examples
    --------
    >>> msoa_of("Coventry 028E")
    'Coventry 028'
    >>> msoa_of("Stratford-on-Avon 001A")
    'Stratford-on-Avon 001'
    """
    match = re.fullmatch(r"(.+ \d{3})[A-Z]", lsoa_name.strip())
    if match is None:
        raise BoundaryError(f"{lsoa_name!r} is not an LSOA name of the form 'Place 012A'")
    return match.group(1)


def default_lsoa_path() -> Path:
    """The Coventry LSOA 2021 polygons beside the project (``../shared/data/real``)."""
    return (
        paths.project_root().parent / "shared/data/real/findmeanickpls-coventry/coventry_lsoa.shp"
    )


def default_lookup_path() -> Path:
    """The ONS LSOA 2021 -> ward 2022 lookup for Coventry beside the project."""
    return paths.project_root().parent / "shared/data/real/ons-lookups/LSOA21_to_WD22_Coventry.csv"


def boundaries_path(area_key: str = "coventry", fetched_dir: Path | None = None) -> Path:
    """The ward boundaries a build should draw: ONS's own, when they have been fetched, or else
    the committed ones derived from LSOAs.

    Raises
    ------
    BoundaryError
        If the area has neither, naming the command that fetches them.
    """
    found = paths.boundaries_file(area_key, fetched_dir)
    if found is not None:
        return found
    raise BoundaryError(
        f"no ward boundaries for area {area_key!r}: run `csa-stats fetch --boundaries "
        f"--area {area_key}` on a connected machine"
    )


@lru_cache(maxsize=2)
def _transformer(to_wgs84: bool) -> Transformer:
    """The fixed Helmert transformation, in either direction (x, y order)."""
    source, target = (BNG, WGS84) if to_wgs84 else (WGS84, BNG)
    with warnings.catch_warnings():  # PROJ warns that the OSTN15 grid is absent: not used here
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(source, target, always_xy=True)
    for candidate in group.transformers:
        if HELMERT in candidate.description:
            return candidate
    raise BoundaryError(f"PROJ has no transformation {HELMERT!r} between {source} and {target}")


def to_wgs84(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """British National Grid -> WGS84 longitude/latitude by :data:`HELMERT`."""
    moved = shapely.transform(
        geometries.to_numpy(), lambda xy: np.column_stack(_transformer(True).transform(*xy.T))
    )
    return gpd.GeoSeries(moved, index=geometries.index, crs=WGS84)


def to_bng(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """WGS84 longitude/latitude -> British National Grid by :data:`HELMERT`."""
    moved = shapely.transform(
        geometries.to_numpy(), lambda xy: np.column_stack(_transformer(False).transform(*xy.T))
    )
    return gpd.GeoSeries(moved, index=geometries.index, crs=BNG)


def read_lsoas(path: Path) -> gpd.GeoDataFrame:
    """LSOA 2021 polygons as ``lsoa_code, lsoa_name, geometry`` in British National Grid.

    Raises
    ------
    BoundaryError
        If the file lacks the ONS columns, is not in British National Grid, or holds anything but
        valid polygons.
    """
    frame = gpd.read_file(path)
    missing = {"LSOA21CD", "LSOA21NM"} - set(frame.columns)
    if missing:
        raise BoundaryError(f"{path}: no column {', '.join(sorted(missing))}")
    if frame.crs is None or frame.crs.to_epsg() != 27700:
        raise BoundaryError(f"{path}: expected British National Grid (EPSG:27700), not {frame.crs}")
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all() or not frame.is_valid.all():
        raise BoundaryError(f"{path}: every LSOA must be a valid polygon")
    out = frame.rename(columns={"LSOA21CD": "lsoa_code", "LSOA21NM": "lsoa_name"})
    out = out[["lsoa_code", "lsoa_name", "geometry"]].sort_values("lsoa_code")
    return out.reset_index(drop=True)


def read_ward_lookup(path: Path, area: Area) -> pd.DataFrame:
    """The area's rows of an ONS LSOA 2021 -> ward 2022 lookup, as ``lsoa_code, lsoa_name,
    ward_code, ward_name``.

    Raises
    ------
    BoundaryError
        If it names a ward that is not the area's, or leaves one of the area's wards out.
    """
    lookup = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    if "LAD22CD" in lookup.columns:
        lookup = lookup[lookup["LAD22CD"] == area.lad_code]
    out = lookup.rename(
        columns={
            "LSOA21CD": "lsoa_code",
            "LSOA21NM": "lsoa_name",
            "WD22CD": "ward_code",
            "WD22NM": "ward_name",
        }
    )[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]]
    unknown = sorted(set(out["ward_code"]) - set(area.wards))
    absent = sorted(set(area.wards) - set(out["ward_code"]))
    if unknown or absent:
        raise BoundaryError(
            f"{path}: the lookup's wards are not {area.name}'s "
            f"(not the area's: {unknown or 'none'}; not in the lookup: {absent or 'none'})"
        )
    return out.sort_values("lsoa_code").reset_index(drop=True)


def coverage_gaps(lsoas: gpd.GeoDataFrame) -> list[shapely.Polygon]:
    """The holes inside the union of the LSOAs (areas the polygons enclose but do not cover),
    west to east then south to north, so the order does not depend on the union's."""
    union = shapely.union_all(lsoas.geometry.to_numpy())
    parts = list(getattr(union, "geoms", [union]))
    holes = [shapely.Polygon(ring) for part in parts for ring in part.interiors]
    return sorted(holes, key=lambda hole: hole.representative_point().coords[0])


def place_missing_lsoas(
    gaps: Sequence[shapely.Polygon],
    lsoas: gpd.GeoDataFrame,
    lookup: pd.DataFrame,
) -> tuple[list[GapFill], list[MissingLsoa]]:
    """Match each hole to the missing LSOA that fills it.

    A hole's candidates are the missing LSOAs whose MSOA (:func:`msoa_of`) is that of an LSOA
    bordering the hole. Holes with a single candidate left take it, and it is struck from the
    others' lists, until every hole has its LSOA.

    Parameters
    ----------
    gaps
        The holes (:func:`coverage_gaps`).
    lsoas
        The LSOA polygons that exist.
    lookup
        The area's lookup (:func:`read_ward_lookup`), which lists every LSOA.

    Returns
    -------
    (fills, unplaced)
        A :class:`GapFill` per hole, in the holes' order; the missing LSOAs no hole was left for.

    Raises
    ------
    BoundaryError
        If a hole has no candidate, or the names leave two ways of matching some holes.
    """
    missing = lookup[~lookup["lsoa_code"].isin(lsoas["lsoa_code"])]
    ward_of = lookup.set_index("lsoa_code")["ward_code"]
    named = lookup.set_index("lsoa_code")
    candidates: list[set[str]] = []
    neighbours: list[tuple[str, ...]] = []
    for gap in gaps:
        touching = lsoas[lsoas.geometry.intersects(gap.buffer(0.5))]
        msoas = {msoa_of(name) for name in touching["lsoa_name"]}
        candidates.append(
            {
                code
                for code, name in zip(missing["lsoa_code"], missing["lsoa_name"], strict=True)
                if msoa_of(name) in msoas
            }
        )
        neighbours.append(tuple(sorted({named.at[c, "ward_name"] for c in touching["lsoa_code"]})))
    chosen: dict[int, str] = {}
    while len(chosen) < len(gaps):
        single = [i for i, left in enumerate(candidates) if i not in chosen and len(left) == 1]
        if not single:
            open_holes = [i for i in range(len(gaps)) if i not in chosen]
            raise BoundaryError(
                f"{len(open_holes)} holes in the LSOA coverage cannot be matched to one missing "
                f"LSOA each by their MSOA (candidates: "
                f"{[sorted(candidates[i]) for i in open_holes]})"
            )
        for i in single:
            (code,) = candidates[i]
            chosen[i] = code
            for j, left in enumerate(candidates):
                if j != i:
                    left.discard(code)
    fills = [
        GapFill(
            area_m2=float(gap.area),
            lsoa_code=chosen[i],
            lsoa_name=str(named.at[chosen[i], "lsoa_name"]),
            ward_code=str(ward_of[chosen[i]]),
            ward_name=str(named.at[chosen[i], "ward_name"]),
            neighbours=neighbours[i],
        )
        for i, gap in enumerate(gaps)
    ]
    unplaced = [
        MissingLsoa(row.lsoa_code, row.lsoa_name, row.ward_code, row.ward_name)
        for row in missing.itertuples()
        if row.lsoa_code not in chosen.values()
    ]
    return fills, unplaced


def dissolve_wards(
    lsoas: gpd.GeoDataFrame,
    lookup: pd.DataFrame,
    gaps: Sequence[shapely.Polygon] = (),
    fills: Sequence[GapFill] = (),
) -> gpd.GeoDataFrame:
    """Each ward as the union of its LSOAs and of the holes filled for it.

    Returns
    -------
    GeoDataFrame
        ``ward_code, ward_name, geometry`` (British National Grid), one row per ward, code order.
    """
    joined = lsoas.merge(lookup[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code")
    pieces = pd.concat(
        [
            joined[["ward_code", "ward_name", "geometry"]],
            gpd.GeoDataFrame(
                {
                    "ward_code": [f.ward_code for f in fills],
                    "ward_name": [f.ward_name for f in fills],
                },
                geometry=list(gaps),
                crs=lsoas.crs,
            ),
        ],
        ignore_index=True,
    )
    wards = []
    for (code, name), group in pieces.groupby(["ward_code", "ward_name"], sort=True):
        wards.append((code, name, shapely.union_all(group.geometry.to_numpy())))
    return gpd.GeoDataFrame(
        {"ward_code": [w[0] for w in wards], "ward_name": [w[1] for w in wards]},
        geometry=[w[2] for w in wards],
        crs=lsoas.crs,
    )


def simplify_wards(wards: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify the wards together as a coverage: each shared border is simplified once, so
    neighbours still meet exactly, with no gap or overlap between them.

    Raises
    ------
    BoundaryError
        If the wards are not a valid coverage before or after (an overlap, a border not matched).
    """
    geometries = wards.geometry.to_numpy()
    if not shapely.coverage_is_valid(geometries):
        raise BoundaryError("the wards overlap or their borders do not match: not a coverage")
    simplified = shapely.coverage_simplify(geometries, tolerance_m)
    if not (shapely.coverage_is_valid(simplified) and shapely.is_valid(simplified).all()):
        raise BoundaryError(f"simplifying at {tolerance_m} m broke the wards' coverage")
    return wards.set_geometry(gpd.GeoSeries(simplified, index=wards.index, crs=wards.crs))


def derive_ward_boundaries(
    lsoa_path: Path,
    lookup_path: Path,
    area: Area | None = None,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
) -> WardBoundaries:
    """The area's wards from LSOA polygons and the LSOA -> ward lookup: dissolved, the holes
    filled (:func:`place_missing_lsoas`), simplified as a coverage.

    Raises
    ------
    BoundaryError
        If the polygons name LSOAs the lookup does not, a ward has no polygon, or the holes
        cannot be matched.
    """
    area = area or load_area("coventry")
    lsoas = read_lsoas(lsoa_path)
    lookup = read_ward_lookup(lookup_path, area)
    strangers = sorted(set(lsoas["lsoa_code"]) - set(lookup["lsoa_code"]))
    if strangers:
        raise BoundaryError(f"{lsoa_path}: LSOAs not of {area.name} in the lookup: {strangers[:5]}")
    gaps = coverage_gaps(lsoas)
    fills, unplaced = place_missing_lsoas(gaps, lsoas, lookup)
    wards = dissolve_wards(lsoas, lookup, gaps, fills)
    absent = sorted(set(area.wards) - set(wards["ward_code"]))
    if absent:
        raise BoundaryError(f"{lsoa_path}: no LSOA polygon in ward(s) {absent}")
    return WardBoundaries(
        area=area,
        wards=simplify_wards(wards, tolerance_m),
        fills=tuple(fills),
        unplaced=tuple(unplaced),
        lsoas_used=len(lsoas),
        lsoas_in_lookup=len(lookup),
        lsoa_union_km2=float(shapely.union_all(lsoas.geometry.to_numpy()).area) / 1e6,
        tolerance_m=tolerance_m,
    )


def approximations(result: WardBoundaries) -> list[str]:
    """What is approximate about the derived wards, one sentence each."""
    notes = [
        f"Derived from {result.lsoas_used} of the {result.lsoas_in_lookup} LSOA 2021 polygons of "
        f"{result.area.name} (ONS LSOA Dec 2021 EW BGC: generalised to 20 m), each ward the union "
        "of its LSOAs as the ONS LSOA 2021 to ward 2022 lookup places them.",
    ]
    for fill in result.fills:
        notes.append(
            f"{fill.ward_name}: a hole of {fill.area_m2 / 1e6:.3f} km2 filled as LSOA "
            f"{fill.lsoa_code} ({fill.lsoa_name}), which the lookup places in {fill.ward_name}; "
            f"its outline is that of the hole left by its neighbours "
            f"(wards bordering it: {', '.join(fill.neighbours)})."
        )
    for lsoa in result.unplaced:
        notes.append(
            f"{lsoa.ward_name}: LSOA {lsoa.lsoa_code} ({lsoa.lsoa_name}) has no polygon and leaves "
            "no hole (it lies on the city's edge), so its area is missing from the ward and the "
            "city's outline there follows its neighbours."
        )
    notes.append(
        f"Simplified as a coverage (Visvalingam-Whyatt, tolerance {result.tolerance_m:g} m) so "
        "that neighbouring wards still share their borders exactly; coordinates moved to WGS84 by "
        f"the Helmert transformation {HELMERT} (about 2 m) and rounded to "
        f"{COORDINATE_DECIMALS} decimal places."
    )
    return notes


def _rounded(coordinates: Any) -> Any:
    """Nested coordinate lists with every number rounded to :data:`COORDINATE_DECIMALS`."""
    if isinstance(coordinates, (list, tuple)):
        if coordinates and isinstance(coordinates[0], (int, float)):
            return [round(float(c), COORDINATE_DECIMALS) for c in coordinates]
        return [_rounded(c) for c in coordinates]
    return coordinates


def geojson_text(
    wards: gpd.GeoDataFrame, metadata: dict[str, Any], extra: Iterable[str] = ()
) -> str:
    """Wards (British National Grid) as RFC 7946 GeoJSON text: WGS84, rings wound
    counter-clockwise, ``ward_code``/``ward_name`` and the ward's area (km2, from British National
    Grid) as properties, ``metadata`` as a member of the collection. The same wards give the same
    text.

    Parameters
    ----------
    extra
        Further columns of ``wards`` to keep as properties.
    """
    wgs = to_wgs84(wards.geometry)
    features = []
    for position, (_, row) in enumerate(wards.iterrows()):
        geometry = shapely.orient_polygons(wgs.iloc[position], exterior_cw=False)
        properties = {
            "ward_code": str(row["ward_code"]),
            "ward_name": str(row["ward_name"]),
            "area_km2": round(float(row.geometry.area) / 1e6, 3),
            **{key: row[key] for key in extra},
        }
        mapped = shapely.geometry.mapping(geometry)
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {
                    "type": mapped["type"],
                    "coordinates": _rounded(mapped["coordinates"]),
                },
            }
        )
    collection = {"type": "FeatureCollection", "metadata": metadata, "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, so
    the path holds the old file or the whole new one, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep the file from other readers
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def derived_metadata(result: WardBoundaries) -> dict[str, Any]:
    """The committed file's ``metadata`` member: sources, licence and what is approximate."""
    return {
        "title": f"{result.area.name} wards (May {paths.WARD_YEAR} codes), derived from LSOA 2021 polygons",
        "crs": "WGS84 longitude/latitude (RFC 7946); areas are computed in British National Grid",
        "attribution": [ONS_ATTRIBUTION, OS_ATTRIBUTION],
        "sources": {"lsoa_polygons": LSOA_REPOSITORY, "ward_lookup": LOOKUP_REPOSITORY},
        "made_by": "csa-stats: make boundaries (csa_stats.reference.boundaries)",
        "simplify_tolerance_m": result.tolerance_m,
        "lsoa_union_km2": round(result.lsoa_union_km2, 3),
        "filled_km2": round(sum(f.area_m2 for f in result.fills) / 1e6, 3),
        "filled": [
            {
                "ward_code": f.ward_code,
                "ward_name": f.ward_name,
                "lsoa_code": f.lsoa_code,
                "lsoa_name": f.lsoa_name,
                "area_km2": round(f.area_m2 / 1e6, 3),
            }
            for f in result.fills
        ],
        "missing": [
            {
                "ward_code": m.ward_code,
                "ward_name": m.ward_name,
                "lsoa_code": m.lsoa_code,
                "lsoa_name": m.lsoa_name,
            }
            for m in result.unplaced
        ],
        "approximations": approximations(result),
    }


def attribution_markdown(result: WardBoundaries, file_name: str) -> str:
    """``ATTRIBUTION.md`` for the committed file: licence, sources, how it was made and what is
    approximate."""
    lines = [
        f"# {file_name}",
        "",
        f"{result.area.name}'s {len(result.wards)} wards (ONS ward codes of May {paths.WARD_YEAR}), "
        "derived by `make boundaries` (`csa_stats.reference.boundaries`) for the maps of the demonstration "
        "build. For ONS's own ward boundaries run `csa-stats fetch --boundaries` on a connected "
        "machine; a build then draws those instead.",
        "",
        "## Attribution",
        "",
        f"- {ONS_ATTRIBUTION}.",
        f"- {OS_ATTRIBUTION}.",
        f"- LSOA 2021 polygons (ONS LSOA Dec 2021 EW BGC) through {LSOA_REPOSITORY}.",
        f"- LSOA 2021 to ward 2022 lookup (ONS) through {LOOKUP_REPOSITORY}.",
        "",
        "## What is approximate",
        "",
        *[f"- {note}" for note in approximations(result)],
        "",
        f"Area of the LSOA polygons: {result.lsoa_union_km2:.3f} km2; filled: "
        f"{sum(f.area_m2 for f in result.fills) / 1e6:.3f} km2 in {len(result.fills)} holes.",
        "",
    ]
    return "\n".join(lines)


def write_ward_boundaries(result: WardBoundaries, path: Path | None = None) -> list[Path]:
    """Write the derived wards as GeoJSON and ``ATTRIBUTION.md`` beside it, each atomically."""
    path = path or paths.committed_boundaries_path(result.area.key)
    text = geojson_text(result.wards, derived_metadata(result))
    attribution = attribution_markdown(result, path.name)
    return [
        write_atomically(path, text),
        write_atomically(path.with_name("ATTRIBUTION.md"), attribution),
    ]


def load_ward_boundaries(path: Path, area: Area | None = None) -> gpd.GeoDataFrame:
    """Read ward boundaries (GeoJSON in WGS84) for drawing: ``ward_code, ward_name, geometry``
    in British National Grid, one row per ward of the area, in code order.

    Raises
    ------
    BoundaryError
        If a ward of the area is missing or repeated, or a geometry is not a valid polygon.
    """
    area = area or load_area("coventry")
    frame = gpd.read_file(path)
    if "ward_code" not in frame.columns and "WD22CD" in frame.columns:
        frame = frame.rename(columns={"WD22CD": "ward_code", "WD22NM": "ward_name"})
    if "ward_code" not in frame.columns:
        raise BoundaryError(f"{path}: no ward_code (or WD22CD) property")
    frame = frame[frame["ward_code"].isin(area.wards)]
    counts = frame["ward_code"].value_counts()
    absent = sorted(set(area.wards) - set(counts.index))
    repeated = sorted(counts[counts > 1].index)
    if absent or repeated:
        raise BoundaryError(
            f"{path}: not one boundary per ward of {area.name} "
            f"(missing: {absent or 'none'}; repeated: {repeated or 'none'})"
        )
    geometries = to_bng(frame.geometry.set_crs(WGS84, allow_override=True))
    if not (
        geometries.geom_type.isin(["Polygon", "MultiPolygon"]).all() and geometries.is_valid.all()
    ):
        raise BoundaryError(f"{path}: every ward must be a valid polygon")
    out = gpd.GeoDataFrame(
        {
            "ward_code": frame["ward_code"].astype(str).to_numpy(),
            "ward_name": [area.wards[c] for c in frame["ward_code"]],
        },
        geometry=geometries.to_numpy(),
        crs=BNG,
    )
    return out.sort_values("ward_code").reset_index(drop=True)


def shared_border_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Length in metres of the border two polygons share (0 when they only touch at points).

    Examples
    --------
    >>> shared_border_m(shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 3))
    1.0
    >>> shared_border_m(shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2))
    0.0
    """
    return float(shapely.intersection(a.boundary, b.boundary).length)


def main(argv: Sequence[str] | None = None) -> None:
    """``make boundaries``: derive the area's wards from the LSOA polygons and write them."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--lsoas", type=Path, default=None, help="LSOA 2021 polygons (shapefile)")
    parser.add_argument("--lookup", type=Path, default=None, help="LSOA21 -> WD22 lookup (CSV)")
    parser.add_argument("--area", default="coventry")
    parser.add_argument("--tolerance", type=float, default=SIMPLIFY_TOLERANCE_M)
    args = parser.parse_args(argv)
    lsoa_path, lookup_path = args.lsoas or default_lsoa_path(), args.lookup or default_lookup_path()
    for given in (lsoa_path, lookup_path):
        if not given.is_file():
            parser.error(f"{given} not found (the third-party data beside the project)")
    result = derive_ward_boundaries(lsoa_path, lookup_path, load_area(args.area), args.tolerance)
    for path in write_ward_boundaries(result):
        size = path.stat().st_size
        print(f"wrote {path.relative_to(paths.project_root())} ({math.ceil(size / 1024)} KB)")
    for note in approximations(result)[1:-1]:
        print(f"  {note}")


if __name__ == "__main__":
    main()


def attribution(path: Path) -> str:
    """The attribution a map drawn from a boundaries file must carry, from its ``metadata``."""
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return "; ".join(str(line).rstrip(".") for line in metadata.get("attribution", [])) + (
        "." if metadata.get("attribution") else ""
    )
