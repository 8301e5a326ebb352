"""Ward maps: a choropleth drawn as SVG (text kept as text), in the publication's chart style, with
its classes stated in the legend, alt text written from the data, and its table and CSV beside it.

A map's values are classified into a few classes (mapclassify: quantiles or Fisher-Jenks natural
breaks) and shaded with a sequential, colour-blind-safe palette (ColorBrewer's single-hue blues,
chosen so that every shade takes a ward's name in black or white at a contrast of at least
4.5:1, :func:`label_colour`). Wards whose value is withheld by
disclosure control are never coloured by it: their value is dropped before anything is
classified, so it moves no class break, and they are drawn hatched, labelled "withheld" in the
legend, and shown as ``[c]`` in the table and its CSV. Wards with no value (none recorded, no
population) are drawn plain grey as "not available".

The SVG is the same bytes from one run to the next (a fixed ``svg.hashsalt``, no date), so a page
that embeds it can be regression-tested.
"""

from __future__ import annotations

import copy
import textwrap
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from csa_stats.analysis.disclosure import is_sensitive, protect_breakdown
from csa_stats.presentation import charts
from csa_stats.presentation.charts import STYLE
from csa_stats.presentation.tables import fmt_rate, publish_table

Scheme = Literal["quantiles", "fisher_jenks"]

#: ColorBrewer "Blues" for 1 to 5 classes (single hue: safe for colour-blind readers, and in
#: grey print), lightest first. Its 5-class mid-blue #3182bd is replaced by #2171b5 and its darkest
#: by #08306b (both ColorBrewer blues), since no text reaches 4.5:1 on #3182bd.
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#2171b5",),
    2: ("#9ecae1", "#2171b5"),
    3: ("#deebf7", "#9ecae1", "#2171b5"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"),
}
#: Ward names are written in whichever of these reads better on the ward's shade.
DARK_TEXT, LIGHT_TEXT = "#1a1a1a", "#ffffff"
#: The hatching of withheld wards (4.5:1 on white, more than the 3:1 a graphic needs).
HATCH_COLOUR = "#767676"
WITHHELD_FACE, WITHHELD_HATCH = "#ffffff", "////"
UNAVAILABLE_FACE = "#d9d9d9"
BORDER = "#4d4d4d"
#: Fixed salt for the SVG's element ids: the same map gives the same file.
#: How each scheme's classes are made, after "in 5 classes".
SCHEME_TEXT: dict[str, str] = {
    "quantiles": "of about equal numbers of wards: quantiles",
    "fisher_jenks": "by natural breaks: Fisher-Jenks",
}


@dataclass(frozen=True)
class MapClass:
    """One shade of the map: the range of the values of the wards in it."""

    low: float
    high: float
    colour: str
    wards: int
    label: str


@dataclass(frozen=True)
class WardMap:
    """A drawn map and everything published beside it."""

    figure: Figure
    table: pd.DataFrame  # index ward_code: ward_name, value, class (1 = lowest); withheld: missing
    withheld: frozenset[str]
    classes: tuple[MapClass, ...]
    alt: str
    title: str
    subtitle: str
    attribution: str = ""


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``3 wards``, ``1 ward``, ``2 classes``."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def classify(
    values: pd.Series, k: int = 5, scheme: Scheme = "quantiles", decimals: int = 1
) -> tuple[pd.Series, list[tuple[float, float]]]:
    """Put values into at most ``k`` classes.

    Values are rounded to ``decimals`` first, as the map's legend and table show them, so two
    wards shown with the same value are never in different classes. Classes left empty (ties)
    are dropped.

    Parameters
    ----------
    values
        The values to classify (no missing ones).
    k
        Classes wanted (fewer when there are fewer distinct values).
    scheme
        ``"quantiles"`` or ``"fisher_jenks"`` (mapclassify).

    Returns
    -------
    (classes, ranges)
        Each value's class, 0 for the lowest; each class's lowest and highest value.

    Examples
    --------
    >>> classes, ranges = classify(pd.Series([1.0, 2.0, 3.0, 4.0]), k=2)
    >>> classes.tolist(), ranges
    ([0, 0, 1, 1], [(1.0, 2.0), (3.0, 4.0)])
    """
    rounded = values.astype(float).round(decimals)
    distinct = int(rounded.nunique())
    if distinct == 0:
        return pd.Series(dtype=int), []
    k = max(1, min(k, distinct))
    y = rounded.to_numpy()
    if k == 1:
        bins = np.array([y.max()])
    else:
        with warnings.catch_warnings():  # "Numba not installed": the pure Python path is used
            warnings.simplefilter("ignore")
            classifier = (
                mapclassify.FisherJenks(y, k=k)
                if scheme == "fisher_jenks"
                else mapclassify.Quantiles(y, k=k)
            )
        bins = np.asarray(classifier.bins)
    raw = np.searchsorted(bins, y, side="left")  # class i holds bins[i-1] < y <= bins[i]
    used = sorted(set(raw.tolist()))
    renumber = {old: new for new, old in enumerate(used)}
    classes = pd.Series([renumber[c] for c in raw], index=values.index)
    ranges = [
        (float(rounded[classes == c].min()), float(rounded[classes == c].max()))
        for c in range(len(used))
    ]
    return classes, ranges


