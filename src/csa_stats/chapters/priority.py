"""A priority chapter: the priority's measures for the period, and its headline series' trend.

The three priority chapters share this module; ``data/reference/measures.yml`` says which measures
each reports and which series its trend model is fitted to.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from csa_stats.analysis import measures, projection, spc
from csa_stats.analysis.disclosure import (
    is_sensitive,
    is_sensitive_breakdown,
    protect_breakdown,
    withhold_small_totals,
)
from csa_stats.analysis.measures import Change, load_change_policy, measured_false_alarm_rate
from csa_stats.analysis.plan import load_plan, spc_verdict
from csa_stats.analysis.progress import series_for
from csa_stats.chapters.common import ward_ranking_section
from csa_stats.chapters.context import Chapter
from csa_stats.presentation import charts, narrative
from csa_stats.presentation.tables import (
    change_columns,
    fmt_count,
    fmt_pct,
    fmt_signed_pct,
    fmt_verdict_icon,
    publish_table,
)
from csa_stats.reference.definitions import (
    NOT_AVAILABLE,
    Measure,
    NotAvailable,
    Priority,
    availability,
    describe,
    load_definitions,
    load_serious_violence,
    select_measure,
)
from csa_stats.reference.policy import load_disclosure_policy

Formatter = Callable[[object], str]


def _priority(key: str) -> Priority:
    return load_definitions().priorities[key]


def title(key: str) -> str:
    """The chapter's title, from the configuration."""
    return _priority(key).title


def measure_table(ch: Chapter, key: str) -> pd.DataFrame:
    """The priority's measures with their changes (unavailable ones marked), as they may be
    published: a sensitive measure's count of 1 to 4 withheld with its change
    (:func:`csa_stats.analysis.disclosure.withhold_small_totals`). Worked out once per chapter
    (the verdict and the table both show it); each caller gets its own copy."""
    name = f"measure_table:{key}"
    if name not in ch.worked:
        ch.worked[name] = _measure_table(ch, key)
    return ch.worked[name].copy()


def _measure_table(ch: Chapter, key: str) -> pd.DataFrame:
    table = withhold_small_totals(
        measures.measure_changes(ch.incidents, ch.params, list(_priority(key).measures), ch.area)
    )
    months = measures.months_of(ch.incidents, ch.params)
    definitions = load_definitions().measures
    variation = []
    for name, row in table.iterrows():
        monthly = None
        if row["available"]:
            chosen = select_measure(ch.incidents, definitions[str(name)], ch.area)
            monthly = measures.monthly_of(ch.incidents.loc[chosen], months)
        variation.append(spc_verdict(monthly, _wanted(str(name))))
    table["variation"] = variation
    return table


def _withheld(row: pd.Series) -> bool:
    return bool(row["current_withheld"] or row["previous_withheld"])


def _withheld_sentence(label: str, row: pd.Series, unit: str, period: str) -> str:
    """A measure with a withheld count, in words that give no count of 1 to 4 away."""
    if row["current_withheld"]:
        return (
            f"{label}: withheld in {period} (a count from 1 to 4, which could identify a victim)."
        )
    return (
        f"{label}: {fmt_count(row['current'])} {unit} in {period}; the comparison period's count, "
        "from 1 to 4, is withheld (it could identify a victim), and with it the change."
    )


def verdict(ch: Chapter, key: str, table: pd.DataFrame | None = None) -> str:
    """The chapter's verdict in one sentence, marked for the page (its first screen holds it)."""
    table = measure_table(ch, key) if table is None else table
    p, c = ch.params.period, ch.params.comparison
    available = table[table["available"]]
    shown = available[~available.apply(_withheld, axis=1)] if len(available) else available
    changes = [(str(row["label"]), _change(row)) for _, row in shown.iterrows()]
    missing = table[~table["available"]]
    withheld = available.drop(shown.index)
    sentence = f"**{p.label} ({p.span}) against {c.label}, {ch.area.name}.** " + narrative.in_brief(
        changes, unavailable=len(missing), withheld=len(withheld)
    )
    return f":::{{container}} csa-verdict\n{sentence}\n:::\n"


def _compact_change(change: Change) -> str:
    """A change for a table cell: ``"−23.4%"``; counts too small for a percentage as counts."""
    if change.too_small:
        return f"{fmt_count(change.previous)}, then {fmt_count(change.current)}"
    return fmt_signed_pct(change.percent)


