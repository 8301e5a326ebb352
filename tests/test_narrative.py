"""Sentences and number formats."""

from __future__ import annotations

from csa_stats.analysis.measures import compare_counts
from csa_stats.presentation.narrative import describe_change, direction_word
from csa_stats.presentation.tables import fmt_count, fmt_pct, fmt_rate, fmt_signed_count, fmt_yes_no


def test_a_fall_that_is_more_than_chance() -> None:
    sentence = describe_change("Total recorded crime", compare_counts(38_509, 42_867), "offences")
    assert sentence == (
        "Total recorded crime fell by 10.2%, from 42,867 to 38,509 offences; "
        "a change this large is unlikely to be chance."
    )


def test_a_small_change_is_called_possible_chance() -> None:
    sentence = describe_change("Burglary", compare_counts(230, 200), "offences")
    assert sentence == (
        "Burglary rose by 15.0%, from 200 to 230 offences; a change this size could be chance, "
        "so it is not treated as a real change."
    )
    assert direction_word(compare_counts(230, 200)) == "did not change clearly"


def test_small_counts_are_given_as_counts_never_a_percentage() -> None:
    assert describe_change("Homicide", compare_counts(6, 8), "offences") == (
        "Homicide: 8, then 6 offences; too few to judge a change (fewer than 20 in a period)."
    )
    assert direction_word(compare_counts(6, 8)) == "did not change clearly"


def test_no_change_and_change_from_zero() -> None:
    assert (
        describe_change("Arson", compare_counts(50, 50), "offences")
        == "Arson was unchanged at 50 offences."
    )
    assert describe_change("Arson", compare_counts(5, 0), "offences") == (
        "Arson: 0, then 5 offences; too few to judge a change (fewer than 20 in a period)."
    )


def test_the_yardstick_words_each_stated_chance() -> None:
    from csa_stats.presentation.narrative import yardstick

    expected = {
        0.05: "a remote chance",
        0.10: "highly unlikely",
        0.20: "highly unlikely",
        0.25: "unlikely",
        0.35: "unlikely",
        0.40: "a realistic possibility",
        0.50: "a realistic possibility",
        0.55: "likely",
        0.75: "likely",
        0.80: "highly likely",
        0.90: "highly likely",
        0.95: "almost certain",
    }
    for chance, words in expected.items():
        assert yardstick(chance) == words, chance


def test_formats() -> None:
    assert fmt_count(38509) == "38,509"
    assert fmt_count(float("nan")) == ".."
    assert fmt_pct(-10.14, signed=True) == "\u221210.1%"
    assert fmt_pct(22.6, signed=True) == "+22.6%"
    assert fmt_rate(314.56) == "314.6"
    # a change that rounds to nothing is written as none, never "-0.0%"
    assert fmt_pct(-0.04, signed=True) == fmt_pct(0.04, signed=True) == "0.0%"
    assert fmt_pct(-0.04) == "0.0%" and fmt_pct(-0.05, signed=True) == "\u22120.1%"


def test_the_reconciliation_writes_differences_as_the_pages_do() -> None:
    from csa_stats.analysis.reconcile import _signed

    assert _signed(-7.04, ".1f") == "\u22127.0" and _signed(2696.0, ",.0f") == "+2,696"
    assert _signed(-0.04, ".1f") == "0.0" and _signed(-0.4, ",.0f") == "0"


def test_signed_counts_use_a_true_minus() -> None:
    assert fmt_signed_count(1107) == "+1,107"
    assert fmt_signed_count(-4358) == "\u22124,358"
    assert fmt_signed_count(0) == "0"


def test_a_missing_verdict_is_not_a_yes() -> None:
    assert fmt_yes_no(float("nan")) == ".."
    assert fmt_yes_no(True) == "Yes" and fmt_yes_no(False) == "No"


