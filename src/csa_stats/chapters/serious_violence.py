"""The serious-violence chapter: progress against the baseline year toward the goal year.

The verdict comes first (status, chance, the baseline caveat); then the definition in force, the
comparison of baselines, the year-on-year series, the projection with its intervals, the path
needed, and the same for each sub-measure.
"""

from __future__ import annotations

import pandas as pd

from csa_stats import paths
from csa_stats.analysis.measures import compare_series
from csa_stats.analysis.progress import Progress, year_window
from csa_stats.analysis.serious_violence import Assessment, assess_all
from csa_stats.chapters.context import Chapter
from csa_stats.files import write_text
from csa_stats.presentation import charts, narrative
from csa_stats.presentation.methodology import status_track_record
from csa_stats.presentation.tables import (
    fmt_count,
    fmt_pct,
    fmt_signed_count,
    fmt_signed_pct,
    fmt_yes_no,
    publish_table,
)
from csa_stats.reference.definitions import (
    NotAvailable,
    describe,
    load_serious_violence,
)


def assessment(ch: Chapter) -> Assessment:
    """The chapter's assessment: the goal's series and each sub-measure for its edition."""
    return assess_all(ch.incidents, ch.params, ch.area)


def write_front_page_box(ch: Chapter, found: Assessment) -> None:
    """Leave the front page's box (:func:`headline`) in the chapter's output, where the build
    takes it from: the front page says what this chapter says, made once, here."""
    write_text(
        ch.out_dir / paths.FRONT_PAGE_BOX, headline(ch, found, "chapters/serious_violence.ipynb")
    )


#: Admonition class per status: green, amber, red in the book theme.
_STATUS_CLASS = {"on track": "tip", "at risk": "warning", "off track": "danger"}


def chance_text(probability: float) -> str:
    """A stated chance in the yardstick's words with its figure: ``"likely (about 65%)"``
    (:func:`csa_stats.presentation.narrative.yardstick`)."""
    return f"{narrative.yardstick(probability)} (about {100 * probability:.0f}%)"


def _name(progress: Progress) -> str:
    """The measure's name inside a sentence (proxies keep "police.uk")."""
    label = progress.measure.label
    return label[0].lower() + label[1:] if progress.is_proxy else label.lower()


def verdict(progress: Progress) -> str:
    """One sentence: the status and the chance behind it."""
    b = progress.baseline
    return (
        f"{progress.measure.label} is **{b.status}**: on the projection, it is "
        f"{chance_text(b.probability or 0.0)} that the {b.goal.label} total is below the "
        f"{b.label} baseline of {fmt_count(b.count)} {progress.measure.unit}."
    )


def progress_sentence(progress: Progress) -> str:
    """The latest complete year against the baseline year, like with like; the latest 12 months
    as context."""
    b = progress.baseline
    year, change = progress.latest_year, progress.latest_year_change
    context = (
        f"In the 12 months to {progress.latest_window.end.strftime('%B %Y')}, "
        f"{fmt_count(progress.latest)} were recorded."
    )
    if year is None or change is None:
        return f"No complete year after the {b.label} baseline is in the data yet. {context}"
    where = narrative.change_phrase(change)
    return (
        f"In {year.label}, the latest complete {b.kind} year, {fmt_count(change.current)} "
        f"{_name(progress)} {progress.measure.unit} were recorded against {fmt_count(change.previous)} "
        f"in {b.label}: {narrative.verdict_words(change)} ({where}). {context}"
    )


def year_on_year_sentence(progress: Progress) -> str:
    """The year-on-year objective: was the latest 12 months lower than the 12 months before?"""
    if progress.previous is None:
        return "The data do not hold the 12 months before the latest, so the year-on-year objective cannot be judged."
    change = compare_series(progress.monthly, progress.latest_window.end)
    met = progress.latest < progress.previous
    span = progress.latest_window
    sentence = (
        f"Year-on-year objective ({'met' if met else 'not met'}): the 12 months to "
        f"{span.end.strftime('%B %Y')} were {'lower' if met else 'not lower'} than the 12 months "
        f"before ({narrative.change_phrase(change)}; {narrative.verdict_words(change)})."
    )
    annual = progress.annual.dropna(subset=["lower_than_year_before"])
    if len(annual):
        lower = int(annual["lower_than_year_before"].sum())
        if len(annual) == 1:
            sentence += (
                f" {annual.index[0]}, the one complete year with a year before it in the data, "
                f"{'was' if lower else 'was not'} lower than the year before."
            )
        else:
            sentence += (
                f" Of the {len(annual)} complete years from {annual.index[0]} to "
                f"{annual.index[-1]}, {lower} {'was' if lower == 1 else 'were'} lower than the "
                "year before."
            )
    return sentence


