"""The peer comparison's arithmetic and inputs, on hand-built numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csa_stats.analysis.peers import funnel
from csa_stats.sources.population import PeerError, read_lad_population


def test_limits_are_exact_poisson_around_the_pooled_rate_and_nest() -> None:
    counts = pd.Series([500, 1000, 5000, 200], index=list("ABCD"))
    people = pd.Series([100_000, 200_000, 1_000_000, 100_000], index=list("ABCD"))
    table, curve = funnel(counts, people)
    pooled = 6700 / 1_400_000
    assert table["pooled_rate"].iloc[0] == pytest.approx(1000 * pooled)
    # A's 95% upper limit: the 97.5% quantile of Poisson(pooled x 100,000), as a rate per 1,000
    assert table.loc["A", "high_0.95"] == pytest.approx(
        1000 * stats.poisson.ppf(0.975, pooled * 100_000) / 100_000
    )
    assert (table["low_0.998"] <= table["low_0.95"]).all()
    assert (table["high_0.95"] <= table["high_0.998"]).all()
    # D (2.0 per 1,000 against 4.8) is far below; C, the largest, sits near the pooled rate
    assert table.loc["D", "outside"] == "below" and table.loc["C", "outside"] == "within"
    # the funnel narrows as the population grows
    width = curve["high_0.95"] - curve["low_0.95"]
    assert width.iloc[0] > width.iloc[-1]


def test_rates_are_per_1000_residents() -> None:
    table, _ = funnel(pd.Series([345]), pd.Series([345_300]))
    assert table["rate"].iloc[0] == pytest.approx(0.999, abs=1e-3)
    assert np.isfinite(table["high_0.998"].iloc[0])


def test_the_population_template_is_valid_and_holds_coventry() -> None:
    from csa_stats import paths

    table = read_lad_population(paths.reference_dir() / "la_population_west_midlands.csv")
    assert table.loc["E08000026", "population"] == 345_300  # Census 2021, as in areas.yml
    assert len(table) == 7


def test_a_bad_population_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "lads.csv"
    path.write_text("lad_code,lad_name,population,source\nE08000026,Coventry,-5,x\n")
    with pytest.raises(PeerError, match=r"lads.csv: column 'population', row 2: value -5"):
        read_lad_population(path)
