"""Ward maps on hand-worked values: the class of each ward, the legend's text, a withheld ward never
coloured nor published, the SVG's text kept as text, and the same bytes from run to run."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from csa_stats.paths import committed_boundaries_path
from csa_stats.presentation import maps
from csa_stats.reference.boundaries import load_ward_boundaries
from csa_stats.reference.taxonomy import Area

SVG = "{http://www.w3.org/2000/svg}"
TITLE = "St Michael's had the most recorded crime per resident"


@pytest.fixture(scope="module")
def wards(area: Area) -> gpd.GeoDataFrame:
    return load_ward_boundaries(committed_boundaries_path(), area)


@pytest.fixture(scope="module")
def one_to_eighteen(area: Area) -> pd.Series:
    """Ward k (in code order, Bablake first) has the value k."""
    return pd.Series({code: float(i + 1) for i, code in enumerate(area.ward_codes)})


def _draw(values: pd.Series, wards: gpd.GeoDataFrame, **options) -> maps.WardMap:
    return maps.ward_choropleth(
        values,
        wards,
        title=TITLE,
        subtitle="Recorded crimes per 1,000 residents by ward, 2024/25",
        measure="recorded crimes per 1,000 residents",
        **options,
    )


def _faces(ward_map: maps.WardMap) -> list[str]:
    """Each ward's fill colour as drawn (the wards are drawn in code order, one collection each)."""
    return [to_hex(c.get_facecolor()[0]) for c in ward_map.figure.axes[0].collections]


def test_quantile_classes_of_one_to_eighteen(wards, one_to_eighteen) -> None:
    # 20th, 40th, ... percentiles of 1..18 (linear): 4.4, 7.8, 11.2, 14.6, 18
    drawn = _draw(one_to_eighteen, wards)
    assert drawn.table["class"].tolist() == [1] * 4 + [2] * 3 + [3] * 4 + [4] * 3 + [5] * 4
    assert [c.label for c in drawn.classes] == [
        "1.0 to 4.0 (4 wards)",
        "5.0 to 7.0 (3 wards)",
        "8.0 to 11.0 (4 wards)",
        "12.0 to 14.0 (3 wards)",
        "15.0 to 18.0 (4 wards)",
    ]
    blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"]
    assert _faces(drawn) == [blues[c - 1] for c in drawn.table["class"]]
    maps.plt.close(drawn.figure)


def test_natural_breaks_find_the_clusters(wards, area: Area) -> None:
    clusters = [1, 1, 2, 10, 11, 12, 50, 51, 52, 100, 101, 102, 103, 200, 201, 202, 203, 204]
    values = pd.Series(dict(zip(area.ward_codes, map(float, clusters), strict=True)))
    drawn = _draw(values, wards, scheme="fisher_jenks", fmt=lambda v: f"{float(v):.0f}")
    assert drawn.table["class"].tolist() == [1] * 3 + [2] * 3 + [3] * 3 + [4] * 4 + [5] * 5
    assert [c.label for c in drawn.classes] == [
        "1 to 2 (3 wards)",
        "10 to 12 (3 wards)",
        "50 to 52 (3 wards)",
        "100 to 103 (4 wards)",
        "200 to 204 (5 wards)",
    ]
    maps.plt.close(drawn.figure)


def test_a_withheld_ward_is_hatched_and_its_value_goes_nowhere(
    wards, one_to_eighteen, tmp_path: Path
) -> None:
    values = one_to_eighteen.copy()
    values["E05001228"] = 987.6  # St Michael's: a value that must not show or move a class
    drawn = _draw(values, wards, withheld={"E05001228"})
    st_michaels = list(wards["ward_code"]).index("E05001228")
    collection = drawn.figure.axes[0].collections[st_michaels]
    assert to_hex(collection.get_facecolor()[0]) == "#ffffff"
    assert collection.get_hatch() == "////"
    # the classes are those of the other 17 values (1..10, 12..18): the 80th percentile is
    # 14.8, so the top class is still 15 to 18
    assert pd.isna(drawn.table.at["E05001228", "class"])
    assert pd.isna(drawn.table.at["E05001228", "value"])
    assert sum(c.wards for c in drawn.classes) == 17
    assert drawn.classes[-1].label == "15.0 to 18.0 (4 wards)"
    legend = [t.get_text() for t in drawn.figure.legends[0].get_texts()]
    assert legend[-1] == "Withheld: small counts (1 ward)"
    assert "St Michael's" in drawn.alt and "withheld" in drawn.alt and "987" not in drawn.alt
    block = maps.publish_map(drawn, "crime-map", "Crime by ward", tmp_path)
    csv = (tmp_path / "downloads" / "crime-map.csv").read_text()
    assert "St Michael's,E05001228,[c],[c]" in csv.splitlines()
    assert "987" not in csv and "987" not in block
    svg = ET.parse(tmp_path / "figures" / "crime-map.svg").getroot()
    assert "987" not in " ".join("".join(t.itertext()) for t in svg.iter(f"{SVG}text"))
    table = pd.read_csv(tmp_path / "downloads" / "crime-map.csv", index_col="ward")
    # a whole value is written whole (presentation.downloads): the column also holds "[c]"
    assert table.loc["Bablake", "value"] == "1" and table.loc["Wyken", "class"] == "5"


