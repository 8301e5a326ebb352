"""The plan on a page: the status rule, the stale rule, the indicator table's schema, and the plan
configuration, on hand-built tables with known answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from csa_stats import paths
from csa_stats.analysis.indicators import latest_changes, status_of_change
from csa_stats.analysis.plan import plan_rows
from csa_stats.params import parse_parameters
from csa_stats.reference.indicators import IndicatorError
from csa_stats.reference.plan import PlanError, load_plan
from csa_stats.sources.indicators import read_indicator_table

HEADER = (
    "indicator,geography,period_type,period_end,value,unit,numerator,denominator,source,published"
)


def table(*rows: str) -> pd.DataFrame:
    lines = [HEADER, *rows]
    frame = pd.DataFrame([line.split(",") for line in lines[1:]], columns=HEADER.split(","))
    frame = frame.replace("", None)
    for column in ("value", "numerator", "denominator"):
        frame[column] = pd.to_numeric(frame[column])
    return frame


def count_row(key: str, end: str, value: int) -> str:
    return f"{key},Coventry,financial_year,{end},{value},n,,,test,2025-01-01"


@pytest.mark.parametrize(
    ("key", "before", "after", "status"),
    [
        # fly-tipping: the plan wants fewer
        ("fly_tipping", 200, 120, "improving"),  # 120 against 200: far more than chance
        ("fly_tipping", 100, 102, "no clear change"),
        ("fly_tipping", 100, 180, "worsening"),
        # referrals to support: the plan wants more
        ("domestic_abuse_referrals", 200, 120, "worsening"),
        ("domestic_abuse_referrals", 100, 102, "no clear change"),
        ("domestic_abuse_referrals", 100, 180, "improving"),
    ],
)
def test_the_status_follows_the_test_and_the_direction_wanted(key, before, after, status) -> None:
    changes = latest_changes(
        table(count_row(key, "2023-03", before), count_row(key, "2024-03", after)),
        "Coventry",
        "2024-03",
    )
    assert changes[key].status == status


def test_the_status_rule_itself() -> None:
    assert status_of_change(-10, 0.049, "down") == "improving"
    assert status_of_change(-10, 0.05, "down") == "no clear change"  # not below 5%
    assert status_of_change(10, 0.01, "down") == "worsening"
    assert status_of_change(0, 0.0, "up") == "no clear change"


def test_an_indicator_older_than_its_limit_is_stale() -> None:
    rows = table(count_row("fly_tipping", "2022-03", 90), count_row("fly_tipping", "2023-03", 80))
    # fly-tipping's limit is 18 months: 24 months old at March 2025, 18 at September 2024
    assert latest_changes(rows, "Coventry", "2025-03")["fly_tipping"].stale
    at_limit = latest_changes(rows, "Coventry", "2024-09")["fly_tipping"]
    assert at_limit.lag_months == 18 and not at_limit.stale


def test_rates_are_tested_on_their_numerators_and_shares_need_their_counts() -> None:
    rate = table(
        "first_time_entrants,Coventry,financial_year,2023-03,120.8,r,40,33100,t,2024-01-01",
        "first_time_entrants,Coventry,financial_year,2024-03,60.4,r,20,33100,t,2025-01-01",
    )
    # 20 against 40 with the same population, tested as a typical police series varies
    # (dispersion 3, no months): log(1/2) = -0.6931, se = sqrt(3 * (1/20 + 1/40)) = 0.4743,
    # z = -1.461: two-sided p = 0.144, no clear change
    change = latest_changes(rate, "Coventry", "2024-03")["first_time_entrants"]
    assert change.p_value == pytest.approx(0.144, abs=1e-3)
    assert change.status == "no clear change"
    no_counts = table(
        "feel_safe_day,Coventry,calendar_year,2023-12,62.5,%,,,t,2024-01-01",
        "feel_safe_day,Coventry,calendar_year,2024-12,50.0,%,,,t,2025-01-01",
    )
    assert latest_changes(no_counts, "Coventry", "2025-03")["feel_safe_day"].status == "not tested"
    with_counts = table(
        "feel_safe_day,Coventry,calendar_year,2023-12,62.5,%,625,1000,t,2024-01-01",
        "feel_safe_day,Coventry,calendar_year,2024-12,50.0,%,500,1000,t,2025-01-01",
    )
    # 50% of 1,000 against 62.5% of 1,000: a fall the plan does not want
    assert latest_changes(with_counts, "Coventry", "2025-03")["feel_safe_day"].status == "worsening"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            count_row("fly_tipping", "2024-03", -5),
            r"column 'value', row 3: value -5\.0 is below 0",
        ),
        (
            count_row("no_such_indicator", "2024-03", 5),
            r"column 'indicator', row 3: value 'no_such_indicator'",
        ),
        (count_row("fly_tipping", "2024-13", 5), r"column 'period_end', row 3: value '2024-13'"),
        (
            "fly_tipping,Coventry,weekly,2024-03,5,n,,,t,2025-01-01",
            r"column 'period_type', row 3: value 'weekly'",
        ),
        (count_row("fly_tipping", "2023-03", 5), r"row 3: value 'fly_tipping' repeats a row"),
    ],
)
def test_a_bad_indicator_row_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text("\n".join([HEADER, count_row("fly_tipping", "2023-03", 80), line]) + "\n")
    with pytest.raises(IndicatorError, match=message):
        read_indicator_table(path)


def test_the_demonstration_indicators_are_valid_and_keep_the_published_anchors() -> None:
    rows = read_indicator_table()
    fte = rows[rows["indicator"] == "first_time_entrants"].set_index("period_end")["value"]
    # published: 224, 230 and 112 per 100,000 in 2019/20, 2020/21 and 2021/22
    assert fte.loc[["2020-03", "2021-03", "2022-03"]].tolist() == [224, 230, 112]
    unsafe = rows[(rows["indicator"] == "unsafe_after_dark") & (rows["period_end"] == "2024-12")]
    assert unsafe["value"].tolist() == [63.2]  # 63.2% disagreed that they felt safe at night


def test_every_objective_of_the_plan_appears_with_a_status(demo_rows) -> None:
    plan = load_plan()
    for key, priority in plan.items():
        shown = set(demo_rows[key]["objective"])
        assert shown == {o["objective"] for o in priority["objectives"]}
        assert demo_rows[key]["status"].notna().all()
    objectives = sum(len(p["objectives"]) for p in plan.values())
    assert objectives == 11  # 4 + 3 + 4 in the plan on a page


@pytest.fixture(scope="module")
def demo_rows(area) -> dict[str, pd.DataFrame]:
    from csa_stats.sources.demo import read_demo

    incidents = read_demo()
    changes = latest_changes(read_indicator_table(), "Coventry", "2025-03")
    params = parse_parameters({"period_end": "2025-03"})
    return {key: plan_rows(incidents, params, area, changes, key) for key in load_plan()}


def test_an_unknown_measure_in_the_plan_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load((paths.reference_dir() / "plan.yml").read_text())
    raw["priorities"]["offending"]["objectives"][0]["measures"].append({"police": "no_such"})
    path = tmp_path / "plan.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlanError, match=r"unknown police measure 'no_such'"):
        load_plan(path)


def test_a_plan_without_its_name_is_named(tmp_path: Path) -> None:
    from csa_stats.reference.plan import plan_name

    raw = yaml.safe_load((paths.reference_dir() / "plan.yml").read_text())
    del raw["name"]
    path = tmp_path / "plan.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlanError, match=r"plan\.yml: needs the plan's name"):
        plan_name(path)
