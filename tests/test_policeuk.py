"""police.uk street-level files: hand-built files with the real ones' quirks and known answers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csa_stats.sources import policeuk_sample as sample
from csa_stats.sources.policeuk import POLICE_UK_COLUMNS, PoliceUkError, ingest, load_lookups
from csa_stats.sources.schema import validate_incidents
from tests.conftest import SHARED

HENLEY, SM, WESTWOOD, WOODLANDS = "E05001223", "E05001228", "E05001232", "E05001234"
COVENTRY, BIRMINGHAM = "E08000026", "E08000025"
# Hand-built lookups in the ONS files' columns (made-up LSOA codes, real ward codes):
# A and B are Coventry LSOAs (2021 codes); OLD is a 2011 LSOA split into B (Westwood) and C
# (Woodlands); NEIGHBOUR is in Birmingham.
A, B, C, OLD, NEIGHBOUR = "E01900001", "E01900002", "E01900003", "E01800009", "E01700001"


@pytest.fixture
def lookups(tmp_path: Path) -> Path:
    folder = tmp_path / "lookups"
    folder.mkdir()
    (folder / "lsoa21_ward_lad.csv").write_text(
        "\ufeffLSOA21CD,LSOA21NM,WD22CD,WD22NM,LAD22CD,LAD22NM\n"
        f"{A},Coventry 001A,{HENLEY},Henley,{COVENTRY},Coventry\n"
        f"{B},Coventry 002A,{WESTWOOD},Westwood,{COVENTRY},Coventry\n"
        f"{C},Coventry 002B,{WOODLANDS},Woodlands,{COVENTRY},Coventry\n"
        f"{NEIGHBOUR},Birmingham 001A,E05011118,Acocks Green,{BIRMINGHAM},Birmingham\n"
    )
    (folder / "lsoa11_lsoa21.csv").write_text(f"LSOA11CD,LSOA21CD\n{OLD},{C}\n{OLD},{B}\n{A},{A}\n")
    return folder


def row(crime_id: str, month: str, lsoa: str, crime_type: str) -> dict[str, str]:
    return {
        "Crime ID": crime_id,
        "Month": month,
        "Reported by": "West Midlands Police",
        "Falls within": "West Midlands Police",
        "Longitude": "-1.5" if lsoa else "",
        "Latitude": "52.4" if lsoa else "",
        "Location": "On or near High Street" if lsoa else "No Location",
        "LSOA code": lsoa,
        "LSOA name": "x" if lsoa else "",
        "Crime type": crime_type,
        "Last outcome category": ""
        if crime_type == "Anti-social behaviour"
        else "Under investigation",
        "Context": "",
    }


def police_uk_csv(rows: list[dict[str, str]], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(POLICE_UK_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Three months with a gap (2024-02 missing): quirks as in real files."""
    folder = tmp_path / "police"
    months = {
        # 2011 code in the older month, with a byte-order mark
        "2024-01": [
            row("c1", "2024-01", OLD, "Burglary"),
            row("", "2024-01", A, "Anti-social behaviour"),
            row("", "2024-01", A, "Anti-social behaviour"),
            row("c2", "2024-01", NEIGHBOUR, "Robbery"),
            row("c3", "2024-01", "", "Shoplifting"),  # no location
        ],
        "2024-03": [
            row("c4", "2024-03", B, "Violence and sexual offences"),
            row("c4", "2024-03", B, "Violence and sexual offences"),  # the same record twice
            row("c5", "2024-03", C, "Robbery"),
            row("c6", "2024-03", A, "Fraud"),  # not a police.uk street-level type
        ],
        "2024-04": [row("c7", "2024-04", A, "Drugs")],
    }
    for month, rows in months.items():
        (folder / month).mkdir(parents=True)
        path = folder / month / f"{month}-west-midlands-street.csv"
        path.write_bytes(police_uk_csv(rows, bom=month == "2024-01"))
    return folder