def test_a_ward_with_no_value_is_not_available(wards, one_to_eighteen) -> None:
    values = one_to_eighteen.drop("E05001235")  # Wyken
    drawn = _draw(values, wards)
    assert _faces(drawn)[-1] == "#d9d9d9"
    legend = [t.get_text() for t in drawn.figure.legends[0].get_texts()]
    assert legend[-1] == "Not available (1 ward)"
    assert "No value for Wyken." in drawn.alt
    maps.plt.close(drawn.figure)


def test_the_alt_text_names_the_highest_and_lowest_wards(wards, one_to_eighteen) -> None:
    drawn = _draw(one_to_eighteen, wards)
    # 18 = Wyken, 17 = Woodlands, 16 = Whoberley (code order), 1 = Bablake
    assert drawn.alt == (
        "Map of Coventry's 18 wards shaded by recorded crimes per 1,000 residents in 5 classes "
        "of about equal numbers of wards: quantiles. Highest: Wyken (18.0), Woodlands (17.0), "
        "Whoberley (16.0). Lowest: Bablake (1.0). The table below the map gives every ward's "
        "value."
    )
    maps.plt.close(drawn.figure)


def test_the_svg_keeps_its_text_as_text(wards, one_to_eighteen, tmp_path: Path) -> None:
    drawn = _draw(one_to_eighteen, wards, attribution="Source: ONS; Contains OS data")
    path = maps.save_svg(drawn.figure, tmp_path / "map.svg")
    root = ET.parse(path).getroot()
    texts = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text")]
    assert any(TITLE.startswith(t) and len(t) > 20 for t in texts)  # the title, as text
    assert "15.0 to 18.0 (4 wards)" in texts
    assert "St Michael's" in texts and "Source: ONS; Contains OS data" in texts
    assert "<dc:date>" not in path.read_text()


_RUN = """
import sys, pandas as pd
from pathlib import Path
from csa_stats.presentation import maps
from csa_stats.paths import committed_boundaries_path
from csa_stats.reference.boundaries import load_ward_boundaries
from csa_stats.reference.taxonomy import load_area
area = load_area("coventry")
wards = load_ward_boundaries(committed_boundaries_path(), area)
values = pd.Series({c: float(i + 1) for i, c in enumerate(area.ward_codes)})
m = maps.ward_choropleth(values, wards, "A title", "A subtitle", "a measure",
                         withheld={"E05001228"})
maps.save_svg(m.figure, Path(sys.argv[1]))
"""


def test_the_same_map_is_the_same_bytes(wards, one_to_eighteen, tmp_path: Path) -> None:
    paths = []
    for run in ("a", "b"):
        drawn = maps.ward_choropleth(
            one_to_eighteen, wards, "A title", "A subtitle", "a measure", withheld={"E05001228"}
        )
        paths.append(maps.save_svg(drawn.figure, tmp_path / f"{run}.svg"))
    subprocess.run([sys.executable, "-c", _RUN, str(tmp_path / "c.svg")], check=True)
    paths.append(tmp_path / "c.svg")  # and in a new process, where ids and hashes start afresh
    first = paths[0].read_bytes()
    assert b"<pattern" in first  # the hatching is there, under a salted id
    assert all(p.read_bytes() == first for p in paths[1:])


