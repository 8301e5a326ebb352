"""Plain-English sentences generated from the numbers."""

from __future__ import annotations

import math

from csa_stats.analysis.measures import Change, load_change_policy
from csa_stats.presentation.tables import fmt_count, fmt_signed_pct


def change_phrase(change: Change) -> str:
    """``"fell by 10.1%, from 42,867 to 38,509"``; counts too small for a percentage to mean
    anything are given as counts: ``"8, then 6"``."""
    if change.too_small:
        return f"{fmt_count(change.previous)}, then {fmt_count(change.current)}"
    if change.difference == 0:
        return f"was unchanged at {fmt_count(change.current)}"
    verb = "rose" if change.difference > 0 else "fell"
    return (
        f"{verb} by {abs(change.percent):.1f}%, from {fmt_count(change.previous)} "
        f"to {fmt_count(change.current)}"
    )


def verdict_words(change: Change) -> str:
    """The test's verdict in words: ``"a clear fall"``, ``"a clear rise"``, ``"no clear change"``
    or ``"too few to judge a change"``."""
    return {
        "clear fall": "a clear fall",
        "clear rise": "a clear rise",
        "no clear change": "no clear change",
        "too few to judge": "too few to judge a change",
    }[change.verdict]


def chance_clause(change: Change) -> str:
    """Whether the change is more than chance, in words a reader can use."""
    if change.too_small:
        return (
            f"too few to judge a change (fewer than {load_change_policy().min_count} in a period)"
        )
    if change.difference == 0:
        return ""
    if change.significant:
        return "a change this large is unlikely to be chance"
    return "a change this size could be chance, so it is not treated as a real change"


def describe_change(subject: str, change: Change, unit: str) -> str:
    """A sentence for a change between periods.

    Examples
    --------
    >>> from csa_stats.analysis.measures import Change
    >>> describe_change("Shoplifting", Change(1763, 1220, 0.001), "offences")
    'Shoplifting rose by 44.5%, from 1,220 to 1,763 offences; a change this large is unlikely to be chance.'
    >>> describe_change("Homicide", Change(6, 8, 0.6), "offences")
    'Homicide: 8, then 6 offences; too few to judge a change (fewer than 20 in a period).'
    """
    clause = chance_clause(change)
    if change.too_small:
        return f"{subject}: {change_phrase(change)} {unit}".rstrip() + f"; {clause}."
    sentence = f"{subject} {change_phrase(change)} {unit}".rstrip()
    return f"{sentence}; {clause}." if clause else f"{sentence}."


def why_verdicts_differ(first: tuple[str, Change], second: tuple[str, Change], months: int) -> str:
    """Why two changes of about the same size (or the unclear one larger) get different verdicts:
    the unclear one's monthly counts swing more around their level, so the same share of change
    is less sure. ``""`` unless both moved the same way, by a percentage worth giving, and only one
    is clear. The swing is the test's own: the square root of the dispersion it allowed for over
    the mean monthly count of the two periods (``months`` each); names are as read mid-sentence.

    Examples
    --------
    >>> from csa_stats.analysis.measures import Change
    >>> crime, asb = Change(2400, 2600, 0.01, dispersion=3.0), Change(460, 500, 0.3, dispersion=3.0)
    >>> print(why_verdicts_differ(("recorded crime", crime), ("ASB", asb), 12))
    Recorded crime and ASB fell by about the same share (7.7% and 8.0%), but ASB's monthly counts swing more around their level (about 27% a month, against 12% for recorded crime), so its fall could still be chance.
    """
    changes = (first, second)
    if any(c.too_small or c.difference == 0 or math.isnan(c.percent) for _, c in changes):
        return ""
    if (first[1].difference > 0) != (second[1].difference > 0):
        return ""
    clear = [pair for pair in changes if pair[1].significant]
    if len(clear) != 1:
        return ""
    (clear_name, sure), (unclear_name, unsure) = (
        clear[0],
        next(pair for pair in changes if not pair[1].significant),
    )

    def swing(change: Change) -> float:  # per cent of the monthly level
        mean = (change.current + change.previous) / (2 * months)
        return 100 * math.sqrt(change.dispersion / mean)

    if abs(unsure.percent) < abs(sure.percent) - 2 or swing(unsure) <= swing(sure):
        return ""  # the unclear change is smaller: nothing needs explaining
    verb, noun = ("rose", "rise") if unsure.difference > 0 else ("fell", "fall")
    if abs(unsure.percent) <= abs(sure.percent) + 2:
        shares = [f"{abs(c.percent):.1f}%" for _, c in changes]
        lead = (
            f"{first[0][:1].upper()}{first[0][1:]} and {second[0]} {verb} by about the same share "
            f"({shares[0]} and {shares[1]}), but {unclear_name}'s"
        )
    else:
        lead = (
            f"{unclear_name[:1].upper()}{unclear_name[1:]} {verb} by more than {clear_name} "
            f"({abs(unsure.percent):.1f}% against {abs(sure.percent):.1f}%), but its"
        )
    return (
        f"{lead} monthly counts swing more around their level (about {swing(unsure):.0f}% a "
        f"month, against {swing(sure):.0f}% for {clear_name}), so its {noun} could still be chance."
    )


