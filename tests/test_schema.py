"""The declared schema accepts a good table and names the column and row of a bad one."""

from __future__ import annotations

import pandas as pd
import pytest

from csa_stats.sources.schema import IncidentDataError, validate_incidents

SM = "E05001228"


@pytest.fixture
def good(make_incidents) -> pd.DataFrame:
    return make_incidents(
        [("2024-01", "46", SM), ("2024-02", "105A", SM), ("2024-02", "ASB-N", SM)]
    )


def test_a_good_table_passes(good, area) -> None:
    assert validate_incidents(good, area, "good.csv") is good


def _error(frame, area) -> str:
    with pytest.raises(IncidentDataError) as raised:
        validate_incidents(frame, area, "bad.csv")
    message = str(raised.value)
    assert message.startswith("bad.csv: ") and "\n" not in message
    return message


def test_a_missing_column_is_named(good, area) -> None:
    assert "missing column(s): ward_code" in _error(good.drop(columns="ward_code"), area)


def test_an_extra_column_is_named(good, area) -> None:
    assert "unexpected column(s): colour" in _error(good.assign(colour="red"), area)


def test_an_unknown_ward_is_named_with_its_row(good, area) -> None:
    bad = good.copy()
    bad["ward_code"] = bad["ward_code"].cat.add_categories(["E05999999"])
    bad.loc[1, "ward_code"] = "E05999999"
    message = _error(bad, area)
    assert "column 'ward_code', row 3" in message and "E05999999" in message


def test_a_month_not_on_the_first_is_refused(good, area) -> None:
    bad = good.copy()
    bad.loc[0, "month"] = pd.Timestamp("2024-01-15")
    assert "column 'month', row 2" in _error(bad, area)


def test_a_date_outside_its_month_is_refused(good, area) -> None:
    bad = good.copy()
    bad.loc[2, "date"] = pd.Timestamp("2024-03-05")
    assert "column 'date', row 4: value '2024-03-05' is not in the row's month (2024-02)" in _error(
        bad, area
    )


def test_repeated_incident_ids_are_refused(good, area) -> None:
    bad = good.copy()
    bad.loc[2, "incident_id"] = bad.loc[0, "incident_id"]
    assert "column 'incident_id'" in _error(bad, area)


def test_an_unknown_age_band_is_refused(good, area) -> None:
    bad = good.copy()
    bad["victim_age_band"] = pd.Categorical(["12-14", None, None])
    assert "column 'victim_age_band', row 2" in _error(bad, area)


def test_an_empty_table_is_refused(good, area) -> None:
    assert "no rows" in _error(good.iloc[0:0], area)


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ("coerce_dtype('int64')", "is not a whole number"),
        ("coerce_dtype('float64')", "is not a number"),
        ("coerce_dtype('bool')", "is not true or false"),
        ("coerce_dtype('datetime64[ns]')", "cannot be read as the column's type"),
        ("dtype('int64')", "has the wrong type (expected 'int64')"),
    ],
)
def test_a_failed_type_check_is_said_in_words_without_the_library_s_names(
    check: str, words: str
) -> None:
    from csa_stats.sources.schema import plain_check

    assert plain_check(check, "value") == words
