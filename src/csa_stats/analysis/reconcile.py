"""An edition's own figures beside the published figures the project holds, with the difference and
the reasons they are known to differ.

The published figures (``data/reference/published_figures.csv``) are on other bases than a
police.uk edition: West Midlands Police's local total recorded crime (TRC), ONS's Community Safety
Partnership totals, news sites' counts of police.uk's map. Setting them side by side says how far
an edition is from what readers have seen elsewhere, and why; it does not say which is right.

Input: the edition's monthly totals, crimes and ASB by month and ward (:func:`monthly_totals`
makes them from the tidy incident table), the area and the period. Output:
:class:`Reconciliation`, a table with one row per published figure of the area whose period lies
within the period asked for, or a plain sentence saying there is nothing to reconcile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csa_stats.reference.published import published_figures
from csa_stats.reference.taxonomy import Area

# ---- why the figures differ -------------------------------------------------------------------

ASB_APART = (
    "police.uk's street-level counts include anti-social behaviour unless it is taken out; the "
    "edition's crime figure leaves it out, as recorded crime does"
)
OMITTED = (
    "police.uk's street-level records leave out some offences, such as fraud (reported to Action "
    "Fraud, not the local force)"
)
NO_LOCATION = (
    "records police.uk could not place on the map have no LSOA, so the edition counts them in no "
    "area"
)
BOUNDARY = (
    "police.uk moves each record to an anonymous point near where it happened, and the edition "
    "places it by that point's LSOA, so records near a boundary can fall on the other side"
)
WMP_LOCAL = (
    "West Midlands Police's local TRC is for its local policing area, counted by the force on the "
    "day the report was written"
)
ONS_CSP = (
    "ONS's Community Safety Partnership totals exclude fraud and are the offences the force "
    "returned to the Home Office for the partnership's area"
)
REVISIONS = (
    "recorded crime is revised after it is first published (offences reclassified or cancelled), "
    "and police.uk republishes its files, so figures taken on different dates differ"
)
NEWS_COUNT = (
    "a news site's own count of police.uk's figures: what it included (ASB, all crime types) and "
    "when it was taken is not stated"
)
LPA_SHARE = (
    "the council's ward shares are of its local TRC (by neighbourhood), the edition's of police.uk "
    "crimes placed in each ward"
)


@dataclass(frozen=True)
class Comparison:
    """How a published metric is set against an edition."""

    kind: str  # "count", "change" (per cent, between two periods) or "share" (per cent of area)
    counts: tuple[str, ...]  # the edition's columns added up: "crimes", "asb" or both
    label: str
    basis: str  # what the published figure counts
    reasons: tuple[str, ...] = field(default_factory=tuple)


#: The published metrics an edition can be set against.
COMPARISONS: dict[str, Comparison] = {
    "total_recorded_crime": Comparison(
        "count",
        ("crimes",),
        "Total recorded crime",
        "West Midlands Police local total recorded crime",
        (WMP_LOCAL, ASB_APART, OMITTED, NO_LOCATION, BOUNDARY, REVISIONS),
    ),
    "total_recorded_crime_ons": Comparison(
        "count",
        ("crimes",),
        "Total recorded crime (ONS, excluding fraud)",
        "ONS police recorded crime by Community Safety Partnership",
        (ONS_CSP, ASB_APART, NO_LOCATION, BOUNDARY, REVISIONS),
    ),
    "total_recorded_crime_change": Comparison(
        "change",
        ("crimes",),
        "Change in total recorded crime",
        "West Midlands Police local total recorded crime",
        (WMP_LOCAL, OMITTED, REVISIONS),
    ),
    "asb_change": Comparison(
        "change",
        ("asb",),
        "Change in anti-social behaviour",
        "the partnership's strategic assessment (police-recorded ASB incidents)",
        (REVISIONS, NO_LOCATION),
    ),
    "trc_ward_share": Comparison(
        "share",
        ("crimes",),
        "Ward's share of total recorded crime",
        "West Midlands Police local total recorded crime, by neighbourhood",
        (LPA_SHARE, BOUNDARY),
    ),
    "policeuk_total": Comparison(
        "count",
        ("crimes", "asb"),
        "police.uk records (crime and ASB)",
        "a news site's count of police.uk's map",
        (NEWS_COUNT, REVISIONS),
    ),
    "policeuk_asb": Comparison(
        "count",
        ("asb",),
        "police.uk ASB reports",
        "a news site's count of police.uk's map",
        (NEWS_COUNT, REVISIONS),
    ),
}

COLUMNS = (
    "figure_id",
    "label",
    "period",
    "geography",
    "published",
    "edition",
    "difference",
    "difference_pct",
    "unit",
    "basis",
    "source",
    "source_url",
    "reasons",
    "note",
)


# ---- periods ----------------------------------------------------------------------------------

_FY = re.compile(r"^(\d{4})/(\d{2})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TWELVE = re.compile(r"^12 months to (\d{4}-(0[1-9]|1[0-2]))$")


def period_months(text: str) -> pd.PeriodIndex | None:
    """The months a published figure's period covers; ``None`` for a period that is not a span of
    months (``Census Day 2021``).

    Examples
    --------
    >>> [str(p) for p in period_months("2024/25")[[0, -1]]]
    ['2024-04', '2025-03']
    >>> [str(p) for p in period_months("12 months to 2021-06")[[0, -1]]]
    ['2020-07', '2021-06']
    >>> len(period_months("2019-05")), period_months("Census Day 2021")
    (1, None)
    """
    text = text.strip()
    if match := _FY.match(text):
        start = int(match[1])
        if (start + 1) % 100 != int(match[2]):
            return None
        return pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M")
    if _MONTH.match(text):
        return pd.period_range(text, text, freq="M")
    if match := _TWELVE.match(text):
        end = pd.Period(match[1], "M")
        return pd.period_range(end - 11, end, freq="M")
    return None


def change_months(text: str) -> tuple[pd.PeriodIndex, pd.PeriodIndex] | None:
    """A change's two periods, ``A vs B`` -> (A's months, B's months); ``None`` if unreadable.

    Examples
    --------
    >>> now, before = change_months("2024/25 vs 2023/24")
    >>> str(now[0]), str(before[-1])
    ('2024-04', '2024-03')
    """
    parts = [p.strip() for p in text.split(" vs ")]
    if len(parts) != 2:
        return None
    now, before = period_months(parts[0]), period_months(parts[1])
    return None if now is None or before is None else (now, before)


def period_label(end: pd.Period, months: int) -> str:
    """A period as readers know it: a financial year, 12 months to a month, or a span.

    Examples
    --------
    >>> period_label(pd.Period("2025-03", "M"), 12), period_label(pd.Period("2025-06", "M"), 12)
    ('2024/25', '12 months to 2025-06')
    >>> period_label(pd.Period("2024-09", "M"), 6)
    '2024-04 to 2024-09'
    """
    if months == 12 and end.month == 3:
        return f"{end.year - 1}/{end.year % 100:02d}"
    if months == 12:
        return f"12 months to {end}"
    return f"{end - (months - 1)} to {end}"


# ---- the edition's figures --------------------------------------------------------------------


def monthly_totals(incidents: pd.DataFrame) -> pd.DataFrame:
    """Crimes and ASB reports by month and ward from the tidy incident table.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (``YYYY-MM``), ``ward_code``, ``crimes``, ``asb``; one row per month and
        ward with any record. A month with no row is a month the edition does not cover.
    """
    crime = incidents["is_crime"].to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(incidents["month"]).to_numpy(),
            "ward_code": incidents["ward_code"].astype(str).to_numpy(),
            "crimes": crime.astype(int),
            "asb": (~crime).astype(int),
        }
    )
    totals = frame.groupby(["month", "ward_code"], as_index=False)[["crimes", "asb"]].sum()
    # months written as text after the sums: a few hundred rows to format, not every record
    totals["month"] = totals["month"].dt.strftime("%Y-%m")
    return totals


def _sum(
    monthly: pd.DataFrame, months: pd.PeriodIndex, counts: tuple[str, ...], ward: str | None = None
) -> float:
    rows = monthly[monthly["month"].isin([str(m) for m in months])]
    if ward is not None:
        rows = rows[rows["ward_code"] == ward]
    return float(rows[list(counts)].to_numpy().sum())


def _missing(monthly: pd.DataFrame, months: pd.PeriodIndex) -> list[str]:
    covered = set(monthly["month"])
    return [str(m) for m in months if str(m) not in covered]


def _span(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


# ---- the reconciliation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """Published figures beside the edition's; ``message`` says why there are none, if none."""

    table: pd.DataFrame
    message: str | None = None

    def figures(self) -> list[tuple[str, str | None, str | None]]:
        """Each row's published figure, the edition's and their difference, as the pages write
        them (``("38,509", "41,205", "+2,696, +7.0%")``; a percentage's difference in points);
        the edition's and the difference are ``None`` for a figure not in this edition."""
        out: list[tuple[str, str | None, str | None]] = []
        for _, r in self.table.iterrows():
            published = _fmt(r["published"], r["unit"])
            if pd.isna(r["edition"]):
                out.append((published, None, None))
            elif r["unit"] == "percent":
                difference = f"{_signed(r['difference'], '.1f')} points"
                out.append((published, _fmt(r["edition"], r["unit"]), difference))
            else:
                difference = (
                    f"{_signed(r['difference'], ',.0f')}, {_signed(r['difference_pct'], '.1f')}%"
                )
                out.append((published, _fmt(r["edition"], r["unit"]), difference))
        return out

    def lines(self) -> list[str]:
        """Each row as a sentence (or the message)."""
        if self.message:
            return [self.message]
        out = []
        for (_, r), (published, edition, difference) in zip(
            self.table.iterrows(), self.figures(), strict=True
        ):
            text = f"{r['label']}, {r['period']}: published {published}"
            if edition is None:
                out.append(f"{text}; not in this edition ({r['note']})")
            else:
                out.append(f"{text}, this edition {edition} ({difference})")
        return out