def direction_word(change: Change) -> str:
    """``"fell"``, ``"rose"`` or ``"did not change clearly"``, for chart titles."""
    if not change.significant or change.difference == 0 or math.isnan(change.percent):
        return "did not change clearly"
    return "rose" if change.difference > 0 else "fell"


#: The Professional Head of Intelligence Assessment probability yardstick (UK): each phrase and
#: the range of chances it stands for. The gaps between ranges are deliberate in the yardstick; a
#: chance stated to the nearest 5 points always falls in one range.
YARDSTICK = (
    (0.00, 0.05, "a remote chance"),
    (0.10, 0.20, "highly unlikely"),
    (0.25, 0.35, "unlikely"),
    (0.40, 0.50, "a realistic possibility"),
    (0.55, 0.75, "likely"),
    (0.80, 0.90, "highly likely"),
    (0.95, 1.00, "almost certain"),
)


def yardstick(probability: float) -> str:
    """A stated chance in the yardstick's words; a chance in a gap takes the nearer range's.

    Examples
    --------
    >>> [yardstick(p) for p in (0.05, 0.15, 0.3, 0.45, 0.65, 0.85, 0.95)]
    ['a remote chance', 'highly unlikely', 'unlikely', 'a realistic possibility', 'likely', 'highly likely', 'almost certain']
    """

    def distance(band: tuple[float, float, str]) -> float:
        low, high, _ = band
        return (
            0.0
            if low <= probability <= high
            else min(abs(probability - low), abs(probability - high))
        )

    return min(YARDSTICK, key=distance)[2]


def demo_notice() -> str:
    """The notice every page built from the demonstration data carries."""
    return (
        ":::{admonition} Demonstration data\n:class: warning\n\n"
        "The figures on this page come from **synthetic demonstration data**, generated by the "
        "project's code and calibrated to published Coventry totals. They are not real police "
        "records and must not be quoted as Coventry's statistics.\n:::\n"
    )


