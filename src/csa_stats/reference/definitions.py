"""Measure definitions from ``data/reference/measures.yml``: select incidents, report availability.

A definition is data; :func:`select` turns its filter into a row mask of the tidy incident table, and
:func:`availability` says whether the source records what the measure needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from csa_stats import paths
from csa_stats.reference.policy import DefinitionError, read_yaml
from csa_stats.reference.prior import Prior, geometric_grid
from csa_stats.reference.taxonomy import Area

#: The reason a source cannot give a measure starts with these words.
NOT_AVAILABLE = "not available from this source"
#: Why a city-centre measure has no value for an area with no city-centre ward configured.
CITY_CENTRE_UNDEFINED = (
    "not defined for this area (no city-centre ward is configured for it in "
    "data/reference/areas.yml)"
)


@dataclass(frozen=True)
class NotAvailable:
    """A figure the edition cannot give, and why: the one way the project says so (never a zero,
    never a bare string). ``str()`` is the reason, which reads after "is": "not available from
    this source (it does not record knife)", "not yet measured: ...".

    Examples
    --------
    >>> f"Knife crime is {NotAvailable('not available from this source')}."
    'Knife crime is not available from this source.'
    """

    reason: str

    def __str__(self) -> str:
        return self.reason


_LIST_KEYS = {
    "offence_codes": "offence_code",
    "offence_groups": "offence_group",
    "offence_subgroups": "offence_subgroup",
    "crime_types": "crime_type",
    "victim_age_bands": "victim_age_band",
}
_KNOWN_KEYS = {*_LIST_KEYS, "crime", "flags", "victim_sex", "hours", "city_centre", "any_of"}


@dataclass(frozen=True)
class Measure:
    """One measure: what it counts and what the source must record for it."""

    key: str
    label: str
    unit: str
    filter: dict[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    needs_field: str | None = None
    note: str | None = None
    police_uk: dict[str, Any] | None = None  # the filter to use on police.uk records, if any


@dataclass(frozen=True)
class Definitions:
    """All measures, the priorities' configuration and the part-of pairs."""

    measures: dict[str, Measure]
    priorities: dict[str, Priority]
    part_of: list[tuple[str, str]]
    #: measures shown for every ward (the Wards chapter)
    ward_measures: tuple[str, ...] = ()
    #: measures compared across the force's local authorities (the plan on a page)
    peer_measures: tuple[str, ...] = ()


class Breakdown(BaseModel):
    """A measure broken down by a column of the tidy table (hate crime by strand)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str
    column: str
    label: str


class Priority(BaseModel):
    """A priority chapter's configuration (``measures.yml``, ``priorities``): its title, the
    headline series its trend follows, the measures it reports, and the optional sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    headline: str
    measures: tuple[str, ...]
    #: (part, whole) pairs shown as the part's share of the whole
    shares: tuple[tuple[str, str], ...] = ()
    #: measures whose victims are shown by sex and age band
    victims: tuple[str, ...] = ()
    breakdown: Breakdown | None = None
    #: the measure ranked by ward
    hotspots: str | None = None

    def named(self) -> list[str]:
        """Every measure the chapter names, once each, in the order they first appear."""
        keys = [self.headline, *self.measures, *self.victims]
        keys += [k for pair in self.shares for k in pair]
        keys += [self.hotspots] if self.hotspots else []
        keys += [self.breakdown.measure] if self.breakdown else []
        return list(dict.fromkeys(keys))


def _check_filter(key: str, spec: dict[str, Any]) -> None:
    unknown = set(spec) - _KNOWN_KEYS
    if unknown:
        raise DefinitionError(f"measure {key}: unknown filter key(s) {sorted(unknown)}")
    for sub in spec.get("any_of", []):
        _check_filter(key, sub)