def test_the_records_in_the_area_are_kept_and_the_rest_reported(archive, lookups, area) -> None:
    result = ingest(archive, area, lookups)
    table, report = result.incidents, result.report
    assert report.files == 3 and report.rows_read == 10
    assert report.missing_months == ["2024-02"]
    assert report.no_location == 1 and report.outside_area == 1
    assert report.duplicate_rows == 1
    assert report.unknown_crime_types == {"Fraud": 1}
    assert report.rows_kept == len(table) == 6
    assert (report.crimes, report.asb) == (4, 2)
    validate_incidents(table, area, "police.uk")  # the tidy table's schema holds
    wards = dict(zip(table["incident_id"], table["ward_code"].astype(str), strict=True))
    # the 2011 LSOA split in 2021 goes to its lowest-coded successor's ward (B: Westwood)
    assert wards["c1"] == WESTWOOD
    assert wards["c4"] == WESTWOOD and wards["c5"] == WOODLANDS and wards["c7"] == HENLEY
    assert report.lsoa_2011_rows == 1
    # ASB stays apart from crime, with ids made from its file and place
    asb = table[~table["is_crime"]]
    assert len(asb) == 2 and asb["incident_id"].is_unique
    assert set(asb["offence_code"].astype(str)) == {"PUK-ASB"}
    assert table["domestic_abuse"].isna().all() and table["victim_age_band"].isna().all()


def test_a_zip_in_the_archive_layout_gives_the_same_table(archive, lookups, area, tmp_path) -> None:
    packed = tmp_path / "archive.zip"
    with zipfile.ZipFile(packed, "w") as out:
        for file in sorted(archive.rglob("*.csv")):
            out.write(file, file.relative_to(archive).as_posix())
    from_folder = ingest(archive, area, lookups).incidents
    from_zip = ingest(packed, area, lookups).incidents
    pd.testing.assert_frame_equal(from_folder, from_zip)


def test_an_unchanged_input_comes_from_the_cache_and_a_changed_one_does_not(
    archive, lookups, area, tmp_path
) -> None:
    cache = tmp_path / "cache"
    first = ingest(archive, area, lookups, cache)
    second = ingest(archive, area, lookups, cache)
    assert not first.from_cache and second.from_cache
    pd.testing.assert_frame_equal(first.incidents, second.incidents)
    assert second.report == first.report
    month = archive / "2024-04" / "2024-04-west-midlands-street.csv"
    month.write_bytes(
        police_uk_csv([row("c8", "2024-04", A, "Drugs"), row("c9", "2024-04", A, "Drugs")])
    )
    third = ingest(archive, area, lookups, cache)
    assert not third.from_cache and third.report.rows_kept == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"Month,Crime type\n2024-05,Drugs\n",
            "not a police.uk street-level file: missing 'Crime ID', 'Reported by', 'Falls within'",
        ),
        (  # one column renamed: named, however long the header
            b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
            b"LSOA name,Crime kind,Last outcome category,Context\n",
            "not a police.uk street-level file: missing 'Crime type'; unexpected 'Crime kind'",
        ),
        (
            b"Month,Crime ID,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
            b"LSOA name,Crime type,Last outcome category,Context\n",
            "not a police.uk street-level file: the columns are in another order",
        ),
        (bytes(range(256)) * 8, "not a police.uk street-level file"),
        (b"", "not a police.uk street-level file"),
    ],
)
def test_a_file_that_is_not_a_street_file_is_named_and_nothing_is_cached(
    archive, lookups, area, tmp_path, content: bytes, message: str
) -> None:
    bad = archive / "2024-05" / "2024-05-west-midlands-street.csv"
    bad.parent.mkdir()
    bad.write_bytes(content)
    cache = tmp_path / "cache"
    with pytest.raises(PoliceUkError, match=rf"{bad}: {message}"):
        ingest(archive, area, lookups, cache)
    assert not cache.exists() or not any(cache.iterdir())


