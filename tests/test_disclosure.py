"""Disclosure control and ward counts on hand-built tables."""

from __future__ import annotations

import pandas as pd

from csa_stats.disclosure import suppress_small_counts
from csa_stats.measures import ward_measure_counts
from csa_stats.params import parse_parameters

SM, HENLEY = "E05001228", "E05001223"


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
        make_incidents(rows), parse_parameters({"period_end": "2025-03"}), ["rape", "robbery"], area
    )
    assert len(counts) == 18
    assert counts.loc[SM, "rape"] == 3 and counts.loc[HENLEY, "rape"] == 6
    assert counts["robbery"].sum() == 0
    safe = suppress_small_counts(counts, ["rape"])
    assert pd.isna(safe.loc[SM, "rape"]) and safe.loc[HENLEY, "rape"] == 6
