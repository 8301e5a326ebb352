"""The methodology page's figures, made from the configuration and the calibration run.

The page (``book/methodology.md``) states the rules in force and how well the verdicts held up in
``make calibrate``'s run; none of those numbers is typed. Each is a MyST substitution
(``{{ name }}``) that the book's Sphinx extension fills from :func:`substitutions`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from csa_stats import paths
from csa_stats.analysis import spc
from csa_stats.reference.definitions import load_serious_violence
from csa_stats.reference.plan import load_plan, plan_name
from csa_stats.reference.policy import load_change_policy, load_disclosure_policy, load_spc_rules
from csa_stats.reference.published import published_figures


def _pct(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return ".."
    return f"{100.0 * value:.{digits}f}%"


def _signed(value: float, digits: int) -> str:
    """A figure with a true minus sign, and no "-0.0": ``-0.08`` -> ``"\u22120.08"``."""
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if float(text) == 0 else text.replace("-", "\u2212")


def _range(grid: tuple[float, ...]) -> str:
    """``(0.01, ..., 0.32)`` -> ``"0.01 to 0.32"``."""
    return f"{min(grid):g} to {max(grid):g}"


def calibration_results() -> dict[str, Any] | None:
    """The calibration run (``data/reference/calibration.json``), or ``None`` if none was made."""
    path = paths.reference_file(paths.CALIBRATION)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def change_test_table(results: dict[str, Any]) -> str:
    """False alarms (no true change called clear) by dispersion and monthly mean, and the power
    to see a 20% fall, as a Markdown table."""
    cells = results["change_test"]
    means = sorted({int(c["mean"]) for c in cells})
    phis = sorted({float(c["phi"]) for c in cells})
    falls = sorted({float(c["fall"]) for c in cells})
    biggest = max(falls)

    def rate(phi: float, mean: int, fall: float) -> str:
        found = [c for c in cells if c["phi"] == phi and c["mean"] == mean and c["fall"] == fall]
        return _pct(found[0]["clear"], 1) if found else ".."

    head = "| Dispersion | " + " | ".join(f"{m:,} a month" for m in means) + " |"
    lines = [head, "|---|" + "--:|" * len(means)]
    for phi in phis:
        row = " | ".join(f"{rate(phi, m, 0.0)} ({rate(phi, m, biggest)})" for m in means)
        lines.append(f"| {phi:g} | {row} |")
    return "\n".join(lines)


def projection_table(results: dict[str, Any]) -> str:
    """Each scenario's interval coverage, Brier skill and Spiegelhalter's z, as a Markdown table."""
    lines = [
        "| World | Paths | 80% interval covers | 95% interval covers | Brier skill | z |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for figures in results["projection"].values():
        lines.append(
            f"| {figures['label']} | {figures['paths']:,} | {_pct(figures['coverage_80'], 1)} | "
            f"{_pct(figures['coverage_95'], 1)} | {_signed(figures['brier_skill'], 2)} | "
            f"{_signed(figures['spiegelhalter_z'], 1)} |"
        )
    return "\n".join(lines)


def told_the_truth(results: dict[str, Any]) -> str:
    """The Brier skill and z of a forecaster told each simulated path's truth, over the worlds,
    as words: "0.31 to 0.88" and "−2.8 to 0.0" ("" when the run did not measure them)."""
    worlds = [w for w in results["projection"].values() if "told_spiegelhalter_z" in w]
    if not worlds:
        return ""
    skill = [w["told_brier_skill"] for w in worlds]
    z = [w["told_spiegelhalter_z"] for w in worlds]

    return (
        "A forecaster told each simulated area's true level up to the end of the data, and its "
        "world's law after it, with its chances stated the same way, would have had a Brier "
        f"skill of {min(skill):.2f} to {max(skill):.2f} (no forecaster could expect more) and a z "
        f"of {_signed(min(z), 1)} to {_signed(max(z), 1)} across these worlds (so the way a chance is "
        "stated does not by itself push z beyond \u00b13)."
    )


#: The statuses, in the order a reader meets them.
STATUSES = ("on track", "at risk", "off track")


def status_table(results: dict[str, Any]) -> str:
    """In each world, how often the goal was met among the paths given each status, as a Markdown
    table: "66% of 102" would be 102 paths called that, 66% of which met the goal."""
    lines = [
        "| World | " + " | ".join(s.capitalize() for s in STATUSES) + " |",
        "|---|" + "--:|" * len(STATUSES),
    ]
    for figures in results["projection"].values():
        cells = []
        for status in STATUSES:
            given = figures["statuses"].get(status, {"paths": 0, "goal_met": None})
            cells.append(
                f"{_pct(given['goal_met'])} of {given['paths']:,}" if given["paths"] else "none"
            )
        lines.append(f"| {figures['label']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: The fewest simulated areas a world must have given a status for its share to be quoted.
MIN_STATUS_PATHS = 20


def status_track_record(
    status: str, results: dict[str, Any] | None = None
) -> tuple[float, float] | None:
    """The lowest and the highest share, over the calibration's worlds, of the simulated areas
    given ``status`` that met the goal (worlds with fewer than :data:`MIN_STATUS_PATHS` such
    areas left out); ``None`` without a calibration run or such a world.

    >>> run = {"projection": {"a": {"statuses": {"at risk": {"paths": 40, "goal_met": 0.25}}},
    ...                       "b": {"statuses": {"at risk": {"paths": 30, "goal_met": 0.6}}},
    ...                       "c": {"statuses": {"at risk": {"paths": 3, "goal_met": 1.0}}}}}
    >>> status_track_record("at risk", run)
    (0.25, 0.6)
    """
    results = calibration_results() if results is None else results
    if results is None:
        return None
    shares = [
        float(given["goal_met"])
        for figures in results["projection"].values()
        if (given := figures.get("statuses", {}).get(status))
        and given["paths"] >= MIN_STATUS_PATHS
        and math.isfinite(given["goal_met"])
    ]
    return (min(shares), max(shares)) if shares else None


#: The methodology tables' downloads, written by the build beside the generated pages.
DOWNLOADS = {
    "change_test": "calibration-change-test.csv",
    "projection": "calibration-projection.csv",
    "statuses": "calibration-statuses.csv",
}


#: Each world's figures in the projection table's download (the told-the-truth ones when measured).
_WORLD_FIGURES = (
    "coverage_80",
    "coverage_95",
    "brier_skill",
    "spiegelhalter_z",
    "told_brier_skill",
    "told_spiegelhalter_z",
)


def calibration_downloads(results: dict[str, Any] | None) -> dict[str, pd.DataFrame]:
    """The figures of the page's three calibration tables, unrounded, for their CSV downloads
    (named by :data:`DOWNLOADS`); tables with their columns and no rows when no run was made."""
    change, projection, statuses = [], [], []
    for cell in (results or {}).get("change_test", []):
        change.append(
            {
                "dispersion": cell["phi"],
                "monthly_mean": cell["mean"],
                "true_fall": cell["fall"],
                "called_clear": cell["clear"],
            }
        )
    for key, world in (results or {}).get("projection", {}).items():
        projection.append(
            {
                "world": key,
                "label": world["label"],
                "paths": world["paths"],
                **{name: world.get(name) for name in _WORLD_FIGURES},
            }
        )
        for status in STATUSES:
            given = world["statuses"].get(status, {"paths": 0, "goal_met": None})
            statuses.append(
                {
                    "world": key,
                    "label": world["label"],
                    "status": status,
                    "paths": given["paths"],
                    "goal_met": given["goal_met"],
                }
            )
    columns = {
        "change_test": ["dispersion", "monthly_mean", "true_fall", "called_clear"],
        "projection": ["world", "label", "paths", *_WORLD_FIGURES],
        "statuses": ["world", "label", "status", "paths", "goal_met"],
    }
    rows = {"change_test": change, "projection": projection, "statuses": statuses}
    return {name: pd.DataFrame(rows[name], columns=columns[name]) for name in DOWNLOADS}


def published_values() -> dict[str, str]:
    """Each published figure in the project's table (``published_figures.csv``) as the pages
    that describe the demonstration data quote it: a percentage as its size (``{"published_asb_
    change_2023_24": "22.6%"}``; the direction is in the page's words), anything else as written
    (``{"published_population_2021": "345,300"}``)."""
    out = {}
    for figure_id, row in published_figures().iterrows():
        value = float(row["value"])
        if row["unit"] == "percent":
            out[f"published_{figure_id}"] = f"{abs(value):g}%"
        else:
            out[f"published_{figure_id}"] = f"{value:,.0f}" if value.is_integer() else f"{value:,}"
    return out


def plan_substitutions() -> dict[str, str]:
    """The plan as the front page describes it: its name, how many priorities it has (in words)
    and their titles as a numbered list, from ``data/reference/plan.yml``."""
    from csa_stats.presentation.narrative import counted

    titles = [str(p["title"]) for p in load_plan().values()]
    return {
        "plan_name": plan_name(),
        "plan_priority_count": counted(len(titles), "priority", "priorities"),
        "plan_priorities": "\n".join(
            f"{number}. {title[:1].lower()}{title[1:]}{';' if number < len(titles) else '.'}"
            for number, title in enumerate(titles, start=1)
        ),
    }


def substitutions() -> dict[str, str]:
    """Every figure the methodology page (and the other hand-written pages) states, by name."""
    policy = load_change_policy()
    sv = load_serious_violence()
    rules = load_spc_rules()
    out = {
        **published_values(),
        **plan_substitutions(),
        "alpha": _pct(policy.alpha),
        "min_count": f"{policy.min_count:,}",
        "min_dispersion_df": str(policy.min_dispersion_df),
        "dispersion_months": str(policy.dispersion_months),
        "assumed_dispersion": f"{policy.assumed_dispersion:g}",
        "on_track": _pct(sv.on_track),
        "off_track": _pct(sv.off_track),
        "chance_lowest": _pct(sv.chance_lowest),
        "chance_highest": _pct(sv.chance_highest),
        "chance_step": f"{100 * sv.chance_step:.0f}",
        # The projection's prior (serious_violence.yml, projection:).
        "drift_probability": _pct(sv.prior.drift_probability),
        "drift_sd": f"{sv.prior.drift_sd:.2f}",
        "drift_volatility_range": _range(sv.prior.drift_grid),
        "still_level_probability": _pct(sv.prior.still_level_probability),
        "level_volatility_median": f"{sv.prior.level_median:.2f}",
        "level_volatility_log_sd": f"{sv.prior.level_log_sd:g}",
        "level_volatility_range": _range(sv.prior.level_grid),
        "simulations": f"{sv.simulations:,}",
        "spc_limit": f"{spc.LIMIT:g}",
        "withheld_symbol": load_disclosure_policy().shown_as,
        "shift_run": str(rules.shift_run),
        "trend_run": str(rules.trend_run),
    }
    results = calibration_results()
    if results is None:
        out.update(
            calibration_date="(no calibration run yet)",
            change_test_table="The calibration run (`make calibrate`) has not been made.",
            power_fall="..",
            projection_table="",
            status_table="",
            told_the_truth="",
            backtest="",
            targets_met="..",
        )
        return out
    targets = results["targets"]
    met = sum(1 for t in targets.values() if t["met"])
    back = results.get("backtest", {})
    backtest = (
        f"{back['inside_80']} of {back['count']} inside the 80% intervals and "
        f"{back['inside_95']} of {back['count']} inside the 95% intervals"
        if "count" in back
        else "not run"
    )
    settings = results["settings"]
    out.update(
        calibration_date=str(results["generated"])[:10],
        change_test_table=change_test_table(results),
        power_fall=_pct(max(float(c["fall"]) for c in results["change_test"])),
        projection_table=projection_table(results),
        status_table=status_table(results),
        told_the_truth=told_the_truth(results),
        backtest=backtest,
        targets_met=f"{met} of {len(targets)}",
        series_per_cell=f"{settings['series_per_cell']:,}",
        paths_per_scenario=f"{settings['paths_per_scenario']:,}",
    )
    return out