def summary_table(ch: Chapter, key: str, table: pd.DataFrame | None = None) -> str:
    """Every measure at a glance: the period, the comparison period, the change and its verdict
    with a symbol; withheld counts shown as the symbol, unavailable measures said so."""
    table = measure_table(ch, key) if table is None else table
    p, c = ch.params.period, ch.params.comparison
    shown = table.set_index("label")
    cells = pd.DataFrame(index=shown.index)
    hidden = shown["current_withheld"] | shown["previous_withheld"]

    def counts(column: str) -> list[str]:
        return [
            "not available"
            if not row["available"]
            else load_disclosure_policy().shown_as
            if row[f"{column}_withheld"]
            else fmt_count(row[column])
            for _, row in shown.iterrows()
        ]

    cells["current"], cells["previous"] = counts("current"), counts("previous")
    cells["change"] = [
        "" if not row["available"] or hidden[label] else _compact_change(_change(row))
        for label, row in shown.iterrows()
    ]
    cells["verdict"] = [
        "" if not row["available"] or hidden[label] else fmt_verdict_icon(row["verdict"])
        for label, row in shown.iterrows()
    ]
    withheld = pd.DataFrame(False, index=shown.index, columns=shown.columns)
    withheld["current"] = shown["current_withheld"]
    withheld["previous"] = shown["previous_withheld"]
    for name in ("change", "change_pct", "verdict"):
        withheld[name] = hidden
    return publish_table(
        shown[["current", "previous", "change", "change_pct", "verdict"]],
        name=f"{key}-summary",
        caption=f"The measures at a glance, {p.label} against {c.label}",
        columns={
            "current": (p.label, str),
            "previous": (c.label, str),
            "change": ("Change", str),
            "verdict": ("Verdict", str),
        },
        out_dir=ch.out_dir,
        index_label="Measure",
        cells=cells,
        withheld=withheld[["current", "previous", "change", "change_pct", "verdict"]],
    )


def summary(ch: Chapter, key: str) -> str:
    """The verdict first, in one sentence, and every measure at a glance in a table; then a
    sentence for each clear change only, what the source cannot provide, and the caveats."""
    table = measure_table(ch, key)
    p = ch.params.period
    available = table[table["available"]]
    lines = [verdict(ch, key, table), summary_table(ch, key, table)]
    clear = [
        row for _, row in available.iterrows() if not _withheld(row) and _change(row).significant
    ]
    if clear:
        lines += ["", "**The clear changes:**", ""]
        lines += [
            f"- {narrative.describe_change(str(row['label']), _change(row), str(row['unit']))}"
            for row in clear
        ]
    withheld = [row for _, row in available.iterrows() if _withheld(row)]
    if withheld:
        lines += [""]
        lines += [
            f"- {_withheld_sentence(str(row['label']), row, str(row['unit']), p.label)}"
            for row in withheld
        ]
    missing = table[~table["available"]]
    if len(missing):
        lines += ["", ":::{admonition} Not available from this source\n:class: note\n"]
        lines += [f"- {row['label']}: {row['note']}." for _, row in missing.iterrows()]
        lines += [
            "\nThese measures need data that the source used for this edition does not hold; they "
            "are never shown as zero. Where the partnership supplies a published figure for one of "
            "them, the [plan on a page](plan_on_a_page.ipynb) shows it as a supplementary "
            "indicator.\n:::"
        ]
    rows = table[table["available"]]
    tested = sum(
        1 for _, row in rows.iterrows() if not _withheld(row) and not _change(row).too_small
    )
    lines += ["", caveats(ch, key, [str(k) for k in rows.index], tested)]
    return "\n".join(lines) + "\n"


def _change(row: pd.Series) -> Change:
    """A measure table's row as the :class:`~csa_stats.analysis.measures.Change` it was made from."""
    return Change(int(row["current"]), int(row["previous"]), float(row["p_value"]))


