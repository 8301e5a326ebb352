"""Tables for the page: formatted for reading, with the unformatted numbers as a CSV download."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from csa_stats.presentation.downloads import write_csv
from csa_stats.presentation.text import md_text
from csa_stats.reference.policy import load_disclosure_policy

#: A figure not given (missing, or too small to mean anything): the statistical convention.
NOT_GIVEN = ".."


def fmt_count(value: object) -> str:
    """``38509`` -> ``"38,509"``; missing -> ``".."`` (the statistical convention)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NOT_GIVEN
    return f"{int(value):,}"  # type: ignore[call-overload]


def fmt_signed_count(value: object) -> str:
    """``1107`` -> ``"+1,107"``; ``-4358`` -> ``"\u22124,358"``; missing -> ``".."``."""
    text = fmt_count(value)
    if text == NOT_GIVEN or text == "0":
        return text
    return text.replace("-", "\u2212") if text.startswith("-") else f"+{text}"


def fmt_pct(value: object, signed: bool = False) -> str:
    """``-10.14`` -> ``"\u221210.1%"``; ``-0.04`` -> ``"0.0%"``; missing -> ``".."``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    number = float(value)  # type: ignore[arg-type]
    if round(number, 1) == 0:  # no "-0.0%" (nor "+0.0%"): a change that rounds to none is none
        return "0.0%"
    text = f"{number:+.1f}%" if signed else f"{number:.1f}%"
    return text.replace("-", "\u2212")


def fmt_rate(value: object) -> str:
    """A rate to one decimal place; missing -> ``".."``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    return f"{float(value):,.1f}"  # type: ignore[arg-type]


def fmt_yes_no(value: object) -> str:
    """True -> ``"Yes"``; False -> ``"No"``; missing -> ``".."``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    return "Yes" if bool(value) else "No"


def fmt_signed_pct(value: object) -> str:
    """A per cent change with its sign: ``"+22.6%"``, ``"\u221210.1%"``."""
    return fmt_pct(value, signed=True)


def fmt_verdict(value: object) -> str:
    """A change's verdict (:attr:`csa_stats.analysis.measures.Change.verdict`) for a table cell:
    ``"clear fall"`` -> ``"Yes: a fall"``; ``"no clear change"`` -> ``"No"``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    return {
        "clear fall": "Yes: a fall",
        "clear rise": "Yes: a rise",
        "no clear change": "No",
        "too few to judge": "Too few to judge",
    }.get(str(value), str(value))


#: A change's verdict as a symbol and words (never the colour alone): a fall, a rise, neither.
VERDICT_ICONS = {
    "clear fall": "▼ clear fall",
    "clear rise": "▲ clear rise",
    "no clear change": "– no clear change",  # as on the plan on a page
    "too few to judge": "… too few to judge",
}


def fmt_verdict_icon(value: object) -> str:
    """A change's verdict with its symbol, for a summary table: ``"▼ clear fall"``.

    >>> fmt_verdict_icon("clear rise"), fmt_verdict_icon(None)
    ('▲ clear rise', '..')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    return VERDICT_ICONS.get(str(value), str(value))


def change_columns(
    current_label: str, previous_label: str, verdict: bool = True
) -> dict[str, tuple[str, Callable[[object], str]]]:
    """The columns every change table ends with: comparison count, per cent change (missing when
    the counts are too small for one), and the test's verdict (``verdict`` False leaves it out:
    a table of many small areas, where some would look clear by chance alone)."""
    columns: dict[str, tuple[str, Callable[[object], str]]] = {
        "previous": (previous_label, fmt_count),
        "change_pct": ("Change (%)", fmt_signed_pct),
    }
    if verdict:
        columns["verdict"] = ("Clear change?", fmt_verdict)
    return columns


def publish_table(
    table: pd.DataFrame,
    name: str,
    caption: str,
    columns: Mapping[str, tuple[str, Callable[[object], str]]],
    out_dir: Path,
    index_label: str | None = None,
    na_rep: str = "",
    cells: pd.DataFrame | None = None,
    withheld: pd.DataFrame | None = None,
) -> str:
    """Write the table's CSV download and return a MyST ``table`` block that shows it formatted.

    Parameters
    ----------
    table
        The numbers; the CSV holds exactly these (with the index as the first column).
    name
        File stem of the download and the label ``tbl-NAME``.
    caption
        The table's caption.
    columns
        Column -> (heading, formatter) for the columns to show, in order.
    out_dir
        The chapter's folder; the CSV goes to ``out_dir/downloads/NAME.csv``.
    index_label
        Heading of the index column; ``None`` leaves the index out of the shown table.
    na_rep
        How missing values are written in the CSV (``"[c]"`` for withheld cells).
    cells
        Text to show instead of formatting ``table``'s values (same index, the shown columns): for
        cells that combine numbers, such as a rate with its rank. The CSV still holds ``table``.
    withheld
        Booleans (same index, any of ``table``'s columns): cells withheld for disclosure control,
        shown as ``[c]`` on the page and in the CSV, never their values.
    """
    downloads = out_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    if withheld is not None:
        hidden = withheld.reindex(index=table.index, columns=table.columns, fill_value=False)
        hidden = hidden.fillna(False).astype(bool)
        table = table.astype(object).mask(hidden, load_disclosure_policy().shown_as)
    # the CSV's first heading: the index's name, else the heading the page gives it
    heading = None if table.index.nlevels > 1 else table.index.name or index_label
    write_csv(table, downloads / f"{name}.csv", na_rep=na_rep, index_label=heading)
    headings = ([index_label] if index_label else []) + [h for h, _ in columns.values()]
    aligns = ["---"] * (1 if index_label else 0) + ["--:"] * len(columns)
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join(aligns) + "|"]
    for position, (key, row) in enumerate(table.iterrows()):
        shown = [str(key)] if index_label else []
        for col, (_, fmt) in columns.items():
            if col in hidden.columns and hidden[col].iloc[position]:  # cells may add columns
                shown.append(load_disclosure_policy().shown_as)
            else:
                shown.append(str(cells.at[key, col]) if cells is not None else fmt(row[col]))
        lines.append("| " + " | ".join(_escape(text) for text in shown) + " |")
    body = "\n".join(lines)
    return (
        f":::{{table}} {caption}\n:name: tbl-{name}\n\n{body}\n:::\n\n"
        f"[Download this table (CSV)](downloads/{name}.csv)\n"
    )


def _escape(text: str) -> str:
    """A cell shows its text, never markup: a ward, offence or indicator name may come from an
    input."""
    return md_text(text)