def in_brief(changes: list[tuple[str, Change]], unavailable: int, withheld: int = 0) -> str:
    """The chapter's verdict in one sentence: how many measures fell or rose by more than chance,
    the largest of each, how many did not change clearly, how many were too few to test, and how
    many the source cannot give.

    Examples
    --------
    >>> from csa_stats.analysis.measures import Change
    >>> in_brief([("ASB", Change(5600, 6007, 0.01)), ("Shoplifting", Change(3600, 1763, 0.001)),
    ...           ("Drugs", Change(1030, 1091, 0.4))], unavailable=1)
    'Of 4 measures, 1 fell clearly (ASB, −6.8%), 1 rose clearly (Shoplifting, +104.2%) and 1 did not change clearly; 1 is not available from this source.'
    >>> in_brief([("Drugs", Change(1030, 1091, 0.4))], unavailable=0, withheld=2)
    'Of 3 measures, 1 did not change clearly; 2 are withheld (small counts).'
    >>> in_brief([("Drugs", Change(1030, 1091, 0.4)), ("Homicide", Change(7, 8, 0.8))], 0)
    'Of 2 measures, 1 did not change clearly and 1 was too few to judge.'
    """
    total = len(changes) + unavailable + withheld
    measures = f"{total} measure{'s' * (total != 1)}"
    if not changes and withheld:
        verb = "is" if withheld == 1 else "are"
        return f"Of {measures}, {withheld} {verb} withheld (small counts)" + (
            f" and {unavailable} not available from this source." if unavailable else "."
        )
    if not changes:
        return f"None of the {measures} is available from this source."
    fell = [(name, c) for name, c in changes if c.significant and c.difference < 0]
    rose = [(name, c) for name, c in changes if c.significant and c.difference > 0]
    few = sum(1 for _, c in changes if c.too_small)  # never tested: too few to judge
    flat = len(changes) - len(fell) - len(rose) - few

    def largest(group: list[tuple[str, Change]], label: str) -> str:
        name, change = max(group, key=lambda item: abs(item[1].percent))
        first = "largest: " if len(group) > 1 else ""
        return f"{len(group)} {label} ({first}{name}, {fmt_signed_pct(change.percent)})"

    parts = [largest(fell, "fell clearly")] if fell else []
    parts += [largest(rose, "rose clearly")] if rose else []
    parts += [f"{flat} did not change clearly"] if flat else []
    parts += [f"{few} {'was' if few == 1 else 'were'} too few to judge"] if few else []
    tail = ""
    if unavailable:
        verb = "is" if unavailable == 1 else "are"
        tail = f"; {unavailable} {verb} not available from this source"
    if withheld:
        verb = "is" if withheld == 1 else "are"
        tail += f"; {withheld} {verb} withheld (small counts)"
    return f"Of {measures}, {listed(parts)}{tail}."


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence: the first letter lower case, unless the first word is
    an abbreviation (``"Personal ASB"`` -> ``"personal ASB"``; ``"ASB in the city centre"`` stays)."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def listed(items: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def trend_beside_change(
    label: str, change: Change, trend_pct: float, trend_clear: bool, period: str, comparison: str
) -> str:
    """Why a series' underlying trend and its change between two periods get different verdicts,
    when they do (``""`` when they agree): the change compares two periods' totals; the trend is
    the rate at the end of the data, allowing for a level that wanders and a trend that can turn.

    Examples
    --------
    >>> from csa_stats.analysis.measures import Change
    >>> trend_beside_change("Robbery", Change(700, 900, 0.001), -4.0, False, "2024/25", "2023/24")[:52]
    'The fall in robbery from 2023/24 to 2024/25 is clear'
    """
    if change.too_small or change.difference == 0:
        return ""
    moved = "fall" if change.difference < 0 else "rise"
    trend = "falling" if trend_pct < 0 else "rising"
    name = mid_sentence(label)
    if change.significant and not trend_clear:
        return (
            f"The {moved} in {name} from {comparison} to {period} is clear, but the trend is not: "
            "the trend is the rate of change at the end of the data, and a level that wanders "
            "makes it less sure than a change between two periods. One clear year is not yet a "
            "clear trend."
        )
    if trend_clear and not change.significant:
        return (
            f"The trend is clear though {period} against {comparison} alone is not: the trend "
            "draws on every month, not only two periods'."
        )
    if trend_clear and (change.difference < 0) != (trend_pct < 0):
        return (
            f"{period} against {comparison} is a clear {moved}, while the underlying trend is "
            f"{trend}: the latest period moved against the longer run."
        )
    return ""


