"""An area with no city-centre ward: its city-centre measures say "not defined for this area",
select nothing and break nothing (the ward chart simply highlights no ward)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from csa_stats.analysis.measures import measure_changes
from csa_stats.params import parse_parameters
from csa_stats.reference.definitions import (
    CITY_CENTRE_UNDEFINED,
    availability,
    describe,
    load_definitions,
    select_measure,
)
from csa_stats.reference.taxonomy import Area

SM, HENLEY = "E05001228", "E05001223"
PARAMS = parse_parameters({"period_end": "2025-03"})


def _rows() -> list[tuple[str, str, str]]:
    # 2024/25: 3 shoplifting offences and 2 ASB reports in St Michael's, 1 offence in Henley
    return (
        [("2024-05", "46", SM)] * 3 + [("2024-06", "ASB-N", SM)] * 2 + [("2024-07", "46", HENLEY)]
    )


def test_city_centre_measures_are_not_defined_without_a_city_centre_ward(
    make_incidents, area: Area
) -> None:
    no_centre = dataclasses.replace(area, city_centre_ward=None)
    incidents = make_incidents(_rows())
    measures = load_definitions().measures
    for key in ("city_centre_crime", "city_centre_asb"):
        assert str(availability(measures[key], incidents, no_centre)) == CITY_CENTRE_UNDEFINED
        assert availability(measures[key], incidents, area) is None
        assert not select_measure(incidents, measures[key], no_centre).any()
        assert "in the city-centre ward (not defined for this area)" in describe(
            measures[key], no_centre
        )
    assert select_measure(incidents, measures["city_centre_crime"], area).sum() == 3
    assert "in the city-centre ward (St Michael's)" in describe(measures["city_centre_asb"], area)
    # a measure that does not need the city centre is unaffected
    assert availability(measures["total_recorded_crime"], incidents, no_centre) is None


def test_the_measure_table_says_so_instead_of_counting_zero(make_incidents, area: Area) -> None:
    no_centre = dataclasses.replace(area, city_centre_ward=None)
    keys = ["city_centre_crime", "total_recorded_crime"]
    table = measure_changes(make_incidents(_rows()), PARAMS, keys, no_centre)
    assert not table.loc["city_centre_crime", "available"]
    assert table.loc["city_centre_crime", "note"] == CITY_CENTRE_UNDEFINED
    assert table.loc["total_recorded_crime", "current"] == 4  # 3 + 1 shoplifting


def test_the_ward_chart_of_an_area_without_a_city_centre_highlights_none(
    make_incidents, area: Area, tmp_path: Path
) -> None:
    from csa_stats.chapters import key_findings
    from csa_stats.chapters.context import Chapter
    from csa_stats.edition import in_memory
    from csa_stats.sources.population import read_population

    no_centre = dataclasses.replace(area, city_centre_ward=None)
    incidents = make_incidents(_rows())
    ch = Chapter(in_memory(PARAMS, no_centre, incidents, read_population(area)), tmp_path)
    text = key_findings.wards_section(ch)
    assert "(downloads/crime-rates.csv)" in text  # the ward chart is there
    assert "the city centre, is highlighted" not in text
    with_centre = Chapter(in_memory(PARAMS, area, incidents, read_population(area)), tmp_path)
    assert (
        "St Michael's, the city centre, is highlighted: many more people visit, work and go out there than live there"
        in key_findings.wards_section(with_centre)
    )
