"""The command line: one-line errors naming the parameter, non-zero exit, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from csa_stats.cli import main
from csa_stats.reference.policy import load_spc_rules

CLI = [sys.executable, "-m", "csa_stats.cli"]


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        (["--period-end", "2026-01"], "period_end"),
        (["--period-end", "2024-3"], "period_end"),
        (["--period-end", "2017-06"], "period_end"),
        (["--period-end", "2024-03", "--baseline-year", "2015"], "baseline_year"),
        (["--period-end", "2024-03", "--period-months", "0"], "period_months"),
        (["--preset", "2030/31"], "preset"),
    ],
)
def test_a_wrong_parameter_gives_one_line_naming_it(
    args: list[str], parameter: str, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--output", str(site), "--no-progress", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"csa-stats: error: parameter {parameter}:")
    assert not site.exists()


def test_check_reports_the_period() -> None:
    result = CliRunner().invoke(main, ["check", "--preset", "2023/24"])
    assert result.exit_code == 0, result.output
    assert "April 2023 to March 2024" in result.output


def test_a_bad_data_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "extract.csv"
    bad.write_text("not,a,table\n1,2,3\n")
    result = CliRunner().invoke(
        main, ["check", "--source", "extract", "--data", str(bad), "--period-end", "2024-03"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"csa-stats: error: {bad}: missing column")


def test_the_installed_command_exits_non_zero() -> None:
    done = subprocess.run(
        [*CLI, "build", "--period-end", "2024-13"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "csa-stats: error: parameter period_end: '2024-13' is not a month in the form YYYY-MM "
        "(for example 2024-03)"
    )


def test_a_broken_definition_file_is_named_and_nothing_is_built(
    tmp_path: Path, monkeypatch
) -> None:
    import shutil

    from csa_stats import paths
    from csa_stats.reference import definitions

    reference = tmp_path / "reference"
    shutil.copytree(paths.reference_dir(), reference)
    sv = reference / "serious_violence.yml"
    sv.write_text(sv.read_text().replace("on_track: 0.8", "on_track: 0.1"))
    monkeypatch.setattr(paths, "reference_dir", lambda: reference)
    definitions.load_definitions.cache_clear()
    definitions.load_serious_violence.cache_clear()
    try:
        site = tmp_path / "site"
        result = CliRunner().invoke(
            main, ["build", "--output", str(site), "--no-progress", "--period-end", "2024-03"]
        )
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            f"csa-stats: error: {sv}: status thresholds need 0 < off_track < on_track < 1; "
            "got off_track 0.2, on_track 0.1"
        )
        assert not site.exists()
    finally:
        definitions.load_definitions.cache_clear()
        definitions.load_serious_violence.cache_clear()


def test_too_little_data_for_the_projection_is_one_line(tmp_path: Path) -> None:
    # the data start in April 2017: 21 months to December 2018, fewer than the model needs
    site = tmp_path / "site"
    args = ["--period-end", "2018-12", "--period-months", "3", "--baseline-year", "2018"]
    result = CliRunner().invoke(main, ["build", "--output", str(site), "--no-progress", *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "csa-stats: error: parameter period_end: the serious-violence projection needs at least 24 months of data to "
        "the period's end (2018-12); the data start in 2017-04"
    )
    assert not site.exists()


def _project_with(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, Path]:
    """A copy of the project's configuration with one policy file broken."""
    import shutil

    from csa_stats import paths

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(paths.project_root() / "_config.yml", root / "_config.yml")
    shutil.copytree(paths.reference_dir(), root / "data" / "reference")
    broken = root / "data" / "reference" / name
    text = broken.read_text()
    assert old in text
    broken.write_text(text.replace(old, new))
    return root, broken


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_broken_change_policy_is_one_line_before_anything_runs(
    tmp_path: Path, command: str
) -> None:
    import os

    root, broken = _project_with(tmp_path, "changes.yml", "min_count: 20", "min_count: twenty")
    site = tmp_path / "site"
    args = [command] + (["--output", str(site), "--no-progress"] if command == "build" else [])
    done = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CSA_STATS_ROOT": str(root)},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"csa-stats: error: {broken}: invalid literal for int() with base 10: 'twenty'"
    )
    assert not site.exists()


def test_a_broken_spc_rule_is_found_by_check(tmp_path: Path, monkeypatch) -> None:
    from csa_stats import paths

    root, broken = _project_with(tmp_path, "spc.yml", "shift_run: 7", "shift_run: 1")
    monkeypatch.setattr(paths, "reference_dir", lambda: root / "data" / "reference")
    load_spc_rules.cache_clear()
    try:
        result = CliRunner().invoke(main, ["check"])
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            f"csa-stats: error: {broken}: shift_run: Value error, shift_run is 1: a run must be "
            "at least 2 points long (MDC uses 7)"
        )
    finally:
        load_spc_rules.cache_clear()