def parse_measure(key: str, entry: dict[str, Any]) -> Measure:
    """One measure from its YAML entry, with its filter checked."""
    spec = dict(entry.get("filter", {}))
    _check_filter(key, spec)
    if not spec and not entry.get("needs_field"):
        raise DefinitionError(f"measure {key}: needs a filter or a needs_field")
    if "label" not in entry:
        raise DefinitionError(f"measure {key}: needs a label")
    return Measure(
        key=key,
        label=str(entry["label"]),
        unit=str(entry.get("unit", "offences")),
        filter=spec,
        requires=tuple(entry.get("requires", ())),
        needs_field=entry.get("needs_field"),
        note=entry.get("note"),
        police_uk=_police_uk_filter(key, entry),
    )


@lru_cache(maxsize=8)
def load_definitions(
    path: Path | None = None, serious_violence_path: Path | None = None
) -> Definitions:
    """Read and check the measure definitions (``measures.yml`` and the serious-violence measures of
    ``serious_violence.yml``)."""
    path = path or paths.reference_file(paths.MEASURES)
    raw = read_yaml(path)
    measures = {key: parse_measure(key, entry) for key, entry in raw["measures"].items()}
    violence = load_serious_violence(serious_violence_path)
    for key, measure in violence.measures.items():
        if key in measures:
            raise DefinitionError(
                f"{path}: measure {key} is defined in {violence.path.name}; define it once"
            )
        measures[key] = measure
    priorities: dict[str, Priority] = {}
    for name, entry in raw["priorities"].items():
        try:
            priorities[name] = Priority.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise DefinitionError(f"{path}: priority {name}: {where}: {first['msg']}") from None
        for key in priorities[name].named():
            if key not in measures:
                raise DefinitionError(f"priority {name}: unknown measure {key!r}")
    part_of = [(str(a), str(b)) for a, b in raw.get("part_of", [])]
    lists = {}
    for name in ("wards", "peers"):
        lists[name] = tuple(str(k) for k in raw.get(name, []))
        unknown = [k for k in lists[name] if k not in measures]
        if unknown:
            raise DefinitionError(f"{path}: {name}: unknown measure(s) {', '.join(unknown)}")
    return Definitions(measures, priorities, part_of, lists["wards"], lists["peers"])


#: The fewest months of data a projection is fitted to: two seasons.
MIN_PROJECTION_MONTHS = 24


@dataclass(frozen=True)
class SeriousViolenceDefinition:
    """The goal's series, its sub-measures, the proxy, and the projection and status settings."""

    path: Path
    measures: dict[str, Measure]
    headline: str
    sub_measures: tuple[str, ...]
    proxies: dict[str, Measure]
    simulations: int
    seed: int
    on_track: float
    off_track: float
    prior: Prior = field(default_factory=Prior)  # the projection's prior and grid
    chance_lowest: float = 0.05
    chance_highest: float = 0.95
    chance_step: float = 0.05
    #: the fewest months of data to the period's end that a projection is made from
    min_months: int = MIN_PROJECTION_MONTHS


def _grid(spec: Any, key: str) -> tuple[float, ...]:
    """A grid written as ``{low, high, count}`` (equally spaced on the log scale)."""
    if not isinstance(spec, dict):
        raise ValueError(f"projection {key} must be a mapping of low, high and count")
    return geometric_grid(float(spec["low"]), float(spec["high"]), int(spec["count"]))


def _prior(projection: dict[str, Any]) -> Prior:
    """The projection's prior from the ``projection:`` block (a bad value raises ValueError)."""
    level, drift = projection["level_volatility"], projection["drift"]
    return Prior(
        drift_probability=float(drift["probability"]),
        drift_sd=float(drift["sd"]),
        still_level_probability=float(level["still_probability"]),
        level_median=float(level["median"]),
        level_log_sd=float(level["log_sd"]),
        level_grid=_grid(level["grid"], "level_volatility grid"),
        drift_grid=_grid(drift["volatility_grid"], "drift volatility_grid"),
    )


