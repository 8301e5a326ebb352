"""The partnership's plan (``data/reference/plan.yml``): each priority's objectives and the police
measures and supplementary indicators that track them, checked against their definitions."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.reference.definitions import load_definitions
from csa_stats.reference.indicators import load_indicators
from csa_stats.reference.policy import read_yaml


class PlanError(UserError, ValueError):
    """The plan configuration is wrong; the message names the objective and the key."""


@lru_cache(maxsize=4)
def load_plan(path: Path | None = None) -> dict[str, Any]:
    """Read and check ``data/reference/plan.yml``."""
    path = path or paths.reference_file(paths.PLAN)
    raw = read_yaml(path)["priorities"]
    measures, indicators = load_definitions().measures, load_indicators()
    for key, priority in raw.items():
        for objective in priority["objectives"]:
            name = objective["objective"]
            if not objective.get("measures") and not objective.get("no_measure"):
                raise PlanError(f"{path}: {key}: {name!r} needs measures or a no_measure reason")
            for entry in objective.get("measures", []):
                if "police" in entry and entry["police"] not in measures:
                    raise PlanError(f"{path}: {name!r}: unknown police measure {entry['police']!r}")
                if "police" in entry and entry.get("wanted") not in ("up", "down"):
                    raise PlanError(
                        f"{path}: {name!r}: {entry['police']}: wanted must be up or down"
                    )
                if "indicator" in entry and entry["indicator"] not in indicators:
                    raise PlanError(f"{path}: {name!r}: unknown indicator {entry['indicator']!r}")
    return dict(raw)


def plan_name(path: Path | None = None) -> str:
    """The plan's own name (``name`` in ``data/reference/plan.yml``), as the front page gives it."""
    path = path or paths.reference_file(paths.PLAN)
    name = read_yaml(path).get("name")
    if not isinstance(name, str) or not name.strip():
        raise PlanError(f"{path}: needs the plan's name (name: ...)")
    return name.strip()
