"""Ward populations: every ward once, positive whole numbers, errors that name the row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csa_stats import paths
from csa_stats.sources.population import PopulationError, read_population


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "population.csv"
    frame.to_csv(path, index=False)
    return path


def test_the_demo_populations_read(area) -> None:
    assert len(read_population(area)) == 18


def test_a_negative_population_names_its_row(area, tmp_path: Path) -> None:
    frame = pd.read_csv(paths.demo_population_path())
    frame.loc[4, "population"] = -5
    with pytest.raises(PopulationError, match=r"population.csv: column 'population', row 6"):
        read_population(area, _write(tmp_path, frame))


def test_a_missing_ward_is_named(area, tmp_path: Path) -> None:
    frame = pd.read_csv(paths.demo_population_path()).iloc[1:]
    with pytest.raises(PopulationError, match="no population for ward"):
        read_population(area, _write(tmp_path, frame))


def test_an_unknown_ward_is_refused(area, tmp_path: Path) -> None:
    frame = pd.read_csv(paths.demo_population_path())
    frame.loc[0, "ward_code"] = "E05000001"
    with pytest.raises(PopulationError, match="column 'ward_code', row 2"):
        read_population(area, _write(tmp_path, frame))


def test_real_ward_populations_carry_no_demonstration_note(tmp_path, area) -> None:
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.params import parse_parameters
    from csa_stats.paths import demo_population_path

    real = tmp_path / "wards.csv"
    real.write_text(demo_population_path().read_text())  # the shape is what matters here
    for values, expected in (
        ({"period_end": "2025-03"}, "demonstration values"),
        ({"period_end": "2025-03", "population_path": str(real)}, ""),
    ):
        edition = in_memory(parse_parameters(values), area, pd.DataFrame(), pd.DataFrame())
        chapter = Chapter(edition, tmp_path)
        assert (
            (expected in chapter.population_note()) if expected else chapter.population_note() == ""
        )
