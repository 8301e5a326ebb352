"""The embedded demonstration data: synthetic, record level, calibrated to published figures.

:func:`generate_incidents` builds the table from ``data/demo/assumptions.yml`` and the published
figures with a fixed seed, so the same code always gives the same table. ``csa-stats make-demo``
writes it to ``data/demo/``; builds read the written files.

The published totals stay exact; below them the monthly series vary as police-recorded ones do,
more than Poisson counts: each offence's months carry gamma noise and a slowly wandering level, and
each flag's rate a factor for the month (:func:`month_noise`, :func:`wander`; the settings and the
reasons are in ``monthly_noise`` and ``wander`` of the assumptions).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from csa_stats import paths
from csa_stats.files import atomic_write
from csa_stats.reference.published import figure, published_figures
from csa_stats.reference.taxonomy import Area, load_area, offence_table, reference_lists
from csa_stats.sources.schema import COLUMNS, to_storage_types

ASB_CODES = ("ASB-N", "ASB-E", "ASB-P")
_NIGHT_HOURS = frozenset({21, 22, 23, 0, 1, 2, 3, 4})


def load_assumptions(path: Path | None = None) -> dict[str, Any]:
    """Read the generator's assumptions."""
    path = path or paths.demo_assumptions_path()
    with path.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def financial_year_targets() -> dict[str, int]:
    """Total recorded crime for each financial year 2017/18 to 2024/25, from published figures.

    2019/20 to 2023/24 are published counts. 2018/19 comes from the published +0.8% change to
    2019/20; 2017/18 from the ratio of the published rates per 1,000 (75.5 and 81.8); 2024/25 from
    the published -7% change on 2023/24.
    """
    targets = {
        "2019/20": int(figure("trc_2019_20")),
        "2020/21": int(figure("trc_2020_21")),
        "2021/22": int(figure("trc_2021_22")),
        "2022/23": int(figure("trc_2022_23")),
        "2023/24": int(figure("trc_2023_24")),
    }
    targets["2018/19"] = round(targets["2019/20"] / (1 + figure("trc_change_2019_20") / 100))
    targets["2017/18"] = round(
        targets["2018/19"] * figure("trc_rate_2017_18") / figure("trc_rate_2018_19")
    )
    targets["2024/25"] = round(targets["2023/24"] * (1 + figure("trc_change_2024_25") / 100))
    return dict(sorted(targets.items()))


def _published_offence_counts() -> dict[str, dict[str, int]]:
    """Offence counts the published figures fix (or derive from a published change)."""
    shop_2324 = figure("shoplifting_2023_24")
    assault_2324 = figure("common_assault_2023_24")
    tfmv_2324 = figure("tfmv_2023_24")
    return {
        "46": {
            "2022/23": round(shop_2324 / (1 + figure("shoplifting_change_2023_24") / 100)),
            "2023/24": int(shop_2324),
            "2024/25": int(figure("shoplifting_2024_25")),
        },
        "105A": {
            "2022/23": round(assault_2324 / (1 + figure("common_assault_change_2023_24") / 100)),
            "2023/24": int(assault_2324),
            "2024/25": int(figure("common_assault_2024_25")),
        },
        "45": {
            "2022/23": round(tfmv_2324 / (1 + figure("tfmv_change_2023_24") / 100)),
            "2023/24": int(tfmv_2324),
        },
        "8N": {"2024/25": int(figure("abh_2024_25"))},
        "1": {"2023/24": int(figure("homicides_2023_24"))},
    }


def offence_counts_by_year(assumptions: dict[str, Any]) -> pd.DataFrame:
    """Crime counts by offence (rows) and financial year (columns), adding up to the year targets."""
    years = list(assumptions["financial_years"])
    targets = financial_year_targets()
    fixed = pd.DataFrame(
        {
            code: dict(zip(years, counts, strict=True))
            for code, counts in assumptions["offence_counts"].items()
        }
    ).T
    for code, by_year in _published_offence_counts().items():
        for year, count in by_year.items():
            fixed.loc[code, year] = count
    shares = assumptions["offence_shares"]
    rows = {}
    for i, year in enumerate(years):
        remaining = targets[year] - int(fixed[year].sum())
        weights = pd.Series(
            {c: s["share"] * (1 + s.get("trend", 0.0)) ** i for c, s in shares.items()}, dtype=float
        )
        exact = remaining * weights / weights.sum()
        counts = np.floor(exact).astype(int)
        # Largest remainders take the leftover units, so each year adds up exactly.
        leftover = remaining - int(counts.sum())
        counts[exact.sub(counts).sort_values(ascending=False).index[:leftover]] += 1
        rows[year] = pd.concat([fixed[year].astype(int), counts])
    return pd.DataFrame(rows)


