"""Measures against values worked out by hand on small built tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csa_stats import measures
from csa_stats.params import parse_parameters
from csa_stats.taxonomy import Area

SM, FOLESHILL, HENLEY = "E05001228", "E05001222", "E05001223"
PARAMS = parse_parameters({"period_end": "2025-03"})  # period 2024/25, comparison 2023/24


def exact_two_sided_p(k: int, n: int) -> float:
    """Two-sided binomial(n, 1/2) p-value by hand: the mass of outcomes no likelier than k."""
    probability = [math.comb(n, i) / 2**n for i in range(n + 1)]
    return sum(p for p in probability if p <= probability[k] * (1 + 1e-9))


@pytest.fixture
def small(make_incidents):
    rows = [
        # period (2024/25): 3 shoplifting in St Michael's, 1 common assault in Foleshill, 2 ASB
        ("2024-04", "46", SM),
        ("2024-09", "46", SM),
        ("2025-03", "46", SM),
        ("2024-12", "105A", FOLESHILL),
        ("2024-05", "ASB-N", SM),
        ("2024-06", "ASB-E", HENLEY),
        # comparison (2023/24): 1 shoplifting in St Michael's, 2 common assaults in Henley, 1 ASB
        ("2023-04", "46", SM),
        ("2024-03", "105A", HENLEY),
        ("2023-07", "105A", HENLEY),
        ("2023-08", "ASB-P", FOLESHILL),
        # before both periods: counted nowhere
        ("2022-01", "46", SM),
    ]
    return make_incidents(rows)


@pytest.fixture
def population(area: Area) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_code": area.ward_codes,
            "ward_name": [area.wards[c] for c in area.ward_codes],
            "population": [20_000] * 17 + [10_000],  # Wyken (last code) has 10,000
        }
    )


def test_compare_counts_matches_the_binomial_test_worked_by_hand() -> None:
    change = measures.compare_counts(20, 10)
    assert change.difference == 10
    assert change.percent == pytest.approx(100.0)
    assert change.p_value == pytest.approx(exact_two_sided_p(20, 30))
    assert change.p_value == pytest.approx(0.0987, abs=5e-5)
    assert not change.significant


def test_a_large_change_is_more_than_chance() -> None:
    change = measures.compare_counts(1763, 1220)
    assert change.percent == pytest.approx(44.508, abs=1e-3)
    assert change.significant


def test_equal_counts_are_not_a_change() -> None:
    change = measures.compare_counts(50, 50)
    assert change.p_value == pytest.approx(1.0)
    assert not change.significant


def test_percent_change_from_zero_is_not_available() -> None:
    assert math.isnan(measures.compare_counts(5, 0).percent)
    assert measures.compare_counts(0, 0).p_value == 1.0


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        measures.compare_counts(-1, 3)


def test_unequal_periods_are_compared_by_rate() -> None:
    # 12 in 6 months against 12 in 12 months: under no change, P(current) = 6/18 = 1/3.
    change = measures.compare_counts(12, 12, exposure_ratio=0.5)
    from scipy.stats import binom

    by_hand = sum(
        binom.pmf(k, 24, 1 / 3)
        for k in range(25)
        if binom.pmf(k, 24, 1 / 3) <= binom.pmf(12, 24, 1 / 3) * (1 + 1e-9)
    )
    assert change.p_value == pytest.approx(by_hand)


def test_headline_counts_crime_and_asb_apart(small) -> None:
    table = measures.headline_table(small, PARAMS)
    assert table.loc["Total recorded crime", ["current", "previous"]].tolist() == [4, 3]
    assert table.loc["Anti-social behaviour", ["current", "previous"]].tolist() == [2, 1]
    assert table.loc["Total recorded crime", "change_pct"] == pytest.approx(100 / 3)


def test_top_offences_have_shares_of_total_recorded_crime(small) -> None:
    table = measures.top_offences(small, PARAMS)
    assert table.index.tolist() == ["Shoplifting", "Common assault and battery"]
    assert table.loc["Shoplifting", "share_pct"] == pytest.approx(75.0)
    assert table.loc["Common assault and battery", ["current", "previous"]].tolist() == [1, 2]


def test_ward_table_has_every_ward_with_rates_per_1000(small, population) -> None:
    wards = measures.ward_table(small, population, PARAMS)
    assert len(wards) == 18
    assert wards.loc[SM, "current"] == 3
    assert wards.loc[SM, "rate_per_1000"] == pytest.approx(3 / 20_000 * 1000)
    assert wards.loc[FOLESHILL, "rate_per_1000"] == pytest.approx(0.05)
    assert wards.loc[HENLEY, ["current", "previous"]].tolist() == [0, 2]
    assert wards.loc[SM, "rank"] == 1
    assert wards["share_pct"].sum() == pytest.approx(100.0)
    assert wards.loc["E05001235", "current"] == 0  # a ward with no crime still appears


def test_rate_is_nan_when_population_is_zero() -> None:
    assert math.isnan(measures.rate_per_1000(5, 0))
    rates = measures.rate_per_1000(pd.Series([5, 5]), pd.Series([1000, 0]))
    assert rates.iloc[0] == pytest.approx(5.0) and math.isnan(rates.iloc[1])


def test_monthly_counts_include_months_with_nothing(small) -> None:
    monthly = measures.monthly_counts(small)
    assert len(monthly) == 39  # 2022-01 to 2025-03
    assert monthly.loc["2022-02-01", "recorded_crime"] == 0
    assert monthly["recorded_crime"].sum() == 8 and monthly["asb"].sum() == 3


def test_measures_do_not_change_their_input(small, population) -> None:
    before = small.copy()
    measures.headline_table(small, PARAMS)
    measures.ward_table(small, population, PARAMS)
    pd.testing.assert_frame_equal(small, before)
