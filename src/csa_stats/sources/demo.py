"""The embedded demonstration data: synthetic, record level, calibrated to published figures.

:func:`generate_incidents` builds the table from ``data/demo/assumptions.yml`` and the published
figures with a fixed seed, so the same code always gives the same table. ``csa-stats make-demo``
writes it to ``data/demo/``; builds read the written files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import brentq

from csa_stats import paths
from csa_stats.reference import figure, published_figures
from csa_stats.schema import COLUMNS, to_storage_types
from csa_stats.taxonomy import Area, load_area, offence_table, reference_lists

ASB_CODES = ("ASB-N", "ASB-E", "ASB-P")
_NIGHT_HOURS = frozenset({21, 22, 23, 0, 1, 2, 3, 4})


def load_assumptions(path: Path | None = None) -> dict[str, Any]:
    """Read the generator's assumptions."""
    path = path or paths.demo_dir() / "assumptions.yml"
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


def monthly_weights(
    totals: pd.Series, seasonality: list[float], shocks: dict[str, float]
) -> dict[str, np.ndarray]:
    """Within each financial year, the share of its total that falls in each month.

    The underlying level moves smoothly (log-linear between the middles of the years) so that the
    series has no steps at year ends; month-of-year seasonality and lockdown shocks multiply it.
    """
    years = list(totals.index)
    mid = np.array([6.0 + 12 * i for i in range(len(years))])
    log_level = np.log(totals.to_numpy(dtype=float))
    out: dict[str, np.ndarray] = {}
    for i, year in enumerate(years):
        months = _months_of_year(year)
        t = np.arange(12 * i, 12 * i + 12) + 0.5
        level = np.exp(np.interp(t, mid, log_level))
        season = np.array([seasonality[m.month - 1] for m in months])
        shock = np.array([shocks.get(m.strftime("%Y-%m"), 1.0) for m in months])
        weights = level * season * shock
        out[year] = weights / weights.sum()
    return out


@dataclass(frozen=True)
class _WardModel:
    codes: list[str]
    base: np.ndarray  # base weight of each ward, the city centre's solved


def _solve_city_centre_weight(
    counts: pd.Series, tilt: dict[str, float], other_weight: float, target_share: float
) -> float:
    """The city-centre base weight giving it ``target_share`` of the expected counts."""
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