def baseline_caveat(progress: Progress) -> str:
    """Why the baseline year is unusual, and how the verdict changes with the other baselines."""
    b = progress.baseline
    before = year_window(b.window.start.year - 1, b.kind)
    others = [
        f"{o.label}: **{o.status}**, {chance_text(o.probability or 0.0)}"
        for o in progress.baselines
        if not o.chosen and o.status is not None
    ]
    missing = [o.label for o in progress.baselines if o.status is None]
    earlier = next((o for o in progress.baselines if o.window == before), None)
    lines = [
        "Lockdowns in spring 2020 and early 2021 changed how much crime happened and how much was "
        "recorded, so the baseline year may not be a typical year."
        if b.window.start.year in (2020, 2021)
        else f"The baseline is {b.label}."
    ]
    if earlier is not None and earlier.count:
        lines.append(
            baseline_against_year_before(b.label, b.count or 0, earlier.label, earlier.count)
        )
    if others:
        lines.append("Against the other baselines the status would be: " + "; ".join(others) + ".")
    if missing:
        lines.append(f"Not in the data: {', '.join(missing)}.")
    return " ".join(lines)


def baseline_against_year_before(label: str, count: int, before: str, before_count: int) -> str:
    """How the baseline year compares with the year before it, in the data.

    Examples
    --------
    >>> baseline_against_year_before("2020", 900, "2019", 1000)
    'In these data, 2020 was 10.0% below 2019.'
    """
    diff = 100.0 * (count - before_count) / before_count
    side = "above" if diff >= 0 else "below"
    return f"In these data, {label} was {fmt_pct(abs(diff))} {side} {before}."


def rule_sentence(progress: Progress) -> str:
    """The status rule, with its thresholds."""
    return (
        f"Status rule: **on track** when the chance of finishing the goal year below the baseline "
        f"is at least {100 * progress.on_track:.0f}%; **off track** when it is "
        f"{100 * progress.off_track:.0f}% or less; **at risk** in between."
    )


def rule_in_brief(progress: Progress) -> str:
    """The status rule in one sentence, for the front page's box (where the chapter's fuller
    :func:`rule_sentence` is not)."""
    return (
        f"On track needs a chance of at least {100 * progress.on_track:.0f}%, off track is "
        f"{100 * progress.off_track:.0f}% or less, and at risk is in between."
    )


def summary(ch: Chapter, assessment: Assessment) -> str:
    """The verdict, its evidence and its caveats, for the top of the chapter."""
    head = assessment.headline
    if isinstance(head, NotAvailable):
        return (
            "::::{admonition} Status: not available\n:class: note\n\n"
            ":::{container} csa-verdict\n"
            f"Progress toward the goal cannot be assessed for this edition: serious violence is "
            f"{head}.\n:::\n::::\n"
        )
    status = head.baseline.status or "at risk"
    lines = [
        f"::::{{admonition}} Status: {status}\n:class: {_STATUS_CLASS[status]}\n",
        ":::{container} csa-verdict",
        f"**The goal:** less serious violence in {ch.area.name} in {head.baseline.goal.label} "
        f"than in {head.baseline.label}. {verdict(head)}",
        ":::\n",
        f"- {progress_sentence(head)}",
        f"- {year_on_year_sentence(head)}",
        f"- {path_sentence(head)}",
        f"- **Caveat:** {baseline_caveat(head)}",
        f"- **Caveat:** {projection_caveat(head)}",
    ]
    if head.is_proxy:
        lines.append(
            f"- **Caveat:** this source cannot provide serious violence as defined; the figures are "
            f"for a proxy, {head.measure.label.lower()}."
        )
    lines += ["", rule_sentence(head), "::::\n"]
    return "\n".join(lines) + "\n" + status_table(ch, assessment)


