"""What each supplementary indicator is (``data/reference/indicators.yml``): its kind, unit, the
direction the plan wants and how old its latest value may be."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.reference.policy import read_yaml


class IndicatorError(UserError, ValueError):
    """The indicator table or its configuration is wrong; the message names the row or key."""


@dataclass(frozen=True)
class Indicator:
    """What an indicator is (from ``indicators.yml``)."""

    key: str
    label: str
    unit: str
    kind: Literal["count", "rate", "proportion"]
    wanted: Literal["up", "down"]
    stale_after_months: int
    per: float = 1.0


@lru_cache(maxsize=4)
def load_indicators(path: Path | None = None) -> dict[str, Indicator]:
    """Read ``data/reference/indicators.yml``."""
    path = path or paths.reference_file(paths.INDICATORS)
    raw = read_yaml(path)["indicators"]
    out = {}
    for key, entry in raw.items():
        if entry.get("kind") not in ("count", "rate", "proportion"):
            raise IndicatorError(f"{path}: indicator {key}: kind must be count, rate or proportion")
        if entry.get("wanted") not in ("up", "down"):
            raise IndicatorError(f"{path}: indicator {key}: wanted must be up or down")
        out[key] = Indicator(
            key=key,
            label=str(entry["label"]),
            unit=str(entry["unit"]),
            kind=entry["kind"],
            wanted=entry["wanted"],
            stale_after_months=int(entry["stale_after_months"]),
            per=float(entry.get("per", 1.0)),
        )
    return out
