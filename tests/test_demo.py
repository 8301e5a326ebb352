"""The embedded demo data against the published Coventry figures it is calibrated to.

Expectations are the published figures (data/reference/published_figures.csv, itself checked against
the shared transcription of the council's pages), with the tolerances the issue sets.
"""

from __future__ import annotations

import pandas as pd
import pytest

from csa_stats import paths
from csa_stats.reference import figure, published_figures
from csa_stats.schema import validate_incidents
from csa_stats.sources.demo import generate_incidents, read_demo

from .conftest import SHARED


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    frame = read_demo()
    month = frame["month"].dt.to_period("M")
    fy_start = month.dt.year - (month.dt.month < 4).astype(int)
    return frame.assign(fy=fy_start.astype(str) + "/" + (fy_start + 1).astype(str).str[-2:])


def trc(demo: pd.DataFrame, fy: str) -> int:
    return int((demo["is_crime"] & (demo["fy"] == fy)).sum())


def test_the_demo_passes_the_schema(demo, area) -> None:
    validate_incidents(demo.drop(columns="fy"), area, "demo")


def test_the_demo_covers_april_2017_to_march_2025_in_all_18_wards(demo, area) -> None:
    assert demo["month"].min() == pd.Timestamp("2017-04-01")
    assert demo["month"].max() == pd.Timestamp("2025-03-01")
    assert demo["month"].dt.to_period("M").nunique() == 96
    assert set(demo["ward_code"].astype(str)) == set(area.ward_codes)
    assert (demo["source"] == "demo").all()


@pytest.mark.parametrize(
    ("fy", "published"),
    [
        ("2019/20", 28_592),
        ("2020/21", 31_309),
        ("2021/22", 40_059),
        ("2022/23", 42_867),
        ("2023/24", 38_509),
    ],
)
def test_total_recorded_crime_is_within_half_a_per_cent_of_the_published(
    demo, fy, published
) -> None:
    assert trc(demo, fy) == pytest.approx(published, rel=0.005)


def test_2024_25_is_about_7_per_cent_below_2023_24(demo) -> None:
    change = 100 * (trc(demo, "2024/25") / trc(demo, "2023/24") - 1)
    assert -7.5 < change < -6.5


def test_the_2023_24_assessment_changes_are_reproduced(demo) -> None:
    asb = lambda fy: int((~demo["is_crime"] & (demo["fy"] == fy)).sum())  # noqa: E731
    shop = lambda fy: int(((demo["offence_code"] == "46") & (demo["fy"] == fy)).sum())  # noqa: E731
    assert 100 * (asb("2023/24") / asb("2022/23") - 1) == pytest.approx(22.6, abs=0.5)
    assert 100 * (shop("2023/24") / shop("2022/23") - 1) == pytest.approx(44.3, abs=1.0)
    assert 100 * (trc(demo, "2023/24") / trc(demo, "2022/23") - 1) == pytest.approx(-10.1, abs=0.3)


def test_2024_25_ward_shares_put_st_michaels_foleshill_and_henley_on_top(demo) -> None:
    year = demo[demo["is_crime"] & (demo["fy"] == "2024/25")]
    shares = 100 * year["ward_name"].astype(str).value_counts(normalize=True)
    assert shares.index[0] == "St Michael's"
    assert set(shares.index[1:3]) == {"Foleshill", "Henley"}
    assert shares["St Michael's"] == pytest.approx(23.3, abs=1.5)
    assert shares["Foleshill"] == pytest.approx(8.0, abs=1.0)
    assert shares["Henley"] == pytest.approx(7.9, abs=1.0)


def test_asb_is_kept_apart_from_recorded_crime(demo) -> None:
    asb = demo[demo["offence_group"] == "Anti-social behaviour"]
    assert len(asb) > 0 and not asb["is_crime"].any()
    assert (asb["crime_type"] == "Anti-social behaviour").all()
    assert (demo.loc[demo["is_crime"], "crime_type"] != "Anti-social behaviour").all()


