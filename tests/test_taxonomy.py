"""The reference configuration: offences, areas and presets are complete and consistent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from csa_stats import paths
from csa_stats.errors import ParameterError
from csa_stats.reference.taxonomy import Area, load_area, offence_table, reference_lists

from .conftest import SHARED

FIELDS = {"name", "group", "subgroup", "police_uk_type", "person_victim", "crime"}


def test_every_offence_has_exactly_the_known_fields() -> None:
    raw = yaml.safe_load((paths.reference_dir() / "offences.yml").read_text())["offences"]
    for code, entry in raw.items():
        assert set(entry) <= FIELDS, f"offence {code} has stray fields {set(entry) - FIELDS}"
        assert {"name", "group", "subgroup", "police_uk_type", "person_victim"} <= set(entry)
        assert all(value is not None for value in entry.values()), (
            f"offence {code} has a blank field"
        )


def test_offences_map_to_police_uk_types_and_asb_is_not_crime() -> None:
    table = offence_table()
    assert set(table["police_uk_type"]) <= set(reference_lists()["police_uk_types"])
    assert len(reference_lists()["police_uk_types"]) == 14
    asb = table[table["group"] == "Anti-social behaviour"]
    assert len(asb) == 4 and not asb["crime"].any()  # three ASB types, and police.uk's one
    assert table.drop(asb.index)["crime"].all()
    assert table["name"].is_unique
    # one code for each police.uk crime type, for records that carry nothing else
    police_uk = table[table.index.str.startswith("PUK-")]
    assert sorted(police_uk["police_uk_type"]) == sorted(reference_lists()["police_uk_types"])


def test_coventry_has_its_18_wards(area: Area) -> None:
    assert len(area.wards) == 18
    assert area.wards["E05001228"] == "St Michael's"
    assert area.wards[area.city_centre_ward] == "St Michael's"


LOOKUP = SHARED / "data/real/ons-lookups/LSOA21_to_WD22_Coventry.csv"


@pytest.mark.skipif(not LOOKUP.exists(), reason="the shared ONS lookup is not beside the checkout")
def test_ward_codes_and_names_match_the_ons_lookup(area: Area) -> None:
    lookup = pd.read_csv(LOOKUP, dtype=str)
    ons = dict(zip(lookup["WD22CD"], lookup["WD22NM"], strict=False))
    assert ons == area.wards


def test_an_unknown_area_names_the_configured_ones() -> None:
    with pytest.raises(ParameterError, match="coventry"):
        load_area("atlantis")


def test_a_partnership_can_point_at_its_own_taxonomy(tmp_path: Path) -> None:
    custom = tmp_path / "offences.yml"
    raw = yaml.safe_load((paths.reference_dir() / "offences.yml").read_text())
    raw["offences"]["46"]["group"] = "Retail crime"
    custom.write_text(yaml.safe_dump(raw))
    assert offence_table(custom).loc["46", "group"] == "Retail crime"