def _possessive(name: str) -> str:
    """``"Foleshill's"``, ``"Holbrooks'"``; a name that is already possessive stays as it is.

    Examples
    --------
    >>> _possessive("Foleshill"), _possessive("Holbrooks"), _possessive("St Michael's")
    ("Foleshill's", "Holbrooks'", "St Michael's")
    """
    if name.endswith(("'s", "\u2019s")):
        return name
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _signed(value: float, spec: str) -> str:
    """``-7.04`` -> ``"\u22127.0"`` (a true minus, as the pages write it); a difference that
    rounds to nothing is ``"0"`` in that format, never ``"-0.0"``."""
    text = format(value, spec)
    if float(text.replace(",", "")) == 0:
        return format(0.0, spec)
    return text.replace("-", "\u2212") if text.startswith("-") else f"+{text}"


def _fmt(value: float, unit: str) -> str:
    """A figure as the pages write it: a percentage to one decimal, a count with thousands
    separators, a negative with a true minus."""
    text = f"{value:.1f}%" if unit == "percent" else f"{value:,.0f}"
    return text.replace("-", "\u2212", 1)


def reconcile(
    monthly: pd.DataFrame,
    area: Area,
    period_end: str,
    months: int = 12,
    figures: pd.DataFrame | None = None,
) -> Reconciliation:
    """The project's published figures for ``area`` in the period beside the edition's own.

    Parameters
    ----------
    monthly
        The edition's crimes and ASB by month and ward (:func:`monthly_totals`).
    area
        The area: figures for its local authority and its wards are used.
    period_end, months
        The period: ``months`` months to ``period_end`` (``YYYY-MM``). A published figure is used
        when its own period lies within it (a change: its later period).
    figures
        The published figures (default ``data/reference/published_figures.csv``).

    Returns
    -------
    Reconciliation
        One row per figure (:data:`COLUMNS`): the published value, the edition's, the difference
        (edition less published; for a share or a change, in percentage points, with no
        ``difference_pct``), the basis, the source and the known reasons they differ. The edition's
        value is missing, with a note, where the edition does not cover the months it needs.
    """
    table = published_figures() if figures is None else figures
    table = table.reset_index() if "figure_id" not in table.columns else table
    end = pd.Period(period_end, "M")
    span = pd.period_range(end - (months - 1), end, freq="M")
    label = period_label(end, months)
    places = {area.lad_code, *area.wards}
    mine = table[table["geography"].isin(places) & table["metric"].isin(list(COMPARISONS))]
    if mine.empty:
        return Reconciliation(
            pd.DataFrame(columns=list(COLUMNS)),
            f"Nothing to reconcile for {area.name}: the project holds no published figures for it "
            "(data/reference/published_figures.csv).",
        )
    rows = []
    ends: list[pd.Period] = []
    for _, figure in mine.iterrows():
        comparison = COMPARISONS[str(figure["metric"])]
        periods = _periods(comparison, str(figure["period"]))
        if periods is None:
            continue
        ends.append(periods[0][-1])
        if not set(periods[0]) <= set(span):
            continue
        rows.append(_row(figure, comparison, periods, monthly, area))
    if not rows:
        held = f" (they are for periods ending {min(ends)} to {max(ends)})" if ends else ""
        return Reconciliation(
            pd.DataFrame(columns=list(COLUMNS)),
            f"Nothing to reconcile for {area.name} in {label}: none of the published figures the "
            f"project holds for it falls within {span[0]} to {span[-1]}{held}.",
        )
    return Reconciliation(pd.DataFrame(rows, columns=list(COLUMNS)))