def class_label(low: float, high: float, wards: int, fmt: Callable[[object], str]) -> str:
    """A legend entry: the class's range and how many wards it holds.

    Examples
    --------
    >>> class_label(12.04, 30.0, 4, fmt_rate)
    '12.0 to 30.0 (4 wards)'
    >>> class_label(7.0, 7.0, 1, fmt_rate)
    '7.0 (1 ward)'
    """
    span = fmt(low) if fmt(low) == fmt(high) else f"{fmt(low)} to {fmt(high)}"
    return f"{span} ({_plural(wards, 'ward')})"


def map_alt_text(
    table: pd.DataFrame,
    measure: str,
    area_name: str,
    classes: int,
    scheme: Scheme,
    fmt: Callable[[object], str] = fmt_rate,
) -> str:
    """Alt text from the data: what is shaded, the highest and lowest wards with their values,
    and which wards are withheld or have no value.

    Parameters
    ----------
    table
        :attr:`WardMap.table`: ``ward_name``, ``value`` (missing where withheld or not
        available) and ``withheld``.
    """
    shown = table[~table["withheld"] & table["value"].notna()].sort_values(
        ["value", "ward_name"], ascending=[False, True]
    )
    parts = [
        f"Map of {area_name}'s {len(table)} wards shaded by {measure} in "
        f"{_plural(classes, 'class', 'classes')} {SCHEME_TEXT[scheme]}."
    ]
    if len(shown):
        top = shown.head(3)
        listed = ", ".join(f"{r.ward_name} ({fmt(r.value)})" for r in top.itertuples())
        bottom = shown.iloc[-1]
        parts.append(f"Highest: {listed}.")
        parts.append(f"Lowest: {bottom['ward_name']} ({fmt(bottom['value'])}).")
    withheld = table[table["withheld"]]["ward_name"].sort_values().tolist()
    if withheld:
        parts.append(
            f"{_plural(len(withheld), 'ward')} withheld to protect small counts: "
            f"{', '.join(withheld)}."
        )
    missing = table[~table["withheld"] & table["value"].isna()]["ward_name"].sort_values()
    if len(missing):
        parts.append(f"No value for {', '.join(missing)}.")
    parts.append("The table below the map gives every ward's value.")
    return " ".join(parts)


