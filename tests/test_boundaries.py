"""Ward boundaries: the committed file (every ward once, valid, small, neighbours meeting), checked
against the LSOA polygons it was derived from, computed here independently; and the derivation's
steps on hand-made squares."""

from __future__ import annotations

import json
import warnings
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from csa_stats import paths
from csa_stats.reference import boundaries as b
from csa_stats.reference.taxonomy import Area
from tests.conftest import SHARED

LSOA_SHP = SHARED / "data/real/findmeanickpls-coventry/coventry_lsoa.shp"
LOOKUP = SHARED / "data/real/ons-lookups/LSOA21_to_WD22_Coventry.csv"
needs_shared = pytest.mark.skipif(
    not (LSOA_SHP.is_file() and LOOKUP.is_file()),
    reason="the shared LSOA polygons and ONS lookup are not beside the checkout",
)
COMMITTED = paths.committed_boundaries_path("coventry")


@pytest.fixture(scope="module")
def wards(area: Area) -> gpd.GeoDataFrame:
    return b.load_ward_boundaries(COMMITTED, area)


@pytest.fixture(scope="module")
def lsoas() -> gpd.GeoDataFrame:
    """The raw LSOA polygons joined to the lookup's wards, read here without the module."""
    frame = gpd.read_file(LSOA_SHP)
    lookup = pd.read_csv(LOOKUP, dtype=str)
    return frame.merge(lookup[["LSOA21CD", "WD22CD", "WD22NM"]], on="LSOA21CD")


def _touching_pairs(frame: gpd.GeoDataFrame, key: str, min_border_m: float) -> set[frozenset]:
    """Pairs of ``key`` values whose polygons share a border longer than ``min_border_m``."""
    pairs = set()
    for (_, a), (_, c) in combinations(frame.iterrows(), 2):
        if a[key] != c[key] and a.geometry.intersection(c.geometry).length > min_border_m:
            pairs.add(frozenset((a[key], c[key])))
    return pairs


# --- the committed file ------------------------------------------------------------------------


def test_every_ward_of_the_area_is_in_the_file_once(area: Area) -> None:
    features = json.loads(COMMITTED.read_text(encoding="utf-8"))["features"]
    codes = [f["properties"]["ward_code"] for f in features]
    assert sorted(codes) == sorted(area.wards)  # 18 codes, none twice
    assert len(codes) == 18
    for feature in features:
        assert feature["properties"]["ward_name"] == area.wards[feature["properties"]["ward_code"]]