def projection_caveat(progress: Progress, record: tuple[float, float] | None = None) -> str:
    """What the projection can and cannot say, and how often its status came true in the
    calibration's simulated worlds (``record``: the lowest and highest share; default: from the
    committed run)."""
    status = progress.baseline.status
    record = record if record is not None else status_track_record(status) if status else None
    came_true = (
        f" In those simulations, areas called {status} met the goal in {record[0]:.0%} to "
        f"{record[1]:.0%} of cases, depending on how their series moved."
        if status and record
        else ""
    )
    return (
        f"the projection follows every month from {progress.fit_window.span}; its level wanders "
        "and its trend can turn as much as the series' own months have, so its intervals widen "
        "with the years ahead. Five years out a chance is known only roughly: it is stated "
        f"{_stated()}. How often such intervals, chances and statuses were right, in "
        "simulations and on Coventry's recorded crime, is on the "
        f"[methodology](../methodology.md) page.{came_true}"
    )


def status_table(ch: Chapter, assessment: Assessment) -> str:
    """The headline and every sub-measure in one table: latest, baseline, chance, status."""
    rows: list[dict[str, object]] = []
    for key, result in assessment.results.items():
        label = assessment.definition.measures[key].label
        if isinstance(result, NotAvailable):
            rows.append({"measure": label, "status": result})
            continue
        b = result.baseline
        rows.append(
            {
                "measure": result.measure.label,
                "baseline": b.count,
                "latest_year": result.latest_year_change.current
                if result.latest_year_change
                else None,
                "change_pct": result.change_on_baseline_pct,
                "chance_below_baseline": b.probability,
                "status": b.status,
            }
        )
    table = pd.DataFrame(rows).set_index("measure")
    first = next((r for r in assessment.results.values() if not isinstance(r, NotAvailable)), None)
    base = first.baseline.label if first else "baseline"
    goal = first.baseline.goal.label if first else "goal year"
    latest = first.latest_year.label if first and first.latest_year else "latest year"
    return publish_table(
        table,
        name="serious-violence-status",
        caption=f"Serious violence and its sub-measures: progress toward the goal, {ch.area.name}",
        columns={
            "baseline": (f"{base} (baseline)", fmt_count),
            "latest_year": (f"{latest} (latest year)", fmt_count),
            "change_pct": ("Change on baseline (%)", fmt_signed_pct),
            "chance_below_baseline": (
                f"Chance {goal} is below baseline",
                lambda v: ".." if pd.isna(v) else chance_text(float(v)),  # type: ignore[arg-type]
            ),
            "status": ("Status", lambda v: ".." if pd.isna(v) else str(v)),
        },
        out_dir=ch.out_dir,
        index_label="Measure",
    )


def headline(ch: Chapter, assessment: Assessment, link: str) -> str:
    """The front page's box: the status and its one-sentence reason, linking to the chapter."""
    head = assessment.headline
    if isinstance(head, NotAvailable):
        return ""
    b = head.baseline
    status = b.status or "at risk"
    before = year_window(b.window.start.year - 1, b.kind)
    earlier = next((o for o in head.baselines if o.window == before and o.status), None)
    caveat = (
        f" Against {earlier.label}, the year before the baseline, it would be {earlier.status}: it is "
        f"{chance_text(earlier.probability or 0.0)} that the {b.goal.label} total is below "
        f"{earlier.label}'s."
        if earlier is not None
        else ""
    )
    return (
        f":::{{admonition}} Serious violence toward the {b.goal.label} goal: {status}\n"
        f":class: {_STATUS_CLASS[status]}\n\n"
        f"{verdict(head)} {rule_in_brief(head)} {progress_sentence(head)}{caveat} "
        f"[How this is worked out, and its caveats]({link}).\n:::\n"
    )


