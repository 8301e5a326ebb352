"""Measure definitions: selection worked by hand, availability, and reconciliation on the demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from csa_stats import paths
from csa_stats.analysis.measures import measure_changes
from csa_stats.params import parse_parameters
from csa_stats.reference.definitions import (
    NOT_AVAILABLE,
    DefinitionError,
    load_definitions,
    select,
    select_measure,
)
from csa_stats.sources.demo import read_demo

SM, HENLEY = "E05001228", "E05001223"
PARAMS = parse_parameters({"period_end": "2025-03"})


@pytest.fixture
def small(make_incidents):
    frame = make_incidents(
        [
            ("2024-05", "5A", HENLEY),  # GBH: serious violence
            ("2024-06", "8N", SM),  # ABH with a knife, victim 16-17: serious youth violence
            ("2024-07", "8N", SM),  # ABH, no knife: not serious violence
            ("2024-08", "46", SM),  # shoplifting with a "knife" flag: not a violent offence
            ("2023-09", "1", HENLEY),  # homicide in the comparison period
            ("2024-10", "ASB-N", SM),
        ]
    )
    frame["knife"] = pd.array([False, True, False, True, False, False], dtype="boolean")
    frame["firearm"] = pd.array([False] * 6, dtype="boolean")
    frame["victim_age_band"] = pd.Categorical(["25-34", "16-17", "35-44", None, "45-54", None])
    return frame


def test_serious_violence_is_selected_as_the_definition_says(small, area) -> None:
    measures = load_definitions().measures
    assert select(small, measures["serious_violence"].filter, area).tolist() == [
        True,
        True,
        False,
        False,
        True,
        False,
    ]
    assert select(small, measures["serious_youth_violence"].filter, area).tolist() == [
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert select(small, measures["city_centre_crime"].filter, area).sum() == 3
    assert select(small, measures["asb"].filter, area).tolist() == [False] * 5 + [True]


def test_measure_changes_count_the_period_and_the_comparison(small, area) -> None:
    table = measure_changes(small, PARAMS, ["serious_violence", "homicide", "knife_crime"], area)
    assert table.loc["serious_violence", ["current", "previous"]].tolist() == [2, 1]
    assert table.loc["homicide", ["current", "previous"]].tolist() == [0, 1]
    assert table.loc["knife_crime", "current"] == 2


def test_a_measure_the_source_cannot_provide_is_not_available_not_zero(small, area) -> None:
    unrecorded = small.assign(hate=pd.array([pd.NA] * len(small), dtype="boolean"))
    table = measure_changes(
        unrecorded, PARAMS, ["hate_crime", "county_lines", "repeat_victims", "shoplifting"], area
    )
    assert not table.loc["hate_crime", "available"]
    assert pd.isna(table.loc["hate_crime", "current"])
    assert table.loc["hate_crime", "note"].startswith(NOT_AVAILABLE)
    assert "does not record child_exploitation" in table.loc["county_lines", "note"]
    assert "needs victim identifiers" in table.loc["repeat_victims", "note"]
    assert table.loc["shoplifting", "current"] == 1


def test_a_malformed_definition_names_the_measure(tmp_path: Path) -> None:
    raw = yaml.safe_load((paths.reference_dir() / "measures.yml").read_text())
    raw["measures"]["robbery"]["filter"] = {"offence_grups": ["Robbery"]}
    bad = tmp_path / "measures.yml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(DefinitionError, match="measure robbery: unknown filter key"):
        load_definitions(bad)


def test_editing_a_definition_changes_the_counts(small, area, tmp_path: Path) -> None:
    raw = yaml.safe_load((paths.reference_dir() / "measures.yml").read_text())
    # violence with injury (GBH, ABH x2, homicide = 4) narrowed to homicide alone
    assert (
        select(small, load_definitions().measures["violence_with_injury"].filter, area).sum() == 4
    )
    raw["measures"]["violence_with_injury"]["filter"] = {"offence_codes": ["1"]}
    edited = tmp_path / "measures.yml"
    edited.write_text(yaml.safe_dump(raw))
    spec = load_definitions(edited).measures["violence_with_injury"].filter
    assert select(small, spec, area).sum() == 1


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return read_demo()


@pytest.mark.parametrize("period_end", ["2024-03", "2025-03"])
def test_measures_never_exceed_the_totals_they_are_part_of(demo, area, period_end) -> None:
    definitions = load_definitions()
    keys = sorted({k for pair in definitions.part_of for k in pair} | {"shoplifting"})
    table = measure_changes(demo, parse_parameters({"period_end": period_end}), keys, area)
    for part, whole in definitions.part_of:
        for column in ("current", "previous"):
            assert table.loc[part, column] <= table.loc[whole, column], (part, whole, column)
    # and the total agrees with the published figure the demo is calibrated to
    if period_end == "2024-03":
        assert table.loc["total_recorded_crime", "current"] == 38_509
        assert table.loc["shoplifting", "change_pct"] == pytest.approx(44.5, abs=0.1)


# ---- definitions in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "unit", "words"),
    [
        ({"crime": True}, "offences", "all recorded crimes"),
        ({"crime": False}, "reports", "all ASB reports"),
        (
            {"crime": True, "flags": {"knife": True}},
            "offences",
            "recorded crimes flagged as involving a knife or sharp object",
        ),
        (
            {"crime": True, "flags": {"alcohol": True, "domestic_abuse": False}},
            "offences",
            "recorded crimes flagged as alcohol-related, not flagged as domestic abuse",
        ),
        (
            {"offence_codes": ["1", "5A"]},
            "offences",
            "offences with offence codes 1 (Homicide) or 5A (Wounding with intent (GBH))",
        ),
        (
            {"offence_groups": ["Robbery", "Drug offences", "Sexual offences"]},
            "offences",
            "offences in the offence groups Robbery, Drug offences or Sexual offences",
        ),
        (
            {"crime": False, "city_centre": True},
            "reports",
            "ASB reports in the city-centre ward (St Michael's)",
        ),
        (
            {"crime": True, "hours": [22, 23, 0, 1]},
            "offences",
            "recorded crimes recorded between 22:00 and 01:59",
        ),
        ({"hours": [9, 10, 11]}, "offences", "offences recorded between 09:00 and 11:59"),
        ({"hours": [1, 5]}, "offences", "offences recorded in the hours starting 01:00 or 05:00"),
        (
            {"victim_sex": "female", "victim_age_bands": ["16-17", "18-24"]},
            "offences",
            "offences with a female victim, with a victim aged 16-17 or 18-24",
        ),
        (
            {
                "any_of": [
                    {"offence_codes": ["1"]},
                    {"crime_types": ["Robbery"], "flags": {"firearm": True}},
                ]
            },
            "offences",
            "offences that meet any one of: (a) with offence code 1 (Homicide); or (b) of the "
            "police.uk crime type Robbery, flagged as involving a firearm",
        ),
    ],
)
def test_a_filter_reads_as_what_it_counts(spec, unit, words, area) -> None:
    from csa_stats.reference.definitions import describe_filter

    assert describe_filter(spec, unit, area) == words


def test_a_measure_says_what_it_needs_and_its_police_uk_form(area) -> None:
    from csa_stats.reference.definitions import describe, parse_measure

    missing = parse_measure("x", {"label": "X", "needs_field": "offender records"})
    assert describe(missing, area).startswith("needs offender records")
    shoplifting = parse_measure(
        "s",
        {
            "label": "S",
            "filter": {"offence_codes": ["46"]},
            "police_uk": {"crime_types": ["Shoplifting"]},
        },
    )
    assert describe(shoplifting, area) == (
        "offences with offence code 46 (Shoplifting); on police.uk records, offences of the "
        "police.uk crime type Shoplifting"
    )


@pytest.mark.parametrize("priority_key", ["offending", "public_places", "exploitation"])
def test_every_priority_chapter_defines_every_measure_it_shows(priority_key, area) -> None:
    from types import SimpleNamespace

    from csa_stats.chapters import priority

    definitions = load_definitions()
    shown = definitions.priorities[priority_key]
    keys = {shown.headline, *shown.measures, *shown.victims}
    keys |= {k for pair in shown.shares for k in pair}
    note = priority.definitions_note(SimpleNamespace(area=area), priority_key)  # type: ignore[arg-type]
    items = [line for line in note.splitlines() if line.startswith("- **")]
    assert len(items) >= len(keys)
    for key in keys:
        assert f"- **{definitions.measures[key].label}**: " in note, key


def test_every_part_of_pair_holds_record_by_record(demo, area) -> None:
    # The chapters' caveats say a part's changes are not separate from its whole's: every record
    # the part counts must be one the whole counts (not just fewer of them).
    definitions = load_definitions()
    for part, whole in definitions.part_of:
        in_part = select_measure(demo, definitions.measures[part], area)
        in_whole = select_measure(demo, definitions.measures[whole], area)
        assert in_part.any(), part
        assert not (in_part & ~in_whole).any(), (part, whole)


def test_the_priority_caveats_name_the_parts_and_the_measures_tested(area, tmp_path) -> None:
    from csa_stats.chapters import priority
    from csa_stats.chapters.context import open_chapter

    ch = open_chapter(out_dir=tmp_path)  # the reference edition: the demo's 12 months to 2025-03
    places = priority.summary(ch, "public_places")
    caveats = places[places.index(":::{admonition} Caveats") :]
    # all twelve of the chapter's measures are in the demo data; the ASB types are ASB
    assert "12 measures are tested at once" in caveats
    assert (
        "personal ASB, nuisance ASB, environmental ASB and ASB in the city centre are part of "
        "anti-social behaviour" in caveats
    )
    assert (
        "possession of drugs and trafficking (supply) of drugs are part of drug offences" in caveats
    )
    # the demo holds no offender records: reoffending and first-time entrants are not tested;
    # nor is homicide, 8 then 7, too few to judge
    offending = priority.summary(ch, "offending")
    listed = len(load_definitions().priorities["offending"].measures)
    assert "| Homicide | 7 | 8 | 8, then 7 | … too few to judge |" in offending
    assert f"{listed - 3} measures are tested at once" in offending
    assert "serious violence varied about" in offending and "over the latest 24 months" in offending


def test_a_categorical_column_is_selected_by_its_categories_missing_values_never() -> None:
    """The fast categorical selection gives what a hand count gives: the wanted categories'
    rows, never a missing value's, and nothing for a category the column does not have."""
    import numpy as np
    import pandas as pd

    from csa_stats.reference.definitions import _isin

    column = pd.Series(pd.Categorical(["Robbery", None, "Arson", "Robbery", "Drugs"]))
    assert _isin(column, ["Robbery", "Drugs"]).tolist() == [True, False, False, True, True]
    assert _isin(column, ["Burglary"]).tolist() == [False] * 5
    assert _isin(column, []).tolist() == [False] * 5
    plain = pd.Series(["Robbery", None, "Arson"])
    assert _isin(plain, ["Arson"]).dtype == np.bool_
    assert _isin(plain, ["Arson"]).tolist() == [False, False, True]
