"""The plan on a page: every objective of the three priorities with its measures, each measure's
latest value, change, the direction wanted and a status (configuration: ``data/reference/plan.yml``).

Police measures compare the edition's period with its comparison period; supplementary indicators
their latest period with the one before (:mod:`csa_stats.analysis.indicators`). Both use the same rule:
:func:`csa_stats.analysis.indicators.status_of_change`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from csa_stats.analysis import spc
from csa_stats.analysis.disclosure import is_sensitive, withhold_small_totals
from csa_stats.analysis.indicators import (
    IndicatorChange,
    load_indicators,
    period_label,
    status_of_change,
)
from csa_stats.analysis.measures import measure_changes, monthly_of, months_of
from csa_stats.params import RunParameters
from csa_stats.reference.definitions import load_definitions, load_serious_violence, select_measure
from csa_stats.reference.plan import load_plan
from csa_stats.reference.policy import load_disclosure_policy
from csa_stats.reference.taxonomy import Area


def plan_rows(
    incidents: pd.DataFrame,
    params: RunParameters,
    area: Area,
    indicators: dict[str, IndicatorChange],
    priority: str,
) -> pd.DataFrame:
    """One row per measure of the priority's objectives (and one per objective with none)."""
    plan = load_plan()[priority]
    keys = [e["police"] for o in plan["objectives"] for e in o.get("measures", []) if "police" in e]
    police = measure_changes(incidents, params, keys, area) if keys else pd.DataFrame()
    # as in the serious-violence chapter: a measure this source cannot give is followed through
    # its proxy where the definition names one (police.uk: robbery and possession of weapons)
    proxies = load_serious_violence().proxies
    proxied = [k for k in keys if k in proxies and not police.loc[k, "available"]]
    if proxied:
        police.loc[proxied] = measure_changes(incidents, params, proxied, area, instead=proxies)
    if keys:  # a sensitive measure's count of 1 to 4 is not published, even as a status
        police = withhold_small_totals(police)
    measures_all = load_definitions().measures
    months = months_of(incidents, params)
    rows = []
    for objective in plan["objectives"]:
        name = objective["objective"]
        if objective.get("no_measure"):
            rows.append(
                {"objective": name, "status": "no measure", "note": objective["no_measure"]}
            )
        for entry in objective.get("measures", []):
            if "police" in entry:
                key = str(entry["police"])
                measure = (proxies.get(key) if key in proxied else None) or measures_all[key]
                monthly = (
                    monthly_of(incidents.loc[select_measure(incidents, measure, area)], months)
                    if police.loc[key, "available"]
                    else None
                )
                rows.append(
                    {
                        **_police_row(name, entry, police.loc[key], params, monthly),
                        "key": key,
                        "series": _recent(monthly, police.loc[key]),
                    }
                )
            else:
                rows.append(
                    {
                        **_indicator_row(name, entry["indicator"], indicators),
                        "key": entry["indicator"],
                    }
                )
    return pd.DataFrame(rows)


#: Months of a police measure's series shown beside it (its sparkline).
RECENT_MONTHS = 24


def _recent(monthly: pd.Series | None, row: pd.Series) -> list[float] | None:
    """The last :data:`RECENT_MONTHS` months of a measure's series, for its sparkline; none for a
    measure not available, or one with a withheld count (a small month could be read off it)."""
    if monthly is None or row["current_withheld"] or row["previous_withheld"]:
        return None
    recent = monthly.tail(RECENT_MONTHS)
    policy = load_disclosure_policy()
    if is_sensitive(str(row.name)) and recent.between(policy.low, policy.high).any():
        return None
    return [float(v) for v in recent]


def spc_verdict(monthly: pd.Series | None, wanted: str | None) -> str:
    """The variation verdict of a measure's monthly series (:mod:`csa_stats.analysis.spc`, Making Data
    Count), as a label; empty when there are too few months (fewer than 24)."""
    if monthly is None or len(monthly) < 24:
        return ""
    x = spc.xmr(monthly, improvement=wanted)  # type: ignore[arg-type]
    return spc.verdict_label(spc.variation(x), spc.latest_side(x))


def _police_row(
    objective: str,
    entry: dict[str, Any],
    row: pd.Series,
    params: RunParameters,
    monthly: pd.Series | None = None,
) -> dict[str, object]:
    base: dict[str, object] = {
        "objective": objective,
        "measure": row["label"],
        "source": "police-recorded",
        "wanted": entry["wanted"],
    }
    if not row["available"]:
        return {**base, "status": "not available", "note": row["note"]}
    if row["current_withheld"] or row["previous_withheld"]:
        return {
            **base,
            "status": "withheld",
            "note": "withheld, a count from 1 to 4 in the period or the one before (it could "
            "identify a victim)",
        }
    difference = int(row["current"]) - int(row["previous"])
    verdict = str(row["verdict"])
    status = (
        "too few to judge"
        if verdict == "too few to judge"
        else status_of_change(difference, float(row["p_value"]), str(entry["wanted"]))
        if row["significant"]
        else "no clear change"
    )
    return {
        **base,
        "period": params.period.label,
        "latest": float(row["current"]),
        "unit": row["unit"],
        "previous": float(row["previous"]),
        "change_pct": float(row["change_pct"]),
        "status": status,
        "variation": spc_verdict(monthly, str(entry["wanted"])),
        "note": f"against {params.comparison.label}",
    }


def _indicator_row(
    objective: str, key: str, indicators: dict[str, IndicatorChange]
) -> dict[str, object]:
    meta = load_indicators()[key]
    base: dict[str, object] = {
        "objective": objective,
        "measure": meta.label,
        "wanted": meta.wanted,
    }
    change = indicators.get(key)
    if change is None:
        return {
            **base,
            "source": "",
            "status": "no data",
            "note": "no value in the indicator table",
        }
    notes = [f"{change.lag_months} months old at the period's end"]
    if change.stale:
        notes.append(f"STALE: older than {meta.stale_after_months} months")
    if change.status == "not tested":
        notes.append("change not tested (no counts given)")
    return {
        **base,
        "source": change.source,
        "period": period_label(change.latest_period, change.period_type),
        "latest": change.latest,
        "unit": meta.unit,
        "previous": change.previous if change.previous is not None else math.nan,
        "change_pct": change.change_pct,
        "change_points": change.change_points,
        "status": "stale" if change.stale else change.status,
        "note": "; ".join(notes),
    }
