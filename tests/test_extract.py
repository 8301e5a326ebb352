"""A partnership extract in the tidy table's columns, read from CSV, and its errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csa_stats.sources.extract import read_extract
from csa_stats.sources.schema import IncidentDataError, validate_incidents

SM = "E05001228"


@pytest.fixture
def extract_csv(make_incidents, tmp_path: Path) -> Path:
    frame = make_incidents([("2024-01", "46", SM), ("2024-02", "8N", SM), ("2024-02", "ASB-N", SM)])
    frame["month"] = frame["month"].dt.strftime("%Y-%m")
    frame["domestic_abuse"] = ["", "true", ""]
    frame["date"] = ["2024-01-05", "", ""]
    path = tmp_path / "extract.csv"
    frame.to_csv(path, index=False)
    return path


def test_an_extract_reads_into_the_tidy_table(extract_csv: Path, area) -> None:
    table = validate_incidents(read_extract(extract_csv), area, str(extract_csv))
    assert len(table) == 3
    assert table["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-02"]
    assert table["domestic_abuse"].tolist()[1] is True
    assert pd.isna(table["domestic_abuse"].iloc[0])  # blank means not recorded, not False
    assert table["is_crime"].tolist() == [True, True, False]


def test_a_bad_flag_names_the_file_column_and_row(extract_csv: Path) -> None:
    text = extract_csv.read_text().splitlines()
    header = text[0].split(",")
    cells = text[2].split(",")
    cells[header.index("knife")] = "maybe"
    text[2] = ",".join(cells)
    extract_csv.write_text("\n".join(text) + "\n")
    with pytest.raises(
        IncidentDataError, match=r"extract.csv: column 'knife', row 3: value 'maybe'"
    ):
        read_extract(extract_csv)


def test_an_impossible_month_names_its_row(extract_csv: Path) -> None:
    text = extract_csv.read_text().replace("2024-02,", "2024-13,", 1)
    extract_csv.write_text(text)
    with pytest.raises(IncidentDataError, match=r"column 'month', row 3"):
        read_extract(extract_csv)


def test_a_missing_file_and_missing_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(IncidentDataError, match="no such file"):
        read_extract(tmp_path / "absent.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Crime ID,Month\nabc,2024-01\n")
    with pytest.raises(IncidentDataError, match="wrong.csv: missing column"):
        read_extract(wrong)


def test_the_extract_template_is_a_valid_extract(area) -> None:
    from csa_stats import paths
    from csa_stats.sources.schema import validate_incidents

    template = paths.project_root() / "data" / "extracts" / "template.csv"
    assert len(validate_incidents(read_extract(template), area, str(template))) == 2