def test_the_file_is_small_and_wgs84_with_its_attribution() -> None:
    assert COMMITTED.stat().st_size < 200 * 1024
    collection = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert "crs" not in collection  # RFC 7946: WGS84 longitude/latitude, no crs member
    for feature in collection["features"]:
        lon, lat = shapely.geometry.shape(feature["geometry"]).representative_point().coords[0]
        assert -1.62 < lon < -1.40 and 52.36 < lat < 52.48  # Coventry
    attribution = " ".join(collection["metadata"]["attribution"])
    assert "Open Government Licence v.3.0" in attribution
    assert "Contains OS data \u00a9 Crown copyright and database right" in attribution
    text = (COMMITTED.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Office for National Statistics" in text and "findmeanickpls" in text
    assert "E01034739" in text  # the one LSOA whose area could not be recovered is named


def test_geometries_are_valid_polygons_forming_a_coverage(wards: gpd.GeoDataFrame) -> None:
    assert wards.is_valid.all()
    assert wards.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    # no two wards overlap, and the borders they share match vertex for vertex
    assert shapely.coverage_is_valid(wards.geometry.to_numpy())
    for (_, a), (_, c) in combinations(wards.iterrows(), 2):
        assert a.geometry.intersection(c.geometry).area < 1.0, (a.ward_name, c.ward_name)


@needs_shared
def test_the_wards_cover_the_lsoas_with_their_holes_filled(
    wards: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame
) -> None:
    union = shapely.union_all(lsoas.geometry.to_numpy())
    assert union.geom_type == "Polygon" and len(union.interiors) == 7  # the holes to fill
    filled = shapely.Polygon(union.exterior)
    expected_km2 = filled.area / 1e6
    got = shapely.union_all(wards.geometry.to_numpy())
    # tolerance 0.1% (about 0.1 km2): coverage simplification at 20 m, the Helmert round trip
    # (about 2 m, the same both ways) and coordinates rounded to 1e-6 degree
    assert got.area / 1e6 == pytest.approx(expected_km2, rel=1e-3)
    assert got.geom_type == "Polygon" and len(got.interiors) == 0  # no hole left
    # and nowhere far from the LSOAs: the symmetric difference is thin
    assert got.symmetric_difference(filled).area / filled.area < 0.01


@needs_shared
def test_each_ward_holds_its_lsoas(wards: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame) -> None:
    """A ward's area is its LSOAs' (0.5% tolerance) plus, for the wards with holes filled, at most
    the holes, which are each smaller than 0.5 km2."""
    lsoa_km2 = lsoas.assign(km2=lsoas.area / 1e6).groupby("WD22CD")["km2"].sum()
    ward_km2 = wards.set_index("ward_code").area / 1e6
    filled_wards = {"E05001222", "E05001226", "E05001227", "E05001228", "E05001232"}
    for code, km2 in lsoa_km2.items():
        if code in filled_wards:
            assert km2 * 0.995 < ward_km2[code] < km2 * 1.005 + 2 * 0.5, code
        else:
            assert ward_km2[code] == pytest.approx(km2, rel=5e-3), code


@needs_shared
def test_neighbouring_wards_share_borders_as_their_lsoas_do(
    wards: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame
) -> None:
    """Wards whose LSOAs share a border share one in the file (Earlsdon and Woodlands meet for
    only 2 m); any other neighbours in the file meet across a hole the LSOAs leave."""
    lsoa_pairs = _touching_pairs(lsoas, "WD22NM", 0.0)
    ward_pairs = _touching_pairs(wards, "ward_name", 0.0)
    assert lsoa_pairs <= ward_pairs
    union = shapely.union_all(lsoas.geometry.to_numpy())
    across_holes = set()
    for ring in union.interiors:
        around = lsoas[lsoas.intersects(shapely.Polygon(ring).buffer(0.5))]["WD22NM"]
        across_holes |= {frozenset(p) for p in combinations(sorted(set(around)), 2)}
    assert ward_pairs - lsoa_pairs <= across_holes
    # the city centre meets Foleshill to its north; opposite sides of the city do not meet
    assert frozenset(("St Michael's", "Foleshill")) in ward_pairs
    assert frozenset(("Bablake", "Binley and Willenhall")) not in ward_pairs
    assert frozenset(("Westwood", "Henley")) not in ward_pairs


@needs_shared
def test_make_boundaries_reproduces_the_committed_file(area: Area) -> None:
    result = b.derive_ward_boundaries(LSOA_SHP, LOOKUP, area)
    assert b.geojson_text(result.wards, b.derived_metadata(result)) == COMMITTED.read_text(
        encoding="utf-8"
    )


@needs_shared
def test_the_holes_go_to_the_lsoas_their_msoas_name(area: Area) -> None:
    result = b.derive_ward_boundaries(LSOA_SHP, LOOKUP, area)
    placed = {f.lsoa_code: f.ward_name for f in result.fills}
    # worked by hand from the LSOA names bordering each of the seven holes
    assert placed == {
        "E01034735": "Foleshill",  # Coventry 015G
        "E01034737": "Radford",  # 020F
        "E01034741": "St Michael's",  # 028E
        "E01034743": "St Michael's",  # 031E
        "E01034745": "Lower Stoke",  # 035I
        "E01034748": "Westwood",  # 036I
        "E01034750": "Lower Stoke",  # 038H
    }
    assert [m.lsoa_code for m in result.unplaced] == ["E01034739"]  # 025E, Woodlands, the edge


# --- the steps, on squares ---------------------------------------------------------------------


def _grid(names: dict[tuple[int, int], str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": [f"E0{n}" for n in names.values()], "lsoa_name": list(names.values())},
        geometry=[shapely.box(x, y, x + 1, y + 1) for x, y in names],
        crs=b.BNG,
    )


def _lookup(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(f"E0{n}", n, f"W{w}", f"Ward {w}") for n, w in rows],
        columns=["lsoa_code", "lsoa_name", "ward_code", "ward_name"],
    )


def test_a_hole_is_filled_by_the_missing_lsoa_of_its_msoa() -> None:
    # 3x3 squares; the centre (Town 002C of ward 2) has no polygon. Its MSOA 002 borders the hole.
    cells = {
        (x, y): f"Town 001{'ABCDEFGH'[i]}"
        for i, (x, y) in enumerate([(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)])
    }
    cells[(2, 1)] = "Town 002A"
    lsoas = _grid(cells)
    lookup = _lookup(
        [(n, "1") for n in cells.values() if n != "Town 002A"]
        + [("Town 002A", "2"), ("Town 002C", "2"), ("Town 009A", "1")]
    )
    gaps = b.coverage_gaps(lsoas)
    assert len(gaps) == 1 and gaps[0].area == pytest.approx(1.0)
    fills, unplaced = b.place_missing_lsoas(gaps, lsoas, lookup)
    assert [(f.lsoa_name, f.ward_code, f.area_m2) for f in fills] == [("Town 002C", "W2", 1.0)]
    assert [m.lsoa_name for m in unplaced] == ["Town 009A"]
    wards = b.dissolve_wards(lsoas, lookup, gaps, fills)
    assert wards.set_index("ward_code").area.to_dict() == {"W1": 7.0, "W2": 2.0}


def test_two_holes_each_with_two_candidates_are_matched_by_elimination() -> None:
    # a 5x3 block with holes at (1,1) and (3,1); the first borders MSOAs 001 and 002, the second
    # 002 only: so the second is 002's missing LSOA and the first 001's
    cells = {(x, y): "Town 003A" for x in range(5) for y in range(3)}
    names = iter(f"Town 003{c}" for c in "ABCDEFGHJKLMN")
    cells = {xy: next(names) for xy in cells if xy not in {(1, 1), (3, 1)}}
    cells[(0, 1)] = "Town 001A"
    cells[(2, 1)] = "Town 002A"
    cells[(4, 1)] = "Town 002B"
    lsoas = _grid(cells)
    lookup = _lookup([(n, "3") for n in cells.values()] + [("Town 001Z", "1"), ("Town 002Z", "2")])
    fills, unplaced = b.place_missing_lsoas(b.coverage_gaps(lsoas), lsoas, lookup)
    assert [(f.lsoa_name, f.ward_code) for f in fills] == [("Town 001Z", "W1"), ("Town 002Z", "W2")]
    assert unplaced == []


def test_holes_that_the_names_cannot_tell_apart_are_an_error() -> None:
    cells = {(x, y): None for x in range(5) for y in range(3) if (x, y) not in {(1, 1), (3, 1)}}
    names = iter(f"Town 004{c}" for c in "ABCDEFGHJKLMN")
    lsoas = _grid({xy: next(names) for xy in cells})
    lookup = _lookup(
        [(n, "4") for n in lsoas["lsoa_name"]] + [("Town 004Y", "4"), ("Town 004Z", "5")]
    )
    with pytest.raises(b.BoundaryError, match="cannot be matched"):
        b.place_missing_lsoas(b.coverage_gaps(lsoas), lsoas, lookup)


def test_coverage_simplification_keeps_neighbours_meeting() -> None:
    # two wards sharing a wiggly border: simplified together, they still meet with no gap
    wiggle = [(0, 0)] + [(i * 10.0, 3.0 * (i % 2)) for i in range(1, 10)] + [(100, 0)]
    top = shapely.Polygon([*wiggle, (100, 50), (0, 50)])
    bottom = shapely.Polygon([*wiggle, (100, -50), (0, -50)])
    wards = gpd.GeoDataFrame(
        {"ward_code": ["A", "B"], "ward_name": ["A", "B"]}, geometry=[top, bottom], crs=b.BNG
    )
    out = b.simplify_wards(wards, 20.0)
    a, c = out.geometry
    assert len(a.exterior.coords) < len(top.exterior.coords)  # simplified
    assert a.intersection(c).area == pytest.approx(0.0, abs=1e-9)
    assert a.union(c).area == pytest.approx(100 * 100, rel=1e-3)  # no gap opened between them
    assert b.shared_border_m(a, c) > 99


def test_a_file_missing_a_ward_is_refused(tmp_path: Path, area: Area) -> None:
    collection = json.loads(COMMITTED.read_text(encoding="utf-8"))
    collection["features"] = collection["features"][1:]
    broken = tmp_path / "wards.geojson"
    broken.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(b.BoundaryError, match="missing: \\['E05001218'\\]"):
        b.load_ward_boundaries(broken, area)


def test_the_build_draws_fetched_boundaries_when_there_are_some(tmp_path: Path) -> None:
    assert b.boundaries_path("coventry", tmp_path) == COMMITTED
    fetched = paths.fetched_boundaries_path("coventry", tmp_path)
    fetched.write_text("{}", encoding="utf-8")
    assert b.boundaries_path("coventry", tmp_path) == fetched
    with pytest.raises(b.BoundaryError, match="fetch --boundaries --area nowhere"):
        b.boundaries_path("nowhere", tmp_path)


def test_the_transformation_is_the_fixed_helmert_one() -> None:
    # Coventry's council house, about E 433,500 N 278,900: to WGS84 and back within a millimetre
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the OSTN15 grid
        point = gpd.GeoSeries([shapely.Point(433500, 278900)], crs=b.BNG)
        there = b.to_wgs84(point)
        back = b.to_bng(there)
    lon, lat = there.iloc[0].coords[0]
    assert -1.52 < lon < -1.50 and 52.40 < lat < 52.41
    assert back.iloc[0].distance(point.iloc[0]) < 1e-3
