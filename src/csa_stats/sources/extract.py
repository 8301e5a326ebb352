"""A partnership's record-level extract in the tidy table's own columns (CSV or parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csa_stats.schema import (
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


def read_extract(path: Path) -> pd.DataFrame:
    """Read a partnership extract and return the tidy table's types (not yet validated).

    ``month`` is ``YYYY-MM`` (or a date in the month's first day); ``date`` is ``YYYY-MM-DD`` or
    blank; flags are true/false or blank (blank: not recorded).

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
        month = frame["month"].where(frame["month"].isna(), frame["month"].str.slice(0, 7))
        frame["month"] = _to_datetime(month, "month", path, "%Y-%m")
        frame["date"] = _to_datetime(frame["date"], "date", path, "%Y-%m-%d")
        hour = pd.to_numeric(frame["hour"], errors="coerce")
        unreadable = hour.isna() & frame["hour"].notna()
        if unreadable.any():
            row = int(unreadable.idxmax())
            raise IncidentDataError(
                f"{path}: column 'hour', row {row + 2}: value {frame['hour'].iloc[row]!r} is not "
                "an hour from 0 to 23"
            )
        frame["hour"] = hour.astype("Int8") if hour.dropna().between(0, 23).all() else hour
        frame["is_crime"] = (
            _to_boolean(frame["is_crime"], "is_crime", path).fillna(True).astype(bool)
        )
        for column in FLAG_COLUMNS:
            frame[column] = _to_boolean(frame[column], column, path)
        frame["lsoa_code"] = frame["lsoa_code"].astype("string")
    return to_storage_types(frame)