def definition_section(ch: Chapter, assessment: Assessment) -> str:
    """The definition in force, read from the configuration, with what each measure counts in
    words made from its filter."""
    d = assessment.definition
    lines = [
        f"The definition in force is read from `data/reference/{d.path.name}`; a partnership "
        "changes it there, without code, and every figure on this page follows.",
        "",
    ]
    for key, measure in d.measures.items():
        role = "the goal's series" if key == d.headline else "sub-measure"
        result = assessment.results.get(key)
        summary = f"{measure.note}; counted as " if measure.note else "counted as "
        lines.append(f"- **{measure.label}** ({role}): {summary}{describe(measure, ch.area)}.")
        if isinstance(result, NotAvailable):
            lines.append(f"  For this edition it is {result}.")
        elif result is not None and result.is_proxy:
            lines.append(
                f"  This source cannot provide it; the proxy used instead is "
                f"{result.measure.label.lower()}: {describe(result.measure, ch.area)}."
            )
    return "\n".join(lines) + "\n"


def baselines_section(ch: Chapter, progress: Progress, name: str) -> str:
    """Each baseline with the chance of beating it and the change a year needed."""
    year = progress.latest_year
    latest = (
        progress.latest
        if year is None
        else int(
            progress.monthly[
                year.contains(pd.Series(progress.monthly.index, index=progress.monthly.index))
            ].sum()
        )
    )
    latest_label = (
        f"12 months to {progress.latest_window.end:%B %Y}" if year is None else year.label
    )
    rows = []
    for b in progress.baselines:
        rows.append(
            {
                "baseline": b.label + (" (chosen)" if b.chosen else ""),
                "count": b.count,
                "latest_year": latest,
                "change_pct": (100.0 * (latest - b.count) / b.count if b.count else float("nan")),
                "goal": b.goal.label,
                "chance_below_baseline": b.probability,
                "status": b.status,
                "change_a_year_needed_pct": b.required_change_pct,
            }
        )
    table = pd.DataFrame(rows).set_index("baseline")
    return publish_table(
        table,
        name=f"{name}-baselines",
        caption=f"{progress.measure.label}: the verdict against each baseline, {ch.area.name}",
        columns={
            "count": ("Offences in baseline", fmt_count),
            "change_pct": (f"{latest_label}: change (%)", fmt_signed_pct),
            "goal": ("Goal year", str),
            "chance_below_baseline": (
                "Chance goal year is below",
                lambda v: ".." if pd.isna(v) else chance_text(float(v)),  # type: ignore[arg-type]
            ),
            "status": ("Status", lambda v: ".." if pd.isna(v) else str(v)),
            "change_a_year_needed_pct": ("Change a year needed (%)", fmt_signed_pct),
        },
        out_dir=ch.out_dir,
        index_label="Baseline",
    ) + _no_average_note(progress)


def _no_average_note(progress: Progress) -> str:
    """Why the pre-pandemic average is missing from the baselines, when it is: the data do not
    hold each of its years whole."""
    if any(b.window.months > 12 for b in progress.baselines):
        return ""
    years = "2017 to 2019" if progress.baseline.kind == "calendar" else "2017/18 to 2019/20"
    first = progress.monthly.index[0]
    return (
        f"\nThe pre-pandemic average of {years} is not shown: the data begin in {first:%B %Y}, so "
        "they do not hold all three years whole.\n"
    )


def annual_section(ch: Chapter, progress: Progress, name: str) -> str:
    """Each complete year with its change on the year before: the year-on-year objective."""
    table = progress.annual.rename(columns={"count": progress.measure.unit})
    return publish_table(
        table,
        name=f"{name}-annual",
        caption=(
            f"{progress.measure.label} each {progress.baseline.kind} year, {ch.area.name}, "
            "with the change on the year before"
        ),
        columns={
            progress.measure.unit: (progress.measure.unit.capitalize(), fmt_count),
            "change": ("Change", fmt_signed_count),
            "change_pct": ("Change (%)", fmt_signed_pct),
            "lower_than_year_before": ("Lower than the year before?", fmt_yes_no),
            "more_than_chance": ("Clear change?", fmt_yes_no),
        },
        out_dir=ch.out_dir,
        index_label="Year",
    )


