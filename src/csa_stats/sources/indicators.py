"""The supplementary indicators table: one row per indicator, geography and period (CSV or parquet),
its schema declared and validated like the incident table's, with one-line errors naming the row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from csa_stats import paths
from csa_stats.reference.indicators import IndicatorError, load_indicators
from csa_stats.sources.schema import describe_failures, read_input_table

PERIOD_TYPES = ("month", "quarter", "financial_year", "calendar_year", "rolling_12_months")


COLUMNS = (
    "indicator",
    "geography",
    "period_type",
    "period_end",
    "value",
    "unit",
    "numerator",
    "denominator",
    "source",
    "published",
)


#: "inf" reads as a number; it is not a value of an indicator.
_finite = pa.Check(
    lambda values: values.isna() | values.abs().lt(float("inf")),
    element_wise=False,
    name="finite",
    error="is not a finite number",
)


def _schema(known: list[str]) -> pa.DataFrameSchema:
    month = r"^\d{4}-(0[1-9]|1[0-2])$"
    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(str, pa.Check.isin(known)),
            "geography": pa.Column(str),
            "period_type": pa.Column(str, pa.Check.isin(list(PERIOD_TYPES))),
            "period_end": pa.Column(str, pa.Check.str_matches(month)),
            "value": pa.Column(float, [pa.Check.ge(0), _finite], coerce=True),
            "unit": pa.Column(str),
            "numerator": pa.Column(float, [pa.Check.ge(0), _finite], nullable=True, coerce=True),
            "denominator": pa.Column(float, [pa.Check.gt(0), _finite], nullable=True, coerce=True),
            "source": pa.Column(str),
            "published": pa.Column(str, pa.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
        },
        unique=["indicator", "geography", "period_type", "period_end"],
        strict=True,
        report_duplicates="exclude_first",
    )


def read_indicator_table(path: Path | None = None) -> pd.DataFrame:
    """Read and validate an indicator table (CSV or parquet).

    Raises
    ------
    IndicatorError
        One line naming the file, the column and the row (as a spreadsheet numbers it).
    """
    path = path or paths.demo_indicators_path()
    table = read_input_table(path, IndicatorError)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise IndicatorError(f"{path}: missing column(s): {', '.join(missing)}")
    try:
        table = _schema(sorted(load_indicators())).validate(table, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise IndicatorError(describe_failures(error, str(path))) from None
    bad_dates = pd.to_datetime(table["published"], errors="coerce", format="%Y-%m-%d").isna()
    if bad_dates.any():
        row = int(bad_dates.to_numpy().argmax())
        raise IndicatorError(
            f"{path}: column 'published', row {row + 2}: value "
            f"{table['published'].iloc[row]!r} is not a date"
        )
    return table