def _headline_series(ch: Chapter, key: str) -> tuple[Measure, pd.Series | None]:
    """The priority's headline measure and its monthly counts to the end of the period: where
    the source cannot provide a serious-violence headline, its proxy, as the serious-violence
    chapter follows it (so one series has one trend on both pages); ``None`` when neither."""
    headline = _priority(key).headline
    measure = load_definitions().measures[headline]
    end = ch.params.period.end.start_time
    if availability(measure, ch.incidents, ch.area) is None:
        series = measures.monthly_measure(ch.incidents, headline, ch.area)
        return measure, series[series.index <= end]
    definition = load_serious_violence()
    if headline in definition.proxies:
        found = series_for(ch.incidents, headline, ch.area, definition)
        if not isinstance(found, NotAvailable):
            proxy, series, _ = found
            return proxy, series[series.index <= end]
    return measure, None


def caveats(ch: Chapter, key: str, available: list[str], tested: int) -> str:
    """What to keep in mind when reading the verdict, for the top of the chapter: what a clear
    change means, how many measures are tested at once, whether the headline series varies more
    than the test assumes (from its fitted model), which measures are parts of others (the
    configuration's ``part_of`` pairs) and what recorded figures count. Nothing when the source
    provides none of the measures: there is no verdict to read with care."""
    if not available:
        return ""
    p, c = ch.params.period, ch.params.comparison
    measure, series = _headline_series(ch, key)
    longer_run = "; the trend below shows the longer run" if series is not None else ""
    items = [
        f"Each measure counts {p.label} ({p.span}) against {c.label}: one period against one "
        f"period. A change is called clear when one at least as large would happen less than "
        f"{load_change_policy().alpha:.0%} of the time if nothing had really changed, allowing for how much the "
        f"measure varies from month to month; a measure with fewer than {load_change_policy().min_count} in either "
        "period is shown as its counts and never called clear (see the "
        f"[methodology](../methodology.md)){longer_run}."
    ]
    if tested > 1:  # measures too few to judge, or withheld, are not tested
        items.append(narrative.many_tests_caveat(tested, measured_false_alarm_rate()))
    dispersion = None
    if series is not None and len(series) >= 24:
        dispersion, _ = measures.pearson_dispersion(np.array_split(series.to_numpy()[-24:], 2))
    items.append(narrative.dispersion_caveat(measure.label, dispersion))
    definitions = load_definitions()
    wholes: dict[str, list[str]] = {}
    for part, whole in definitions.part_of:
        if part in available and whole in available:
            wholes.setdefault(whole, []).append(part)
    if wholes:
        order = {name: i for i, name in enumerate(available)}
        groups = [
            (
                definitions.measures[whole].label,
                [definitions.measures[name].label for name in sorted(parts, key=order.__getitem__)],
            )
            for whole, parts in sorted(wholes.items(), key=lambda item: order[item[0]])
        ]
        items.append(narrative.parts_caveat(groups))
    items.append(
        "Recorded figures count what is reported to and recorded by the police, not all that "
        "happens: a change can come from reporting or recording as well as from crime."
    )
    return (
        ":::{admonition} Caveats\n:class: note\n\n" + "\n".join(f"- {i}" for i in items) + "\n:::"
    )


def measures_section(ch: Chapter, key: str) -> str:
    """Every measure of the priority in one table, with its CSV download."""
    table = measure_table(ch, key)
    p, c = ch.params.period, ch.params.comparison
    shown = table.set_index("label")
    columns = {
        "current": (p.label, lambda v: fmt_count(v) if not pd.isna(v) else "not available"),
        **change_columns(p.label, c.label),
        "variation": ("Variation (SPC)", lambda v: str(v) if v else ".."),
    }
    # A withheld count, and the change that goes with it, is the symbol in the page and the CSV.
    hidden = pd.DataFrame(False, index=shown.index, columns=shown.columns)
    hidden["current"] = shown["current_withheld"]
    hidden["previous"] = shown["previous_withheld"]
    for name in ("change", "change_pct", "significant", "verdict", "variation"):
        hidden[name] = shown["current_withheld"] | shown["previous_withheld"]
    block = publish_table(
        shown.drop(columns=["p_value", "significant", "current_withheld", "previous_withheld"]),
        name=f"{key}-measures",
        caption=f"{title(key).split(': ', 1)[-1].capitalize()}: measures, {p.label} against {c.label}",
        columns=columns,
        out_dir=ch.out_dir,
        index_label="Measure",
        withheld=hidden,
    )
    if hidden.to_numpy().any():
        block += (
            f"\n`{load_disclosure_policy().shown_as}`: withheld. A count from 1 to 4 of a measure that could identify a "
            "victim is not published, even for the whole area, nor the change that would give it "
            "back.\n"
        )
    return block