@lru_cache(maxsize=8)
def load_serious_violence(path: Path | None = None) -> SeriousViolenceDefinition:
    """Read and check ``data/reference/serious_violence.yml``.

    Raises
    ------
    DefinitionError
        Naming the file and the key that is wrong.
    """
    path = path or paths.reference_file(paths.SERIOUS_VIOLENCE)
    raw = read_yaml(path)
    try:
        measures = {key: parse_measure(key, entry) for key, entry in raw["measures"].items()}
        proxies = {
            key: parse_measure(f"{key} (proxy)", entry)
            for key, entry in (raw.get("proxy") or {}).items()
        }
        headline, subs = str(raw["headline"]), tuple(str(k) for k in raw.get("sub_measures", []))
        projection, status = raw["projection"], raw["status"]
        simulations, seed = int(projection["simulations"]), int(projection["seed"])
        prior = _prior(projection)
        on_track, off_track = float(status["on_track"]), float(status["off_track"])
        chance = raw["chance"]
        lowest, highest, step = (
            float(chance["lowest"]),
            float(chance["highest"]),
            float(chance["step"]),
        )
    except KeyError as error:
        raise DefinitionError(f"{path}: missing key {error.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"{path}: {error}") from None
    for key in (headline, *subs, *proxies):
        if key not in measures:
            raise DefinitionError(f"{path}: unknown measure {key!r}")
    if not 0 < off_track < on_track < 1:
        raise DefinitionError(
            f"{path}: status thresholds need 0 < off_track < on_track < 1; "
            f"got off_track {off_track}, on_track {on_track}"
        )
    if simulations < 100:
        raise DefinitionError(f"{path}: projection simulations must be at least 100")
    if not 0 < lowest < highest < 1 or not 0 < step <= lowest:
        raise DefinitionError(
            f"{path}: chance needs 0 < step <= lowest < highest < 1; got lowest {lowest}, "
            f"highest {highest}, step {step}"
        )
    return SeriousViolenceDefinition(
        path,
        measures,
        headline,
        subs,
        proxies,
        simulations,
        seed,
        on_track,
        off_track,
        prior,
        lowest,
        highest,
        step,
    )


def _police_uk_filter(key: str, entry: dict[str, Any]) -> dict[str, Any] | None:
    spec = entry.get("police_uk")
    if spec is None:
        return None
    _check_filter(f"{key} (police_uk)", dict(spec))
    return dict(spec)


#: Filter keys a police.uk record can answer: it has a crime type, a month and a place, nothing else.
_POLICE_UK_KEYS = {"crime", "crime_types", "offence_groups", "city_centre", "any_of"}


def is_police_uk(incidents: pd.DataFrame) -> bool:
    """True when every record comes from police.uk street-level files."""
    return len(incidents) > 0 and bool((incidents["source"] == "police-uk").all())


def _police_uk_can_answer(spec: dict[str, Any]) -> bool:
    """Whether a filter needs only what police.uk records hold. ONS offence groups count only
    where police.uk's crime types fall wholly inside them (robbery, burglary, drugs...)."""
    from csa_stats.reference.taxonomy import offence_table

    if set(spec) - _POLICE_UK_KEYS:
        return False
    if "offence_groups" in spec:
        table = offence_table()
        groups = set(table.loc[table.index.str.startswith("PUK-"), "group"])
        if not set(spec["offence_groups"]) <= groups:
            return False
    return all(_police_uk_can_answer(sub) for sub in spec.get("any_of", []))


def measure_filter(measure: Measure, incidents: pd.DataFrame) -> dict[str, Any]:
    """The filter that selects the measure in these records: its police.uk form for police.uk
    records where it has one."""
    if measure.police_uk is not None and is_police_uk(incidents):
        return measure.police_uk
    return measure.filter


def uses_city_centre(spec: dict[str, Any]) -> bool:
    """Whether a filter (or any of its ``any_of`` alternatives) needs the city-centre ward."""
    return bool(spec.get("city_centre")) or any(
        uses_city_centre(sub) for sub in spec.get("any_of", [])
    )


def availability(
    measure: Measure, incidents: pd.DataFrame, area: Area | None = None
) -> NotAvailable | None:
    """``None`` when the source can provide the measure, else why it cannot; given the
    area, a city-centre measure of an area with no city-centre ward is "not defined for this
    area" (:data:`CITY_CENTRE_UNDEFINED`)."""
    if (
        area is not None
        and area.city_centre_ward is None
        and (uses_city_centre(measure.filter) or uses_city_centre(measure.police_uk or {}))
    ):
        return NotAvailable(CITY_CENTRE_UNDEFINED)
    if measure.needs_field:
        return NotAvailable(f"{NOT_AVAILABLE} (needs {measure.needs_field})")
    if is_police_uk(incidents):
        if not _police_uk_can_answer(measure_filter(measure, incidents)):
            return NotAvailable(
                f"{NOT_AVAILABLE} (police.uk records only a crime type, a month and a place)"
            )
        return None
    missing = [c for c in measure.requires if c not in incidents or incidents[c].isna().all()]
    if missing:
        return NotAvailable(f"{NOT_AVAILABLE} (it does not record {', '.join(missing)})")
    return None


def select_measure(incidents: pd.DataFrame, measure: Measure, area: Area) -> np.ndarray:
    """Boolean mask of the incidents a measure counts (see :func:`measure_filter`)."""
    return select(incidents, measure_filter(measure, incidents), area)


def _isin(column: pd.Series, values: list[str]) -> np.ndarray:
    """``column.isin(values)`` as a boolean array; for a categorical column, by looking its codes
    up in a table of the wanted categories (a chapter selects hundreds of times; this is some
    ten times faster than pandas' general isin)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.isin(values).to_numpy(dtype=bool)
    wanted = np.zeros(len(column.cat.categories) + 1, dtype=bool)  # the last: missing (code -1)
    found = column.cat.categories.get_indexer(values)
    wanted[found[found >= 0]] = True
    return wanted[column.cat.codes.to_numpy()]


def select(incidents: pd.DataFrame, spec: dict[str, Any], area: Area) -> np.ndarray:
    """Boolean mask of the incidents a filter selects (all conditions; ``any_of`` is an OR)."""
    mask = np.ones(len(incidents), dtype=bool)
    if "crime" in spec:
        mask &= incidents["is_crime"].to_numpy(dtype=bool) == bool(spec["crime"])
    for key, column in _LIST_KEYS.items():
        if key in spec:
            mask &= _isin(incidents[column], [str(v) for v in spec[key]])
    for flag, wanted in spec.get("flags", {}).items():
        mask &= incidents[flag].fillna(not wanted).to_numpy(dtype=bool) == bool(wanted)
    if "victim_sex" in spec:
        mask &= (incidents["victim_sex"] == spec["victim_sex"]).fillna(False).to_numpy(dtype=bool)
    if "hours" in spec:
        mask &= incidents["hour"].isin(spec["hours"]).fillna(False).to_numpy(dtype=bool)
    if spec.get("city_centre"):
        if area.city_centre_ward is None:  # not defined for this area: it selects nothing
            mask &= False
        else:
            centre = incidents["ward_code"] == area.city_centre_ward
            mask &= centre.fillna(False).to_numpy(dtype=bool)
    if "any_of" in spec:
        either = np.zeros(len(incidents), dtype=bool)
        for sub in spec["any_of"]:
            either |= select(incidents, sub, area)
        mask &= either
    return mask


# ---- definitions in words, for the chapters ---------------------------------------------------

#: What each flag means, as words that follow "flagged as".
FLAG_WORDS = {
    "domestic_abuse": "domestic abuse",
    "knife": "involving a knife or sharp object",
    "firearm": "involving a firearm",
    "alcohol": "alcohol-related",
    "hate": "hate crime",
    "child_exploitation": "child criminal exploitation (county lines)",
    "child_sexual_exploitation": "child sexual exploitation",
    "honour_based_abuse": "honour-based abuse",
}


def _either(items: list[str], word: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _hours(hours: list[int]) -> str:
    """Hours of the day as a time range when they run on (past midnight too), else listed."""
    wanted = sorted({int(h) % 24 for h in hours})
    starts = [h for h in wanted if (h - 1) % 24 not in wanted]
    if len(starts) == 1 and len(wanted) < 24:
        last = (starts[0] + len(wanted) - 1) % 24
        return f"between {starts[0]:02d}:00 and {last:02d}:59"
    return "in the hours starting " + _either([f"{h:02d}:00" for h in wanted])


def _conditions(spec: dict[str, Any], area: Area) -> list[str]:
    """Each condition of a filter in words, in a fixed order (``crime`` is the subject, not here)."""
    from csa_stats.reference.taxonomy import offence_table

    names = offence_table()["name"]
    words: list[str] = []
    if "offence_codes" in spec:
        codes = [str(c) for c in spec["offence_codes"]]
        listed = _either([f"{c} ({names[c]})" if c in names.index else c for c in codes])
        words.append(f"with offence code{'s' if len(codes) > 1 else ''} {listed}")
    for key, what in (("offence_groups", "offence group"), ("offence_subgroups", "sub-group")):
        if key in spec:
            values = [str(v) for v in spec[key]]
            words.append(f"in the {what}{'s' if len(values) > 1 else ''} {_either(values)}")
    if "crime_types" in spec:
        values = [str(v) for v in spec["crime_types"]]
        words.append(
            f"of the police.uk crime type{'s' if len(values) > 1 else ''} {_either(values)}"
        )
    flags = spec.get("flags", {})
    flagged = [FLAG_WORDS.get(f, f) for f, wanted in flags.items() if wanted]
    unflagged = [FLAG_WORDS.get(f, f) for f, wanted in flags.items() if not wanted]
    if flagged:
        words.append(f"flagged as {_either(flagged, 'and')}")
    if unflagged:
        words.append(f"not flagged as {_either(unflagged)}")
    if "victim_sex" in spec:
        words.append(f"with a {spec['victim_sex']} victim")
    if "victim_age_bands" in spec:
        words.append(f"with a victim aged {_either([str(b) for b in spec['victim_age_bands']])}")
    if "hours" in spec:
        words.append(f"recorded {_hours(spec['hours'])}")
    if spec.get("city_centre"):
        if area.city_centre_ward is None:
            words.append("in the city-centre ward (not defined for this area)")
        else:
            ward = area.wards.get(area.city_centre_ward, area.city_centre_ward)
            words.append(f"in the city-centre ward ({ward})")
    if "any_of" in spec:
        options = [", ".join(_conditions(sub, area)) or "any" for sub in spec["any_of"]]
        words.append(
            "that meet any one of: "
            + "; or ".join(f"({chr(97 + i)}) {o}" for i, o in enumerate(options))
        )
    return words


def describe_filter(spec: dict[str, Any], unit: str, area: Area) -> str:
    """A filter in words: ``{crime: true, flags: {knife: true}}`` -> "recorded crimes flagged as
    involving a knife or sharp object"."""
    crime = spec.get("crime")
    subject = unit if crime is None else ("recorded crimes" if crime else "ASB reports")
    words = _conditions(spec, area)
    return f"{subject} {', '.join(words)}" if words else f"all {subject}"


def describe(measure: Measure, area: Area) -> str:
    """What a measure counts, in a sentence built from its definition (never typed separately, so
    the words cannot drift from what is counted)."""
    if measure.needs_field:
        return (
            f"needs {measure.needs_field}, which the incident records do not hold: not measured "
            "from them"
        )
    text = describe_filter(measure.filter, measure.unit, area)
    if measure.police_uk is not None:
        text += f"; on police.uk records, {describe_filter(measure.police_uk, measure.unit, area)}"
    return text