def _draw_by_code(
    rng: np.random.Generator, codes: np.ndarray, probability: dict[str, float]
) -> np.ndarray:
    p = np.array([probability.get(str(c), 0.0) for c in codes])
    return rng.random(len(codes)) < p


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
    a = assumptions or load_assumptions()
    rng = np.random.default_rng(int(a["seed"]))
    years = list(a["financial_years"])
    offences = offence_table()
    lists = reference_lists()

    crime_counts = offence_counts_by_year(a)
    asb_totals = asb_counts_by_year(a)
    crime_months = monthly_weights(crime_counts.sum(), a["crime_seasonality"], a["crime_lockdown"])
    asb_months = monthly_weights(asb_totals, a["asb_seasonality"], a["asb_lockdown"])

    tilt = {str(k): float(v) for k, v in a["city_centre_tilt"].items()}
    crime_wards = _ward_model(
        area,
        a["ward_weights"],
        crime_counts["2024/25"],
        tilt,
        figure("ward_share_st_michaels_2024_25") / 100,
    )
    asb_share = {code: float(s) for code, s in a["asb_type_shares"].items()}
    asb_2324 = pd.Series({c: asb_totals["2023/24"] * s for c, s in asb_share.items()})
    asb_wards = _ward_model(
        area, a["asb_ward_weights"], asb_2324, {}, float(a["city_centre_asb_share_2023_24"]) / 100
    )

    frames = []
    for year in years:
        codes = np.repeat(crime_counts.index.to_numpy(dtype=object), crime_counts[year].to_numpy())
        asb_codes = rng.choice(
            np.array(list(asb_share), dtype=object),
            size=int(asb_totals[year]),
            p=np.array(list(asb_share.values())) / sum(asb_share.values()),
        )
        months = _months_of_year(year)
        crime_month = rng.choice(12, size=len(codes), p=crime_months[year])
        asb_month = rng.choice(12, size=len(asb_codes), p=asb_months[year])
        frames.append(
            pd.DataFrame(
                {
                    "offence_code": np.concatenate([codes, asb_codes]),
                    "month": np.concatenate(
                        [months[crime_month].start_time, months[asb_month].start_time]
                    ),
                    "ward_code": np.concatenate(
                        [
                            _draw_wards(rng, crime_wards, codes, tilt, area.city_centre_ward),
                            _draw_wards(rng, asb_wards, asb_codes, {}, area.city_centre_ward),
                        ]
                    ),
                    "year": year,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    codes = table["offence_code"].to_numpy(dtype=object)
    n = len(table)

    # Day and hour.
    days = table["month"].dt.days_in_month.to_numpy()
    table["date"] = table["month"] + pd.to_timedelta(np.floor(rng.random(n) * days), unit="D")
    profiles = {name: np.array(w, dtype=float) / sum(w) for name, w in a["hour_profiles"].items()}
    profile_of = {str(k): v for k, v in a["hour_profile_of"].items()}
    hours = np.empty(n, dtype=np.int8)
    for name, weights in profiles.items():
        rows = np.flatnonzero(np.array([profile_of.get(str(c), "general") == name for c in codes]))
        hours[rows] = rng.choice(24, size=len(rows), p=weights)
    table["hour"] = pd.array(hours, dtype="Int8")

    # Flags.
    domestic = _draw_by_code(rng, codes, {str(k): v for k, v in a["domestic_abuse"].items()})
    knife = _draw_by_code(rng, codes, {str(k): v for k, v in a["knife"].items()})
    firearm = _draw_by_code(rng, codes, {str(k): v for k, v in a["firearm"].items()}) & ~knife
    night = np.isin(hours, list(_NIGHT_HOURS))
    alcohol_base = np.array([a["alcohol"].get(str(c), 0.0) for c in codes])
    alcohol_p = alcohol_base * np.where(night, a["alcohol_night_factor"], a["alcohol_day_factor"])
    alcohol = rng.random(n) < np.minimum(alcohol_p, 1.0)

    hate = codes == "9"
    hate_weights = {str(k): float(v) for k, v in a["hate_offences"].items()}
    hate_targets = {
        y: int(figure(f"hate_{y[:4]}_{y[-2:]}"))
        for y in years
        if f"hate_{y[:4]}_{y[-2:]}" in published_figures().index
    }
    year_arr = table["year"].to_numpy()
    for year in years:
        in_year = year_arr == year
        target = hate_targets.get(
            year, round(0.025 * int(in_year.sum() - np.isin(codes[in_year], ASB_CODES).sum()))
        )
        need = target - int((hate & in_year).sum())
        pool = np.flatnonzero(in_year & np.isin(codes, list(hate_weights)) & ~hate)
        p = np.array([hate_weights[str(c)] for c in codes[pool]])
        chosen = rng.choice(pool, size=need, replace=False, p=p / p.sum())
        hate[chosen] = True
    strands = list(a["hate_strand_shares"])
    strand_p = np.array(list(a["hate_strand_shares"].values()), dtype=float)
    hate_strand = np.full(n, None, dtype=object)
    hate_strand[hate] = rng.choice(
        np.array(strands, dtype=object), size=int(hate.sum()), p=strand_p / strand_p.sum()
    )

    # Victims, for offences with a person as victim.
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
        rng, a["exploitation_flags"], codes, table["year"].to_numpy(), domestic, age
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
    incidents_path = directory / "incidents.parquet"
    population_path = directory / "ward_population.csv"
    tmp_incidents = incidents_path.with_suffix(".parquet.tmp")
    tmp_population = population_path.with_suffix(".csv.tmp")
    incidents.to_parquet(tmp_incidents, index=False, compression="zstd")
    population.to_csv(tmp_population, index=False)
    tmp_incidents.replace(incidents_path)
    tmp_population.replace(population_path)
    return incidents_path, population_path


def read_demo(path: Path | None = None) -> pd.DataFrame:
    """Read the embedded demo incidents."""
    return pd.read_parquet(path or paths.demo_incidents_path())