def trend_finding(label: str, change_pct: float, clear: bool) -> str:
    """The headline series' underlying change in words (the trend chart's title).

    Examples
    --------
    >>> trend_finding("Hate crime", -4.26, clear=True)
    'Hate crime is falling by about 4.3% a year'
    """
    if not clear:
        return f"{label} shows no clear underlying change"
    direction = "falling" if change_pct < 0 else "rising"
    return f"{label} is {direction} by about {abs(change_pct):.1f}% a year"


def trend_section(ch: Chapter, key: str) -> str:
    """The headline series with its underlying level and change a year, from the same model as
    the serious-violence projection (:mod:`csa_stats.analysis.projection`), and its process-control chart
    (:mod:`csa_stats.analysis.spc`)."""
    measure, series = _headline_series(ch, key)
    if series is None:
        reason = availability(measure, ch.incidents, ch.area)
        return (
            f"{measure.label}, this priority's headline series, is {reason}: no trend is shown.\n"
        )
    definition = load_serious_violence()
    fit = projection.fit_level(series, prior=definition.prior)
    low, high = fit.annual_change_ci
    finding = trend_finding(measure.label, fit.annual_change_pct, fit.is_clear)
    first, last = series.index[0], series.index[-1]
    alt = (
        f"Line chart of {measure.label.lower()} each month from {first:%B %Y} to {last:%B %Y}, "
        f"between {fmt_count(series.min())} and {fmt_count(series.max())} a month, with the "
        f"model's underlying level at {fmt_count(round(fit.level.iloc[0]))} a month in "
        f"{first:%B %Y} and {fmt_count(round(fit.level.iloc[-1]))} in {last:%B %Y}, changing by "
        f"{fmt_pct(fit.annual_change_pct, signed=True)} a year at the end."
    )
    sentence = (
        f"\nAt the end of the data ({last:%B %Y}), the underlying change in "
        f"{measure.label.lower()} is {fmt_pct(fit.annual_change_pct, signed=True)} a year "
        f"(95% interval {fmt_pct(low, signed=True)} to {fmt_pct(high, signed=True)}), from a "
        "structural time-series model of every month from "
        f"{first:%B %Y}: a level that wanders, a trend that can turn and the month of the year. "
        "It is the model the serious-violence chapter projects with, so a series has one trend "
        "wherever it appears. See the [methodology](../methodology.md).\n"
    )
    p = ch.params
    differ = narrative.trend_beside_change(
        measure.label,
        measures.compare_series(series, p.period.end, p.period.months),
        fit.annual_change_pct,
        fit.is_clear,
        p.period.label,
        p.comparison.label,
    )
    if differ:
        sentence += f"\n{differ}\n"
    if (
        is_sensitive(_priority(key).headline)
        and series.between(load_disclosure_policy().low, load_disclosure_policy().high).any()
    ):
        # A month of 1 to 4 of a sensitive measure is not published, in a chart or its data.
        return (
            f"**{finding}.** The monthly counts are not shown: in some months they are from 1 to "
            "4, which could identify a victim.\n" + sentence
        )
    data = pd.DataFrame(
        {"recorded": series, "model": fit.fitted.round(2), "level": fit.level.round(2)}
    )
    data.index = data.index.strftime("%Y-%m").rename("month")
    fig = charts.trend_chart(
        series, fit.level, fit.fitted, finding, f"{measure.unit.capitalize()} a month"
    )
    block = charts.publish_figure(
        fig,
        f"{key}-trend",
        data,
        alt,
        f"{measure.label} each month, {ch.area.name}, with the model's underlying level.",
        ch.out_dir,
    )
    return block + sentence + "\n" + spc_section(ch, key, measure, series)