def asb_counts_by_year(assumptions: dict[str, Any]) -> pd.Series:
    """ASB reports by financial year; 2023/24 is 22.6% above 2022/23 (published change)."""
    totals = {str(k): int(v) for k, v in assumptions["asb_totals"].items()}
    totals["2023/24"] = round(totals["2022/23"] * (1 + figure("asb_change_2023_24") / 100))
    return pd.Series(totals).loc[list(assumptions["financial_years"])]


def _months_of_year(year: str) -> pd.PeriodIndex:
    start = int(year[:4])
    return pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M")


def expected_by_month(
    annual: pd.DataFrame, seasonality: list[float], shocks: dict[str, float]
) -> pd.DataFrame:
    """Expected monthly counts of each row of ``annual`` (a count by financial year in each column).

    Each row's underlying level moves smoothly (log-linear between the middles of its years), so a
    series has no steps at year ends; month-of-year seasonality and lockdown shocks multiply it, and
    each year's months are scaled to add up to that year's count. Columns: the months, in order.
    """
    years = list(annual.columns)
    months = pd.PeriodIndex([m for year in years for m in _months_of_year(year)], freq="M")
    t = np.arange(len(months)) + 0.5
    mid = np.array([6.0 + 12 * i for i in range(len(years))])
    season = np.array([seasonality[m.month - 1] for m in months])
    shock = np.array([shocks.get(m.strftime("%Y-%m"), 1.0) for m in months])
    rows = {}
    for key, counts in annual.iterrows():
        log_level = np.log(np.maximum(counts.to_numpy(dtype=float), 0.5))
        shape = np.exp(np.interp(t, mid, log_level)) * season * shock
        by_year = shape.reshape(len(years), 12)
        scaled = (
            by_year / by_year.sum(axis=1, keepdims=True) * counts.to_numpy(dtype=float)[:, None]
        )
        rows[key] = scaled.ravel()
    return pd.DataFrame.from_dict(rows, orient="index", columns=months)


def wander(
    rng: np.random.Generator, months: int, rho: float, sd: float, anchor: np.ndarray
) -> np.ndarray:
    """A slowly wandering level: the exponential of a stationary AR(1) on the log scale, with
    month-to-month autocorrelation ``rho`` and standard deviation ``sd``, shifted so that its log
    averages 0 over the ``anchor`` months (indices): the level is 1 where the count is known, and
    the other years wander away from it."""
    innovation = sd * np.sqrt(1 - rho**2)
    x = np.empty(months)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, months):
        x[i] = rho * x[i - 1] + rng.normal(0.0, innovation)
    return np.exp(x - x[anchor].mean())


def _wander(
    rng: np.random.Generator, a: dict[str, Any], months: int, known: list[str] | None = None
) -> np.ndarray:
    """:func:`wander` with the assumptions' ``wander`` settings, anchored on the ``known`` years
    (those whose count is pinned), or else on ``wander.anchor_year``, the year most published
    shares describe (the offence mix and the flags' rates are assumed for it)."""
    spec = a["wander"]
    years = list(a["financial_years"])
    known = known or [str(spec["anchor_year"])]
    anchor = np.concatenate([np.arange(12) + 12 * years.index(y) for y in sorted(known)])
    return wander(rng, months, float(spec["rho"]), float(spec["sd"]), anchor)


