"""The chapters' sentences, where they are made, against words written by hand.

Each series below is built by hand so that its figures can be worked out on paper: monthly counts
constant within each calendar year (so the months give no extra-Poisson variation), from April
2017 to March 2025. The expected sentences were written from those sums, not from the code's
output; swapping "above" for "below", "rise" for "fall" or "met" for "not met" fails them.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from csa_stats.analysis.progress import assess
from csa_stats.chapters import priority
from csa_stats.chapters import serious_violence as sv
from csa_stats.reference.definitions import load_serious_violence

END = pd.Period("2025-03", "M")


def by_year(per_month: dict[int, int]) -> pd.Series:
    """Counts each month from April 2017 to March 2025: ``per_month[year]`` in every month."""
    months = pd.date_range("2017-04", "2025-03", freq="MS")
    return pd.Series([per_month[m.year] for m in months], index=months)


@pytest.fixture(scope="module")
def definition():
    return dataclasses.replace(load_serious_violence(), simulations=1000)


@pytest.fixture(scope="module")
def rising(definition):
    # 2019: 65 a month (780), 2020: 60 (720), 2023: 90 (1,080), 2024: 100 (1,200), 2025: 110
    counts = by_year({2017: 50, 2018: 55, 2019: 65, 2020: 60, 2021: 70, 2022: 80, 2023: 90,
                      2024: 100, 2025: 110})  # fmt: skip
    measure = definition.measures["serious_violence"]
    return assess(counts, measure, END, 2020, "calendar", 2030, definition)


@pytest.fixture(scope="module")
def falling(definition):
    # 2019: 105 a month (1,260), 2020: 100 (1,200), 2023: 70, 2024: 60 (720), 2025: 55
    counts = by_year({2017: 120, 2018: 110, 2019: 105, 2020: 100, 2021: 90, 2022: 80, 2023: 70,
                      2024: 60, 2025: 55})  # fmt: skip
    measure = definition.measures["serious_violence"]
    return assess(counts, measure, END, 2020, "calendar", 2030, definition)


def test_the_latest_year_against_the_baseline_says_which_way_it_went(rising, falling) -> None:
    assert sv.progress_sentence(rising).startswith(
        "In 2024, the latest complete calendar year, 1,200 serious violence offences were "
        "recorded against 720 in 2020: a clear rise (rose by 66.7%, from 720 to 1,200). "
        # the latest 12 months: April to December 2024 at 100, January to March 2025 at 110
        "In the 12 months to March 2025, 1,230 were recorded."
    )
    assert sv.progress_sentence(falling).startswith(
        "In 2024, the latest complete calendar year, 720 serious violence offences were recorded "
        "against 1,200 in 2020: a clear fall (fell by 40.0%, from 1,200 to 720). "
        "In the 12 months to March 2025, 705 were recorded."
    )


def test_the_year_on_year_objective_is_met_only_when_the_latest_12_months_are_lower(
    rising, falling
) -> None:
    # rising: 1,230 against 9 x 90 + 3 x 100 = 1,110 the year before
    assert sv.year_on_year_sentence(rising).startswith(
        "Year-on-year objective (not met): the 12 months to March 2025 were not lower than the "
        "12 months before (rose by 10.8%, from 1,110 to 1,230;"
    )
    # falling: 705 against 9 x 70 + 3 x 60 = 810
    assert sv.year_on_year_sentence(falling).startswith(
        "Year-on-year objective (met): the 12 months to March 2025 were lower than the 12 months "
        "before (fell by 13.0%, from 810 to 705;"
    )


def test_the_path_needed_is_a_fall_from_above_the_baseline_and_a_ceiling_from_below(
    rising, falling
) -> None:
    # 69 months from March 2025 to December 2030: 5.75 years.
    # rising: (720 / 1,230) ** (1 / 5.75) - 1 = -8.9% a year
    assert sv.path_sentence(rising).startswith(
        "Path needed: to finish 2030 below 2020, serious violence must fall by more than 8.9% a "
        "year from the latest 12 months to December 2030;"
    )
    # falling: (1,200 / 705) ** (1 / 5.75) - 1 = +9.7% a year
    assert sv.path_sentence(falling).startswith(
        "Path needed: in the latest 12 months serious violence was already below the 2020 level; "
        "from there it can rise by no more than 9.7% a year to December 2030 and still finish "
        "below;"
    )


def test_the_verdict_names_the_status_and_the_baseline(rising, falling) -> None:
    assert sv.verdict(rising).startswith("Serious violence is **off track**: on the projection,")
    assert sv.verdict(rising).endswith(
        "that the 2030 total is below the 2020 baseline of 720 offences."
    )
    assert sv.verdict(falling).startswith("Serious violence is **on track**: on the projection,")
    assert sv.verdict(falling).endswith(
        "that the 2030 total is below the 2020 baseline of 1,200 offences."
    )


def test_the_baseline_is_compared_with_the_year_before_it() -> None:
    # 720 against 780: 7.7% below; 1,200 against 1,000: 20.0% above
    assert sv.baseline_against_year_before("2020", 720, "2019", 780) == (
        "In these data, 2020 was 7.7% below 2019."
    )
    assert sv.baseline_against_year_before("2020", 1200, "2019", 1000) == (
        "In these data, 2020 was 20.0% above 2019."
    )


def test_the_baseline_caveat_uses_the_data(rising, falling) -> None:
    assert "In these data, 2020 was 7.7% below 2019." in sv.baseline_caveat(rising)
    assert "In these data, 2020 was 4.8% below 2019." in sv.baseline_caveat(falling)  # 1,200/1,260
    assert sv.baseline_caveat(rising).startswith("Lockdowns in spring 2020 and early 2021")


def test_a_priority_trend_says_falling_rising_or_no_clear_change() -> None:
    assert priority.trend_finding("Hate crime", -4.26, clear=True) == (
        "Hate crime is falling by about 4.3% a year"
    )
    assert priority.trend_finding("Anti-social behaviour", 2.04, clear=True) == (
        "Anti-social behaviour is rising by about 2.0% a year"
    )
    assert priority.trend_finding("Robbery", -9.0, clear=False) == (
        "Robbery shows no clear underlying change"
    )


def test_the_projection_caveat_says_how_often_the_status_came_true(rising, falling) -> None:
    assert sv.projection_caveat(rising, record=(0.0, 0.2)) == (
        "the projection follows every month from April 2017 to March 2025; its level wanders and "
        "its trend can turn as much as the series' own months have, so its intervals widen with "
        "the years ahead. Five years out a chance is known only roughly: it is stated between 5% "
        "and 95%, to the nearest 5 points. How often such intervals, chances and statuses were "
        "right, in simulations and on Coventry's recorded crime, is on the "
        "[methodology](../methodology.md) page. In those simulations, areas called off track met "
        "the goal in 0% to 20% of cases, depending on how their series moved."
    )
    # by default, from the committed calibration run: the worlds with 20 or more areas on track
    import json

    from csa_stats import paths

    run = json.loads((paths.reference_dir() / "calibration.json").read_text())
    shares = [
        w["statuses"]["on track"]["goal_met"]
        for w in run["projection"].values()
        if w["statuses"]["on track"]["paths"] >= 20
    ]
    assert sv.projection_caveat(falling).endswith(
        f"In those simulations, areas called on track met the goal in {round(100 * min(shares))}% to "
        f"{round(100 * max(shares))}% of cases, depending on how their series moved."
    )


def test_the_plan_summary_counts_its_priorities_in_words_and_its_statuses() -> None:
    from csa_stats.chapters.plan_on_a_page import summary

    rows = {
        "one": pd.DataFrame(
            {"objective": ["A", "A", "B"], "status": ["improving", "worsening", "improving"]}
        ),
        "two": pd.DataFrame({"objective": ["C", "D"], "status": ["no clear change", "no measure"]}),
    }
    assert summary(rows) == (
        ":::{container} csa-verdict\nThe plan's two priorities have 4 objectives, followed "
        "through 4 measures: 2 improving, 1 no clear change, 1 worsening; 1 objective has no "
        "measure in the data.\n:::\n\nThe priorities and objectives are those of the Coventry "
        "Community Safety Partnership Plan 2025-2028, in its own words "
        "(`data/reference/plan.yml`).\n"
    )
    single = {"one": rows["one"]}
    assert "The plan's one priority has 2 objectives, followed through 3 measures: 2 improving, " \
        "1 worsening.\n" in summary(single)  # fmt: skip


def test_the_most_recorded_offences_are_counted_from_the_data(make_incidents, area, tmp_path):
    from csa_stats.chapters import key_findings
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.params import parse_parameters
    from csa_stats.sources.population import read_population

    # 2024/25: three offences recorded (shoplifting twice), so three, not ten, are shown
    ward = next(iter(area.wards))
    rows = [("2024-05", "46", ward)] * 2 + [("2024-06", "8N", ward), ("2024-07", "28", ward)]
    params = parse_parameters({"period_end": "2025-03"})
    ch = Chapter(in_memory(params, area, make_incidents(rows), read_population(area)), tmp_path)
    text = key_findings.offences_section(ch)
    assert (
        f":alt: Bar chart of the three most recorded offences in {area.name} in 2024/25. " in text
    )
    assert "The three most recorded offences, 2024/25 against 2023/24" in text
    assert " ten " not in text


def test_the_projection_charts_title_states_the_status_and_the_chance_in_words(falling) -> None:
    at_risk = dataclasses.replace(falling.baseline, probability=0.45, status="at risk")
    assert sv.chart_title(dataclasses.replace(falling, baseline=at_risk)) == (
        "Serious violence is at risk: it is a realistic possibility (about 45%) that 2030 is "
        "below 2020"
    )
    off = dataclasses.replace(falling.baseline, probability=0.15, status="off track")
    assert sv.chart_title(dataclasses.replace(falling, baseline=off)) == (
        "Serious violence is off track: it is highly unlikely (about 15%) that 2030 is below 2020"
    )


def test_the_status_rule_states_the_thresholds_it_was_given(falling) -> None:
    assert sv.rule_sentence(dataclasses.replace(falling, on_track=0.9, off_track=0.1)) == (
        "Status rule: **on track** when the chance of finishing the goal year below the baseline "
        "is at least 90%; **off track** when it is 10% or less; **at risk** in between."
    )


def test_how_the_projection_was_made_is_said_with_the_fits_figures(falling) -> None:
    import math

    # a drift of -3.0% a year with a standard error of 0.01 on the log scale: the 95% interval is
    # 0.97 * exp(-/+ 1.96 * 0.01) - 1 = -4.9% to -1.1%
    fit = dataclasses.replace(
        falling.fit, volatility=0.12, drift=math.log(0.97), drift_se=0.01, drift_probability=0.42
    )
    sentence = sv.model_sentence(dataclasses.replace(falling, fit=fit, simulations=1000, seed=7))
    assert sentence == (
        "The projection comes from a structural time-series model of the logarithm of the monthly "
        "counts from April 2017 to March 2025 (96 months, all of them): a level that wanders (by "
        "about 0.12 a year on the log scale), a trend that can turn, and the month of the year, "
        "averaged over every size of wander and turn the months support, beside a model with no "
        "trend (the months give a trend a 42% chance). With a trend, at the end of the data its "
        "underlying change is \u22123.0% a year (95% interval \u22124.9% to \u22121.1%). It "
        "simulates every month to December 2030 1,000 times (seed 7), so the intervals widen with "
        "the years ahead. The chance of meeting the goal is the share of simulations whose 2030 "
        "total is below the 2020 total, stated between 5% and 95%, to the nearest 5 points."
    )


def test_a_withheld_count_is_said_without_giving_it_away() -> None:
    current = pd.Series({"current": 0, "current_withheld": True, "previous_withheld": False})
    assert priority._withheld_sentence("Modern slavery", current, "offences", "2024/25") == (
        "Modern slavery: withheld in 2024/25 (a count from 1 to 4, which could identify a victim)."
    )
    earlier = pd.Series({"current": 12, "current_withheld": False, "previous_withheld": True})
    assert priority._withheld_sentence("Modern slavery", earlier, "offences", "2024/25") == (
        "Modern slavery: 12 offences in 2024/25; the comparison period's count, from 1 to 4, is "
        "withheld (it could identify a victim), and with it the change."
    )


def _profile(male: int, female: int, ages: dict[str, int]) -> pd.DataFrame:
    rows = [("Sex", "male", male), ("Sex", "female", female)]
    rows += [("Age band", band, n) for band, n in ages.items()]
    profile = pd.DataFrame(rows, columns=["group", "value", "victims"])
    totals = profile.groupby("group")["victims"].transform("sum")
    profile["share_pct"] = 100 * profile["victims"] / totals
    return profile


def test_the_victims_profile_in_words_from_published_cells_only() -> None:
    # 60 of 100 victims male; ages 10 + 30 + 40 + 20 = 100: 25-34 most common (40%), 40% under 25
    profile = _profile(60, 40, {"10-15": 10, "18-24": 30, "25-34": 40, "35-44": 20})
    shown = pd.Series(False, index=profile.index)
    assert priority._victim_sentence(profile, shown) == (
        "60.0% of victims were male; the most common age band was 25-34 (40.0%); 40.0% were "
        "under 25"
    )
    # a withheld age cell: no band is named (it would bound the withheld one)
    hidden = shown.copy()
    hidden[profile.index[profile["value"] == "10-15"]] = True
    assert priority._victim_sentence(profile, hidden) == (
        "60.0% of victims were male; the counts by age band are partly withheld (small counts)"
    )
    hidden[profile.index[profile["value"] == "male"]] = True
    assert priority._victim_sentence(profile, hidden).startswith(
        "the share of victims who were male is withheld (small counts); "
    )


def test_an_indicators_values_are_written_as_counts_when_whole() -> None:
    from csa_stats.chapters.plan_on_a_page import _value_text

    assert _value_text(6920.0, "people") == "6,920"
    assert _value_text(61.0, "% of residents") == "61.0"  # a percentage keeps its decimal
    assert _value_text(61.46, "rate per 1,000") == "61.5"


def test_the_front_pages_box_states_the_status_rule_in_brief(falling) -> None:
    assert sv.rule_in_brief(dataclasses.replace(falling, on_track=0.8, off_track=0.2)) == (
        "On track needs a chance of at least 80%, off track is 20% or less, and at risk is in "
        "between."
    )


def test_one_complete_year_is_said_in_the_singular(falling) -> None:
    # the annual table cut to 2024 alone: 720 against 2023's 840, lower
    one_year = falling.annual.dropna(subset=["lower_than_year_before"]).tail(1)
    sentence = sv.year_on_year_sentence(dataclasses.replace(falling, annual=one_year))
    assert sentence.endswith(
        " 2024, the one complete year with a year before it in the data, was lower than the year "
        "before."
    )
    assert "Of the 1 complete years" not in sentence


def test_the_plans_notes_on_indicators_and_peers_speak_to_readers(make_incidents, area, tmp_path):
    from csa_stats.chapters import plan_on_a_page
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.params import parse_parameters
    from csa_stats.sources.population import read_population

    rows = [("2024-05", "46", next(iter(area.wards)))]
    demo = parse_parameters({"period_end": "2025-03"})
    ch = Chapter(in_memory(demo, area, make_incidents(rows), read_population(area)), tmp_path)
    note = plan_on_a_page.indicators_note(ch)
    assert "are **demonstration values**" in note
    assert note.endswith(
        "A partnership's own figures replace them when it builds the publication with them "
        "(for analysts: `--indicators FILE`).\n:::\n"
    )
    assert plan_on_a_page.peers_section(ch) == (
        f"No comparison with the other areas of {area.name}'s police force in this edition: it "
        "needs police.uk's files for the whole force (for analysts: "
        "`--peers FOLDER --lookups ONS_LOOKUPS`).\n"
    )
    ours = tmp_path / "our-indicators.csv"
    ours.write_text("")  # the note names the file; its contents are the edition's to check
    own = parse_parameters({"period_end": "2025-03", "indicators_path": str(ours)})
    ch = Chapter(in_memory(own, area, make_incidents(rows), read_population(area)), tmp_path)
    assert plan_on_a_page.indicators_note(ch) == "Supplementary indicators: our-indicators.csv.\n"