def test_the_verdict_in_brief_counts_and_names_the_clear_changes() -> None:
    from csa_stats.presentation.narrative import in_brief

    changes = [
        ("Alcohol-related crime", compare_counts(2375, 2703)),  # -12.1%, clear
        ("Anti-social behaviour", compare_counts(5600, 6007)),  # -6.8%, clear
        ("Shoplifting", compare_counts(3600, 1763)),  # +104.2%, clear
        ("Personal ASB", compare_counts(806, 882)),  # -8.6%, could be chance
    ]
    assert in_brief(changes, unavailable=2) == (
        "Of 6 measures, 2 fell clearly (largest: Alcohol-related crime, \u221212.1%), "
        "1 rose clearly (Shoplifting, +104.2%) and 1 did not change clearly; "
        "2 are not available from this source."
    )
    assert in_brief(changes[3:], unavailable=0) == "Of 1 measure, 1 did not change clearly."
    assert in_brief([], unavailable=7) == "None of the 7 measures is available from this source."


def test_labels_read_inside_a_sentence_keep_their_abbreviations() -> None:
    from csa_stats.presentation.narrative import mid_sentence

    assert mid_sentence("Personal ASB") == "personal ASB"
    assert mid_sentence("ASB in the city centre") == "ASB in the city centre"
    assert mid_sentence("VAWG") == "VAWG"
    assert mid_sentence("Violence with injury") == "violence with injury"


def test_the_dispersion_caveat_states_the_headline_series_variation() -> None:
    from csa_stats.presentation.narrative import dispersion_caveat, many_tests_caveat

    over = dispersion_caveat("Anti-social behaviour", 2.61)
    assert "anti-social behaviour varied about 2.6 times as much over the latest 24 months" in over
    assert "Each test allows for its own measure's variation" in over
    # a series that varied less than chance would: never "0.8 times as much" as chance
    assert dispersion_caveat("Anti-social behaviour", 0.8) == (
        "Crime counts often vary more from month to month than chance alone would make them; "
        "anti-social behaviour varied no more than chance would over the latest 24 months. Each "
        "test allows for its own measure's variation, and never takes it as less than chance's."
    )
    unknown = dispersion_caveat("Hate crime", None)
    assert "Hate crime" not in unknown and "measured from its months" in unknown
    # 14 measures at a real false-alarm rate of 5.5%: 0.77 expected false clear changes
    many = many_tests_caveat(14, 0.055)
    assert "about 6% of them would look clear by chance" in many
    assert "so about 0.8 of the 14 on average" in many


def test_why_two_like_changes_get_different_verdicts_each_branch() -> None:
    """Worked by hand: 12 months a period, dispersion 3 for each. Recorded crime 2,600 -> 2,400
    (-7.7%, a mean month of 5,000 / 24 = 208.3: swing sqrt(3 / 208.3) = 12%)."""
    from csa_stats.analysis.measures import Change
    from csa_stats.presentation.narrative import why_verdicts_differ

    crime = ("recorded crime", Change(2400, 2600, 0.01, dispersion=3.0))
    # ASB 500 -> 400 (-20.0%, a mean month of 37.5: swing sqrt(3 / 37.5) = 28%)
    more = ("ASB", Change(400, 500, 0.06, dispersion=3.0))
    assert why_verdicts_differ(crime, more, 12) == (
        "ASB fell by more than recorded crime (20.0% against 7.7%), but its monthly counts swing "
        "more around their level (about 28% a month, against 12% for recorded crime), so its fall "
        "could still be chance."
    )
    # rises, the unclear one first: crime 2,400 -> 2,600 (+8.3%), ASB 460 -> 500 (+8.7%)
    rise_crime = ("recorded crime", Change(2600, 2400, 0.01, dispersion=3.0))
    rise_asb = ("ASB", Change(500, 460, 0.3, dispersion=3.0))
    assert why_verdicts_differ(rise_asb, rise_crime, 12) == (
        "ASB and recorded crime rose by about the same share (8.7% and 8.3%), but ASB's monthly "
        "counts swing more around their level (about 27% a month, against 12% for recorded "
        "crime), so its rise could still be chance."
    )
    # nothing to explain: opposite directions, both clear, both unclear, counts too small, or
    # the unclear change clearly the smaller (500 -> 490, -2.0%)
    assert why_verdicts_differ(crime, rise_asb, 12) == ""
    assert why_verdicts_differ(crime, ("ASB", Change(400, 500, 0.001, dispersion=3.0)), 12) == ""
    unclear_crime = ("recorded crime", Change(2400, 2600, 0.2, dispersion=3.0))
    assert why_verdicts_differ(unclear_crime, more, 12) == ""
    assert why_verdicts_differ(crime, ("ASB", Change(12, 19, 0.3)), 12) == ""
    assert why_verdicts_differ(crime, ("ASB", Change(490, 500, 0.7, dispersion=3.0)), 12) == ""


