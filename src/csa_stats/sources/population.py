"""Ward resident populations, the denominators of rates per 1,000 residents."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.reference.taxonomy import Area
from csa_stats.sources.schema import describe_failures


class PopulationError(UserError, ValueError):
    """The population file is wrong; the message names the file and row."""


def read_population(area: Area, path: Path | None = None) -> pd.DataFrame:
    """Read ward populations (``ward_code, ward_name, population[, note]``) and check them.

    Every ward of the area must appear once with a positive whole population.
    """
    path = path or paths.demo_population_path()
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise PopulationError(f"{path}: the file is empty") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise PopulationError(f"{path}: cannot read ward populations: {error}") from None
    if "population" not in table.columns or "ward_code" not in table.columns:
        missing = [c for c in ("ward_code", "ward_name", "population") if c not in table.columns]
        raise PopulationError(f"{path}: missing column(s): {', '.join(missing)}")
    # Whole numbers as written: "18900.5" or "1e4" is not a count of residents (coercion would cut
    # it to a whole number without a word).
    text = table["population"].astype("string")  # not trimmed: " 18900" is refused, as "18,900"
    unwhole = ~text.str.fullmatch(r"-?[0-9]+").fillna(False)
    if unwhole.any():
        row = int(unwhole.to_numpy().argmax())
        raise PopulationError(
            f"{path}: column 'population', row {row + 2}: value {table['population'].iloc[row]!r} "
            "is not a whole number"
        )
    schema = pa.DataFrameSchema(
        {
            "ward_code": pa.Column(str, pa.Check.isin(area.ward_codes), unique=True),
            "ward_name": pa.Column(str),
            "population": pa.Column(int, pa.Check.gt(0), coerce=True),
        },
        strict=False,
    )
    try:
        table = schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise PopulationError(describe_failures(error, str(path))) from None
    if "ward_name" in table.columns:
        expected = table["ward_code"].map(area.wards)
        wrong = table["ward_name"].ne(expected)
        if wrong.any():
            row = int(wrong.to_numpy().argmax())
            raise PopulationError(
                f"{path}: column 'ward_name', row {row + 2}: value {table['ward_name'].iloc[row]!r} "
                f"does not match ward_code {table['ward_code'].iloc[row]!r}, whose ward name is "
                f"{expected.iloc[row]!r} (data/reference/areas.yml)"
            )
    missing = sorted(set(area.ward_codes) - set(table["ward_code"]))
    if missing:
        raise PopulationError(f"{path}: no population for ward(s) {', '.join(missing)}")
    return table


class PeerError(UserError, ValueError):
    """A peer-comparison input is wrong; the message names the file and row."""


def read_lad_population(path: Path) -> pd.DataFrame:
    """Local authorities' resident populations: ``lad_code, lad_name, population, source``."""
    try:
        table = pd.read_csv(path, dtype={"lad_code": str, "lad_name": str, "source": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise PeerError(f"{path}: cannot read local authority populations: {error}") from None
    schema = pa.DataFrameSchema(
        {
            "lad_code": pa.Column(str, pa.Check.str_matches(r"^[EW]0[6-9]\d{6}$"), unique=True),
            "lad_name": pa.Column(str),
            "population": pa.Column(int, pa.Check.gt(0), coerce=True),
            "source": pa.Column(str),
        },
        strict=True,
    )
    try:
        return schema.validate(table, lazy=True).set_index("lad_code")
    except pa.errors.SchemaErrors as error:
        raise PeerError(describe_failures(error, str(path))) from None


#: Residents counted for each LSOA in demonstration ward populations: about the average LSOA
#: (ONS designs LSOAs for 1,000 to 3,000 residents; England and Wales's 35,672 LSOAs held
#: 59.6 million people at the 2021 Census, about 1,670 each).
DEMONSTRATION_RESIDENTS_PER_LSOA = 1_670
#: The note demonstration populations carry.
DEMONSTRATION_NOTE = (
    "demonstration value: the ward's LSOAs times 1,670 residents (about the average LSOA), "
    "not a count"
)


def demonstration_population(area: Area) -> pd.DataFrame:
    """Illustrative ward populations for an area with none given or fetched: each ward's LSOAs
    (from the committed reference geography) times :data:`DEMONSTRATION_RESIDENTS_PER_LSOA`.
    Every rate made with them is flagged as illustrative."""
    from csa_stats.reference.geography import lsoa_table

    table = lsoa_table()
    lsoas = table[table["LAD22CD"] == area.lad_code].groupby("WD22CD").size()
    counts = lsoas.reindex(area.ward_codes, fill_value=1).clip(lower=1)
    return pd.DataFrame(
        {
            "ward_code": area.ward_codes,
            "ward_name": [area.wards[w] for w in area.ward_codes],
            "population": (counts.to_numpy() * DEMONSTRATION_RESIDENTS_PER_LSOA).astype(int),
            "note": DEMONSTRATION_NOTE,
        }
    )