def ward_choropleth(
    values: pd.Series,
    boundaries: gpd.GeoDataFrame,
    title: str,
    subtitle: str,
    measure: str,
    withheld: Collection[str] = (),
    k: int = 5,
    scheme: Scheme = "quantiles",
    decimals: int = 1,
    fmt: Callable[[object], str] = fmt_rate,
    attribution: str = "",
    area_name: str = "Coventry",
    label_wards: bool = True,
) -> WardMap:
    """Draw a ward choropleth.

    Parameters
    ----------
    values
        The value of each ward, indexed by ward code (a rate per 1,000 residents, say). Missing
        values are drawn as "not available".
    boundaries
        :func:`csa_stats.reference.boundaries.load_ward_boundaries`: ``ward_code``, ``ward_name`` and
        geometry in British National Grid, one row per ward.
    title
        The finding, as the title ("St Michael's had the most recorded crime per resident").
    subtitle
        What is plotted, and when ("Recorded crimes per 1,000 residents by ward, 2024/25").
    measure
        What the shades show, for the legend's title and the alt text ("recorded crimes per
        1,000 residents").
    withheld
        Codes of wards whose value is withheld (disclosure control, :func:`withheld_wards`):
        drawn hatched, never by their value, which is not used at all.
    k, scheme, decimals
        Classes wanted, how they are made (:func:`classify`) and the decimals shown.
    fmt
        How a value is written in the legend, the alt text and the table.
    attribution
        The boundaries' attribution, printed under the map (:func:`csa_stats.reference.boundaries.attribution`).

    Returns
    -------
    WardMap
        The figure, the table published beside it, the classes and the alt text.

    Raises
    ------
    ValueError
        If a value or a withheld code names no ward of ``boundaries``.
    """
    codes = boundaries["ward_code"].astype(str)
    strangers = sorted((set(values.index.astype(str)) | set(withheld)) - set(codes))
    if strangers:
        raise ValueError(f"not wards of the map: {', '.join(strangers)}")
    hidden = frozenset(str(c) for c in withheld)
    table = pd.DataFrame(
        {
            "ward_name": boundaries["ward_name"].astype(str).to_numpy(),
            "value": pd.to_numeric(values.reindex(codes.to_numpy()), errors="coerce")
            .astype(float)
            .to_numpy(),
        },
        index=pd.Index(codes.to_numpy(), name="ward_code"),
    )
    table["withheld"] = table.index.isin(hidden)
    table.loc[table["withheld"], "value"] = np.nan  # a withheld value goes no further
    table["value"] = table["value"].round(decimals)
    known = table[~table["withheld"] & table["value"].notna()]
    class_of, ranges = classify(known["value"], k, scheme, decimals)
    palette = PALETTES[len(ranges)] if ranges else ()
    classes = tuple(
        MapClass(
            low=low,
            high=high,
            colour=palette[i],
            wards=int((class_of == i).sum()),
            label=class_label(low, high, int((class_of == i).sum()), fmt),
        )
        for i, (low, high) in enumerate(ranges)
    )
    table["class"] = pd.Series(class_of + 1, dtype="Int64").reindex(table.index)
    figure = _draw(
        boundaries, table, classes, title, subtitle, measure, scheme, attribution, label_wards
    )
    alt = map_alt_text(table, measure, area_name, len(classes), scheme, fmt)
    return WardMap(
        figure=figure,
        table=table,
        withheld=hidden,
        classes=classes,
        alt=alt,
        title=title,
        subtitle=subtitle,
        attribution=attribution,
    )


