"""Parameters: each wrong value gives one line naming the parameter."""

from __future__ import annotations

import pandas as pd
import pytest

from csa_stats.params import ParameterError, check_against_data, parse_parameters

FIRST, LAST = pd.Period("2017-04", "M"), pd.Period("2025-03", "M")


def test_defaults_give_a_12_month_period_and_the_12_months_before() -> None:
    params = parse_parameters({"period_end": "2024-03"})
    assert (str(params.period.start), str(params.period.end)) == ("2023-04", "2024-03")
    assert (str(params.comparison.start), str(params.comparison.end)) == ("2022-04", "2023-03")
    assert params.period.label == "2023/24"
    assert params.comparison.label == "2022/23"
    assert params.baseline_year == 2020 and params.goal_year == 2030


def test_financial_year_preset_sets_the_period_end() -> None:
    params = parse_parameters({"preset": "2023/24"})
    assert params.period_end == "2024-03"
    assert params.period_months == 12


def test_calendar_and_financial_baselines() -> None:
    calendar = parse_parameters({"period_end": "2024-03"}).baseline
    financial = parse_parameters({"period_end": "2024-03", "baseline_kind": "financial"}).baseline
    assert (str(calendar.start), str(calendar.end)) == ("2020-01", "2020-12")
    assert (str(financial.start), str(financial.end)) == ("2020-04", "2021-03")


def test_a_short_period_is_compared_with_the_same_length_before() -> None:
    params = parse_parameters({"period_end": "2024-03", "period_months": 3})
    assert (str(params.comparison.start), str(params.comparison.end)) == ("2023-10", "2023-12")
    assert params.period.label == "3 months to March 2024"


def test_an_explicit_comparison_end_gives_a_year_on_year_comparison() -> None:
    params = parse_parameters(
        {"period_end": "2024-03", "period_months": 3, "comparison_end": "2023-03"}
    )
    assert (str(params.comparison.start), str(params.comparison.end)) == ("2023-01", "2023-03")


@pytest.mark.parametrize(
    ("values", "parameter"),
    [
        ({"period_end": "2024-13"}, "period_end"),
        ({"period_end": "March 2024"}, "period_end"),
        ({"period_end": "2024-03", "period_months": 0}, "period_months"),
        ({"period_end": "2024-03", "period_months": 61}, "period_months"),
        ({"period_end": "2024-03", "comparison_end": "2023/03"}, "comparison_end"),
        ({"period_end": "2024-03", "baseline_kind": "fiscal"}, "baseline_kind"),
        ({"period_end": "2024-03", "goal_year": 2019}, "goal_year"),
        ({"period_end": "2024-03", "source": "ftp"}, "source"),
        ({"period_end": "2024-03", "source": "extract"}, "data_path"),
        ({"period_end": "2024-03", "colour": "red"}, "colour"),
        ({"preset": "1999/00"}, "preset"),
        ({"preset": "2023/24", "period_end": "2023-03"}, "preset"),
    ],
)
def test_a_wrong_value_names_its_parameter_in_one_line(values: dict, parameter: str) -> None:
    with pytest.raises(ParameterError) as raised:
        parse_parameters(values)
    message = str(raised.value)
    assert message.startswith(f"parameter {parameter}:")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("values", "parameter", "words"),
    [
        ({"period_end": "2025-04"}, "period_end", "after the data's last month"),
        ({"period_end": "2018-01"}, "period_end", "before the data"),
        ({"period_end": "2019-01"}, "comparison_end", "before the data"),
        ({"period_end": "2024-03", "comparison_end": "2023-06"}, "comparison_end", "overlaps"),
        ({"period_end": "2024-03", "baseline_year": 2016}, "baseline_year", "outside the data"),
        (
            {"period_end": "2024-03", "baseline_year": 2025, "baseline_kind": "financial"},
            "baseline_year",
            "outside",
        ),
        ({"period_end": "2024-03", "goal_year": 2023}, "goal_year", "before the period"),
    ],
)
def test_parameters_outside_the_data_are_refused(values: dict, parameter: str, words: str) -> None:
    with pytest.raises(ParameterError) as raised:
        check_against_data(parse_parameters(values), FIRST, LAST)
    assert str(raised.value).startswith(f"parameter {parameter}:")
    assert words in str(raised.value)


def test_the_first_and_last_possible_periods_are_accepted() -> None:
    check_against_data(parse_parameters({"period_end": "2025-03"}), FIRST, LAST)
    check_against_data(parse_parameters({"period_end": "2019-03"}), FIRST, LAST)


def test_only_the_default_demo_build_is_the_tested_reference(tmp_path) -> None:
    """Its executed notebooks are the ones kept in book/chapters; another period or source must
    not overwrite them."""
    from csa_stats.edition import is_reference as is_reference_build

    extract = tmp_path / "extract.csv"
    extract.write_text("incident_id\n")

    assert is_reference_build(parse_parameters({"period_end": "2025-03"}))  # the demo's last month
    assert not is_reference_build(parse_parameters({"period_end": "2024-03"}))
    assert not is_reference_build(parse_parameters({"period_end": "2025-03", "goal_year": 2031}))
    assert not is_reference_build(
        parse_parameters({"period_end": "2025-03", "source": "extract", "data_path": str(extract)})
    )


@pytest.mark.parametrize(
    ("kind", "first", "last", "hint"),
    [
        ("calendar", "2023-04", "2025-03", "a calendar baseline year they cover: 2024$"),
        ("financial", "2023-04", "2025-03", "a financial baseline year they cover: 2023 to 2024$"),
        ("calendar", "2024-10", "2025-03", "they hold no whole calendar year$"),
    ],
)
def test_a_baseline_outside_the_data_says_which_years_would_do(kind, first, last, hint) -> None:
    params = parse_parameters({"period_end": "2025-03", "period_months": 3, "baseline_kind": kind})
    with pytest.raises(ParameterError, match=hint):
        check_against_data(params, pd.Period(first, "M"), pd.Period(last, "M"))