def test_a_count_is_in_words_to_nine_and_in_figures_from_ten() -> None:
    from csa_stats.presentation.narrative import counted

    assert counted(1, "priority", "priorities") == "one priority"
    assert counted(3, "priority", "priorities") == "three priorities"
    assert counted(9, "offence") == "nine offences"
    assert counted(10, "offence") == "10 offences"
    assert counted(1200, "offence") == "1,200 offences"
    assert counted(0, "offence") == "0 offences"


def test_a_funnel_plots_title_names_the_areas_beyond_its_limits() -> None:
    from csa_stats.presentation.narrative import funnel_finding

    where = {"Birmingham": "above", "Solihull": "below", "Dudley": "within", "Walsall": "below"}
    assert funnel_finding(where, "Recorded crime per 1,000 residents") == (
        "Recorded crime per 1,000 residents: Birmingham is above the force-wide rate by more "
        "than chance; Solihull and Walsall are below the force-wide rate by more than chance"
    )
    assert funnel_finding({"Dudley": "within"}, "ASB") == (
        "ASB: every area's rate is within the range chance allows"
    )


def test_each_verdict_has_its_words() -> None:
    from csa_stats.presentation.narrative import verdict_words

    assert verdict_words(compare_counts(38_509, 42_867)) == "a clear fall"
    assert verdict_words(compare_counts(3_600, 1_763)) == "a clear rise"
    assert verdict_words(compare_counts(230, 200)) == "no clear change"
    assert verdict_words(compare_counts(6, 8)) == "too few to judge a change"


def test_a_clear_change_beside_an_unclear_trend_is_explained() -> None:
    from csa_stats.presentation.narrative import trend_beside_change

    fall = compare_counts(761, 993)  # -23.4%, clear
    assert trend_beside_change("Serious violence", fall, -12.3, False, "2024/25", "2023/24") == (
        "The fall in serious violence from 2023/24 to 2024/25 is clear, but the trend is not: the "
        "trend is the rate of change at the end of the data, and a level that wanders makes it "
        "less sure than a change between two periods. One clear year is not yet a clear trend."
    )
    unclear = compare_counts(230, 200)  # +15.0%, could be chance
    assert trend_beside_change("ASB", unclear, 6.0, True, "2024/25", "2023/24") == (
        "The trend is clear though 2024/25 against 2023/24 alone is not: the trend draws on every "
        "month, not only two periods'."
    )
    rise = compare_counts(3_600, 1_763)  # clear rise against a falling trend
    assert trend_beside_change("Shoplifting", rise, -3.0, True, "2024/25", "2023/24") == (
        "2024/25 against 2023/24 is a clear rise, while the underlying trend is falling: the "
        "latest period moved against the longer run."
    )
    # verdicts that agree, and counts too small for a change, need no words
    assert trend_beside_change("Robbery", fall, -12.3, True, "2024/25", "2023/24") == ""
    assert trend_beside_change("Robbery", unclear, 6.0, False, "2024/25", "2023/24") == ""
    assert (
        trend_beside_change("Homicide", compare_counts(6, 8), -5.0, True, "2024/25", "2023/24")
        == ""
    )
