"""The run's parameters, validated once before any notebook runs.

Two stages: :func:`parse_parameters` checks each value on its own (a malformed month, a period length
out of range), and :func:`check_against_data` checks them against the data's coverage (a period end
after the last month, a baseline outside the data). Both raise :class:`ParameterError`, whose message
is one line naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csa_stats.errors import ParameterError
from csa_stats.sources.inputs import InputError, Kind, check_input
from csa_stats.sources.registry import source_names

if TYPE_CHECKING:
    import pandas as pd

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # whole value (fullmatch): "$" would allow a "\n"
#: Characters no parameter may hold: control characters (a newline, a tab...).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
#: What each path parameter must be.
_PATH_KINDS: dict[str, Kind] = {
    "population_path": "file",
    "indicators_path": "file",
    "peer_population_path": "file",
    "lookups_path": "folder",
    "peers_path": "file or folder",
}


def month_span(end: str, months: int) -> str:
    """The months to ``end`` (``YYYY-MM``) in words, without pandas (a build with nothing to do
    says it in a blink).

    Examples
    --------
    >>> month_span("2024-03", 12), month_span("2020-04", 1), month_span("2025-02", 14)
    ('April 2023 to March 2024', 'April 2020', 'January 2024 to February 2025')
    """
    year, month = (int(part) for part in end.split("-"))
    last = dt.date(year, month, 1)
    start_index = year * 12 + month - 1 - (months - 1)
    first = dt.date(start_index // 12, start_index % 12 + 1, 1)
    if months == 1:
        return last.strftime("%B %Y")
    return f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}"


@dataclass(frozen=True)
class Window:
    """A run of whole months, ``start`` to ``end`` inclusive."""

    start: pd.Period
    end: pd.Period

    @property
    def months(self) -> int:
        """Number of months in the window."""
        return (self.end - self.start).n + 1

    def contains(self, month: pd.Series) -> pd.Series:
        """Boolean mask of the months (timestamps at the month start) inside the window."""
        return (month >= self.start.start_time) & (month <= self.end.start_time)

    @property
    def label(self) -> str:
        """Plain-English name: ``"2023/24"`` for a financial year, else ``"12 months to March 2024"``."""
        if self.months == 12 and self.end.month == 3:
            return f"{self.end.year - 1}/{str(self.end.year)[-2:]}"
        if self.months == 12 and self.end.month == 12:
            return str(self.end.year)
        if self.months == 1:
            return self.end.strftime("%B %Y")
        return f"{self.months} months to {self.end.strftime('%B %Y')}"

    @property
    def span(self) -> str:
        """``"April 2023 to March 2024"``; one month: ``"April 2020"``."""
        return month_span(self.end.strftime("%Y-%m"), self.months)


class RunParameters(BaseModel):
    """Everything a build needs to know besides the data itself: the one list of the run's
    parameters, with their checks and descriptions (the command line's options and help are made
    from it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period_end: str | None = Field(
        None, description="last month of the period, YYYY-MM (default: the data's last month)"
    )
    preset: str | None = Field(
        None,
        description="a financial year, such as 2023/24, instead of the period end "
        "(data/reference/periods.yml)",
    )
    period_months: int = Field(12, ge=1, le=60, description="length of the period in months")
    comparison_end: str | None = Field(
        None,
        description="last month of the comparison period (default: the month before the period)",
    )
    baseline_year: int = Field(2020, ge=2000, le=2100, description="serious-violence baseline year")
    baseline_kind: Literal["calendar", "financial"] = Field(
        "calendar", description="kind of the baseline year: calendar or financial"
    )
    goal_year: int = Field(2030, ge=2000, le=2100, description="year of the partnership's goal")
    area: str = Field(
        "coventry",
        min_length=1,
        description="a local authority: its ONS code (E08000025), its name (Birmingham) or a key "
        "of data/reference/areas.yml",
    )
    source: str = Field(
        "demo", description=f"where the records come from: {', '.join(source_names())}"
    )
    data_path: str = Field(
        "",
        description="input for the source (police-uk: a folder or archive zip; default: the demo data)",
    )
    lookups_path: str = Field(
        "",
        description="folder of ONS LSOA-to-ward lookups for police.uk files (default: the "
        "project's reference geography, and the national 2011 lookup once fetched)",
    )
    indicators_path: str = Field(
        "", description="supplementary indicators table (default: demonstration values)"
    )
    peers_path: str = Field(
        "", description="the police.uk force files for the peer comparison (folder or zip)"
    )
    peer_population_path: str = Field(
        "",
        description="local authorities' populations for the peer comparison "
        "(default: West Midlands, Census 2021)",
    )
    population_path: str = Field("", description="ward populations CSV (default: demo values)")

    @model_validator(mode="before")
    @classmethod
    def _preset_gives_the_period(cls, values: Any) -> Any:
        """A preset (a financial year) stands for its period end and a 12-month period."""
        if not isinstance(values, dict) or values.get("preset") is None:
            return values
        values = dict(values)
        preset = values.pop("preset")
        from csa_stats.reference.taxonomy import financial_year_presets

        presets = financial_year_presets()
        if preset not in presets:
            raise ValueError(
                f"preset: {preset!r} is not a known financial year ({', '.join(presets)})"
            )
        if values.get("period_end") not in (None, presets[preset]):
            raise ValueError("preset: give either a preset or a period_end, not both")
        values["period_end"] = presets[preset]
        values.setdefault("period_months", 12)
        return values

    @field_validator("source")
    @classmethod
    def _is_a_source(cls, value: str) -> str:
        if value not in source_names():
            raise ValueError(f"{value!r}: the sources are {', '.join(source_names())}")
        return value

    @field_validator("period_end", "comparison_end")
    @classmethod
    def _is_month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.fullmatch(value):
            raise ValueError(f"{value!r} is not a month in the form YYYY-MM (for example 2024-03)")
        return value

    @field_validator(
        "data_path",
        "population_path",
        "lookups_path",
        "indicators_path",
        "peers_path",
        "peer_population_path",
    )
    @classmethod
    def _file_exists(cls, value: str) -> str:
        if value and not Path(value).exists():
            raise ValueError(f"{value}: no such file or folder")
        # absolute, because each notebook runs in a folder of its own
        return str(Path(value).resolve()) if value else value

    @model_validator(mode="after")
    def _goal_after_baseline(self) -> RunParameters:
        if self.goal_year <= self.baseline_year:
            raise ValueError(
                f"goal_year: {self.goal_year} is not after the baseline year {self.baseline_year}"
            )
        from csa_stats.sources.registry import SOURCES

        source = SOURCES[self.source]
        if source.data_kind is not None and not self.data_path:
            raise ValueError(f"data_path: the {self.source} source needs a data path")
        kinds = {**_PATH_KINDS, "data_path": source.data_kind or "file"}
        for name, kind in kinds.items():
            value = getattr(self, name)
            if value:
                try:
                    check_input(Path(value), kind)
                except InputError as error:
                    raise ValueError(f"{name}: {error}") from None
        return self

    def resolved(self, last_month: pd.Period) -> RunParameters:
        """These parameters with the period end filled in: the data's last month when none was
        given (the edition does this once it has read the data)."""
        if self.period_end is not None:
            return self
        return self.model_copy(update={"period_end": last_month.strftime("%Y-%m")})

    @property
    def period(self) -> Window:
        """The period reported on."""
        import pandas as pd

        if self.period_end is None:
            raise ParameterError(
                "parameter period_end: not yet resolved (the edition sets it from the data)"
            )
        end = pd.Period(self.period_end, freq="M")
        return Window(end - (self.period_months - 1), end)

    @property
    def comparison(self) -> Window:
        """The period compared with: by default the same length, immediately before."""
        import pandas as pd

        end = (
            pd.Period(self.comparison_end, freq="M")
            if self.comparison_end
            else self.period.start - 1
        )
        return Window(end - (self.period_months - 1), end)

    @property
    def baseline(self) -> Window:
        """The baseline year as a window (calendar year, or April to March)."""
        import pandas as pd

        if self.baseline_kind == "calendar":
            return Window(
                pd.Period(f"{self.baseline_year}-01", "M"),
                pd.Period(f"{self.baseline_year}-12", "M"),
            )
        return Window(
            pd.Period(f"{self.baseline_year}-04", "M"),
            pd.Period(f"{self.baseline_year + 1}-03", "M"),
        )


#: ``--area`` for every local authority the files cover.
ALL_AREAS = "all"


def is_many(area: str) -> bool:
    """Whether ``--area`` names several areas (``all``, or a comma-separated list): one site
    each (:mod:`csa_stats.build.areas`)."""
    return area == ALL_AREAS or "," in area


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if not location and ":" in message:  # model-level checks put the parameter in the message
        location, message = (part.strip() for part in message.split(":", 1))
    value = first.get("input")
    if first["type"] == "extra_forbidden":
        return f"parameter {location}: unknown parameter"
    if first["type"] in {"literal_error", "greater_than_equal", "less_than_equal", "int_parsing"}:
        return f"parameter {location}: {value!r}: {message}"
    return f"parameter {location}: {message}"


def parse_parameters(values: dict[str, Any]) -> RunParameters:
    """Validate raw parameter values (from the CLI, a file or papermill).

    A ``preset`` (a financial year such as ``"2023/24"``) may stand for ``period_end`` with a 12-month
    period.

    Raises
    ------
    ParameterError
        One line naming the parameter and what is wrong.
    """
    values = {k: v for k, v in values.items() if v is not None}
    for name, value in values.items():
        # The same wherever it stands: a stray space or newline is refused, never trimmed.
        if isinstance(value, str) and value != value.strip():
            raise ParameterError(
                f"parameter {name}: {value!r} starts or ends with a space or a line break"
            )
        if isinstance(value, str) and _CONTROL.search(value):
            raise ParameterError(
                f"parameter {name}: {value!r} holds a control character (a tab, say)"
            )
    try:
        return RunParameters(**values)
    except ValidationError as error:
        raise ParameterError(_first_error(error)) from None


def _whole_years(kind: str, first: pd.Period, last: pd.Period) -> list[int]:
    """The calendar (January to December) or financial (April to March) years, named by the year
    they start in, that lie wholly between the months ``first`` and ``last``."""
    import pandas as pd

    start_month = 1 if kind == "calendar" else 4
    starts = [pd.Period(f"{y}-{start_month:02d}", "M") for y in range(first.year, last.year + 1)]
    return [start.year for start in starts if start >= first and start + 11 <= last]


def check_against_data(
    params: RunParameters, first: pd.Period, last: pd.Period, min_months: int = 1
) -> None:
    """Check that the periods the parameters name are covered by data from ``first`` to ``last``,
    and that the data hold at least ``min_months`` months to the period's end (the
    serious-violence projection's shortest series).

    Raises
    ------
    ParameterError
        Naming the parameter whose period falls outside the data.
    """
    coverage = f"the data run from {first.strftime('%Y-%m')} to {last.strftime('%Y-%m')}"
    period, comparison, baseline = params.period, params.comparison, params.baseline
    if period.end > last:
        raise ParameterError(
            f"parameter period_end: {params.period_end} is after the data's last month; {coverage}"
        )
    if period.start < first:
        raise ParameterError(
            f"parameter period_end: the {period.months}-month period ending {params.period_end} "
            f"starts in {period.start.strftime('%Y-%m')}, before the data; {coverage}"
        )
    if comparison.end >= period.start:
        raise ParameterError(
            f"parameter comparison_end: {comparison.end.strftime('%Y-%m')} overlaps the period "
            f"({period.start.strftime('%Y-%m')} to {period.end.strftime('%Y-%m')})"
        )
    if comparison.start < first:
        raise ParameterError(
            f"parameter comparison_end: the comparison period starts in "
            f"{comparison.start.strftime('%Y-%m')}, before the data; {coverage}"
        )
    if baseline.start < first or baseline.end > last:
        kind = params.baseline_kind
        years = _whole_years(kind, first, last)
        if not years:
            hint = f"; they hold no whole {kind} year"
        elif len(years) == 1:
            hint = f"; a {kind} baseline year they cover: {years[0]}"
        else:
            hint = f"; a {kind} baseline year they cover: {years[0]} to {years[-1]}"
        raise ParameterError(
            f"parameter baseline_year: the {params.baseline_kind} baseline {baseline.span} is "
            f"outside the data; {coverage}{hint}"
        )
    if (period.end - first).n + 1 < min_months:
        raise ParameterError(
            f"parameter period_end: the serious-violence projection needs at least {min_months} "
            f"months of data to the period's end ({params.period_end}); the data start in "
            f"{first.strftime('%Y-%m')}"
        )
    if params.goal_year < period.end.year:
        raise ParameterError(
            f"parameter goal_year: {params.goal_year} is before the period's end ({params.period_end})"
        )