def test_the_offence_mix_flags_and_victims_are_realistic(demo) -> None:
    year = demo[demo["is_crime"] & (demo["fy"] == "2023/24")]
    assert 100 * year["domestic_abuse"].mean() == pytest.approx(figure("da_share_2023_24"), abs=2.0)
    assert int(year["hate"].sum()) == figure("hate_2023_24")
    race = 100 * (year.loc[year["hate"].astype(bool), "hate_strand"] == "race").mean()
    assert race == pytest.approx(figure("hate_racial_share_2023_24"), abs=5)
    assert int((year["offence_code"] == "1").sum()) == figure("homicides_2023_24")
    sexual = year[year["offence_group"] == "Sexual offences"]
    rape_share = 100 * (sexual["offence_code"] == "19").mean()
    assert rape_share == pytest.approx(figure("rape_share_2023_24"), abs=6)
    injury = year[year["offence_subgroup"] == "Violence with injury"]
    assert 100 * (injury["victim_sex"] == "male").mean() == pytest.approx(62.3, abs=4)
    # victims only where the offence has a person as victim
    assert year.loc[year["offence_code"] == "46", "victim_sex"].isna().all()
    assert year.loc[year["offence_code"] == "8N", "victim_age_band"].notna().all()
    # knives and alcohol appear, in minorities
    assert 0.01 < year["knife"].mean() < 0.06
    assert 0.03 < year["alcohol"].mean() < 0.15


def test_hate_crime_matches_every_published_year(demo) -> None:
    for fy in ("2019/20", "2020/21", "2021/22", "2022/23", "2023/24"):
        published = figure(f"hate_{fy[:4]}_{fy[-2:]}")
        assert int((demo["hate"].astype(bool) & (demo["fy"] == fy)).sum()) == published


def test_ward_populations_add_up_to_the_census_and_are_marked_demo(area) -> None:
    population = pd.read_csv(paths.demo_population_path())
    assert population["population"].sum() == 345_300 == figure("population_2021")
    assert set(population["ward_code"]) == set(area.ward_codes)
    assert (population["note"] == "demonstration value").all()


def test_the_committed_demo_is_what_the_generator_makes() -> None:
    pd.testing.assert_frame_equal(generate_incidents(), read_demo(), check_categorical=False)


SHARED_FIGURES = SHARED / "data/real/published-reference/coventry_published_figures.csv"


@pytest.mark.skipif(
    not SHARED_FIGURES.exists(), reason="shared published figures not beside the checkout"
)
def test_the_projects_figures_match_the_shared_transcription() -> None:
    shared = pd.read_csv(SHARED_FIGURES)
    ours = published_figures()
    pairs = {
        "trc_2019_20": ("total_recorded_crime", "FY 2019/20"),
        "trc_2020_21": ("total_recorded_crime", "FY 2020/21"),
        "trc_2021_22": ("total_recorded_crime", "FY 2021/22"),
        "trc_2022_23": ("total_recorded_crime", "FY 2022/23"),
        "trc_2023_24": ("total_recorded_crime", "FY 2023/24"),
        "trc_change_2024_25": ("total_recorded_crime_change", "FY 2024/25 vs 2023/24"),
        "asb_change_2023_24": ("asb_change", "FY 2023/24 vs 2022/23"),
        "shoplifting_2023_24": ("theft_from_shops_and_stalls", "FY 2023/24"),
        "shoplifting_2024_25": ("theft_from_shops_and_stalls", "FY 2024/25"),
        "common_assault_2023_24": ("common_assault_and_battery", "FY 2023/24"),
        "hate_2022_23": ("hate_crime", "FY 2022/23"),
        "population_2021": ("population_census", "Census Day 2021"),
    }
    for figure_id, (metric, period) in pairs.items():
        row = shared[(shared["metric"] == metric) & (shared["period"] == period)]
        assert len(row) == 1, figure_id
        assert float(row["value"].iloc[0]) == ours.at[figure_id, "value"], figure_id


def test_exploitation_changes_go_the_published_way(demo) -> None:
    def count(mask, fy: str) -> int:
        return int((mask & (demo["fy"] == fy)).sum())

    checks = {
        "county_lines_change_2023_24": demo["child_exploitation"].astype(bool),
        "cse_change_2023_24": demo["child_sexual_exploitation"].astype(bool),
        "hba_change_2023_24": demo["honour_based_abuse"].astype(bool),
        "modern_slavery_change_2023_24": demo["offence_code"] == "106",
    }
    for figure_id, mask in checks.items():
        change = 100 * (count(mask, "2023/24") / count(mask, "2022/23") - 1)
        published = figure(figure_id)
        assert change * published > 0, figure_id  # same direction
        assert abs(change - published) < 25, figure_id  # and roughly the size (small counts)
    ms = demo["offence_code"] == "106"
    assert 100 * (count(ms, "2023/24") / count(ms, "2022/23") - 1) == pytest.approx(-51.3, abs=0.1)


def test_child_sexual_exploitation_victims_are_children(demo) -> None:
    cse = demo[demo["child_sexual_exploitation"].astype(bool)]
    assert len(cse) > 0
    assert cse["victim_age_band"].isin(["0-9", "10-15", "16-17"]).all()
    assert (cse["offence_group"] == "Sexual offences").all()