def test_values_for_an_unknown_ward_are_refused(wards, one_to_eighteen) -> None:
    with pytest.raises(ValueError, match="not wards of the map: E05999999"):
        _draw(one_to_eighteen, wards, withheld={"E05999999"})


def test_withheld_wards_follow_the_disclosure_rules() -> None:
    counts = pd.Series({"A": 0, "B": 2, "C": 7, "D": 30})
    # B (2) is withheld; then the next smallest non-zero count, C, so B cannot be worked out
    assert maps.withheld_wards(counts, "hate_crime") == {"B", "C"}
    assert maps.withheld_wards(counts, "robbery") == frozenset()  # not a sensitive measure


def test_publish_map_gives_a_figure_with_alt_text_and_the_table(
    wards, one_to_eighteen, tmp_path: Path
) -> None:
    drawn = _draw(one_to_eighteen, wards)
    block = maps.publish_map(drawn, "crime-map", "Recorded crime by ward", tmp_path)
    # the phone layout first (the style sheet shows it on a narrow screen only), then the map
    assert (
        block.startswith(":::{image} figures/crime-map-phone.svg\n:alt: Map of")
        and ":class: csa-chart-phone\n" in block
    )
    assert ":::{figure} figures/crime-map.svg\n:name: fig-crime-map\n:alt: Map of" in block
    assert ":class: csa-chart-wide\n" in block
    assert "[Download the map's data (CSV)](downloads/crime-map.csv)" in block
    assert ":name: tbl-crime-map" in block
    assert "| Wyken | 18\\.0 | 5: 15.0 to 18.0 |" in block
    for name in ("crime-map.svg", "crime-map-phone.svg"):
        assert (tmp_path / "figures" / name).stat().st_size < 150_000


def test_a_phone_gets_the_map_narrow_with_its_legend_under_it(wards, one_to_eighteen) -> None:
    """4.3 in wide (a 390-pixel screen shows its 9-point legend at about 11 px, not the 5 px of
    the 8-inch map shrunk), the title on short lines, the legend below the map, every ward shaded
    as on the desktop map, and the desktop map left as it was."""
    drawn = _draw(one_to_eighteen, wards, withheld=["E05001221"], attribution="Source: ONS.")
    texts_before = [t.get_text() for t in drawn.figure.texts]
    phone = maps.phone_map(drawn)
    assert phone.get_size_inches()[0] == pytest.approx(4.3)
    assert [len(line) <= 34 for line in phone.get_suptitle().splitlines()] == [True, True]
    renderer = phone.canvas.get_renderer()
    legend = phone.legends[0].get_window_extent(renderer)
    shapes = phone.axes[0].get_window_extent(renderer)
    assert legend.y1 <= shapes.y0 + 1 and legend.x0 >= 0  # under the map, on the page
    labels = [t.get_text() for t in phone.legends[0].get_texts()]
    # ward 4 withheld: the 20th percentile of 1, 2, 3, 5, ..., 18 is 5.2, so 1, 2, 3 and 5
    assert labels[0] == "1.0 to 5.0 (4 wards)" and labels[-1] == "Withheld: small counts (1 ward)"
    assert "Source: ONS." in [t.get_text() for t in phone.texts]
    phone_faces = [to_hex(c.get_facecolor()[0]) for c in phone.axes[0].collections]
    assert phone_faces == _faces(drawn)
    assert [t.get_text() for t in drawn.figure.texts] == texts_before
    assert len(drawn.figure.legends) == 1 and drawn.figure.get_size_inches()[0] == 8


def test_every_shade_takes_a_ward_name_at_a_contrast_of_at_least_4_5() -> None:
    # WCAG 2's formula worked here on its own: black on white is 21:1, #767676 on white 4.54:1
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    faces = {c for palette in maps.PALETTES.values() for c in palette}
    faces |= {maps.WITHHELD_FACE, maps.UNAVAILABLE_FACE}
    for face in faces:
        assert ratio(maps.label_colour(face), face) >= 4.5, face
    assert ratio(maps.HATCH_COLOUR, maps.WITHHELD_FACE) >= 3.0  # a graphic: 3:1
    assert ratio(maps.BORDER, "#ffffff") >= 3.0
    # the darkest shades take white names, the lightest dark ones
    assert maps.label_colour("#08306b") == "#ffffff" and maps.label_colour("#eff3ff") == "#1a1a1a"