def spc_section(ch: Chapter, key: str, measure: Measure, series: pd.Series) -> str:
    """The headline series as an XmR chart (Making Data Count), with its variation verdict."""
    wanted = _wanted(_priority(key).headline)
    x = spc.xmr(series, improvement=wanted)  # type: ignore[arg-type]
    verdict = spc.variation(x)
    label = spc.verdict_label(verdict, spc.latest_side(x))
    last = series.index[-1]
    title = f"{measure.label}: {label.lower()} in {last:%B %Y}"
    signals = int(x.special.sum())
    alt = (
        f"Process-control chart of {measure.label.lower()} each month from "
        f"{series.index[0]:%B %Y} to {last:%B %Y}: mean {fmt_count(round(x.mean))} a month, "
        f"process limits {fmt_count(round(x.lower))} to {fmt_count(round(x.upper))}; "
        f"{signals} month{'s' * (signals != 1)} part of a special-cause signal. The latest month: "
        f"{label.lower()}."
    )
    fig = charts.spc_chart(x, title, f"{measure.unit.capitalize()} a month")
    data = x.table()
    data.index = pd.DatetimeIndex(series.index).strftime("%Y-%m").rename("month")
    block = charts.publish_figure(
        fig,
        f"{key}-spc",
        data,
        alt,
        f"{measure.label} each month, {ch.area.name}, as a process-control (XmR) chart.",
        ch.out_dir,
    )
    return (
        block
        + f"\nRead as a process-control chart (NHS England's Making Data Count): the limits are the "
        f"mean plus or minus {spc.LIMIT} times the mean month-to-month change; a point beyond "
        "them, a run on one side of the mean, a run rising or falling, or two of three points "
        f"near a limit is a special cause. The latest month shows **{label.lower()}**.\n"
    )


def _wanted(measure_key: str) -> str | None:
    """The direction the plan wants for a measure (``data/reference/plan.yml``), if it says."""
    for priority in load_plan().values():
        for objective in priority["objectives"]:
            for entry in objective.get("measures", []):
                if entry.get("police") == measure_key:
                    return str(entry["wanted"])
    return None


def shares_section(ch: Chapter, key: str) -> str:
    """Parts as shares of their wholes (e.g. domestic abuse as a share of total recorded crime)."""
    pairs = list(_priority(key).shares)
    if not pairs:
        return ""
    table = measures.share_table(ch.incidents, ch.params, pairs, ch.area)
    heading = "## Shares\n\n"
    p, c = ch.params.period, ch.params.comparison
    table.index = [f"{row.part} as a share of {row.whole.lower()}" for row in table.itertuples()]
    columns: dict[str, tuple[str, Formatter]] = {
        "current_pct": (p.label, fmt_pct),
        "previous_pct": (c.label, fmt_pct),
        "change_points": (
            "Change (percentage points)",
            lambda v: fmt_signed_pct(v).removesuffix("%"),
        ),
    }
    # A share of a withheld count would give it back (with the whole, published elsewhere): the
    # symbol, in the page and the CSV.
    keys = sorted({k for pair in pairs for k in pair})
    counts = withhold_small_totals(measures.measure_changes(ch.incidents, ch.params, keys, ch.area))
    small = counts["current_withheld"] | counts["previous_withheld"]
    withheld = pd.Series([bool(small[a] or small[b]) for a, b in pairs], index=table.index)
    shown = table.drop(columns=["part", "whole"])
    hidden = pd.DataFrame({name: withheld for name in shown.columns}, index=shown.index)
    block = publish_table(
        shown,
        name=f"{key}-shares",
        caption=f"Shares, {p.label} against {c.label}",
        columns=columns,
        out_dir=ch.out_dir,
        index_label="Share",
        withheld=hidden,
    )
    if withheld.any():
        block += f"\n`{load_disclosure_policy().shown_as}`: withheld, as the share would give a small count back.\n"
    unknown = table[
        (table["unknown_current"].fillna(0) > 0) | (table["unknown_previous"].fillna(0) > 0)
    ]
    for name, row in unknown.iterrows():
        if withheld[name]:
            continue
        block += (
            f"\n{name}: records whose {_needs(row)} was not recorded are left out of both the "
            f"part and the whole ({fmt_count(row['unknown_current'])} in {p.label}, "
            f"{fmt_count(row['unknown_previous'])} in {c.label}).\n"
        )
    return heading + block


