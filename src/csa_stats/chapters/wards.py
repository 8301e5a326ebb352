"""The ward chapter: every ward's counts of the main offence groups, with small counts in sensitive
categories withheld."""

from __future__ import annotations

from csa_stats import measures
from csa_stats.chapter import Chapter
from csa_stats.definitions import availability, load_definitions
from csa_stats.disclosure import SUPPRESSED, suppress_small_counts
from csa_stats.tables import fmt_count, fmt_rate, publish_table

#: Measures shown by ward, and those whose small counts are withheld.
WARD_MEASURES = (
    "total_recorded_crime",
    "violence_with_injury",
    "robbery",
    "shoplifting",
    "drug_offences",
    "sexual_offences",
    "domestic_abuse",
    "hate_crime",
    "asb",
)
SENSITIVE = ("sexual_offences", "domestic_abuse", "hate_crime")


def _fmt_suppressible(value: object) -> str:
    return (
        SUPPRESSED if value is None or value != value or str(value) == "<NA>" else fmt_count(value)
    )


def counts_section(ch: Chapter) -> str:
    """A table of every ward's counts by measure for the period, sensitive small counts withheld."""
    definitions = load_definitions()
    keys = [k for k in WARD_MEASURES if availability(definitions.measures[k], ch.incidents) is None]
    counts = measures.ward_measure_counts(ch.incidents, ch.params, keys, ch.area)
    sensitive = [k for k in SENSITIVE if k in keys]
    safe = suppress_small_counts(counts, sensitive)
    safe.insert(0, "ward_name", [ch.area.wards[c] for c in safe.index])
    population = ch.population.set_index("ward_code")["population"]
    safe["rate_per_1000"] = measures.rate_per_1000(
        counts["total_recorded_crime"].astype(float), population.reindex(safe.index)
    )
    shown = safe.set_index("ward_name").sort_index()
    columns = {k: (definitions.measures[k].label, _fmt_suppressible) for k in keys}
    columns["rate_per_1000"] = ("Crimes per 1,000 residents", fmt_rate)
    p = ch.params.period
    block = publish_table(
        shown,
        name="ward-measures",
        caption=f"Recorded crime and ASB by ward, {p.label}",
        columns=columns,
        out_dir=ch.out_dir,
        index_label="Ward",
        na_rep=SUPPRESSED,
    )
    labels = ", ".join(definitions.measures[k].label.lower() for k in sensitive)
    return block + (
        f"\n`{SUPPRESSED}`: withheld. Counts from 1 to 4 of {labels} are not published at ward level, "
        "in the table or its download, because they could identify a victim.\n"
    )