def path_sentence(progress: Progress) -> str:
    """The change a year needed from the latest 12 months, beside the observed trend."""
    b, fit = progress.baseline, progress.fit
    needed = b.required_change_pct or 0.0
    low, high = fit.annual_change_ci
    trend = (
        f"the model's underlying change at the end of the data is "
        f"{fmt_signed_pct(fit.annual_change_pct)} a year (95% interval "
        f"{fmt_signed_pct(low)} to {fmt_signed_pct(high)})"
    )
    goal_end = b.goal.end.strftime("%B %Y")
    if needed < 0:
        return (
            f"Path needed: to finish {b.goal.label} below {b.label}, {_name(progress)} must fall by "
            f"more than {fmt_pct(abs(needed))} a year from the latest 12 months to {goal_end}; "
            f"{trend}."
        )
    return (
        f"Path needed: in the latest 12 months {_name(progress)} was already below the {b.label} "
        "level; from there it can rise by no more than "
        f"{fmt_pct(needed)} a year to {goal_end} and still finish below; {trend}."
    )


def _chart_frames(progress: Progress) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    kind = progress.baseline.kind
    annual = progress.annual.reset_index()
    recorded = pd.DataFrame(
        {
            "label": annual["year"],
            "count": annual["count"],
            "x": [charts.year_midpoint(year_window(int(str(y)[:4]), kind)) for y in annual["year"]],
        }
    )
    projection = progress.projection.reset_index().rename(columns={"year": "label"})
    projection["x"] = [
        charts.year_midpoint(year_window(int(str(y)[:4]), kind)) for y in projection["label"]
    ]
    start = charts.year_midpoint(progress.latest_window)
    rate = 1 + (progress.baseline.required_change_pct or 0.0) / 100
    ahead = projection[projection["x"] > start]
    path = pd.DataFrame(
        {
            "label": [f"The 12 months to {progress.latest_window.end:%B %Y}", *ahead["label"]],
            "x": [start, *ahead["x"]],
        }
    )
    path["value"] = progress.latest * rate ** (path["x"] - start)
    return recorded, projection, path


def chart_title(progress: Progress) -> str:
    """The finding, as the chart's title."""
    b = progress.baseline
    return (
        f"{progress.measure.label} is {b.status}: it is {chance_text(b.probability or 0.0)} that "
        f"{b.goal.label} is below {b.label}"
    )


def projection_section(ch: Chapter, progress: Progress, name: str) -> str:
    """The projection chart (with its data), the intervals table and how they were made."""
    recorded, projection, path = _chart_frames(progress)
    b = progress.baseline
    # The chart shows the chosen baseline and the year before it of the same kind; the table shows all.
    before = year_window(b.window.start.year - 1, b.kind)
    baselines = [
        (o.label, float(o.count), o.chosen)
        for o in progress.baselines
        if o.count and (o.chosen or o.window == before)
    ]
    fig = charts.projection_chart(
        recorded,
        projection,
        baselines,
        path,
        chart_title(progress),
        f"{progress.measure.unit.capitalize()} a year",
    )
    goal = progress.goal_year_projection
    alt = (
        f"Chart of {_name(progress)} each {b.kind} year: recorded from {recorded['label'].iloc[0]} "
        f"to {recorded['label'].iloc[-1]} (between {fmt_count(recorded['count'].min())} and "
        f"{fmt_count(recorded['count'].max())}), and projected to {b.goal.label}: central "
        f"{fmt_count(round(goal['central']))}, 80% interval {fmt_count(round(goal['low_80']))} to "
        f"{fmt_count(round(goal['high_80']))}, 95% interval {fmt_count(round(goal['low_95']))} to "
        f"{fmt_count(round(goal['high_95']))}. Horizontal lines mark the baselines: "
        + "; ".join(f"{label} {fmt_count(count)}" for label, count, _ in baselines)
        + f". A diamond marks the latest 12 months ({fmt_count(progress.latest)}) and a dotted line "
        "the path from there"
        f" to the {b.label} level in {b.goal.label}."
    )
    # The chart's data, in time order: recorded years, the latest 12 months (where the path needed
    # starts), then the projected years.
    latest_row = pd.DataFrame({"recorded": [progress.latest]}, index=[str(path["label"].iloc[0])])
    data = pd.concat(
        [
            recorded.set_index("label")[["count"]].rename(columns={"count": "recorded"}),
            latest_row,
            projection.set_index("label")[
                ["months_recorded", "central", "low_80", "high_80", "low_95", "high_95"]
            ].round(1),
        ]
    )
    data[["recorded", "months_recorded"]] = data[["recorded", "months_recorded"]].astype("Int64")
    data["path_needed"] = path.set_index("label")["value"].round(1)
    data["baseline"] = b.count
    data.index.name = "year"
    block = charts.publish_figure(
        fig,
        f"{name}-projection",
        data,
        alt,
        f"{progress.measure.label}, {ch.area.name}: recorded each {b.kind} year and projected to "
        f"{b.goal.label}, with 80% and 95% prediction intervals.",
        ch.out_dir,
    )
    projected = progress.projection
    whole = {
        c: projected[c].round().astype(int) for c in projected.columns if c != "months_recorded"
    }
    cells = pd.DataFrame(
        {
            "months_recorded": projected["months_recorded"].map(fmt_count),
            "central": whole["central"].map(fmt_count),
            "interval_80": [
                f"{fmt_count(lo)} to {fmt_count(hi)}"
                for lo, hi in zip(whole["low_80"], whole["high_80"], strict=True)
            ],
            "interval_95": [
                f"{fmt_count(lo)} to {fmt_count(hi)}"
                for lo, hi in zip(whole["low_95"], whole["high_95"], strict=True)
            ],
            "chance_below_baseline": projected["chance_below_baseline"].map(chance_text),
        },
        index=projected.index,
    )
    table = publish_table(
        projected.round(1).assign(
            chance_below_baseline=projected["chance_below_baseline"].round(4)
        ),
        name=f"{name}-projection-table",
        caption=f"{progress.measure.label}: projected {b.kind}-year totals, {ch.area.name}",
        columns={
            "months_recorded": ("Months already recorded", str),
            "central": ("Central projection", str),
            "interval_80": ("80% prediction interval", str),
            "interval_95": ("95% prediction interval", str),
            "chance_below_baseline": (f"Chance below {b.label}", str),
        },
        out_dir=ch.out_dir,
        index_label="Year",
        cells=cells,
    )
    return block + "\n" + model_sentence(progress) + "\n\n" + table


