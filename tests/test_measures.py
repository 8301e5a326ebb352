"""Measures against values worked out by hand on small built tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csa_stats.analysis import measures
from csa_stats.params import parse_parameters
from csa_stats.reference.taxonomy import Area

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


def test_compare_counts_is_the_wald_test_of_the_log_ratio_worked_by_hand() -> None:
    # log(40/20) = 0.6931; with dispersion 1, se = sqrt(1/40 + 1/20) = 0.2739: z = 2.531,
    # two-sided normal p = 0.01138; with the assumed dispersion 3, se = 0.4743: z = 1.461, p = 0.144
    poisson = measures.compare_counts(40, 20, dispersion=1.0)
    assert poisson.difference == 20 and poisson.percent == pytest.approx(100.0)
    assert poisson.p_value == pytest.approx(0.01138, abs=5e-5)
    assert poisson.significant
    assert poisson.ratio_low == pytest.approx(math.exp(0.6931 - 1.96 * 0.2739), rel=1e-3)
    assert poisson.ratio_high == pytest.approx(math.exp(0.6931 + 1.96 * 0.2739), rel=1e-3)
    assumed = measures.compare_counts(40, 20)
    assert assumed.p_value == pytest.approx(0.144, abs=1e-3)
    assert not assumed.significant


def test_counts_below_twenty_are_never_clear() -> None:
    # 19 against 2: a ten-fold fall in rate, p far below 0.05 by the formula, but too few to judge
    change = measures.compare_counts(2, 19, dispersion=1.0)
    assert change.p_value < 0.01
    assert change.too_small and not change.significant
    assert change.verdict == "too few to judge"


def test_compare_series_estimates_the_dispersion_from_the_months() -> None:
    # Two 12-month periods: 100 +/- 20 alternating, then 80 +/- 20 alternating. Each month is 20
    # from its period's mean: chi-square = 12 * 400/100 + 12 * 400/80 = 48 + 60 = 108 over 22 df,
    # dispersion 4.909. log(960/1200) = -0.2231; se = sqrt(4.909 * (1/960 + 1/1200)) = 0.09591;
    # t = -2.327 on 22 df: two-sided p = 0.0296.
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    monthly = pd.Series([80, 120] * 6 + [60, 100] * 6, index=months)
    change = measures.compare_series(monthly, pd.Period("2024-12", "M"))
    assert (change.current, change.previous) == (960, 1200)
    assert change.dispersion == pytest.approx(108 / 22)
    assert change.p_value == pytest.approx(0.0296, abs=5e-4)
    assert change.significant and change.verdict == "clear fall"
    # the same totals, steady months: dispersion below 1 is taken as 1 (never surer than Poisson)
    steady = pd.Series([100] * 12 + [80] * 12, index=months)
    flat = measures.compare_series(steady, pd.Period("2024-12", "M"))
    assert flat.dispersion == 1.0
    assert flat.p_value < 1e-4  # t = 5.15 on 22 df


def test_compare_series_needs_every_month() -> None:
    months = pd.date_range("2023-02-01", periods=23, freq="MS")
    with pytest.raises(ValueError, match="every month must be present"):
        measures.compare_series(pd.Series(50, index=months), pd.Period("2024-12", "M"))


def test_a_large_change_is_more_than_chance() -> None:
    change = measures.compare_counts(1763, 1220)
    assert change.percent == pytest.approx(44.508, abs=1e-3)
    assert change.significant


def test_equal_counts_are_not_a_change() -> None:
    change = measures.compare_counts(50, 50)
    assert change.p_value == pytest.approx(1.0)
    assert not change.significant and change.verdict == "no clear change"


def test_percent_change_from_zero_is_not_available() -> None:
    assert math.isnan(measures.compare_counts(5, 0).percent)
    assert math.isnan(measures.compare_counts(0, 0).p_value)  # nothing to test
    assert not measures.compare_counts(0, 0).significant


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        measures.compare_counts(-1, 3)


def test_unequal_periods_are_compared_by_rate() -> None:
    # 30 in 6 months against 40 in 12 months, Poisson: rate ratio (30/6)/(40/12) = 1.5;
    # log 1.5 = 0.4055, se = sqrt(1/30 + 1/40) = 0.2415: z = 1.679, p = 0.0932
    change = measures.compare_counts(30, 40, exposure_ratio=0.5, dispersion=1.0)
    assert change.p_value == pytest.approx(0.0932, abs=5e-4)


def test_headline_counts_crime_and_asb_apart(small) -> None:
    table = measures.headline_table(small, PARAMS)
    assert table.loc["Total recorded crime", ["current", "previous"]].tolist() == [4, 3]
    assert table.loc["Anti-social behaviour", ["current", "previous"]].tolist() == [2, 1]
    # 4 against 3: too few for a percentage or a verdict
    assert math.isnan(table.loc["Total recorded crime", "change_pct"])
    assert table.loc["Total recorded crime", "verdict"] == "too few to judge"


def test_top_offences_have_shares_of_total_recorded_crime(small) -> None:
    table = measures.top_offences(small, PARAMS)
    assert table.index.tolist() == ["Shoplifting", "Common assault and battery"]
    assert table.loc["Shoplifting", "share_pct"] == pytest.approx(75.0)
    assert table.loc["Common assault and battery", ["current", "previous"]].tolist() == [1, 2]


def test_change_by_tests_each_value_on_its_own_months(make_incidents) -> None:
    """Each offence is tested on its own monthly series: built here by hand, month by month."""
    months = pd.period_range("2023-04", "2025-03", freq="M")
    shoplifting = [3] * 12 + [2, 5] * 6  # 36 then 42: months that vary
    assault = [2] * 12 + [1, 1, 1, 4] * 3  # 24 then 21
    rows = [
        (str(month), code, SM)
        for code, counts in (("46", shoplifting), ("105A", assault))
        for month, count in zip(months, counts, strict=True)
        for _ in range(count)
    ]
    table = measures.change_by(measures.crimes(make_incidents(rows)), PARAMS, "offence")
    for name, counts in (("Shoplifting", shoplifting), ("Common assault and battery", assault)):
        by_hand = pd.Series(counts, index=months.start_time)
        expected = measures.compare_windows(by_hand, PARAMS.period, PARAMS.comparison)
        row = table.loc[name]
        assert [row["current"], row["previous"]] == [sum(counts[12:]), sum(counts[:12])]
        assert row["p_value"] == pytest.approx(expected.p_value)
    # the two series' own dispersions differ: a test on one pooled series would give one p-value
    assert table.loc["Shoplifting", "p_value"] != table.loc["Common assault and battery", "p_value"]


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


def test_a_share_leaves_the_unknowns_out_of_its_whole(make_incidents, area) -> None:
    """Serious youth violence needs the victim's age; serious violence does not. Four homicides in
    the period: two victims aged 18-24, one older, one of unknown age. The share under 25 is 2 of
    the 3 whose age is known (66.7%), not 2 of 4, and the unknown one is counted apart."""
    ward = area.ward_codes[0]
    table = make_incidents([("2024-06", "1", ward)] * 4 + [("2023-06", "1", ward)] * 2)
    table["victim_age_band"] = pd.Series(
        ["18-24", "18-24", "25-34", None, "18-24", "25-34"], index=table.index, dtype=object
    )
    for flag in ("knife", "firearm"):  # recorded (as no), so the measures are available
        table[flag] = pd.array([False] * len(table), dtype="boolean")
    share = measures.share_table(
        table, PARAMS, [("serious_youth_violence", "serious_violence")], area
    ).iloc[0]
    assert share["current_pct"] == pytest.approx(200 / 3)
    assert share["unknown_current"] == 1 and share["unknown_previous"] == 0
    assert share["previous_pct"] == pytest.approx(50.0)
    assert share["change_points"] == pytest.approx(200 / 3 - 50.0)
