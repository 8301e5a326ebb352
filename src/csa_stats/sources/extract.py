"""A partnership's record-level extract in the tidy table's own columns (CSV or parquet)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from csa_stats.sources.schema import (
    COLUMNS,
    FLAG_COLUMNS,
    IncidentDataError,
    read_input_table,
    to_storage_types,
)

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _to_boolean(values: pd.Series, column: str, origin: Path) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    known = text.isna() | text.eq("") | text.isin(_TRUE | _FALSE)
    if not known.all():
        row = int(known.idxmin())
        raise IncidentDataError(
            f"{origin}: column '{column}', row {row + 2}: value {values.iloc[row]!r} is not true or false"
        )
    return text.map(lambda v: True if v in _TRUE else False if v in _FALSE else pd.NA).astype(
        "boolean"
    )


def _to_datetime(values: pd.Series, column: str, origin: Path, fmt: str | None) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", format=fmt)
    bad = parsed.isna() & values.notna() & values.astype("string").str.strip().ne("")
    if bad.any():
        row = int(bad.idxmax())
        raise IncidentDataError(
            f"{origin}: column '{column}', row {row + 2}: value {values.iloc[row]!r} is not a date"
        )
    return parsed.astype("datetime64[ns]")


#: The months an extract may hold: from this one to the current month (a later one is a typing
#: error, such as 2099-01, or a date read as a month).
FIRST_PLAUSIBLE_MONTH = "2000-01"
_MONTH_FORM = r"[0-9]{4}-[0-9]{2}(-01)?"  # ASCII digits: "\d" would take "２０２４" too
_DATE_FORM = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HOUR_FORM = r"[0-9]{1,2}"


def _row_error(path: Path, column: str, row: int, value: object, problem: str) -> IncidentDataError:
    """One line naming the file, column and row as a spreadsheet numbers them (header: row 1)."""
    shown = "" if value is None or pd.isna(value) else f"value {value!r} "
    return IncidentDataError(f"{path}: column '{column}', row {row + 2}: {shown}{problem}")


def _first(mask: pd.Series) -> int:
    return int(np.argmax(mask.to_numpy()))


def _check_text_columns(frame: pd.DataFrame, path: Path) -> None:
    """Checks only the file's own text can make: unknown columns, a repeated header, months not in
    their form or out of range, blank months and ``is_crime``."""
    extra = [str(c) for c in frame.columns if c not in COLUMNS]
    if extra:
        # An unknown column may hold personal data: refused by name, never dropped in silence.
        raise IncidentDataError(
            f"{path}: unexpected column(s): {', '.join(extra)} (an extract holds the tidy "
            "table's columns only: data/extracts/template.csv)"
        )
    header = pd.Series(True, index=frame.index)
    for column in COLUMNS:
        header &= frame[column].astype("string").str.strip().eq(column).fillna(False)
    if header.any():
        row = _first(header)
        raise IncidentDataError(f"{path}: row {row + 2} repeats the header row")
    for column in COLUMNS:  # "M1 " is not "M1", nor " False" false: never trimmed in silence
        text = frame[column].astype("string")
        padded = text.notna() & text.ne(text.str.strip())
        if padded.any():
            row = _first(padded)
            raise _row_error(
                path, column, row, text.iloc[row], "starts or ends with a space or a tab"
            )
    if frame["source"].ne("extract").any():
        row = _first(frame["source"].ne("extract"))
        raise _row_error(
            path,
            "source",
            row,
            frame["source"].iloc[row],
            "is not extract, the only source of an extract",
        )
    for column, form, what in (
        ("date", _DATE_FORM, "a date in the form YYYY-MM-DD"),
        ("hour", _HOUR_FORM, "an hour from 0 to 23"),
    ):
        text = frame[column].astype("string")
        unformed = text.notna() & ~text.str.fullmatch(form).fillna(False)
        if unformed.any():
            row = _first(unformed)
            raise _row_error(path, column, row, text.iloc[row], f"is not {what}")
    month = frame["month"].astype("string")
    blank = month.isna() | month.str.strip().eq("")
    if blank.any():
        raise _row_error(
            path, "month", _first(blank), frame["month"].iloc[_first(blank)], "is blank"
        )
    unformed = ~month.str.fullmatch(_MONTH_FORM).fillna(False)
    if unformed.any():
        row = _first(unformed)
        raise _row_error(path, "month", row, month.iloc[row], "is not a month in the form YYYY-MM")
    crime = frame["is_crime"].astype("string")
    blank = crime.isna() | crime.str.strip().eq("")
    if blank.any():
        row = _first(blank)
        raise _row_error(
            path,
            "is_crime",
            row,
            frame["is_crime"].iloc[row],
            "is blank (true for a recorded crime, false for ASB)",
        )


def _check_month_range(month: pd.Series, raw: pd.Series, path: Path) -> None:
    last = pd.Timestamp(dt.date.today()).to_period("M").start_time
    first = pd.Period(FIRST_PLAUSIBLE_MONTH, "M").start_time
    outside = (month > last) | (month < first)
    if outside.any():
        row = _first(outside)
        raise _row_error(
            path,
            "month",
            row,
            raw.iloc[row],
            f"is outside {FIRST_PLAUSIBLE_MONTH} to this month ({last:%Y-%m})",
        )


def _to_hour(values: pd.Series, path: Path) -> pd.Series:
    hour = pd.to_numeric(values, errors="coerce")
    unreadable = (hour.isna() & values.notna()) | (hour.notna() & (hour % 1 != 0))
    if unreadable.any():
        row = _first(unreadable)
        raise _row_error(path, "hour", row, values.iloc[row], "is not an hour from 0 to 23")
    return hour.astype("Int64").astype("Int8") if hour.dropna().between(0, 23).all() else hour


def read_extract(path: Path) -> pd.DataFrame:
    """Read a partnership extract and return the tidy table's types (not yet validated).

    ``month`` is ``YYYY-MM`` (or a date in the month's first day); ``date`` is ``YYYY-MM-DD`` or
    blank; flags are true/false or blank (blank: not recorded); ``is_crime`` is never blank.

    Raises
    ------
    IncidentDataError
        Naming the file, and the column and row where a value cannot be read.
    """
    if not path.is_file():
        raise IncidentDataError(f"{path}: no such file")
    frame = read_input_table(path, IncidentDataError)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise IncidentDataError(f"{path}: missing column(s): {', '.join(missing)}")
    if path.suffix != ".parquet":
        _check_text_columns(frame, path)
        month = frame["month"].str.slice(0, 7)
        frame["month"] = _to_datetime(month, "month", path, "%Y-%m")
        _check_month_range(frame["month"], month, path)
        frame["date"] = _to_datetime(frame["date"], "date", path, "%Y-%m-%d")
        frame["hour"] = _to_hour(frame["hour"], path)
        frame["is_crime"] = _to_boolean(frame["is_crime"], "is_crime", path).astype(bool)
        for column in FLAG_COLUMNS:
            frame[column] = _to_boolean(frame[column], column, path)
        frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    else:
        extra = [str(c) for c in frame.columns if c not in COLUMNS]
        if extra:
            raise IncidentDataError(f"{path}: unexpected column(s): {', '.join(extra)}")
        if frame["month"].isna().any():
            row = _first(frame["month"].isna())
            raise _row_error(path, "month", row, None, "is blank")
        month = pd.to_datetime(frame["month"], errors="coerce")
        _check_month_range(month, frame["month"], path)
    return to_storage_types(frame)
