"""The committed reference geography and area resolution: any local authority of England and Wales
by code or name, Coventry as configured, a force's areas from the LSOAs its records fall in.

Expectations are written by hand (Coventry's wards as data/reference/areas.yml listed them before
this table existed) or counted from ONS's own file with the csv module, not by the project's code.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import pytest

from csa_stats import paths
from csa_stats.errors import ParameterError, UserError
from csa_stats.reference.geography import (
    LSOA11_FILE,
    NATIONAL_SOURCE,
    TABLE_FILE,
    AreaNotFoundError,
    GeographyError,
    areas_of_force,
    build_reference_geography,
    lad_coverage,
    resolve_area,
)
from csa_stats.reference.taxonomy import load_area

from .conftest import SHARED

ONS = SHARED / "data/real/ons-lookups"
COMMITTED = paths.geography_dir()

#: Coventry's 18 wards as data/reference/areas.yml listed them (ONS ward codes, May 2022).
COVENTRY_WARDS = {
    "E05001218": "Bablake",
    "E05001219": "Binley and Willenhall",
    "E05001220": "Cheylesmore",
    "E05001221": "Earlsdon",
    "E05001222": "Foleshill",
    "E05001223": "Henley",
    "E05001224": "Holbrook",
    "E05001225": "Longford",
    "E05001226": "Lower Stoke",
    "E05001227": "Radford",
    "E05001228": "St Michael's",
    "E05001229": "Sherbourne",
    "E05001230": "Upper Stoke",
    "E05001231": "Wainbody",
    "E05001232": "Westwood",
    "E05001233": "Whoberley",
    "E05001234": "Woodlands",
    "E05001235": "Wyken",
}
WEST_MIDLANDS = [f"E080000{n}" for n in range(25, 32)]  # Birmingham ... Wolverhampton


def _committed_rows() -> list[dict[str, str]]:
    with gzip.open(COMMITTED / TABLE_FILE, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---- the committed tables -------------------------------------------------------------------


def test_the_committed_table_has_one_row_per_lsoa_of_england_and_wales() -> None:
    rows = _committed_rows()
    assert list(rows[0]) == ["LSOA21CD", "WD22CD", "WD22NM", "LAD22CD", "LAD22NM"]
    assert len(rows) == 35_672 == len({r["LSOA21CD"] for r in rows})
    assert len({r["LAD22CD"] for r in rows}) == 331
    lsoas_of = Counter(r["LAD22CD"] for r in rows)
    assert lsoas_of["E08000026"] == 203  # Coventry (PROVENANCE.md of the ONS lookups)
    assert [r["LSOA21CD"] for r in rows] == sorted(r["LSOA21CD"] for r in rows)


@pytest.mark.skipif(not ONS.exists(), reason="the shared ONS lookups are not beside the checkout")
def test_the_committed_table_holds_onss_rows_unchanged() -> None:
    with (ONS / NATIONAL_SOURCE).open(encoding="utf-8-sig", newline="") as handle:
        ons = {
            r["LSOA21CD"]: (r["WD22CD"], r["WD22NM"], r["LAD22CD"], r["LAD22NM"])
            for r in csv.DictReader(handle)
        }
    ours = {
        r["LSOA21CD"]: (r["WD22CD"], r["WD22NM"], r["LAD22CD"], r["LAD22NM"])
        for r in _committed_rows()
    }
    assert ours == ons


@pytest.mark.skipif(not ONS.exists(), reason="the shared ONS lookups are not beside the checkout")
def test_make_geography_remakes_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    written = build_reference_geography(ONS, tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in COMMITTED.iterdir())
    for path in written:
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


@pytest.mark.skipif(not ONS.exists(), reason="the shared ONS lookups are not beside the checkout")
def test_coventrys_2011_lookup_is_the_shared_one_compacted() -> None:
    with (ONS / "LSOA11_to_LSOA21_Coventry.csv").open(encoding="utf-8-sig") as handle:
        shared = {r["LSOA11CD"]: r["LSOA21CD"] for r in csv.DictReader(handle)}
    text = (COMMITTED / LSOA11_FILE).read_text(encoding="utf-8")
    ours = {r["LSOA11CD"]: r["LSOA21CD"] for r in csv.DictReader(io.StringIO(text))}
    assert ours == shared and len(ours) == 195
    assert ours["E01009703"] == "E01034740"  # Coventry 025C -> 025F, in Westwood (best fit)


def test_the_attribution_names_the_licence_and_the_source_commit() -> None:
    text = (COMMITTED / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Office for National Statistics" in text and "Open Government Licence v.3.0" in text
    assert "597be4459f55ec56c28039979ac467593c601580" in text
    assert "1d3a34c0dcb6cda89e60eb33ea5cb9dc11e7165e" in text


def test_a_missing_table_says_how_to_make_it(tmp_path: Path) -> None:
    from csa_stats.reference.geography import lsoa_table

    with pytest.raises(GeographyError, match="run `make geography`"):
        lsoa_table(tmp_path / TABLE_FILE)


# ---- areas ----------------------------------------------------------------------------------


def test_coventry_by_key_code_and_name_is_one_area_with_its_18_wards() -> None:
    by_key = load_area("coventry")
    assert by_key == resolve_area("E08000026") == resolve_area("Coventry")
    assert resolve_area("  cOVENTRY ") == resolve_area("e08000026") == by_key
    assert by_key.key == "coventry" and by_key.name == "Coventry"
    assert by_key.wards == COVENTRY_WARDS
    assert by_key.ward_codes == sorted(COVENTRY_WARDS)
    assert by_key.city_centre_ward == "E05001228"
    assert by_key.census_2021_population == 345_300
    assert len(by_key.lsoas) == 203 and "E01034740" in by_key.lsoas


def test_an_area_not_configured_gets_onss_name_and_no_city_centre_ward() -> None:
    birmingham = resolve_area("Birmingham")
    assert birmingham == resolve_area("E08000025") == load_area("birmingham")
    assert (birmingham.key, birmingham.name, birmingham.lad_code) == (
        "birmingham",
        "Birmingham",
        "E08000025",
    )
    assert birmingham.city_centre_ward is None
    assert birmingham.census_2021_population is None
    assert birmingham.wards["E05011118"] == "Acocks Green"
    assert len(birmingham.wards) == 69 and len(birmingham.lsoas) == 659
    assert resolve_area("Bristol, City of").key == "bristol-city-of"


def test_a_ward_shared_by_two_authorities_has_each_ones_name() -> None:
    # Hunmanby & Sherburn (E05014284) lies in Scarborough and Ryedale; ONS names each part
    assert (
        resolve_area("Scarborough").wards["E05014284"] == "Hunmanby & Sherburn (part Scarborough)"
    )
    assert resolve_area("Ryedale").wards["E05014284"] == "Hunmanby & Sherburn (part Ryedale)"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("Birmingam", "did you mean Birmingham?"), ("coventry city", "did you mean Coventry?")],
)
def test_a_near_miss_is_one_line_suggesting_close_names(text: str, suggestion: str) -> None:
    with pytest.raises(AreaNotFoundError) as raised:
        resolve_area(text)
    message = str(raised.value)
    assert "\n" not in message and message.endswith(suggestion)
    assert message.startswith(f"parameter area: {text!r} is not in data/reference/areas.yml")
    assert "nor a local authority district of England and Wales" in message
    assert isinstance(raised.value, UserError)  # the CLI reports it in one line, status 2


def test_nothing_close_names_the_configured_areas_only() -> None:
    with pytest.raises(
        ParameterError, match=r"\(configured: coventry\) nor a local .* Coventry\)$"
    ):
        load_area("atlantis")
    with pytest.raises(AreaNotFoundError, match="E08000099"):
        resolve_area("E08000099")


def test_an_area_configured_without_a_city_centre_ward_has_none(tmp_path: Path) -> None:
    areas = tmp_path / "areas.yml"
    areas.write_text("brum:\n  name: Birmingham City\n  lad_code: E08000025\n")
    area = load_area("brum", areas)
    assert (area.key, area.name, area.city_centre_ward) == ("brum", "Birmingham City", None)
    # configured areas are found by their code and ONS name too
    assert resolve_area("E08000025", areas_path=areas) == area
    assert resolve_area("birmingham", areas_path=areas) == area


def test_a_city_centre_ward_of_another_authority_is_refused(tmp_path: Path) -> None:
    areas = tmp_path / "areas.yml"
    areas.write_text("brum:\n  lad_code: E08000025\n  city_centre_ward: E05001228\n")
    with pytest.raises(GeographyError, match="E05001228' is not a ward of Birmingham"):
        load_area("brum", areas)


# ---- every area of a force ------------------------------------------------------------------


def _lsoas_of(lad: str) -> list[str]:
    return [r["LSOA21CD"] for r in _committed_rows() if r["LAD22CD"] == lad]


def test_a_forces_records_give_its_seven_authorities_and_not_its_neighbours() -> None:
    codes = [c for lad in WEST_MIDLANDS for c in _lsoas_of(lad)]
    codes = [c for c in codes if c != "E01034740"] + ["E01009703"]  # a 2011 code, mapped
    codes += _lsoas_of("E07000222")[:3]  # three of Warwick's LSOAs: crimes over the border
    codes += ["E01999999", ""]  # in no lookup
    areas = areas_of_force(codes)
    assert [a.lad_code for a in areas] == WEST_MIDLANDS
    assert areas[1] == load_area("coventry")
    everything = areas_of_force(codes, min_coverage=0)
    assert [a.lad_code for a in everything] == ["E07000222", *WEST_MIDLANDS]  # code order


def test_coverage_counts_each_authoritys_lsoas_reached() -> None:
    coverage = lad_coverage(["E01009703", "E01034740", "E01009696"]).set_index("lad_code")
    # E01009703 (2011) maps to E01034740: two distinct Coventry LSOAs of 203
    assert coverage.loc["E08000026", ["lad_name", "lsoas", "seen"]].tolist() == [
        "Coventry",
        203,
        2,
    ]
    assert coverage.loc["E08000026", "coverage"] == pytest.approx(2 / 203)


def test_the_placeable_codes_are_every_2021_lsoa_and_coventrys_changed_2011_ones() -> None:
    from csa_stats.reference.geography import lookup_folders, placeable_lsoas

    codes = placeable_lsoas()
    assert len(codes) == 35_672 + 8  # Coventry's 8 split 2011 LSOAs (PROVENANCE.md)
    assert {"E01009703", "E01034740"} <= codes and "E01999999" not in codes
    assert lookup_folders()[0] == paths.geography_dir()