def _periods(
    comparison: Comparison, text: str
) -> tuple[pd.PeriodIndex, pd.PeriodIndex | None] | None:
    if comparison.kind == "change":
        pair = change_months(text)
        return None if pair is None else (pair[0], pair[1])
    months = period_months(text)
    return None if months is None else (months, None)


def _row(
    figure: pd.Series,
    comparison: Comparison,
    periods: tuple[pd.PeriodIndex, pd.PeriodIndex | None],
    monthly: pd.DataFrame,
    area: Area,
) -> dict[str, object]:
    now, before = periods
    published = float(figure["value"])
    geography = str(figure["geography"])
    needed = list(now) + (list(before) if before is not None else [])
    missing = _missing(monthly, pd.PeriodIndex(needed, freq="M"))
    edition, note = np.nan, ""
    if missing:
        note = f"the edition does not cover {_span(missing)}"
    elif comparison.kind == "count":
        edition = _sum(monthly, now, comparison.counts)
    elif comparison.kind == "share":
        whole = _sum(monthly, now, comparison.counts)
        part = _sum(monthly, now, comparison.counts, ward=geography)
        edition = 100 * part / whole if whole else np.nan
        ward = area.wards.get(geography, geography)
        note = f"{_possessive(ward)} share of {area.name}'s crimes"
    else:  # a change between two periods, per cent
        assert before is not None
        previous = _sum(monthly, before, comparison.counts)
        current = _sum(monthly, now, comparison.counts)
        edition = 100 * (current / previous - 1) if previous else np.nan
    percent = comparison.kind in ("share", "change")
    difference = edition - published
    return {
        "figure_id": figure["figure_id"],
        "label": comparison.label,
        "period": str(figure["period"]),
        "geography": geography,
        "published": published,
        "edition": edition,
        "difference": difference,
        "difference_pct": np.nan if percent or not published else 100 * difference / published,
        "unit": "percent" if percent else str(figure["unit"]),
        "basis": comparison.basis,
        "source": str(figure["source"]),
        "source_url": str(figure["source_url"]),
        "reasons": "; ".join(comparison.reasons),
        "note": note,
    }
