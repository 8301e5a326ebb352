"""The methodology page's figures come from the configuration and the calibration run."""

from __future__ import annotations

import json
import re

from csa_stats import paths
from csa_stats.presentation import methodology


def test_the_rules_in_force_are_read_from_the_configuration() -> None:
    figures = methodology.substitutions()
    # data/reference/changes.yml, serious_violence.yml and spc.yml as committed
    assert figures["alpha"] == "5%"
    assert figures["min_count"] == "20"
    assert figures["on_track"] == "80%" and figures["off_track"] == "20%"
    assert figures["chance_lowest"] == "5%" and figures["chance_highest"] == "95%"
    assert figures["drift_probability"] == "50%" and figures["still_level_probability"] == "50%"
    assert figures["drift_sd"] == "0.20" and figures["level_volatility_median"] == "0.12"
    assert figures["level_volatility_range"] == "0.01 to 0.32"
    assert figures["drift_volatility_range"] == "0.0025 to 0.08"
    assert figures["spc_limit"] == "2.66"
    assert figures["shift_run"] == "7" and figures["trend_run"] == "7"
    assert figures["withheld_symbol"] == "[c]"  # data/reference/disclosure.yml


def test_the_calibration_tables_hold_every_cell_of_the_run() -> None:
    results = json.loads((paths.reference_dir() / "calibration.json").read_text())
    figures = methodology.substitutions()
    table = figures["projection_table"]
    for scenario in results["projection"].values():
        assert scenario["label"] in table
    rows = figures["change_test_table"].splitlines()[2:]
    assert len(rows) == len({c["phi"] for c in results["change_test"]})
    met = sum(t["met"] for t in results["targets"].values())
    assert figures["targets_met"] == f"{met} of {len(results['targets'])}"


def test_every_substitution_the_pages_use_is_defined() -> None:
    from csa_stats.build.pages import EDITION_SUBSTITUTIONS

    figures = methodology.substitutions()
    for page in sorted((paths.project_root() / "book").glob("*.md")):
        for name in re.findall(r"\{\{\s*(\w+)\s*\}\}", page.read_text()):
            assert name in figures or name in EDITION_SUBSTITUTIONS, (page.name, name)


def test_the_front_page_describes_the_plan_in_the_configuration() -> None:
    figures = methodology.substitutions()
    # data/reference/plan.yml as committed: its name and its three priorities' titles
    assert figures["plan_name"] == "Coventry Community Safety Partnership Plan 2025-2028"
    assert figures["plan_priority_count"] == "three priorities"
    assert figures["plan_priorities"] == (
        "1. reducing offending, reoffending and serious violence;\n"
        "2. public place safety and reassurance;\n"
        "3. tackling exploitation and protecting victims of crime."
    )


def test_the_status_table_says_how_often_each_status_came_true() -> None:
    """Worked by hand: a world whose 4 on-track paths met the goal 3 times (75%), 1 at risk
    that met it, and none off track."""
    results = {
        "projection": {
            "x": {
                "label": "a made-up world",
                "statuses": {
                    "on track": {"paths": 4, "goal_met": 0.75},
                    "at risk": {"paths": 1, "goal_met": 1.0},
                    "off track": {"paths": 0, "goal_met": float("nan")},
                },
            }
        }
    }
    rows = methodology.status_table(results).splitlines()
    assert rows[0] == "| World | On track | At risk | Off track |"
    assert rows[2] == "| a made-up world | 75% of 4 | 100% of 1 | none |"


def test_the_told_the_truth_sentence_gives_the_ranges_over_the_worlds() -> None:
    results = {
        "projection": {
            "a": {"told_brier_skill": 0.84, "told_spiegelhalter_z": -1.63},
            "b": {"told_brier_skill": 0.31, "told_spiegelhalter_z": 0.01},
        }
    }
    assert methodology.told_the_truth(results) == (
        "A forecaster told each simulated area's true level up to the end of the data, and its "
        "world's law after it, with its chances stated the same way, would have had a Brier "
        "skill of 0.31 to 0.84 (no forecaster could expect more) and a z of \u22121.6 to 0.0 "
        "across these worlds (so the way a chance is stated does not by itself push z beyond "
        "\u00b13)."
    )
    assert methodology.told_the_truth({"projection": {"a": {"brier_skill": 0.5}}}) == ""


def test_the_calibration_tables_download_unrounded_with_every_row() -> None:
    """Worked by hand: one cell of the change test and one world with two statuses given."""
    results = {
        "change_test": [{"phi": 2.6, "mean": 70, "fall": 0.2, "clear": 0.6513}],
        "projection": {
            "b": {
                "label": "trend, NB phi 2.6",
                "paths": 200,
                "coverage_80": 0.89,
                "coverage_95": 0.995,
                "brier_skill": 0.5812,
                "spiegelhalter_z": -3.521,
                "statuses": {
                    "on track": {"paths": 120, "goal_met": 0.9917},
                    "at risk": {"paths": 80, "goal_met": 0.55},
                },
            }
        },
    }
    tables = methodology.calibration_downloads(results)
    assert set(tables) == set(methodology.DOWNLOADS)
    assert tables["change_test"].iloc[0].tolist() == [2.6, 70, 0.2, 0.6513]
    world = tables["projection"].iloc[0]
    assert (world["coverage_95"], world["spiegelhalter_z"]) == (0.995, -3.521)
    assert world.isna()["told_brier_skill"]  # not measured in this run
    statuses = tables["statuses"].set_index("status")
    assert statuses.loc["on track", ["paths", "goal_met"]].tolist() == [120, 0.9917]
    assert statuses.loc["off track", "paths"] == 0  # every status has its row
    empty = methodology.calibration_downloads(None)
    assert all(len(t) == 0 and len(t.columns) for t in empty.values())


def test_published_figures_are_quoted_from_the_projects_table() -> None:
    figures = methodology.substitutions()
    # data/reference/published_figures.csv: ASB +22.6%, TRC 2024/25 -7, modern slavery -51.3
    assert figures["published_asb_change_2023_24"] == "22.6%"
    assert figures["published_trc_change_2024_25"] == "7%"
    assert figures["published_modern_slavery_change_2023_24"] == "51.3%"
    assert figures["published_population_2021"] == "345,300"
    assert figures["published_trc_rate_2024_25"] == "99.2"
