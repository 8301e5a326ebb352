"""A whole force's generated police.uk files: the project's ingest, run for each of West Midlands'
seven local authorities, counts exactly what an independent count (tests/independent_count.py:
the csv module, no project code) counts, by authority and by ward; and the force's authorities
are found from the files' LSOAs."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from csa_stats import paths
from csa_stats.reference.geography import LSOA11_FILE, TABLE_FILE, areas_of_force, resolve_area
from csa_stats.sources.force_sample import WEST_MIDLANDS, force_geography, write_force_months
from csa_stats.sources.ons_lookups import lsoa_codes_by_month, unplaced_findings
from csa_stats.sources.policeuk import find_files, ingest

from .independent_count import Counted, count, read_places

# two months coded with 2011 LSOAs, two with 2021 LSOAs
MONTHS = ["2021-11", "2021-12", "2022-01", "2022-02"]
COVENTRY_2011_ONLY = "E01009703"  # Coventry 025C, split in 2021: a 2011 code only


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("west-midlands")
    write_force_months(folder, MONTHS, rows_per_month=3000, seed=18)
    return folder


@pytest.fixture(scope="module")
def independent(files: Path) -> Counted:
    geo = paths.geography_dir()
    return count(files, read_places(geo / TABLE_FILE, [geo / LSOA11_FILE]), list(WEST_MIDLANDS))


def _column(files: Path, name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(files.rglob("*-street.csv")):
        with path.open(newline="") as handle:
            out[path.name[:7]] = [row[name] for row in csv.DictReader(handle)]
    return out


def test_the_files_hold_what_the_test_needs(files: Path, independent: Counted) -> None:
    lsoas = _column(files, "LSOA code")
    assert sorted(lsoas) == MONTHS
    assert all(len(codes) >= 3000 for codes in lsoas.values())
    # 2011 codes before 2022 (Coventry's changed LSOAs among them), 2021 codes after
    old_months = {c for m in MONTHS[:2] for c in lsoas[m]}
    new_months = {c for m in MONTHS[2:] for c in lsoas[m]}
    assert COVENTRY_2011_ONLY in old_months and COVENTRY_2011_ONLY not in new_months
    assert "E01034740" in new_months and "E01034740" not in old_months  # its best-fit successor
    assert independent.no_location > 0
    for lad, area in independent.areas.items():
        assert area.crimes > 0 and area.asb > 0, lad
        assert area.repeated > 0 or lad != "E08000025", lad  # Birmingham, the largest, has some
    # records over the border: outside every West Midlands authority
    coventry = independent.areas["E08000026"]
    others = sum(
        a.crimes + a.asb + a.repeated for k, a in independent.areas.items() if k != "E08000026"
    )
    assert coventry.outside > others  # the neighbours' records are outside Coventry too


@pytest.mark.parametrize("lad", WEST_MIDLANDS)
def test_the_ingest_counts_what_the_independent_count_counts(
    lad: str, files: Path, independent: Counted
) -> None:
    area = resolve_area(lad)
    result = ingest(files, area, paths.geography_dir())  # no cache
    incidents, report = result.incidents, result.report
    expected = independent.areas[lad]
    crimes = incidents["is_crime"].to_numpy(dtype=bool)
    assert int(crimes.sum()) == report.crimes == expected.crimes
    assert int((~crimes).sum()) == report.asb == expected.asb
    assert report.duplicate_rows == expected.repeated
    assert report.no_location == independent.no_location
    assert report.outside_area == expected.outside
    assert report.rows_read == independent.rows
    by_ward = (
        incidents.assign(
            kind=pd.Series(crimes, index=incidents.index).map({True: "crime", False: "asb"})
        )
        .groupby(["ward_code", "kind"], observed=True)
        .size()
    )
    ours = {(str(w), str(k)): int(n) for (w, k), n in by_ward.items() if n}
    assert ours == dict(expected.wards)


def test_the_forces_authorities_are_found_from_its_files(files: Path) -> None:
    codes = {c for month in lsoa_codes_by_month(find_files(files)).values() for c in month}
    assert [a.lad_code for a in areas_of_force(codes)] == list(WEST_MIDLANDS)
    assert len(areas_of_force(codes, min_coverage=0)) == len(WEST_MIDLANDS) + 6  # + neighbours


def test_with_a_fetched_2011_lookup_any_authoritys_2011_months_are_placed(tmp_path: Path) -> None:
    """Birmingham's 2011-coded months with LSOAs that changed in 2021: unplaced (and said so)
    with the committed lookups alone; counted as the independent count counts them with a
    fetched lookup (here a hand-made one in its format: real 2011 codes of changed Birmingham
    LSOAs, each given one of Birmingham's 2021 LSOAs as its successor)."""
    fetched = tmp_path / "lookups"
    fetched.mkdir()
    lookup = fetched / "lsoa11_lsoa21_lad22_bestfit.csv"
    lookup.write_text(
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM\n"
        "E01008900,Birmingham 900X,E01033620,Birmingham 620Y,E08000025,Birmingham\n"
        "E01008902,Birmingham 902X,E01033622,Birmingham 622Y,E08000025,Birmingham\n"
    )
    geography = force_geography(lsoa11_extra=[lookup])
    assert {"E01008900", "E01008902"} <= set(geography.lsoa_2011["E08000025"])
    files = tmp_path / "police"
    write_force_months(files, ["2020-04", "2020-05"], rows_per_month=6000, geography=geography)
    lsoas = {c for m in _column(files, "LSOA code").values() for c in m}
    assert {"E01008900", "E01008902"} <= lsoas

    sources = find_files(files)
    assert unplaced_findings(sources) == [
        "2 months (2020-04 to 2020-05) are coded with 2011 LSOAs not in the lookups (E01008900, "
        "E01008902); run `csa-stats fetch --lookups`, which downloads ONS's LSOA 2011 to 2021 "
        "best-fit lookup into data/lookups/"
    ]
    assert unplaced_findings(sources, [fetched]) == []

    geo = paths.geography_dir()
    places = read_places(geo / TABLE_FILE, [geo / LSOA11_FILE, lookup])
    expected = count(files, places, ["E08000025"]).areas["E08000025"]
    result = ingest(files, resolve_area("Birmingham"), [geo, fetched])
    assert (result.report.crimes, result.report.asb) == (expected.crimes, expected.asb)
    assert result.report.lsoa_2011_rows > 0  # the two changed LSOAs' records, mapped
    alone = ingest(files, resolve_area("Birmingham"), geo)
    assert alone.report.crimes + alone.report.asb < expected.crimes + expected.asb
    # the ingest's own report says so, from the codes it read (no second read of the files)
    assert alone.report.lines()[-1] == unplaced_findings(sources)[0]
    assert not any("2011 LSOAs not in the lookups" in line for line in result.report.lines())


def test_every_authority_of_the_force_from_one_read_counts_what_each_read_alone_counts(
    files: Path, independent: Counted, tmp_path: Path
) -> None:
    from csa_stats.sources import policeuk

    areas = [resolve_area(lad) for lad in WEST_MIDLANDS]
    before = policeuk.READS
    together = policeuk.ingest_areas(files, areas, paths.geography_dir(), tmp_path / "cache")
    assert before + 1 == policeuk.READS  # the files read once for all seven
    for area in areas:
        expected = independent.areas[area.lad_code]
        report = together[area.key].report
        assert (report.crimes, report.asb) == (expected.crimes, expected.asb), area.name
        assert report.duplicate_rows == expected.repeated, area.name
        assert report.outside_area == expected.outside, area.name
        alone = ingest(files, area, paths.geography_dir())  # no cache: a read of its own
        assert report == alone.report, area.name
        pd.testing.assert_frame_equal(together[area.key].incidents, alone.incidents)
    # each area was cached as if read alone: a build of any one of them reads nothing again
    again = policeuk.READS
    cached = ingest(files, areas[1], paths.geography_dir(), tmp_path / "cache")
    assert cached.from_cache and again == policeuk.READS


def test_the_forces_authorities_are_found_and_read_from_one_read_of_the_files(
    files: Path, independent: Counted, tmp_path: Path
) -> None:
    from csa_stats.sources import policeuk

    before = policeuk.READS
    found = policeuk.ingest_force_areas(files, paths.geography_dir(), tmp_path / "cache")
    assert before + 1 == policeuk.READS
    assert [resolve_area(key).lad_code for key in found] == list(WEST_MIDLANDS)
    for key, result in found.items():
        area = resolve_area(key)
        expected = independent.areas[area.lad_code]
        assert (result.report.crimes, result.report.asb) == (expected.crimes, expected.asb)
        assert result.report.outside_area == expected.outside, area.name
        alone = ingest(files, area, paths.geography_dir())
        assert result.report == alone.report, area.name
        pd.testing.assert_frame_equal(result.incidents, alone.incidents)
