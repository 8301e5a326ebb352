"""The tidy incident table: one row per recorded crime or ASB report, and its declared schema.

Every source adapter returns this table; :func:`validate_incidents` checks it with a pandera schema and
turns the first failures into a one-line error that names the input, the column and the row.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pandera.pandas as pa

from csa_stats.errors import UserError
from csa_stats.reference.taxonomy import Area, offence_table, reference_lists
from csa_stats.sources.registry import source_names

#: Flags recorded against an incident. Missing (<NA>) means the source does not record the flag,
#: which is not the same as False.
FLAG_COLUMNS: Final = (
    "domestic_abuse",
    "knife",
    "firearm",
    "alcohol",
    "hate",
    "child_exploitation",
    "child_sexual_exploitation",
    "honour_based_abuse",
)

#: Columns of the tidy table, in order.
COLUMNS: Final = (
    "incident_id",
    "month",
    "date",
    "hour",
    "offence_code",
    "offence",
    "offence_group",
    "offence_subgroup",
    "crime_type",
    "is_crime",
    "ward_code",
    "ward_name",
    "lsoa_code",
    *FLAG_COLUMNS,
    "hate_strand",
    "victim_age_band",
    "victim_sex",
    "source",
)

#: Text columns stored as pandas categoricals to keep the table small.
CATEGORICAL_COLUMNS: Final = (
    "offence_code",
    "offence",
    "offence_group",
    "offence_subgroup",
    "crime_type",
    "ward_code",
    "ward_name",
    "hate_strand",
    "victim_age_band",
    "victim_sex",
    "source",
)


class IncidentDataError(UserError, ValueError):
    """An input does not fit the tidy incident table; the message names where."""


def incident_schema(area: Area) -> pa.DataFrameSchema:
    """Return the pandera schema of the tidy incident table for an area.

    The ward columns must hold the area's wards; offence columns must agree with the taxonomy.
    """
    offences = offence_table()
    lists = reference_lists()
    month_start = pa.Check(
        lambda s: s.dt.day == 1, element_wise=False, error="month is not the 1st"
    )
    flag = pa.Column("boolean", nullable=True)
    return pa.DataFrameSchema(
        {
            "incident_id": pa.Column(str, unique=True, nullable=False),
            "month": pa.Column("datetime64[ns]", month_start, nullable=False),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "hour": pa.Column("Int8", pa.Check.in_range(0, 23), nullable=True),
            "offence_code": pa.Column(checks=pa.Check.isin(list(offences.index)), nullable=False),
            "offence": pa.Column(checks=pa.Check.isin(list(offences["name"])), nullable=False),
            "offence_group": pa.Column(
                checks=pa.Check.isin(sorted(set(offences["group"]))), nullable=False
            ),
            "offence_subgroup": pa.Column(
                checks=pa.Check.isin(sorted(set(offences["subgroup"]))), nullable=False
            ),
            "crime_type": pa.Column(checks=pa.Check.isin(lists["police_uk_types"]), nullable=False),
            "is_crime": pa.Column(bool, nullable=False),
            "ward_code": pa.Column(checks=pa.Check.isin(area.ward_codes), nullable=True),
            "ward_name": pa.Column(checks=pa.Check.isin(list(area.wards.values())), nullable=True),
            "lsoa_code": pa.Column(checks=pa.Check.str_matches(r"^[EW]01\d{6}$"), nullable=True),
            **{name: flag for name in FLAG_COLUMNS},
            "hate_strand": pa.Column(checks=pa.Check.isin(lists["hate_strands"]), nullable=True),
            "victim_age_band": pa.Column(checks=pa.Check.isin(lists["age_bands"]), nullable=True),
            "victim_sex": pa.Column(checks=pa.Check.isin(lists["sexes"]), nullable=True),
            "source": pa.Column(checks=pa.Check.isin(list(source_names())), nullable=False),
        },
        checks=[
            pa.Check(
                lambda df: (
                    df["date"].isna() | (df["date"].dt.to_period("M").dt.start_time == df["month"])
                ),
                error="date is not in its month",
            ),
        ],
        strict=True,
        ordered=False,
        name="incidents",
    )


#: Where the allowed values of a column are defined, for messages.
_ALLOWED_FROM = {
    "offence_code": "a known offence code (data/reference/offences.yml)",
    "ward_code": "a ward of the area (data/reference/areas.yml)",
    "crime_type": "a police.uk crime type (data/reference/offences.yml)",
    "victim_age_band": "a known age band (data/reference/offences.yml)",
}


def plain_check(check: str, column: object) -> str:
    """A pandera check's name in words: ``isin([...])`` -> ``is not a known offence code``."""
    if check.startswith("isin"):
        return f"is not {_ALLOWED_FROM.get(str(column), 'one of the allowed values')}"
    if check == "field_uniqueness":
        return "appears more than once"
    if check in ("multiple_fields_uniqueness", "unique"):
        return "repeats a row that must be unique"
    if check.startswith("greater_than_or_equal_to("):
        return f"is below {check.removeprefix('greater_than_or_equal_to(').rstrip(')')}"
    if check.startswith("greater_than("):
        return f"is not above {check.removeprefix('greater_than(').rstrip(')')}"
    if check.startswith("in_range"):
        low, high = check.removeprefix("in_range(").rstrip(")").split(", ")
        return f"is outside {low} to {high}"
    if check.startswith("str_matches"):
        if column == "lsoa_code":
            return "is not an LSOA code (E01 or W01 and six digits)"
        return "is not in the expected form (YYYY-MM for a month)"
    if check.startswith("coerce_dtype"):
        if "int" in check:
            return "is not a whole number"
        if "float" in check:
            return "is not a number"
        if "bool" in check:
            return "is not true or false"
        return "cannot be read as the column's type"
    if check.startswith("dtype"):  # "dtype('int64')": a table built in code, not read from a file
        return f"has the wrong type (expected {check.removeprefix('dtype(').rstrip(')')})"
    if check == "not_nullable":
        return "is missing"
    if check.startswith("is not "):  # a custom check whose name is its message
        return check
    return f"fails {check}"