def _needs(row: pd.Series) -> str:
    """The field a share's part needs and its whole does not, in words."""
    definitions = load_definitions().measures
    part = next(m for m in definitions.values() if m.label == row["part"])
    whole = next(m for m in definitions.values() if m.label == row["whole"])
    words = {"victim_age_band": "victim's age", "victim_sex": "victim's sex"}
    extra = [c for c in part.requires if c not in whole.requires]
    return " or ".join(words.get(c, c.replace("_", " ")) for c in extra)


def victims_section(ch: Chapter, key: str) -> str:
    """Victims of the priority's chosen measures by sex and age band, for the period.

    Victim groups are a sensitive breakdown (``data/reference/disclosure.yml``): each group's
    counts are protected against its total, and a withheld count's share is withheld with it; a
    sentence that would need a withheld count says so instead.
    """
    keys = list(_priority(key).victims)
    if not keys:
        return ""
    p = ch.params.period
    blocks, sentences, missing = [], [], []
    for measure_key in keys:
        label = load_definitions().measures[measure_key].label
        profile = measures.victim_profile(ch.incidents, ch.params, measure_key, ch.area)
        if profile is None:
            missing.append(label)
            continue
        hidden = pd.Series(False, index=profile.index)
        for group, column in (("Sex", "victim_sex"), ("Age band", "victim_age_band")):
            rows = profile["group"] == group
            if is_sensitive_breakdown(column):
                hidden[rows] = protect_breakdown(profile.loc[rows, "victims"]).isna()
        sentences.append(f"- {label}: " + _victim_sentence(profile, hidden) + ".")
        shown = profile.set_index(profile["group"] + ": " + profile["value"])
        hidden.index = shown.index
        blocks.append(
            publish_table(
                shown[["victims", "share_pct"]],
                name=f"{key}-victims-{measure_key}",
                caption=f"Victims of {label.lower()} by sex and age band, {p.label}",
                columns={"victims": ("Victims", fmt_count), "share_pct": ("Share", fmt_pct)},
                out_dir=ch.out_dir,
                index_label="Sex or age band",
                withheld=pd.DataFrame({"victims": hidden, "share_pct": hidden}),
            )
        )
    text = "## Victims\n\n"
    if sentences:
        text += (
            f"Victims in {p.label} (shares are of victims whose sex or age band was recorded):\n\n"
        )
    text += "\n".join(sentences) + "\n\n" + "\n".join(blocks)
    if any("withheld" in sentence for sentence in sentences):
        text += (
            f"\n`{load_disclosure_policy().shown_as}`: withheld. Counts of victims from 1 to 4 are not published, because "
            "they could identify someone; nor are the other counts that, with the total, would let "
            "one be worked out, nor their shares. A withheld cell may hold any count, 0 included.\n"
        )
    if missing:
        labels = narrative.listed([narrative.mid_sentence(label) for label in missing])
        text += f"\nVictims' sex and age are {NOT_AVAILABLE} for {labels}.\n"
    return text


#: Age bands under 25, for the share of young victims.
UNDER_25 = ("0-9", "10-15", "16-17", "18-24")


def _victim_sentence(profile: pd.DataFrame, hidden: pd.Series) -> str:
    """The profile in words, from published cells only: the share male, the most common age band
    and the share under 25, each said to be withheld where it would need a withheld count (naming
    the most common band would bound the withheld ones)."""
    sex = profile["group"] == "Sex"
    ages = profile["group"] == "Age band"
    male = sex & (profile["value"] == "male")
    parts = []
    if male.any() and hidden[male].any():
        parts.append("the share of victims who were male is withheld (small counts)")
    else:
        share = profile.loc[male, "share_pct"].sum() if male.any() else float("nan")
        parts.append(f"{fmt_pct(share)} of victims were male")
    if hidden[ages].any():
        parts.append("the counts by age band are partly withheld (small counts)")
    else:
        top = profile[ages].loc[profile.loc[ages, "victims"].idxmax()]
        young = ages & profile["value"].isin(UNDER_25)
        parts.append(
            f"the most common age band was {top['value']} ({fmt_pct(top['share_pct'])}); "
            f"{fmt_pct(profile.loc[young, 'share_pct'].sum())} were under 25"
        )
    return "; ".join(parts)