def model_sentence(progress: Progress) -> str:
    """How the projection was made, in one paragraph."""
    fit, w = progress.fit, progress.fit_window
    low, high = fit.annual_change_ci
    return (
        f"The projection comes from a structural time-series model of the logarithm of the monthly "
        f"counts from {w.span} ({w.months} months, all of them): a level that wanders (by about "
        f"{fit.volatility:.2f} a year on the log scale), a trend that can turn, and the month of "
        "the year, averaged over every size of wander and turn the months support, beside a model "
        f"with no trend (the months give a trend a {100 * fit.drift_probability:.0f}% chance). "
        "With a trend, at the end of the data its "
        f"underlying change is {fmt_signed_pct(fit.annual_change_pct)} a year (95% interval "
        f"{fmt_signed_pct(low)} to {fmt_signed_pct(high)}). It simulates every month to "
        f"{progress.baseline.goal.end.strftime('%B %Y')} {progress.simulations:,} times "
        f"(seed {progress.seed}), so the intervals widen with the years ahead. The chance of "
        f"meeting the goal is the share of simulations whose {progress.baseline.goal.label} total "
        f"is below the {progress.baseline.label} total, stated {_stated()}."
    )


def _stated() -> str:
    """How chances are stated, from the configuration: ``"between 5% and 95%, to the nearest 5
    points"``."""
    d = load_serious_violence()
    return (
        f"between {100 * d.chance_lowest:.0f}% and {100 * d.chance_highest:.0f}%, to the nearest "
        f"{100 * d.chance_step:.0f} points"
    )


def sub_measures_section(ch: Chapter, assessment: Assessment) -> str:
    """Each sub-measure: its verdict, progress, path, projection and baselines."""
    parts = []
    for key in assessment.definition.sub_measures:
        result = assessment.results[key]
        label = assessment.definition.measures[key].label
        if isinstance(result, NotAvailable):
            parts.append(f"### {label}\n\n{label} is {result}.\n")
            continue
        name = f"sv-{key.replace('_', '-')}"
        parts.append(
            f"### {label}\n\n"
            f"- {verdict(result)}\n- {progress_sentence(result)}\n"
            f"- {year_on_year_sentence(result)}\n- {path_sentence(result)}\n\n"
            + projection_section(ch, result, name)
            + "\n"
            + baselines_section(ch, result, name)
            + "\n"
            + annual_section(ch, result, name)
        )
    return "\n".join(parts)