def month_noise(
    rng: np.random.Generator, expected: np.ndarray, extra: float, floor: float, structure: float
) -> np.ndarray:
    """Gamma factors of mean 1 for monthly expected counts: variance ``extra / max(expected, floor)
    - structure``, and none (a factor of 1) where that is not positive.

    A Poisson count whose mean is multiplied by a factor of variance ``extra / mean`` has a Pearson
    dispersion of ``1 + extra`` at any level. The seasons, lockdown and wandering level already make
    a series vary, by about ``structure`` times its mean squared, so the factor adds only the rest:
    the two together give a dispersion of about ``1 + extra`` from ``floor`` a month up to where the
    seasons alone give more (``extra / structure`` a month). Below ``floor`` the variance stops
    growing, so the dispersion of the smallest series falls towards 1, as it does in real data.
    """
    from scipy.special import gammaincinv  # the generator's alone: reading the demo needs no scipy

    expected = np.asarray(expected, dtype=float)
    variance = extra / np.maximum(expected, floor) - structure
    # One uniform per cell, turned into a gamma quantile: the same draws whatever the parameters,
    # so a change of a parameter changes the factors smoothly instead of reshuffling them.
    u = rng.random(expected.shape)
    noisy = variance > 0
    out = np.ones_like(expected)
    shape = 1.0 / variance[noisy]
    out[noisy] = gammaincinv(shape, u[noisy]) / shape
    return out


def _draw_cells(rng: np.random.Generator, expected: pd.DataFrame, total: int | None) -> np.ndarray:
    """Counts for a block of (row, month) cells: multinomial given ``total``, else Poisson."""
    lam = expected.to_numpy(dtype=float)
    if total is None:
        return rng.poisson(lam)
    return rng.multinomial(total, (lam / lam.sum()).ravel()).reshape(lam.shape)


