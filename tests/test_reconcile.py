"""Reconciliation with published figures, on hand-built monthly totals with hand-worked answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csa_stats.analysis.reconcile import monthly_totals, reconcile
from csa_stats.reference.geography import resolve_area
from csa_stats.reference.taxonomy import Area

SM, FOLESHILL, HENLEY = "E05001228", "E05001222", "E05001223"


def _months(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def two_years() -> pd.DataFrame:
    """2023/24, each month: St Michael's 100 crimes and 20 ASB, Foleshill 40 and 5, Henley 60 and
    10 (2,400 crimes and 420 ASB in the year). 2024/25, each month: 120 and 25, 30 and 5, 50 and
    10 (2,400 crimes and 480 ASB)."""
    per_month = {
        "2023/24": {SM: (100, 20), FOLESHILL: (40, 5), HENLEY: (60, 10)},
        "2024/25": {SM: (120, 25), FOLESHILL: (30, 5), HENLEY: (50, 10)},
    }
    rows = []
    for year, months in (
        ("2023/24", _months("2023-04", "2024-03")),
        ("2024/25", _months("2024-04", "2025-03")),
    ):
        for month in months:
            for ward, (crimes, asb) in per_month[year].items():
                rows.append({"month": month, "ward_code": ward, "crimes": crimes, "asb": asb})
    return pd.DataFrame(rows)


def test_2024_25_sets_the_published_change_and_ward_shares_beside_the_editions(area: Area) -> None:
    result = reconcile(two_years(), area, "2025-03")
    assert result.message is None
    table = result.table.set_index("figure_id")
    assert list(table.index) == [
        "trc_change_2024_25",
        "ward_share_st_michaels_2024_25",
        "ward_share_foleshill_2024_25",
        "ward_share_henley_2024_25",
    ]
    # crimes 2,400 in both years: no change, against the published -7%: 7 points more
    assert table.loc["trc_change_2024_25", ["published", "edition"]].tolist() == [-7.0, 0.0]
    assert table.loc["trc_change_2024_25", "difference"] == pytest.approx(7.0)
    # shares of 2,400 crimes: 1,440 (60%), 360 (15%), 600 (25%); published 23.3, 8.0, 7.9
    shares = table.loc[table.index.str.startswith("ward_share"), ["edition", "difference"]]
    assert shares["edition"].tolist() == pytest.approx([60.0, 15.0, 25.0])
    assert shares["difference"].tolist() == pytest.approx([36.7, 7.0, 17.1])
    assert table["difference_pct"].isna().all()  # points, not per cent, for shares and changes
    assert (table["unit"] == "percent").all()
    assert table.loc["ward_share_henley_2024_25", "geography"] == HENLEY
    assert "ward shares are of its local TRC" in table.loc["ward_share_henley_2024_25", "reasons"]
    # as the data page writes them: published, this edition, difference (points for percentages)
    assert result.figures() == [
        ("\u22127.0%", "0.0%", "+7.0 points"),
        ("23.3%", "60.0%", "+36.7 points"),
        ("8.0%", "15.0%", "+7.0 points"),
        ("7.9%", "25.0%", "+17.1 points"),
    ]


def test_2023_24_counts_and_says_when_the_edition_lacks_the_months_a_change_needs(
    area: Area,
) -> None:
    result = reconcile(two_years(), area, "2024-03")
    table = result.table.set_index("figure_id")
    assert list(table.index) == ["trc_2023_24", "asb_change_2023_24"]
    # 36,109 / 38,509 = 93.77%; the ASB change is not in the edition, so nothing beside it
    assert result.figures() == [
        ("38,509", "2,400", "\u221236,109, \u221293.8%"),
        ("22.6%", None, None),
    ]
    label, period = table.loc["asb_change_2023_24", ["label", "period"]]
    assert result.lines()[1] == (
        f"{label}, {period}: published 22.6%; not in this edition "
        "(the edition does not cover 2022-04 to 2023-03)"
    )
    trc = table.loc["trc_2023_24"]
    assert (trc["published"], trc["edition"], trc["difference"]) == (38_509, 2_400, -36_109)
    assert trc["difference_pct"] == pytest.approx(-36_109 / 38_509 * 100)
    assert trc["basis"] == "West Midlands Police local total recorded crime"
    for reason in ("include anti-social behaviour", "such as fraud", "revised after"):
        assert reason in trc["reasons"]
    asb = table.loc["asb_change_2023_24"]
    assert asb["published"] == 22.6 and math.isnan(asb["edition"])
    assert asb["note"] == "the edition does not cover 2022-04 to 2023-03"


def test_police_uk_counts_of_a_month_are_set_beside_the_months(area: Area) -> None:
    # 2019/20: St Michael's alone, 2,000 crimes and 500 ASB a month, but 400 ASB in August 2019
    monthly = pd.DataFrame(
        [
            {"month": m, "ward_code": SM, "crimes": 2000, "asb": 400 if m == "2019-08" else 500}
            for m in _months("2019-04", "2020-03")
        ]
    )
    table = reconcile(monthly, area, "2020-03").table.set_index("figure_id")
    assert list(table.index) == [
        "trc_2019_20",
        "trc_change_2019_20",
        "policeuk_total_2019_05",
        "policeuk_asb_2019_08",
    ]
    assert table.loc["trc_2019_20", ["published", "edition", "difference"]].tolist() == [
        28_592,
        24_000,
        -4_592,
    ]
    may = table.loc["policeuk_total_2019_05"]  # crimes and ASB: 2,500 against 2,831
    assert (may["edition"], may["difference"]) == (2_500, -331)
    assert may["difference_pct"] == pytest.approx(-331 / 2_831 * 100)
    august = table.loc["policeuk_asb_2019_08"]
    assert (august["edition"], august["difference"]) == (400, -20)
    assert (
        table.loc["trc_change_2019_20", "note"] == "the edition does not cover 2018-04 to 2019-03"
    )
    lines = reconcile(monthly, area, "2020-03").lines()
    assert lines[0] == (
        "Total recorded crime, 2019/20: published 28,592, this edition 24,000 "
        "(\u22124,592, \u221216.1%)"
    )
    assert lines[1].startswith(
        "Change in total recorded crime, 2019/20 vs 2018/19: published 0.8%;"
    )


def test_ons_figures_for_twelve_months_to_june_are_used_within_the_period(area: Area) -> None:
    monthly = pd.DataFrame(
        [
            {"month": m, "ward_code": HENLEY, "crimes": 3000, "asb": 9}
            for m in _months("2020-07", "2021-06")
        ]
    )
    table = reconcile(monthly, area, "2021-06").table.set_index("figure_id")
    assert list(table.index) == ["trc_ons_12m_2021_06"]
    assert table.loc["trc_ons_12m_2021_06", ["published", "edition"]].tolist() == [34_097, 36_000]
    assert "exclude fraud" in table.loc["trc_ons_12m_2021_06", "reasons"]


def test_nothing_to_reconcile_is_said_plainly(area: Area) -> None:
    birmingham = resolve_area("Birmingham")
    result = reconcile(two_years(), birmingham, "2025-03")
    assert result.table.empty
    assert result.message == (
        "Nothing to reconcile for Birmingham: the project holds no published figures for it "
        "(data/reference/published_figures.csv)."
    )
    later = reconcile(two_years(), area, "2026-03")
    assert later.table.empty and later.lines() == [later.message]
    assert later.message == (
        "Nothing to reconcile for Coventry in 2025/26: none of the published figures the project "
        "holds for it falls within 2025-04 to 2026-03 (they are for periods ending 2019-05 to "
        "2025-03)."
    )


def test_monthly_totals_count_crimes_and_asb_by_month_and_ward(make_incidents) -> None:
    incidents = make_incidents(
        [("2024-04", "46", SM), ("2024-04", "46", SM), ("2024-04", "ASB-N", SM)]
        + [("2024-05", "ASB-P", HENLEY), ("2024-05", "19", FOLESHILL)]
    )
    totals = monthly_totals(incidents)
    assert totals.to_dict("records") == [
        {"month": "2024-04", "ward_code": SM, "crimes": 2, "asb": 1},
        {"month": "2024-05", "ward_code": FOLESHILL, "crimes": 1, "asb": 0},
        {"month": "2024-05", "ward_code": HENLEY, "crimes": 0, "asb": 1},
    ]