def test_a_truncated_zip_is_named(archive, tmp_path, lookups, area) -> None:
    packed = tmp_path / "archive.zip"
    with zipfile.ZipFile(packed, "w") as out:
        for file in sorted(archive.rglob("*.csv")):
            out.write(file, file.relative_to(archive).as_posix())
    data = packed.read_bytes()
    packed.write_bytes(data[: len(data) // 2])
    with pytest.raises(PoliceUkError, match=rf"{packed}: not a readable zip archive"):
        ingest(packed, area, lookups, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_month_given_twice_is_named(archive, lookups, area) -> None:
    extra = archive / "copy"
    extra.mkdir()
    source = archive / "2024-03" / "2024-03-west-midlands-street.csv"
    (extra / source.name).write_bytes(source.read_bytes())
    with pytest.raises(PoliceUkError, match=r"month 2024-03 of west-midlands appears twice"):
        ingest(archive, area, lookups)


def test_no_street_files_is_an_error(tmp_path, lookups, area) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PoliceUkError, match="no police.uk street-level files"):
        ingest(tmp_path / "empty", area, lookups)


def test_the_real_ons_lookups_give_every_coventry_lsoa_a_ward(area) -> None:
    folder = SHARED / "data" / "real" / "ons-lookups"
    if not folder.is_dir():
        pytest.skip("the shared ONS lookups are not beside the checkout")
    table = load_lookups(folder, area)
    current = table[table["vintage"] == "2021"]
    assert len(current) == 203 and set(current["ward_code"]) == set(area.ward_codes)
    # the 2011 LSOA split across two wards goes to one, by the stated rule
    assert table.loc["E01009703", "ward_code"] in {WESTWOOD, WOODLANDS}
    assert table.loc["E01009703", "vintage"] == "2011"


def test_a_quoted_value_with_a_comma_and_quotes_is_one_field(archive, lookups, area) -> None:
    quoted = row("c8", "2024-05", A, "Burglary")
    quoted["Location"] = 'On or near "The Precinct", Broadgate'  # written quoted, quotes doubled
    (archive / "2024-05").mkdir()
    (archive / "2024-05" / "2024-05-west-midlands-street.csv").write_bytes(police_uk_csv([quoted]))
    result = ingest(archive, area, lookups)
    assert result.report.rows_read == 11 and result.report.rows_kept == 7
    record = result.incidents.set_index("incident_id").loc["c8"]
    assert record["ward_code"] == HENLEY and record["crime_type"] == "Burglary"


def test_generated_files_are_written_as_police_uk_writes_them() -> None:
    geography = sample.Geography([A, B], [OLD], [NEIGHBOUR], area_share=0.5)
    frame = sample.month_frame("2024-01", 400, geography, np.random.default_rng(3))
    text = sample.csv_bytes(frame).decode()
    assert '"' not in text  # police.uk quotes nothing that does not need it
    lines = text.splitlines()
    # about the size of real rows: West Midlands' 2.3 million rows take about 480 MB (~210 bytes)
    assert 180 < len(text) / (len(lines) - 1) < 260
    frame.loc[0, "Location"] = 'On or near "The Precinct", Broadgate'
    parsed = list(csv.reader(io.StringIO(sample.csv_bytes(frame).decode())))
    assert len(parsed) == 401 and {len(r) for r in parsed} == {12}
    assert parsed[1][6] == 'On or near "The Precinct", Broadgate'


def test_a_blank_or_unlisted_crime_type_is_reported_not_lost(tmp_path, lookups, area) -> None:
    folder = tmp_path / "types"
    folder.mkdir()
    rows = [
        row("t1", "2024-01", A, "Burglary"),
        row("t2", "2024-01", A, ""),  # blank: police.uk never does this, but a file might
        row("t3", "2024-01", A, "NA"),  # a name, not a missing value
        row("t4", "2024-01", A, "NA"),
    ]
    (folder / "2024-01-west-midlands-street.csv").write_bytes(police_uk_csv(rows))
    report = ingest(folder, area, lookups).report
    assert report.unknown_crime_types == {"(blank)": 1, "NA": 2}
    assert report.rows_read == 4 and report.rows_kept == 1


@pytest.mark.parametrize("column", ["Crime type", "LSOA code"])
def test_text_that_is_not_utf8_names_the_file_and_column(tmp_path, lookups, area, column) -> None:
    folder = tmp_path / "latin1"
    folder.mkdir()
    good = row("u1", "2024-01", A, "Burglary")
    bad = row("u2", "2024-01", A, "Burglary") | {column: "Caf\u00e9"}
    text = police_uk_csv([good, bad]).replace("Caf\u00e9".encode(), "Caf\u00e9".encode("latin-1"))
    path = folder / "2024-01-west-midlands-street.csv"
    path.write_bytes(text)
    with pytest.raises(PoliceUkError, match=rf"{path}: a value of '{column}' is not valid UTF-8"):
        ingest(folder, area, lookups)


def test_an_edit_inside_a_file_with_its_time_set_back_is_not_taken_from_the_cache(
    tmp_path, lookups, area
) -> None:
    """Same size, same modification time, only the middle changed: still a different input."""
    import os

    folder = tmp_path / "edited"
    folder.mkdir()
    rows = [row(f"{i:064x}", "2024-01", A, "Burglary") for i in range(2_000)]  # ~400 KB
    path = folder / "2024-01-west-midlands-street.csv"
    path.write_bytes(police_uk_csv(rows))
    cache = tmp_path / "cache"
    assert not ingest(folder, area, lookups, cache).from_cache
    stat = path.stat()
    data = path.read_bytes()
    middle = data.index(f"{1_000:064x}".encode())
    path.write_bytes(data[:middle] + f"{9_999_999:064x}".encode() + data[middle + 64 :])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `touch -r` would
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    again = ingest(folder, area, lookups, cache)
    assert not again.from_cache
    assert f"{9_999_999:064x}" in set(again.incidents["incident_id"])


@pytest.mark.parametrize(
    "damage",
    ["truncate", "garble", "alter", "report"],
)
def test_a_damaged_cache_entry_is_rebuilt_never_served(
    archive, lookups, area, tmp_path, damage: str
) -> None:
    """A truncated, garbled or altered cached table, or a garbled report, is read again from the
    files: the same table as the first read, not what the cache was made to hold."""
    cache = tmp_path / "cache"
    first = ingest(archive, area, lookups, cache)
    (table,) = cache.glob("*.parquet")
    data = table.read_bytes()
    if damage == "truncate":
        table.write_bytes(data[: len(data) // 2])
    elif damage == "garble":
        table.write_bytes(data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:])
    elif damage == "alter":  # a valid parquet file with one record fewer
        first.incidents.iloc[1:].to_parquet(table, index=False)
    else:
        table.with_suffix(".json").write_text('{"report": ')
    again = ingest(archive, area, lookups, cache)
    assert not again.from_cache
    pd.testing.assert_frame_equal(again.incidents, first.incidents)
    assert ingest(archive, area, lookups, cache).from_cache  # rebuilt, and good again


def test_a_zip_with_a_damaged_member_is_refused_by_name(archive, lookups, area, tmp_path) -> None:
    """Every member is read and its CRC-32 checked, even one the build does not use."""
    packed = tmp_path / "archive.zip"
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_STORED) as out:
        for file in sorted(archive.rglob("*.csv")):
            out.write(file, file.relative_to(archive).as_posix())
        out.writestr("2024-04/2024-04-west-midlands-outcomes.csv", "Crime ID,Month\n" * 50)
    data = bytearray(packed.read_bytes())
    at = data.find(b"Crime ID,Month\nCrime ID")  # inside the outcomes member's stored bytes
    data[at + 20] ^= 0x01
    packed.write_bytes(bytes(data))
    with pytest.raises(PoliceUkError, match=r"archive.zip:2024-04/2024-04-west-midlands-outcomes"):
        ingest(packed, area, lookups, tmp_path / "cache")


def test_a_crime_id_repeated_across_months_is_named_with_its_months(archive, lookups, area) -> None:
    month = archive / "2024-04" / "2024-04-west-midlands-street.csv"
    month.write_bytes(police_uk_csv([row("c5", "2024-04", A, "Drugs")]))  # c5 is March's too
    with pytest.raises(
        PoliceUkError,
        match=r"Crime ID 'c5' appears in more than one month's file \(2024-03, 2024-04\)",
    ):
        ingest(archive, area, lookups)