def pinned_counts(assumptions: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Offence counts the demo reproduces exactly: the published ones (and those derived from a
    published change), and the assumed counts listed in ``pinned_counts`` because a published change
    rests on them. Every other offence's yearly count varies about its expected value."""
    pinned = {code: dict(by_year) for code, by_year in _published_offence_counts().items()}
    years = list(assumptions["financial_years"])
    for code, kept in assumptions.get("pinned_counts", {}).items():
        counts = dict(zip(years, assumptions["offence_counts"][str(code)], strict=True))
        pinned.setdefault(str(code), {}).update({str(y): int(counts[str(y)]) for y in kept})
    return pinned


def _wander_by_row(
    rng: np.random.Generator,
    rows: list[str],
    months: int,
    a: dict[str, Any],
    known: dict[str, dict[str, int]],
) -> np.ndarray:
    """A wandering level for each row, anchored on its ``known`` years (drawn in sorted order, so
    the draws do not depend on the order of the rows): rows x months."""
    levels = {row: _wander(rng, a, months, list(known.get(row, {}))) for row in sorted(rows)}
    return np.vstack([levels[row] for row in rows])


def crime_by_month(streams: dict[str, np.random.Generator], a: dict[str, Any]) -> pd.DataFrame:
    """Recorded crimes by offence code (rows) and month (columns).

    Each financial year's total is the published (or published-derived) figure, and so are the
    offence counts :func:`pinned_counts` lists; how the rest of the year's total falls across the
    other offences and the months varies: each offence's expected monthly count (its yearly count
    from :func:`offence_counts_by_year`, moved smoothly, with seasons and lockdown) is multiplied by
    a slowly wandering level of its own (:func:`wander`) and by month-to-month noise
    (:func:`month_noise`).
    """
    annual = offence_counts_by_year(a)
    noise = a["monthly_noise"]
    expected = expected_by_month(annual, a["crime_seasonality"], a["crime_lockdown"])
    codes = [str(c) for c in expected.index]
    pinned = pinned_counts(a)
    level = _wander_by_row(streams["crime wander"], codes, expected.shape[1], a, pinned)
    lam = expected.to_numpy() * level
    lam *= month_noise(
        streams["crime noise"],
        lam,
        float(noise["crime"]),
        float(noise["floor_count"]),
        float(noise["structure"]),
    )
    noisy = pd.DataFrame(lam, index=expected.index, columns=expected.columns)
    targets = financial_year_targets()
    out = pd.DataFrame(0, index=expected.index, columns=expected.columns)
    rng = streams["crime counts"]
    for year in annual.columns:
        cols = [m for m in expected.columns if m in _months_of_year(year)]
        kept = [c for c in expected.index if year in pinned.get(c, {})]
        for code in kept:
            out.loc[code, cols] = _draw_cells(rng, noisy.loc[[code], cols], pinned[code][year])[0]
        free = [c for c in expected.index if c not in kept]
        rest = targets[year] - sum(pinned[c][year] for c in kept)
        out.loc[free, cols] = _draw_cells(rng, noisy.loc[free, cols], rest)
    return out


def asb_by_month(streams: dict[str, np.random.Generator], a: dict[str, Any]) -> pd.DataFrame:
    """ASB reports by type (rows) and month (columns): yearly totals from :func:`asb_counts_by_year`
    split by the type shares, moved smoothly with seasons and lockdown, times a wandering level and
    month noise. The years in ``asb_pinned_years`` keep their totals exactly; the others vary."""
    totals = asb_counts_by_year(a)
    shares = pd.Series({str(k): float(v) for k, v in a["asb_type_shares"].items()})
    annual = pd.DataFrame(
        np.outer(shares / shares.sum(), totals.to_numpy(dtype=float)),
        index=shares.index,
        columns=totals.index,
    )
    expected = expected_by_month(annual, a["asb_seasonality"], a["asb_lockdown"])
    noise = a["monthly_noise"]
    kept = [str(y) for y in a["asb_pinned_years"]]
    level = _wander(streams["asb wander"], a, expected.shape[1], kept)
    lam = expected.to_numpy() * level
    lam *= month_noise(
        streams["asb noise"],
        lam,
        float(noise["asb"]),
        float(noise["floor_count"]),
        float(noise["asb_structure"]),
    )
    noisy = pd.DataFrame(lam, index=expected.index, columns=expected.columns)
    out = pd.DataFrame(0, index=expected.index, columns=expected.columns)
    rng = streams["asb counts"]
    for year in annual.columns:
        cols = [m for m in expected.columns if m in _months_of_year(year)]
        total = int(totals[year]) if year in kept else None
        out.loc[:, cols] = _draw_cells(rng, noisy.loc[:, cols], total)
    return out


def _flag_factor(
    rng: np.random.Generator,
    p: np.ndarray,
    month: np.ndarray,
    months: int,
    extra: float,
    a: dict[str, Any],
) -> np.ndarray:
    """A flag's factor by month: a wandering level times month noise sized for the flag's own
    expected monthly count (the sum of its probabilities in the month)."""
    level = _wander(rng, a, months)
    expected = np.bincount(month, weights=p, minlength=months) * level
    noise = a["monthly_noise"]
    return level * month_noise(
        rng, expected, extra, float(noise["floor_count"]), float(noise["structure"])
    )


def _draw_flag(
    rng: np.random.Generator, p: np.ndarray, factor: np.ndarray, month: np.ndarray
) -> np.ndarray:
    """Draw a flag; a probability of 1 (an offence that always carries it) is left at 1."""
    scaled = np.where(p >= 1.0, 1.0, np.minimum(p * factor[month], 1.0))
    return rng.random(len(p)) < scaled


@dataclass(frozen=True)
class _WardModel:
    codes: list[str]
    base: np.ndarray  # base weight of each ward, the city centre's solved


def _solve_city_centre_weight(
    counts: pd.Series, tilt: dict[str, float], other_weight: float, target_share: float
) -> float:
    """The city-centre base weight giving it ``target_share`` of the expected counts."""
    from scipy.optimize import brentq  # the generator's alone: reading the demo needs no scipy

    n = counts.to_numpy(dtype=float)
    t = np.array([tilt.get(code, 1.0) for code in counts.index])

    def share_gap(weight: float) -> float:
        return float((n * weight * t / (weight * t + other_weight)).sum() / n.sum() - target_share)

    return float(brentq(share_gap, 1e-6, 1e4))


def _ward_model(
    area: Area, weights: dict[str, float], counts: pd.Series, tilt: dict[str, float], target: float
) -> _WardModel:
    others = {str(k): float(v) for k, v in weights.items()}
    centre = area.city_centre_ward
    centre_weight = _solve_city_centre_weight(counts, tilt, sum(others.values()), target)
    codes = area.ward_codes
    base = np.array([centre_weight if c == centre else others[c] for c in codes])
    return _WardModel(codes=codes, base=base)


def _draw_wards(
    rng: np.random.Generator,
    model: _WardModel,
    codes: np.ndarray,
    tilt: dict[str, float],
    centre: str,
) -> np.ndarray:
    wards = np.empty(len(codes), dtype=object)
    centre_idx = model.codes.index(centre)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        p = model.base.copy()
        p[centre_idx] *= tilt.get(str(code), 1.0)
        wards[rows] = rng.choice(np.array(model.codes, dtype=object), size=len(rows), p=p / p.sum())
    return wards


#: The generator's independent random streams, in spawning order (add new ones at the end): a
#: change to one part of the assumptions leaves the draws of the other parts as they were.
STREAMS = (
    "crime wander",
    "crime noise",
    "crime counts",
    "asb wander",
    "asb noise",
    "asb counts",
    "wards",
    "times",
    "domestic_abuse",
    "knife",
    "firearm",
    "alcohol_night",
    "alcohol_day",
    "hate",
    "victims",
    "exploitation",
)


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for the parts of the demo, all derived from one seed."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)
    }