def breakdown_section(ch: Chapter, key: str) -> str:
    """A measure split by a column of the table (for example hate crime by strand).

    A sensitive breakdown (``data/reference/disclosure.yml``) has each period's counts protected,
    with the share and change of a withheld count; published rows come first, largest first, and
    withheld rows follow by name (placed among the others, they would be bounded by their
    neighbours).
    """
    spec = _priority(key).breakdown
    if spec is None:
        return ""
    measure_key, column = spec.measure, spec.column
    label = load_definitions().measures[measure_key].label
    word = spec.label
    table = measures.breakdown(ch.incidents, ch.params, measure_key, column, ch.area)
    heading = f"## {label} by {word}\n\n"
    if table is None:
        return heading + f"{label} by {word}: {NOT_AVAILABLE}.\n"
    p, c = ch.params.period, ch.params.comparison
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    if is_sensitive_breakdown(column):
        current = protect_breakdown(table["current"]).isna()
        previous = protect_breakdown(table["previous"]).isna()
        for name in ("current", "share_pct"):
            hidden[name] = current
        hidden["previous"] = previous
        for name in ("change", "change_pct", "p_value", "significant", "verdict"):
            hidden[name] = current | previous
        order = [*table.index[~current], *sorted(table.index[current])]
        table, hidden = table.loc[order], hidden.loc[order]
    top = table.iloc[0]
    if hidden["current"].iloc[0]:
        sentence = (
            f"Every {word}'s count of {label.lower()} in {p.label} is withheld (small counts).\n\n"
        )
    else:
        among = " of those published" if hidden["current"].any() else ""
        sentence = (
            f"{str(table.index[0]).capitalize()} was the most recorded {word}{among} of "
            f"{label.lower()}: {fmt_count(top['current'])} offences, {fmt_pct(top['share_pct'])} of "
            "the total.\n\n"
        )
    columns = {
        "current": (p.label, fmt_count),
        "share_pct": ("Share", fmt_pct),
        **change_columns(p.label, c.label),
    }
    table.index = [str(i).capitalize() for i in table.index]
    hidden.index = table.index
    note = (
        f"\n`{load_disclosure_policy().shown_as}`: withheld. Counts from 1 to 4 are not published by {word}, because they "
        "could identify a victim; nor are the other counts that, with the total, would let one be "
        "worked out, nor their shares and changes. A withheld cell may hold any count, 0 included.\n"
        if hidden.to_numpy().any()
        else ""
    )
    return (
        heading
        + sentence
        + publish_table(
            table,
            name=f"{key}-{measure_key}-by-{column}",
            caption=f"{label} by {word}, {p.label} against {c.label}",
            columns=columns,
            out_dir=ch.out_dir,
            index_label=word.capitalize(),
            withheld=hidden,
        )
        + note
    )


def hotspots_section(ch: Chapter, key: str) -> str:
    """The priority's hotspot measure ranked by ward: chart and table."""
    measure_key = _priority(key).hotspots
    if not measure_key:
        return ""
    measure = load_definitions().measures[str(measure_key)]
    wards = measures.ward_ranking(ch.incidents, ch.population, ch.params, str(measure_key), ch.area)
    heading = f"## Hotspots: {measure.label.lower()} by ward\n\n"
    if wards is None:
        return heading + f"{measure.label} by ward: {NOT_AVAILABLE}.\n"
    return heading + ward_ranking_section(
        ch,
        wards,
        measure.label.lower(),
        measure.unit,
        f"{key}-{measure_key}",
        sensitive=is_sensitive(str(measure_key)),
    )


def details(ch: Chapter, key: str) -> str:
    """The optional sections the configuration asks for, each under its own heading."""
    parts = [shares_section(ch, key), victims_section(ch, key), breakdown_section(ch, key)]
    parts.append(hotspots_section(ch, key))
    return "\n".join(part for part in parts if part)


def definitions_note(ch: Chapter, key: str) -> str:
    """How each measure in the chapter is counted, in words made from its definition."""
    measures = load_definitions().measures
    lines = []
    for name in _priority(key).named():
        measure = measures[name]
        summary = f"{measure.note}; counted as " if measure.note else ""
        lines.append(f"- **{measure.label}**: {summary}{describe(measure, ch.area)}.")
    return (
        "How each measure in this chapter is counted (the definitions are configuration, in "
        "`data/reference/measures.yml` and `serious_violence.yml`):\n\n" + "\n".join(lines) + "\n"
    )