def funnel_finding(where: dict[str, str], subject: str, pooled: str = "the force-wide rate") -> str:
    """A funnel plot's finding, as its title: which areas lie beyond its widest control limits.

    ``where`` gives each area's place (``"above"``, ``"below"`` or ``"within"``, as
    :func:`csa_stats.analysis.peers.funnel` says); ``subject`` is what is plotted; ``pooled``
    names the rate the limits are drawn around.

    Examples
    --------
    >>> funnel_finding({"A": "above", "B": "within", "C": "above"}, "Recorded crime")
    'Recorded crime: A and C are above the force-wide rate by more than chance'
    >>> funnel_finding({"A": "within", "B": "within"}, "Recorded crime")
    "Recorded crime: every area's rate is within the range chance allows"
    """
    parts = []
    for side in ("above", "below"):
        names = [name for name, place in where.items() if place == side]
        if names:
            verb = "is" if len(names) == 1 else "are"
            parts.append(f"{listed(names)} {verb} {side} {pooled} by more than chance")
    if not parts:
        return f"{subject}: every area's rate is within the range chance allows"
    return f"{subject}: {'; '.join(parts)}"


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """A count and its noun as the style guides write them (ONS and GOV.UK): one to nine in words,
    10 and above in figures; the noun singular for one.

    Examples
    --------
    >>> counted(3, "priority", "priorities")
    'three priorities'
    >>> counted(1, "offence")
    'one offence'
    >>> counted(10, "offence")
    '10 offences'
    """
    number = _NUMBER_WORDS[count - 1] if 1 <= count <= 9 else f"{count:,}"
    return f"{number} {singular if count == 1 else plural or singular + 's'}"


def many_tests_caveat(tested: int, false_alarm_rate: float) -> str:
    """Why one clear change among many measures is weak evidence on its own, at the test's real
    false-alarm rate (measured by ``make calibrate`` on series that vary as real ones do).

    Examples
    --------
    >>> many_tests_caveat(12, 0.06)
    '12 measures are tested at once: even if nothing had changed, about 6% of them would look clear by chance (the rate the test showed on simulated series that vary as real ones do), so about 0.7 of the 12 on average; one clear change among them is weak evidence on its own.'
    >>> many_tests_caveat(6, 0.055).split("so ")[1][:21]  # 6 x 6% (the rate shown), not 6 x 5.5%
    'about 0.4 of the 6 on'
    """
    rate = round(100 * false_alarm_rate)  # the reader's arithmetic is done with the rate shown
    return (
        f"{tested} measures are tested at once: even if nothing had changed, about {rate}% of them "
        "would look clear by chance (the rate the test showed on simulated series that vary as "
        f"real ones do), so about {tested * rate / 100:.1f} of the {tested} on average; one clear "
        "change among them is weak evidence on its own."
    )


def dispersion_caveat(label: str, dispersion: float | None) -> str:
    """How the test of change allows for counts that vary more than chance alone makes them:
    ``dispersion`` is the headline series' variance-to-mean ratio over its latest 24 months (1 is a
    Poisson process); ``None`` when there are not 24 months.

    Examples
    --------
    >>> print(dispersion_caveat("Violence against the person", 2.64))
    Crime counts vary more from month to month than chance alone would make them: violence against the person varied about 2.6 times as much over the latest 24 months. Each test allows for its own measure's variation, so a change is called clear only when it stands out from it.
    """
    lead = "Crime counts vary more from month to month than chance alone would make them"
    if dispersion is None or dispersion != dispersion:
        return (
            f"{lead}. Each test allows for its own measure's variation, measured from its months."
        )
    if dispersion < 1.05:  # no more than chance: the test never takes it as less
        return (
            "Crime counts often vary more from month to month than chance alone would make them; "
            f"{mid_sentence(label)} varied no more than chance would over the latest 24 months. "
            "Each test allows for its own measure's variation, and never takes it as less than "
            "chance's."
        )
    return (
        f"{lead}: {mid_sentence(label)} varied about {dispersion:.1f} times as much over the "
        "latest 24 months. Each test allows for its own measure's variation, so a change is called "
        "clear only when it stands out from it."
    )


def parts_caveat(groups: list[tuple[str, list[str]]]) -> str:
    """Which measures are parts of others, as (whole, parts) label pairs in chapter order.

    Examples
    --------
    >>> parts_caveat([("Anti-social behaviour", ["Personal ASB", "Nuisance ASB"]),
    ...               ("Drug offences", ["Possession of drugs"])])
    'Some measures are parts of others, so their changes are not separate findings: personal ASB and nuisance ASB are part of anti-social behaviour; possession of drugs is part of drug offences.'
    """
    clauses = [
        f"{listed([mid_sentence(p) for p in parts])} {'is' if len(parts) == 1 else 'are'} part of "
        f"{mid_sentence(whole)}"
        for whole, parts in groups
    ]
    return (
        "Some measures are parts of others, so their changes are not separate findings: "
        + "; ".join(clauses)
        + "."
    )
