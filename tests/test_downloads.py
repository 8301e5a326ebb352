"""The downloads write numbers as calculated, as a person would: whole counts without ".0",
no floating-point noise, nothing rounded for display, withheld cells and gaps as given."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csa_stats.presentation.downloads import csv_number, csv_text


def test_a_number_is_written_whole_or_to_twelve_significant_figures() -> None:
    assert csv_number(8384.0) == "8384"
    assert csv_number(2_268_000.0) == "2268000"
    assert csv_number(63.2 - 58.0) == "5.2"  # 5.200000000000003 in floating point
    assert csv_number(-23.36354481369587) == "-23.3635448137"  # not rounded as on the page (-23.4)
    assert csv_number(0.1 + 0.2) == "0.3"
    assert csv_number(1.5e-12) == "1.5e-12"  # a small p-value keeps its figures
    assert csv_number(float("inf")) == "inf"


def test_a_table_of_counts_rates_and_withheld_cells_is_written_as_worked_by_hand() -> None:
    table = pd.DataFrame(
        {
            "latest": [761.0, 63.2],
            "previous": [993.0, np.nan],
            "change_points": [np.nan, 63.2 - 58.0],
            "offences": [30.0, "[c]"],  # a count, and a withheld cell: a column of objects
            "wards": pd.array([18, pd.NA], dtype="Int64"),
        },
        index=pd.Index(["Serious violence", "Feel unsafe after dark"], name="measure"),
    )
    assert csv_text(table, na_rep="") == (
        "measure,latest,previous,change_points,offences,wards\n"
        "Serious violence,761,993,,30,18\n"
        "Feel unsafe after dark,63.2,,5.2,[c],\n"
    )


def test_a_tables_unnamed_index_is_headed_in_its_csv_as_on_the_page(tmp_path) -> None:
    from csa_stats.presentation.tables import fmt_count, publish_table

    table = pd.DataFrame({"victims": [102.0, 563.0]}, index=["Sex: female", "Sex: male"])
    publish_table(
        table,
        name="victims",
        caption="Victims by sex",
        columns={"victims": ("Victims", fmt_count)},
        out_dir=tmp_path,
        index_label="Sex or age band",
    )
    assert (tmp_path / "downloads" / "victims.csv").read_text() == (
        "Sex or age band,victims\nSex: female,102\nSex: male,563\n"
    )
