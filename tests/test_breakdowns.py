"""Shares, victim profiles, splits by a column and ward rankings, on hand-built tables."""

from __future__ import annotations

import pandas as pd
import pytest

from csa_stats.analysis import measures
from csa_stats.params import parse_parameters

SM, HENLEY, WYKEN = "E05001228", "E05001223", "E05001235"
PARAMS = parse_parameters({"period_end": "2025-03"})  # period 2024/25, comparison 2023/24


@pytest.fixture
def table(make_incidents):
    rows = [
        # period: 4 crimes (3 domestic abuse ABH, 1 shoplifting) and 2 ASB, one in the city centre
        ("2024-05", "8N", SM),
        ("2024-06", "8N", SM),
        ("2024-07", "8N", HENLEY),
        ("2024-08", "46", SM),
        ("2024-09", "ASB-N", SM),
        ("2024-10", "ASB-E", HENLEY),
        # comparison: 2 crimes (1 domestic abuse ABH, 1 shoplifting)
        ("2023-05", "8N", HENLEY),
        ("2023-06", "46", HENLEY),
    ]
    frame = make_incidents(rows)
    frame["domestic_abuse"] = pd.array(
        [True, True, True, False, pd.NA, pd.NA, True, False], dtype="boolean"
    )
    frame["hate"] = pd.array([True, False, True, False, pd.NA, pd.NA, True, False], dtype="boolean")
    frame["hate_strand"] = pd.Categorical(
        ["race", None, "religion", None, None, None, "race", None]
    )
    frame["victim_sex"] = pd.Categorical(
        ["female", "female", "male", None, None, None, "female", None]
    )
    frame["victim_age_band"] = pd.Categorical(
        ["25-34", "18-24", "25-34", None, None, None, "35-44", None]
    )
    return frame


def test_shares_are_parts_over_wholes_in_each_period(table, area) -> None:
    shares = measures.share_table(
        table,
        PARAMS,
        [("domestic_abuse", "total_recorded_crime"), ("city_centre_asb", "asb")],
        area,
    )
    assert shares.loc[0, "current_pct"] == pytest.approx(75.0)  # 3 of 4
    assert shares.loc[0, "previous_pct"] == pytest.approx(50.0)  # 1 of 2
    assert shares.loc[0, "change_points"] == pytest.approx(25.0)
    assert shares.loc[1, "current_pct"] == pytest.approx(50.0)  # 1 of 2 ASB in St Michael's
    assert pd.isna(shares.loc[1, "previous_pct"])  # no ASB in the comparison period


def test_a_share_of_a_measure_the_source_lacks_is_missing(table, area) -> None:
    lacking = table.assign(domestic_abuse=pd.array([pd.NA] * len(table), dtype="boolean"))
    shares = measures.share_table(
        lacking, PARAMS, [("domestic_abuse", "total_recorded_crime")], area
    )
    assert shares[["current_pct", "previous_pct"]].isna().all(axis=None)


def test_victim_profile_counts_sex_and_age_in_the_period(table, area) -> None:
    profile = measures.victim_profile(table, PARAMS, "violence_with_injury", area)
    sex = profile[profile["group"] == "Sex"].set_index("value")
    ages = profile[profile["group"] == "Age band"].set_index("value")
    assert sex.loc["female", "victims"] == 2 and sex.loc["male", "victims"] == 1
    assert sex.loc["male", "share_pct"] == pytest.approx(100 / 3)
    assert ages.loc["25-34", "victims"] == 2 and ages.loc["18-24", "victims"] == 1
    assert ages["victims"].sum() == 3  # the comparison period's victim is not counted


def test_no_victim_fields_means_no_profile(table, area) -> None:
    blank = table.assign(
        victim_sex=pd.Categorical([None] * len(table)),
        victim_age_band=pd.Categorical([None] * len(table)),
    )
    assert measures.victim_profile(blank, PARAMS, "violence_with_injury", area) is None


def test_breakdown_splits_a_measure_by_a_column_with_changes(table, area) -> None:
    strands = measures.breakdown(table, PARAMS, "hate_crime", "hate_strand", area)
    assert strands.loc["race", ["current", "previous"]].tolist() == [1, 1]
    assert strands.loc["religion", ["current", "previous"]].tolist() == [1, 0]
    assert strands["share_pct"].sum() == pytest.approx(100.0)
    unrecorded = table.assign(hate_strand=pd.Categorical([None] * len(table)))
    assert measures.breakdown(unrecorded, PARAMS, "hate_crime", "hate_strand", area) is None


def test_ward_ranking_ranks_by_rate_and_tests_no_ward(table, area) -> None:
    population = pd.DataFrame(
        {
            "ward_code": area.ward_codes,
            "ward_name": [area.wards[c] for c in area.ward_codes],
            "population": [10_000] * 18,
        }
    )
    wards = measures.ward_ranking(table, population, PARAMS, "domestic_abuse", area)
    assert wards.loc[SM, ["current", "previous", "rank"]].tolist() == [2, 0, 1]
    assert wards.loc[HENLEY, ["current", "previous", "rank"]].tolist() == [1, 1, 2]
    assert wards.loc[SM, "rate_per_1000"] == pytest.approx(0.2)
    # no ward's change is tested (dozens of wards: some would look clear by chance alone), and a
    # percentage of counts below 20 is not given
    assert "p_value" not in wards and "significant" not in wards
    assert wards["change_pct"].isna().all()