def _records(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The offence code and month index of each record of a table of counts by code and month."""
    counts = cells.to_numpy(dtype=int)
    rows, cols = np.indices(counts.shape)
    codes = np.repeat(cells.index.to_numpy(dtype=object)[rows.ravel()], counts.ravel())
    return codes, np.repeat(cols.ravel(), counts.ravel())


def generate_incidents(
    area: Area | None = None, assumptions: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Generate the demonstration incident table (deterministic for a given seed).

    Returns
    -------
    pandas.DataFrame
        The tidy incident table, one row per crime or ASB report, April 2017 to March 2025.
    """
    area = area or load_area("coventry")
    centre = area.city_centre_ward
    if centre is None:  # the demo's story is a city centre's (St Michael's in Coventry)
        raise ValueError(f"the demonstration data need a city-centre ward; {area.name} has none")
    a = assumptions or load_assumptions()
    streams = random_streams(int(a["seed"]))
    years = list(a["financial_years"])
    offences = offence_table()
    lists = reference_lists()
    noise = a["monthly_noise"]

    crime = crime_by_month(streams, a)
    asb = asb_by_month(streams, a)
    months = crime.columns
    n_months = len(months)
    crime_codes, crime_month = _records(crime)
    asb_codes, asb_month = _records(asb)

    tilt = {str(k): float(v) for k, v in a["city_centre_tilt"].items()}
    crime_wards = _ward_model(
        area,
        a["ward_weights"],
        offence_counts_by_year(a)["2024/25"],
        tilt,
        figure("ward_share_st_michaels_2024_25") / 100,
    )
    asb_share = {code: float(s) for code, s in a["asb_type_shares"].items()}
    asb_2324 = pd.Series({c: asb_counts_by_year(a)["2023/24"] * s for c, s in asb_share.items()})
    asb_wards = _ward_model(
        area, a["asb_ward_weights"], asb_2324, {}, float(a["city_centre_asb_share_2023_24"]) / 100
    )
    month_index = np.concatenate([crime_month, asb_month])
    rng = streams["wards"]
    table = pd.DataFrame(
        {
            "offence_code": np.concatenate([crime_codes, asb_codes]),
            "month": months[month_index].start_time,
            "ward_code": np.concatenate(
                [
                    _draw_wards(rng, crime_wards, crime_codes, tilt, centre),
                    _draw_wards(rng, asb_wards, asb_codes, {}, centre),
                ]
            ),
            "year": np.array(years, dtype=object)[month_index // 12],
        }
    )
    codes = table["offence_code"].to_numpy(dtype=object)
    n = len(table)

    # Day and hour.
    rng = streams["times"]
    days = table["month"].dt.days_in_month.to_numpy()
    table["date"] = table["month"] + pd.to_timedelta(np.floor(rng.random(n) * days), unit="D")
    profiles = {name: np.array(w, dtype=float) / sum(w) for name, w in a["hour_profiles"].items()}
    profile_of = {str(k): v for k, v in a["hour_profile_of"].items()}
    hours = np.empty(n, dtype=np.int8)
    for name, weights in profiles.items():
        rows = np.flatnonzero(np.array([profile_of.get(str(c), "general") == name for c in codes]))
        hours[rows] = rng.choice(24, size=len(rows), p=weights)
    table["hour"] = pd.array(hours, dtype="Int8")

    # Flags: each offence's probability, times a factor for the month (see monthly_noise.flags).
    def probability(spec: dict[str, float]) -> np.ndarray:
        by_code = {str(k): float(v) for k, v in spec.items()}
        return np.array([by_code.get(str(c), 0.0) for c in codes])

    def draw_flag(p: np.ndarray, name: str) -> np.ndarray:
        extra = float(noise["flags"].get(name, 0.0))
        factor = _flag_factor(streams[name], p, month_index, n_months, extra, a)
        return _draw_flag(streams[name], p, factor, month_index)

    domestic = draw_flag(probability(a["domestic_abuse"]), "domestic_abuse")
    knife = draw_flag(probability(a["knife"]), "knife")
    firearm = draw_flag(probability(a["firearm"]), "firearm") & ~knife
    night = np.isin(hours, list(_NIGHT_HOURS))
    alcohol_p = probability(a["alcohol"]) * np.where(
        night, a["alcohol_night_factor"], a["alcohol_day_factor"]
    )
    # The night-time economy's months vary apart from the day's (events, policing operations).
    alcohol = draw_flag(alcohol_p * night, "alcohol_night") | draw_flag(
        alcohol_p * ~night, "alcohol_day"
    )

    rng = streams["hate"]
    hate = _draw_hate(rng, a, codes, table["year"].to_numpy(), month_index, n_months)
    strands = list(a["hate_strand_shares"])
    strand_p = np.array(list(a["hate_strand_shares"].values()), dtype=float)
    hate_strand = np.full(n, None, dtype=object)
    hate_strand[hate] = rng.choice(
        np.array(strands, dtype=object), size=int(hate.sum()), p=strand_p / strand_p.sum()
    )

    # Victims, for offences with a person as victim.
    rng = streams["victims"]
    bands = np.array(lists["age_bands"], dtype=object)
    person = offences.loc[codes, "person_victim"].to_numpy(dtype=bool)
    profile_name = np.array(
        [a["victim_profile_of"].get(str(c), "violence") for c in codes], dtype=object
    )
    profile_name[domestic & person & (profile_name != "sexual")] = "domestic"
    youth = (knife | (codes == "34B")) & (rng.random(n) < a["youth_share_knife"])
    profile_name[youth & person] = "youth"
    age = np.full(n, None, dtype=object)
    sex = np.full(n, None, dtype=object)
    for name, profile in a["victim_profiles"].items():
        rows = np.flatnonzero(person & (profile_name == name))
        ages = np.array(profile["ages"], dtype=float)
        age[rows] = rng.choice(bands, size=len(rows), p=ages / ages.sum())
        sex[rows] = np.where(rng.random(len(rows)) < profile["male"], "male", "female")

    exploitation = _draw_exploitation_flags(
        streams["exploitation"],
        a["exploitation_flags"],
        codes,
        table["year"].to_numpy(),
        domestic,
        age,
    )
    is_crime = offences.loc[codes, "crime"].to_numpy(dtype=bool)
    table = table.assign(
        offence=offences.loc[codes, "name"].to_numpy(),
        offence_group=offences.loc[codes, "group"].to_numpy(),
        offence_subgroup=offences.loc[codes, "subgroup"].to_numpy(),
        crime_type=offences.loc[codes, "police_uk_type"].to_numpy(),
        is_crime=is_crime,
        ward_name=[area.wards[w] for w in table["ward_code"]],
        lsoa_code=pd.array([None] * n, dtype="string"),
        domestic_abuse=pd.array(domestic & is_crime, dtype="boolean"),
        knife=pd.array(knife, dtype="boolean"),
        firearm=pd.array(firearm, dtype="boolean"),
        alcohol=pd.array(alcohol, dtype="boolean"),
        hate=pd.array(hate, dtype="boolean"),
        **{name: pd.array(flag, dtype="boolean") for name, flag in exploitation.items()},
        hate_strand=hate_strand,
        victim_age_band=age,
        victim_sex=sex,
        source="demo",
    )
    table = table.sort_values(["date", "hour", "offence_code", "ward_code"], kind="stable")
    table["incident_id"] = [f"DEMO-{i:07d}" for i in range(1, n + 1)]
    table["month"] = table["month"].astype("datetime64[ns]")
    table["date"] = table["date"].astype("datetime64[ns]")
    return to_storage_types(table.loc[:, list(COLUMNS)].reset_index(drop=True))


def _draw_hate(
    rng: np.random.Generator,
    a: dict[str, Any],
    codes: np.ndarray,
    years: np.ndarray,
    month: np.ndarray,
    months: int,
) -> np.ndarray:
    """The hate flag. Every racially or religiously aggravated public order offence is a hate
    crime; the rest of each year's count (the published one where there is one, else about 2.5% of
    the year's crimes) is drawn from ``hate_offences``, weighted by a factor for the month (a
    wandering level times month noise, as for the other flags) so the months vary."""
    hate = codes == "9"
    weights = {str(k): float(v) for k, v in a["hate_offences"].items()}
    published = published_figures().index
    is_asb = np.isin(codes, ASB_CODES)
    need: dict[str, int] = {}
    for year in a["financial_years"]:
        in_year = years == year
        figure_id = f"hate_{year[:4]}_{year[-2:]}"
        if figure_id in published:
            target = int(figure(figure_id))
        else:
            target = int(rng.poisson(0.025 * int((in_year & ~is_asb).sum())))
        need[year] = target - int((hate & in_year).sum())
    expected = np.repeat([need[y] / 12 for y in a["financial_years"]], 12)[:months]
    level = _wander(rng, a, months)
    noise = a["monthly_noise"]
    extra = float(noise["flags"].get("hate", 0.0))
    factor = level * month_noise(
        rng, expected * level, extra, float(noise["floor_count"]), float(noise["structure"])
    )
    eligible = np.isin(codes, list(weights))
    for year in a["financial_years"]:
        pool = np.flatnonzero((years == year) & eligible & ~hate)
        p = np.array([weights[str(c)] for c in codes[pool]]) * factor[month[pool]]
        chosen = rng.choice(pool, size=need[year], replace=False, p=p / p.sum())
        hate[chosen] = True
    return hate


def _draw_exploitation_flags(
    rng: np.random.Generator,
    specs: dict[str, Any],
    codes: np.ndarray,
    years: np.ndarray,
    domestic: np.ndarray,
    age: np.ndarray,
) -> dict[str, np.ndarray]:
    """Exploitation and hidden-harm flags: offence probabilities times a factor for the year."""
    under_18 = np.isin(age.astype(str), ["0-9", "10-15", "16-17"])
    flags = {}
    for name, spec in specs.items():
        p = np.array([spec["offences"].get(str(c), 0.0) for c in codes])
        p *= np.array([spec["year_factor"][y] for y in years])
        if spec.get("victims_under_18"):
            p *= under_18
        if spec.get("domestic_only"):
            p *= domestic
        flags[name] = rng.random(len(codes)) < np.minimum(p, 1.0)
    return flags


def demo_population(
    area: Area | None = None, assumptions: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Demonstration ward resident populations, adding up to the Census 2021 population."""
    area = area or load_area("coventry")
    a = assumptions or load_assumptions()
    population = {str(k): int(v) for k, v in a["ward_population"].items()}
    return pd.DataFrame(
        {
            "ward_code": area.ward_codes,
            "ward_name": [area.wards[c] for c in area.ward_codes],
            "population": [population[c] for c in area.ward_codes],
            "note": "demonstration value",
        }
    )


def write_demo(directory: Path | None = None) -> tuple[Path, Path]:
    """Generate the demo data and write it (incidents as parquet, populations as CSV).

    Files are written to a temporary name and renamed, so a failure leaves the old files intact.
    """
    directory = directory or paths.demo_dir()
    directory.mkdir(parents=True, exist_ok=True)
    incidents = generate_incidents()
    population = demo_population()
    incidents_path = directory / paths.demo_incidents_path().name
    population_path = directory / paths.demo_population_path().name
    atomic_write(
        incidents_path, lambda tmp: incidents.to_parquet(tmp, index=False, compression="zstd")
    )
    atomic_write(population_path, lambda tmp: population.to_csv(tmp, index=False))
    return incidents_path, population_path


def read_demo(path: Path | None = None) -> pd.DataFrame:
    """Read the embedded demo incidents."""
    return pd.read_parquet(path or paths.demo_incidents_path())
