"""The partnership's goal for serious violence, assessed for an edition: the headline series and
each sub-measure of the definition in force, each a :class:`~csa_stats.analysis.progress.Progress`
or the reason it cannot be given."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csa_stats.analysis.progress import Progress, assess_measure
from csa_stats.params import RunParameters
from csa_stats.reference.definitions import (
    NotAvailable,
    SeriousViolenceDefinition,
    load_serious_violence,
)
from csa_stats.reference.taxonomy import Area


@dataclass(frozen=True)
class Assessment:
    """The headline series and each sub-measure: a :class:`Progress`, or why it is not available."""

    definition: SeriousViolenceDefinition
    results: dict[str, Progress | NotAvailable]

    @property
    def headline(self) -> Progress | NotAvailable:
        """The goal's own series."""
        return self.results[self.definition.headline]


def assess_all(
    incidents: pd.DataFrame,
    params: RunParameters,
    area: Area,
    definition: SeriousViolenceDefinition | None = None,
) -> Assessment:
    """Assess the headline series and every sub-measure for an edition's records and
    parameters."""
    definition = definition or load_serious_violence()
    keys = (definition.headline, *definition.sub_measures)
    results = {k: assess_measure(incidents, params, k, area, definition) for k in keys}
    return Assessment(definition, results)
