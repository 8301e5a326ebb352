"""The edition: made once, written whole, opened by chapters for the tables they declare, and
keying each chapter by exactly the inputs it reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from csa_stats import paths
from csa_stats.build.fingerprint import chapter_keys
from csa_stats.chapters import CHAPTERS
from csa_stats.edition import EditionError, open_edition, prepare_edition
from csa_stats.errors import UserError

#: Which chapters read which input, written out from the chapters' pages: the plan on a page
#: shows the indicators and the peer comparison; ward populations give the rates per resident of
#: the key findings, the priorities' hotspots and the wards, which are also mapped.
READERS = {
    "population": {
        "key_findings",
        "priority_offending",
        "priority_public_places",
        "priority_exploitation",
        "wards",
    },
    "indicators": {"plan_on_a_page"},
}


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Copies of the demo's ward populations and indicators, to change in place."""
    out = {
        "population": tmp_path / "wards.csv",
        "indicators": tmp_path / "indicators.csv",
    }
    shutil.copy(paths.demo_population_path(), out["population"])
    shutil.copy(paths.demo_indicators_path(), out["indicators"])
    return out


def _keys(inputs: dict[str, Path], cache: Path) -> dict[str, str]:
    edition = prepare_edition(
        {
            "period_end": "2024-03",
            "population_path": str(inputs["population"]),
            "indicators_path": str(inputs["indicators"]),
        },
        editions_dir=cache,
    )
    return chapter_keys(edition.manifest, CHAPTERS)


@pytest.mark.parametrize("changed", ["population", "indicators"])
def test_changing_an_input_in_place_changes_the_keys_of_exactly_the_chapters_that_read_it(
    inputs: dict[str, Path], tmp_path: Path, changed: str
) -> None:
    before = _keys(inputs, tmp_path / "editions")
    path = inputs[changed]
    if changed == "population":
        table = pd.read_csv(path)
        table.loc[0, "population"] += 1  # one more resident in one ward
        table.to_csv(path, index=False)
    else:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table.loc[0, "source"] = table.loc[0, "source"] + " (revised)"
        table.to_csv(path, index=False)
    after = _keys(inputs, tmp_path / "editions")
    rerun = {name for name in before if before[name] != after[name]}
    assert rerun == READERS[changed]


def test_an_unchanged_request_reuses_the_edition_and_reads_no_input_again(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch
) -> None:
    from csa_stats import edition

    values = {"period_end": "2024-03", "population_path": str(inputs["population"])}
    first = prepare_edition(values, editions_dir=tmp_path)
    monkeypatch.setattr(edition, "_read", lambda *a, **k: pytest.fail("read the inputs again"))
    again = prepare_edition(values, editions_dir=tmp_path)
    assert again.folder == first.folder and again.manifest == first.manifest


def test_a_chapter_reads_only_the_tables_it_declares(tmp_path: Path) -> None:
    made = prepare_edition({"period_end": "2024-03"}, editions_dir=tmp_path)
    assert made.folder is not None
    opened = open_edition(made.folder / paths.MANIFEST, ["data"])
    assert len(opened.incidents) == len(made.incidents)
    with pytest.raises(EditionError, match="opened without its 'population' table"):
        _ = opened.population


def test_a_table_that_is_not_the_one_the_manifest_lists_is_refused(tmp_path: Path) -> None:
    made = prepare_edition({"period_end": "2024-03"}, editions_dir=tmp_path)
    assert made.folder is not None
    table = made.folder / "population.parquet"
    pd.read_parquet(table).head(3).to_parquet(table)
    with pytest.raises(EditionError, match="not the table the manifest lists"):
        open_edition(made.folder / paths.MANIFEST)
    assert issubclass(EditionError, UserError)


def test_the_manifest_records_each_input_and_the_period_the_data_gave(tmp_path: Path) -> None:
    made = prepare_edition({}, editions_dir=tmp_path)
    manifest = made.manifest
    # no period end given: the demo's last month (its data run from April 2017 to March 2025)
    assert manifest.parameters["period_end"] == "2025-03"
    assert (manifest.first_month, manifest.last_month) == ("2017-04", "2025-03")
    assert set(manifest.inputs) == {
        "boundaries",  # Coventry's, committed: the maps are drawn from them
        "data",
        "population",
        "indicators",
        "reference",
        "edition_code",
    }
    assert made.folder is not None and made.folder.name == "reference"


def test_check_writes_no_edition(tmp_path: Path) -> None:
    checked = prepare_edition(
        {"period_end": "2024-03"}, write=False, reuse=False, editions_dir=tmp_path
    )
    assert checked.folder is None and not any(tmp_path.iterdir())


def test_a_new_source_is_a_module_and_one_registry_entry(monkeypatch, tmp_path: Path) -> None:
    """A source added as one entry of the registry (its loader standing for its module) is taken
    by the parameters, allowed by the tidy table's schema and described on the pages, with no
    other edit (the command line's help lists the registry's names when it is imported)."""
    from csa_stats.params import parse_parameters
    from csa_stats.sources import registry
    from csa_stats.sources.demo import read_demo
    from csa_stats.sources.schema import validate_incidents

    def load(params, area, write_cache):  # the new module: the demo's rows, as a partner's file
        table = read_demo(Path(params.data_path)).assign(source="partner-file")
        return registry.Loaded(validate_incidents(table, area, params.data_path))

    partner = registry.Source(
        name="partner-file",
        data_kind="file",
        describe=lambda path: f"the partner's file {Path(path).name}",
        fingerprint=lambda params: registry._file_sha256(Path(params.data_path)),
        load=load,
    )
    monkeypatch.setitem(registry.SOURCES, partner.name, partner)
    data = tmp_path / "partner.parquet"
    shutil.copy(paths.demo_incidents_path(), data)

    params = parse_parameters({"source": "partner-file", "data_path": str(data)})
    edition = prepare_edition(params, write=False, reuse=False)
    assert edition.source_label() == "the partner's file partner.parquet"
    assert set(edition.incidents["source"].astype(str)) == {"partner-file"}
