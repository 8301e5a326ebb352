"""The police.uk ingest's LSOA lookups from the committed reference geography (gzip CSV) and from
several folders at once (the committed tables and a fetched national LSOA 2011 -> 2021 lookup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csa_stats import paths
from csa_stats.reference.geography import resolve_area
from csa_stats.sources.policeuk import PoliceUkError, csv_header, load_lookups, lookup_files

WESTWOOD, WOODLANDS = "E05001232", "E05001234"


def test_the_committed_tables_are_a_lookups_folder() -> None:
    folder = paths.geography_dir()
    assert [p.name for p in lookup_files(folder)] == [
        "lsoa11_lsoa21_coventry.csv",
        "lsoa21_ward22_lad22.csv.gz",
    ]
    assert csv_header(folder / "lsoa21_ward22_lad22.csv.gz")[:2] == ["LSOA21CD", "WD22CD"]
    table = load_lookups(folder, resolve_area("coventry"))
    # 203 LSOAs of 2021, and the 8 of Coventry's 195 LSOAs of 2011 that changed (split) in 2021
    assert (table["vintage"] == "2021").sum() == 203
    assert (table["vintage"] == "2011").sum() == 8
    assert table.loc["E01009703"].tolist() == [WESTWOOD, "2011"]  # split: its best fit, 025F
    assert table.loc["E01034739"].tolist() == [WOODLANDS, "2021"]  # 025E, the other half


def test_lookups_from_several_folders_are_read_together(tmp_path: Path) -> None:
    birmingham = resolve_area("Birmingham")
    fetched = tmp_path / "lookups"
    fetched.mkdir()
    # a Birmingham 2011 code (changed in 2021), given E01033620 (in Ladywood) as its successor
    (fetched / "lsoa11_lsoa21_lad22_bestfit.csv").write_text(
        "LSOA11CD,LSOA21CD,LAD22CD\nE01008900,E01033620,E08000025\n"
    )
    alone = load_lookups(paths.geography_dir(), birmingham)
    both = load_lookups([paths.geography_dir(), fetched], birmingham)
    assert "E01008900" not in alone.index
    assert both.loc["E01008900"].tolist() == [alone.loc["E01033620", "ward_code"], "2011"]
    assert len(both) == len(alone) + 1 == 659 + 1


def test_a_missing_folder_among_several_is_named(tmp_path: Path) -> None:
    with pytest.raises(PoliceUkError, match="nowhere: no such folder of ONS lookups"):
        lookup_files([paths.geography_dir(), tmp_path / "nowhere"])