def describe_failures(error: pa.errors.SchemaErrors, origin: str) -> str:
    """One line naming the first failing column and row, and how many more failures there are.

    Every input validated with pandera (incidents, populations, indicators) reports its first
    problem this way. Rows are numbered as a spreadsheet shows the file: the header is row 1, the
    first record row 2.
    """
    cases = error.failure_cases
    first = cases.iloc[0]
    column = first.get("column")
    index = pd.to_numeric(pd.Series([first.get("index")]), errors="coerce").iloc[0]
    check = str(first.get("check"))
    value = first.get("failure_case")
    value = value.item() if hasattr(value, "item") else value  # numpy scalar -> plain number
    where = f"column '{column}'" if isinstance(column, str) else "table"
    if not pd.isna(index):
        where += f", row {int(index) + 2}"
    more = len(cases) - 1
    tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
    shown = (
        ""
        if value is None or (isinstance(value, float) and pd.isna(value))
        else f"value {value!r} "
    )
    return f"{origin}: {where}: {shown}{plain_check(check, column)}{tail}"


def validate_incidents(
    frame: pd.DataFrame, area: Area, origin: str, cross_check: bool = True
) -> pd.DataFrame:
    """Validate a tidy incident table and return it unchanged.

    Parameters
    ----------
    frame
        The table a source adapter produced.
    area
        The area the table must belong to (its wards).
    origin
        The input's name (a file path), put at the front of any error.
    cross_check
        Check that the columns a code decides agree with it (ward name, offence, group...); an
        adapter that derives those columns from the codes itself may skip it.

    Raises
    ------
    IncidentDataError
        With one line that names the input, the column and the first failing row.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise IncidentDataError(f"{origin}: missing column(s): {', '.join(missing)}")
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise IncidentDataError(f"{origin}: unexpected column(s): {', '.join(map(str, extra))}")
    if frame.empty:
        raise IncidentDataError(f"{origin}: the table has no rows")
    if pd.api.types.is_datetime64_any_dtype(frame["date"]) and pd.api.types.is_datetime64_any_dtype(
        frame["month"]
    ):
        # Named here, by column: the schema's table-wide check would report every column of the row.
        outside = frame["date"].notna() & (
            frame["date"].dt.to_period("M").dt.start_time != frame["month"]
        )
        if outside.any():
            row = int(np.argmax(outside.to_numpy()))
            label = frame.index[row]  # the row as the file numbers it, like the schema's errors
            number = int(label) + 2 if isinstance(label, (int, np.integer)) else row + 2
            raise IncidentDataError(
                f"{origin}: column 'date', row {number}: value "
                f"'{frame['date'].iloc[row]:%Y-%m-%d}' is not in the row's month "
                f"({frame['month'].iloc[row]:%Y-%m})"
            )
    try:
        incident_schema(area).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise IncidentDataError(describe_failures(error, origin)) from None
    if cross_check:
        _check_consistency(frame, area, origin)
    return frame


#: Columns that the offence code decides (taxonomy column -> incident column).
_DECIDED_BY_OFFENCE = {
    "name": "offence",
    "group": "offence_group",
    "subgroup": "offence_subgroup",
    "police_uk_type": "crime_type",
    "crime": "is_crime",
}


def _check_consistency(frame: pd.DataFrame, area: Area, origin: str) -> None:
    """Refuse a row whose columns disagree: a ward name that is not its code's, an offence, group,
    subgroup, police.uk type or ``is_crime`` that is not its offence code's. Each value is valid
    alone (the schema checked that), so a disagreement is a wrong record, never to be guessed at.

    Each distinct pair of values is checked once (a table of millions of records holds a few
    hundred pairs), and a wrong pair is reported at the first row that holds it.
    """
    offences = offence_table()
    checks = [("ward_code", "ward_name", dict(area.wards))]
    checks += [
        ("offence_code", column, offences[source].to_dict())
        for source, column in _DECIDED_BY_OFFENCE.items()
    ]
    for key, column, expected in checks:
        for row in _first_rows_of_each_pair(frame[key], frame[column]):
            code, given = frame[key].iloc[row], frame[column].iloc[row]
            if pd.isna(code) or pd.isna(given) or expected.get(str(code)) == given:
                continue
            where = f"{origin}: column '{column}', row {row + 2}"
            if column == "is_crime":
                kind = "a recorded crime" if expected.get(str(code)) else "ASB, not a crime"
                raise IncidentDataError(
                    f"{where}: value {str(bool(given)).lower()!r} does not match "
                    f"offence_code {code!r}, which is {kind} (data/reference/offences.yml)"
                )
            raise IncidentDataError(
                f"{where}: value {given!r} does not match {key} {code!r}, whose "
                f"{column.replace('_', ' ')} is {expected.get(str(code))!r} (data/reference/"
                f"{'areas' if key == 'ward_code' else 'offences'}.yml)"
            )


def _first_rows_of_each_pair(left: pd.Series, right: pd.Series) -> list[int]:
    """Positions of the first row of each distinct pair of values, in row order."""
    codes = []
    for values in (left, right):
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes.append(values.cat.codes.to_numpy().astype(np.int64))
        else:
            codes.append(pd.factorize(values, use_na_sentinel=True)[0].astype(np.int64))
    combined = codes[0] * (int(codes[1].max(initial=0)) + 2) + codes[1]
    return [int(i) for i in np.flatnonzero(~pd.Series(combined).duplicated().to_numpy())]


def read_input_table(path: Path, error: type[Exception]) -> pd.DataFrame:
    """A CSV (every value as text, blanks missing) or parquet input file, or ``error`` with one line
    naming the file when it is empty or cannot be read."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        with warnings.catch_warnings():
            # A row longer than the header would otherwise make its first values the index, or
            # (index_col=False) be cut short: either way values lost without a word.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
    except pd.errors.ParserWarning:
        raise error(f"{path}: {_long_row(path)}") from None
    except pd.errors.EmptyDataError:
        raise error(f"{path}: the file is empty") from None
    except Exception as problem:  # pandas and pyarrow raise many types for unreadable files
        if path.suffix == ".parquet":  # Arrow's words are about footers and byte counts
            raise error(
                f"{path}: cannot read the file as parquet (damaged, or not parquet)"
            ) from None
        raise error(f"{path}: cannot read the file as CSV: {problem}".splitlines()[0]) from None


def _long_row(path: Path) -> str:
    """Which row holds more values than the header has columns (a trailing comma, say)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        width = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if len(row) > width:
                return f"row {number} has {len(row)} values, more than the header's {width} columns"
    return "a row has more values than the header has columns"


def to_storage_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with text columns as categoricals and columns in schema order."""
    out = frame.loc[:, list(COLUMNS)].copy()
    for column in CATEGORICAL_COLUMNS:
        out[column] = out[column].astype("category")
    return out
