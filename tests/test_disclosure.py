"""Disclosure control and ward counts on hand-built tables."""

from __future__ import annotations

import pandas as pd

from csa_stats.analysis.disclosure import suppress_small_counts
from csa_stats.analysis.measures import ward_measure_counts
from csa_stats.params import parse_parameters

SM, HENLEY, FOLESHILL = "E05001228", "E05001223", "E05001222"


def test_counts_of_one_to_four_are_withheld_and_zero_and_five_are_kept() -> None:
    table = pd.DataFrame(
        {"sexual_offences": [0, 1, 2, 3, 4, 5, 40], "robbery": [1, 2, 3, 4, 0, 5, 6]}
    )
    safe = suppress_small_counts(table, ["sexual_offences"])
    assert safe["sexual_offences"].isna().tolist() == [False, True, True, True, True, False, False]
    assert safe["robbery"].tolist() == [1, 2, 3, 4, 0, 5, 6]  # not sensitive: untouched
    assert table["sexual_offences"].tolist() == [0, 1, 2, 3, 4, 5, 40]  # input unchanged


def test_ward_counts_cover_every_ward_and_only_the_period(make_incidents, area) -> None:
    rows = [("2024-05", "19", SM)] * 3 + [("2024-06", "19", HENLEY)] * 6 + [("2023-06", "19", SM)]
    counts = ward_measure_counts(
        make_incidents(rows),
        parse_parameters({"period_end": "2025-03"}).period,
        ["rape", "robbery"],
        area,
    )
    assert len(counts) == 18
    assert counts.loc[SM, "rape"] == 3 and counts.loc[HENLEY, "rape"] == 6
    assert counts["robbery"].sum() == 0
    safe = suppress_small_counts(counts, ["rape"])
    assert pd.isna(safe.loc[SM, "rape"]) and safe.loc[HENLEY, "rape"] == 6


def test_the_ward_chapter_withholds_rates_and_changes_that_would_reveal_a_small_count(
    make_incidents, area, tmp_path
) -> None:
    from csa_stats.chapters import wards
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.sources.population import read_population

    # Henley: 2 rapes in the period, 10 in the comparison; St Michael's: 6 and 6; Foleshill 9, 9.
    rows = [("2024-05", "19", HENLEY)] * 2 + [("2023-05", "19", HENLEY)] * 10
    rows += [("2024-06", "19", SM)] * 6 + [("2023-06", "19", SM)] * 6
    rows += [("2024-06", "19", FOLESHILL)] * 9 + [("2023-06", "19", FOLESHILL)] * 9
    incidents = make_incidents(rows)
    ch = Chapter(
        in_memory(
            parse_parameters({"period_end": "2025-03"}), area, incidents, read_population(area)
        ),
        tmp_path,
    )
    wards.counts_section(ch)
    wards.rates_section(ch)
    changes_block = wards.changes_section(ch)
    for name in ("ward-counts", "ward-rates-by-measure", "ward-changes"):
        csv = pd.read_csv(
            tmp_path / "downloads" / f"{name}.csv", dtype=str, keep_default_na=False
        ).set_index("ward")
        assert csv.loc["Henley", "sexual_offences"] == "[c]", name  # 2: primary
        # 6, the smallest other count: secondary, or the city's 17 less 6 and 9 would give 2
        assert csv.loc["St Michael's", "sexual_offences"] == "[c]", name
        assert csv.loc["Foleshill", "sexual_offences"] != "[c]", name
    assert "| Henley |" in changes_block and r"\[c\]" in changes_block  # escaped: shown as text
    counts_csv = pd.read_csv(tmp_path / "downloads" / "ward-counts.csv").set_index("ward")
    assert counts_csv.loc["Foleshill", "sexual_offences"] == "9"
    assert counts_csv.loc["Wyken", "sexual_offences"] == "0"  # zero is not withheld


def test_a_sensitive_headline_series_with_small_months_is_not_charted(
    make_incidents, area, tmp_path
) -> None:
    """Hate crime, priority three's headline, with 2 to 9 offences a month: the months of 1 to 4
    are not published, so neither is the chart nor its data; the trend is still stated."""
    from csa_stats.chapters import priority
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.sources.population import read_population

    months = [str(m) for m in pd.period_range("2021-04", "2025-03", freq="M")]
    rows = [(m, "105A", HENLEY) for k, m in enumerate(months) for _ in range(2 + k % 8)]
    incidents = make_incidents(rows)
    incidents["hate"] = pd.array([True] * len(incidents), dtype="boolean")
    ch = Chapter(
        in_memory(
            parse_parameters({"period_end": "2025-03"}), area, incidents, read_population(area)
        ),
        tmp_path,
    )
    text = priority.trend_section(ch, "exploitation")
    assert "The monthly counts are not shown: in some months they are from 1 to 4" in text
    assert "{figure}" not in text
    assert not (tmp_path / "downloads" / "exploitation-trend.csv").exists()
    assert "the underlying change in hate crime is" in text


def test_a_wards_change_is_not_given_as_a_percentage_of_a_handful(
    make_incidents, area, tmp_path
) -> None:
    from csa_stats.chapters import wards
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.sources.population import read_population

    # robberies (34B): Henley 18 then 10 (too few: no percentage); Foleshill 30 then 45 (+50.0%)
    rows = [("2023-05", "34B", HENLEY)] * 18 + [("2024-05", "34B", HENLEY)] * 10
    rows += [("2023-06", "34B", FOLESHILL)] * 30 + [("2024-06", "34B", FOLESHILL)] * 45
    params = parse_parameters({"period_end": "2025-03"})
    ch = Chapter(in_memory(params, area, make_incidents(rows), read_population(area)), tmp_path)
    block = wards.changes_section(ch)
    henley = next(line for line in block.splitlines() if line.startswith("| Henley |"))
    foleshill = next(line for line in block.splitlines() if line.startswith("| Foleshill |"))
    assert "44.4" not in henley and r"| \.. |" in henley  # 10 against 18: not -44.4%
    assert "+50.0%" in foleshill
    assert "not given, as fewer than 20 were recorded in one of the periods" in block
    csv = pd.read_csv(tmp_path / "downloads" / "ward-changes.csv").set_index("ward")
    # blank in the download (as the other downloads leave a figure not given), not the symbol
    assert pd.isna(csv.loc["Henley", "robbery"]) and csv.loc["Foleshill", "robbery"] == 50.0