def _draw(
    boundaries: gpd.GeoDataFrame,
    table: pd.DataFrame,
    classes: tuple[MapClass, ...],
    title: str,
    subtitle: str,
    measure: str,
    scheme: Scheme,
    attribution: str,
    label_wards: bool,
) -> Figure:
    """The map, its title and subtitle, legend and attribution, in the publication's style."""
    faces, hatches = [], []
    for code in boundaries["ward_code"]:
        row = table.loc[code]
        if row["withheld"]:
            faces.append(WITHHELD_FACE)
            hatches.append(WITHHELD_HATCH)
        elif pd.isna(row["class"]):
            faces.append(UNAVAILABLE_FACE)
            hatches.append("")
        else:
            faces.append(classes[int(row["class"]) - 1].colour)
            hatches.append("")
    with (
        plt.style.context(STYLE),
        plt.rc_context({"hatch.color": HATCH_COLOUR, "hatch.linewidth": 0.8}),
    ):
        height = 5.8  # inches; a 12-point title line takes 12 x 1.3 / 72 of an inch
        figure = plt.figure(figsize=(8, height))
        ax = figure.add_axes((0.0, 0.07, 0.62, 0.72))
        # one collection per ward, in code order; geopandas asks the canvas to redraw the whole
        # figure after each (a fifth of a chapter's time, for a figure that is only ever saved)
        figure.canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
        for geometry, face, hatch in zip(boundaries.geometry, faces, hatches, strict=True):
            gpd.GeoSeries([geometry], crs=boundaries.crs).plot(
                ax=ax, facecolor=face, edgecolor=BORDER, linewidth=0.6, hatch=hatch
            )
        del figure.canvas.draw_idle  # the canvas's own again
        ax.set_axis_off()
        ax.set_aspect("equal")
        figure.suptitle(
            "\n".join(textwrap.wrap(title, 64)),
            x=0.01,
            y=0.985,
            ha="left",
            va="top",
            fontsize=12,
            fontweight="bold",
        )
        title_lines = len(textwrap.wrap(title, 64))
        figure.text(
            0.01,
            0.985 - title_lines * (12 * 1.3 / 72) / height - 0.012,
            "\n".join(textwrap.wrap(subtitle, 86)),
            ha="left",
            va="top",
            fontsize=10,
            color="#333333",
        )
        handles = [Patch(facecolor=c.colour, edgecolor=BORDER, label=c.label) for c in classes]
        if table["withheld"].any():
            n = int(table["withheld"].sum())
            handles.append(
                Patch(
                    facecolor=WITHHELD_FACE,
                    edgecolor=BORDER,
                    hatch=WITHHELD_HATCH,
                    label=f"Withheld: small counts ({_plural(n, 'ward')})",
                )
            )
        unavailable = int((~table["withheld"] & table["value"].isna()).sum())
        if unavailable:
            handles.append(
                Patch(
                    facecolor=UNAVAILABLE_FACE,
                    edgecolor=BORDER,
                    label=f"Not available ({_plural(unavailable, 'ward')})",
                )
            )
        legend_title = "\n".join(
            textwrap.wrap(measure[:1].upper() + measure[1:], 30)
            + textwrap.wrap(
                f"({_plural(len(classes), 'class', 'classes')} {SCHEME_TEXT[scheme]})", 34
            )
        )
        figure.legend(
            handles=handles,
            title=legend_title,
            loc="center left",
            bbox_to_anchor=(0.64, 0.45),
            fontsize=9,
            title_fontsize=9,
            alignment="left",
            handlelength=1.6,
            handleheight=1.2,
        )
        if attribution:
            figure.text(
                0.01,
                0.012,
                "\n".join(textwrap.wrap(attribution, 110)),
                ha="left",
                va="bottom",
                fontsize=7,
                color="#4d4d4d",
            )
        if label_wards:
            _label(ax, boundaries, table, classes)
    return figure


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour.

    Examples
    --------
    >>> relative_luminance("#ffffff"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21.

    Examples
    --------
    >>> contrast_ratio("#000000", "#ffffff")
    21.0
    >>> round(contrast_ratio("#767676", "#ffffff"), 2)
    4.54
    """
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def label_colour(face: str) -> str:
    """The text colour, dark or white, that reads better on ``face``.

    Examples
    --------
    >>> label_colour("#eff3ff"), label_colour("#08306b")
    ('#1a1a1a', '#ffffff')
    """
    dark, light = contrast_ratio(DARK_TEXT, face), contrast_ratio(LIGHT_TEXT, face)
    return DARK_TEXT if dark >= light else LIGHT_TEXT


def _label(
    ax: Axes, boundaries: gpd.GeoDataFrame, table: pd.DataFrame, classes: tuple[MapClass, ...]
) -> None:
    """Each ward's name at a point inside it, in the colour that reads better on its shade."""
    for code, geometry in zip(boundaries["ward_code"], boundaries.geometry, strict=True):
        point = geometry.representative_point()
        cls = table.at[code, "class"]
        face = (
            WITHHELD_FACE
            if table.at[code, "withheld"]
            else UNAVAILABLE_FACE
            if pd.isna(cls)
            else classes[int(cls) - 1].colour
        )
        name = "\n".join(textwrap.wrap(str(table.at[code, "ward_name"]), 12))
        ax.text(
            point.x, point.y, name, ha="center", va="center", fontsize=6.5, color=label_colour(face)
        )


def save_svg(figure: Figure, path: Path) -> Path:
    """Write the map as the charts are written (:func:`csa_stats.presentation.charts.save_svg`:
    text as text, the same bytes from one run to the next), and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    charts.save_svg(figure, path)
    plt.close(figure)
    return path


def phone_map(ward_map: WardMap) -> Figure:
    """The same map laid out for a phone (a copy; the map's own figure is unchanged): as wide as
    a chart's phone layout (:data:`csa_stats.presentation.charts.PHONE_WIDTH`), the title and
    subtitle wrapped shorter, the map across the width and the legend under it, at the sizes of
    the desktop map, so its labels read at a phone's width."""
    phone: Figure = copy.deepcopy(ward_map.figure)  # geopandas' collections do not pickle
    ax = phone.axes[0]
    old = phone.legends[0]
    handles = list(old.legend_handles)
    labels = [text.get_text() for text in old.get_texts()]
    legend_title = old.get_title().get_text()
    # a copy's artists still name the original's lists to leave: the copy's lists are emptied
    phone.legends.clear()
    phone.texts.clear()  # the subtitle and the attribution, set again below
    phone._suptitle = None  # type: ignore[attr-defined]
    width = charts.PHONE_WIDTH
    title = textwrap.wrap(ward_map.title, 34)
    subtitle = textwrap.wrap(ward_map.subtitle, 48)
    credit = textwrap.wrap(ward_map.attribution, 64)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    map_height = min(4.6, (width - 0.2) * (y1 - y0) / (x1 - x0))
    rows = len(labels) + legend_title.count("\n") + 1
    # inches from the top: a margin, the title, a gap, the subtitle, a gap, the map (its own
    # margins are the gaps around it), the legend (a 9-point row with its swatch takes about
    # 0.2 in), the attribution
    heights = [
        0.08,
        len(title) * 12 * 1.3 / 72,
        0.06,
        len(subtitle) * 10 * 1.3 / 72,
        0.02,
        map_height,
        0.0,
        rows * 0.2 + 0.18,
        len(credit) * 7 * 1.3 / 72 + 0.1,
    ]
    total = sum(heights)
    phone.set_size_inches(width, total)
    tops = np.cumsum([0.0, *heights])  # where each part starts, in inches from the top

    def y(inches: float) -> float:
        return 1 - inches / total

    with plt.style.context(STYLE):
        phone.suptitle(
            "\n".join(title),
            x=0.02,
            y=y(tops[1]),
            ha="left",
            va="top",
            fontsize=12,
            fontweight="bold",
        )
        phone.text(
            0.02,
            y(tops[3]),
            "\n".join(subtitle),
            ha="left",
            va="top",
            fontsize=10,
            color="#333333",
        )
        ax.set_position((0.02, y(tops[6]), 0.96, map_height / total))
        phone.legend(
            handles=handles,
            labels=labels,
            title=legend_title,
            loc="upper left",
            bbox_to_anchor=(0.02, y(tops[7])),
            fontsize=9,
            title_fontsize=9,
            alignment="left",
            handlelength=1.6,
            handleheight=1.2,
        )
        if credit:
            phone.text(
                0.02,
                y(tops[8]),
                "\n".join(credit),
                ha="left",
                va="top",
                fontsize=7,
                color="#4d4d4d",
            )
    return phone


def publish_map(
    ward_map: WardMap, name: str, caption: str, out_dir: Path, table: bool = True
) -> str:
    """Save the map (and its phone layout) and its table; return the MyST blocks that show them
    (without the table when ``table`` is False: a table of the same wards is beside it; the CSV
    is written).

    The SVG goes to ``out_dir/figures/NAME.svg`` and its phone layout (:func:`phone_map`) to
    ``NAME-phone.svg``; the table (ward, value, class; withheld wards as ``[c]``) to
    ``out_dir/downloads/NAME.csv`` through :func:`csa_stats.presentation.tables.publish_table`.
    The figure block carries the alt text, a caption, the label ``fig-NAME`` and a link to the
    CSV (:func:`csa_stats.presentation.charts.both_layouts`); the table follows it, labelled
    ``tbl-NAME``.
    """
    phone = phone_map(ward_map)
    save_svg(phone, out_dir / "figures" / f"{name}-phone.svg")
    plt.close(phone)
    save_svg(ward_map.figure, out_dir / "figures" / f"{name}.svg")
    shown = ward_map.table.reset_index().set_index("ward_name").sort_index()
    shown = shown[["ward_code", "value", "class"]]
    shown.index.name = "ward"
    labels = {i + 1: c.label.rsplit(" (", 1)[0] for i, c in enumerate(ward_map.classes)}
    withheld = pd.DataFrame(
        {column: shown["ward_code"].isin(ward_map.withheld) for column in ("value", "class")}
    )
    cells = pd.DataFrame(
        {
            "value": [fmt_rate(v) for v in shown["value"]],
            "class": ["" if pd.isna(c) else f"{int(c)}: {labels[int(c)]}" for c in shown["class"]],
        },
        index=shown.index,
    )
    block = publish_table(
        shown,
        name=name,
        caption=caption,
        columns={"value": ("Value", fmt_rate), "class": ("Class on the map", str)},
        out_dir=out_dir,
        index_label="Ward",
        na_rep="",
        cells=cells,
        withheld=withheld,
    )
    figure = (
        charts.both_layouts(
            name, ward_map.alt, f"{caption} [Download the map's data (CSV)](downloads/{name}.csv)"
        )
        + "\n"
    )
    if not table:  # the CSV stays, written by publish_table; the table is not shown twice
        return figure
    return figure + block


def withheld_wards(counts: pd.Series, measure: str) -> frozenset[str]:
    """The wards whose value of ``measure`` may not be published, as ``data/reference/
    disclosure.yml`` has it: for a sensitive measure, the wards with a count of 1 to 4 and those
    withheld so that no such count can be worked out from the city's total
    (:func:`csa_stats.analysis.disclosure.protect_breakdown`); for any other measure, none.

    Parameters
    ----------
    counts
        The measure's count in each ward, indexed by ward code.

    Examples
    --------
    >>> sorted(withheld_wards(pd.Series({"A": 3, "B": 10, "C": 12}), "domestic_abuse"))
    ['A', 'B']
    >>> withheld_wards(pd.Series({"A": 3, "B": 10}), "shoplifting")
    frozenset()
    """
    if not is_sensitive(measure):
        return frozenset()
    protected = protect_breakdown(counts)
    return frozenset(str(code) for code in protected[protected.isna()].index)
