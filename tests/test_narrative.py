"""Sentences and number formats."""

from __future__ import annotations

from csa_stats.measures import compare_counts
from csa_stats.narrative import describe_change, direction_word
from csa_stats.tables import fmt_count, fmt_pct, fmt_rate, fmt_signed_count, fmt_yes_no


def test_a_fall_that_is_more_than_chance() -> None:
    sentence = describe_change("Total recorded crime", compare_counts(38_509, 42_867), "offences")
    assert sentence == (
        "Total recorded crime fell by 10.2%, from 42,867 to 38,509 offences; "
        "a change this large is unlikely to be chance."
    )


def test_a_small_change_is_called_possible_chance() -> None:
    sentence = describe_change("Homicide", compare_counts(8, 7), "offences")
    assert sentence.startswith(
        "Homicide rose by 14.3%, from 7 to 8 offences; a change this size could be chance"
    )
    assert direction_word(compare_counts(8, 7)) == "did not change clearly"


def test_no_change_and_change_from_zero() -> None:
    assert (
        describe_change("Arson", compare_counts(5, 5), "offences")
        == "Arson was unchanged at 5 offences."
    )
    assert "against none" in describe_change("Arson", compare_counts(5, 0), "offences")


def test_formats() -> None:
    assert fmt_count(38509) == "38,509"
    assert fmt_count(float("nan")) == ".."
    assert fmt_pct(-10.14, signed=True) == "\u221210.1%"
    assert fmt_pct(22.6, signed=True) == "+22.6%"
    assert fmt_rate(314.56) == "314.6"


def test_signed_counts_use_a_true_minus() -> None:
    assert fmt_signed_count(1107) == "+1,107"
    assert fmt_signed_count(-4358) == "\u22124,358"
    assert fmt_signed_count(0) == "0"


def test_a_missing_verdict_is_not_a_yes() -> None:
    assert fmt_yes_no(float("nan")) == ".."
    assert fmt_yes_no(True) == "Yes" and fmt_yes_no(False) == "No"


def test_the_verdict_in_brief_counts_and_names_the_clear_changes() -> None:
    from csa_stats.narrative import in_brief

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
    from csa_stats.narrative import mid_sentence

    assert mid_sentence("Personal ASB") == "personal ASB"
    assert mid_sentence("ASB in the city centre") == "ASB in the city centre"
    assert mid_sentence("VAWG") == "VAWG"
    assert mid_sentence("Violence with injury") == "violence with injury"


def test_the_dispersion_caveat_says_whether_the_test_suits_the_counts() -> None:
    from csa_stats.narrative import dispersion_caveat

    over = dispersion_caveat("Anti-social behaviour", 2.61, limit=1.5)
    assert "anti-social behaviour varies about 2.6 times as much" in over
    assert "may not be real" in over
    suits = dispersion_caveat("Hate crime", 1.2, limit=1.5)
    assert "varies about as much as that (dispersion 1.2), so the test suits it" in suits
    unknown = dispersion_caveat("Hate crime", None, limit=1.5)
    assert "Hate crime" not in unknown and "often vary more" in unknown
