"""The publication's policy, read from ``data/reference/*.yml`` into typed objects.

Every policy file is read here, with one kind of error (:class:`DefinitionError`, a user error:
one line naming the file and the key): when a change is clear (``changes.yml``), what is withheld
(``disclosure.yml``), the process-control run lengths (``spc.yml``) and the limits on inputs
(``limits.yml``). :func:`load_all` reads every policy and definition file, so that the edition
stage finds a wrong one before anything else runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from csa_stats import paths
from csa_stats.errors import UserError


class DefinitionError(UserError, ValueError):
    """A policy or definition file is wrong; the message names the file (or measure) and key."""


#: libyaml's safe loader where PyYAML was built with it (ten times faster; the same documents).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    """A policy file's mapping; one line naming the file (and line) if it is not valid YAML or not
    a mapping."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise DefinitionError(f"{path}{where}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: expected a mapping of keys to values")
    return raw


@dataclass(frozen=True)
class ChangePolicy:
    """When a change is called clear (``data/reference/changes.yml``)."""

    alpha: float
    min_count: int
    min_dispersion_df: int
    dispersion_months: int
    assumed_dispersion: float


@cache
def load_change_policy() -> ChangePolicy:
    """The policy in ``data/reference/changes.yml``.

    Raises
    ------
    DefinitionError
        One line naming the file and the key that is missing or wrong.
    """
    path = paths.reference_file(paths.CHANGES)
    raw = read_yaml(path)
    try:
        policy = ChangePolicy(
            alpha=float(raw["alpha"]),
            min_count=int(raw["min_count"]),
            min_dispersion_df=int(raw["min_dispersion_df"]),
            dispersion_months=int(raw["dispersion_months"]),
            assumed_dispersion=float(raw["assumed_dispersion"]),
        )
    except KeyError as error:
        raise DefinitionError(f"{path}: missing key {error.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"{path}: {error}") from None
    if not 0 < policy.alpha < 1 or policy.min_count < 0 or policy.assumed_dispersion < 1:
        raise DefinitionError(
            f"{path}: need 0 < alpha < 1, min_count >= 0 and assumed_dispersion >= 1"
        )
    return policy


@dataclass(frozen=True)
class DisclosurePolicy:
    """What is withheld, how it is shown, and which counts are sensitive."""

    low: int
    high: int
    shown_as: str
    sensitive_measures: frozenset[str]
    sensitive_breakdowns: frozenset[str]


@cache
def load_disclosure_policy() -> DisclosurePolicy:
    """The disclosure policy in ``data/reference/disclosure.yml``."""
    raw = read_yaml(paths.reference_file(paths.DISCLOSURE))
    return DisclosurePolicy(
        low=int(raw["low"]),
        high=int(raw["high"]),
        shown_as=str(raw["shown_as"]),
        sensitive_measures=frozenset(map(str, raw["sensitive_measures"])),
        sensitive_breakdowns=frozenset(map(str, raw["sensitive_breakdowns"])),
    )


class SpcRules(BaseModel):
    """Run lengths of the shift and trend rules, in points (``data/reference/spc.yml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # No defaults: the file says what the publication uses, and a key left out is an error.
    shift_run: int = Field(strict=True, description="points in a row on one side of the mean")
    trend_run: int = Field(strict=True, description="points in a row each rising, or falling")

    @field_validator("shift_run", "trend_run")
    @classmethod
    def _at_least_two(cls, value: int, info: ValidationInfo) -> int:
        # One point is a "run" of every point, so every point would be a signal.
        if value < 2:
            raise ValueError(
                f"{info.field_name} is {value}: a run must be at least 2 points long (MDC uses 7)"
            )
        return value


@cache
def load_spc_rules(path: Path | None = None) -> SpcRules:
    """The run lengths in ``data/reference/spc.yml`` (or ``path``).

    Raises
    ------
    DefinitionError
        One line naming the file and the key, if a length is missing, not a whole number or
        shorter than 2 points.
    """
    path = path or paths.reference_file(paths.SPC)
    raw = read_yaml(path)
    try:
        return SpcRules.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors()
        )
        raise DefinitionError(f"{path}: {problems}") from None


@dataclass(frozen=True)
class Limits:
    """How large an input may be and how long reading it may take."""

    max_file_bytes: int
    read_seconds: float


@cache
def load_limits() -> Limits:
    """The limits in ``data/reference/limits.yml``."""
    raw = read_yaml(paths.reference_file(paths.LIMITS))
    return Limits(int(raw["max_file_bytes"]), float(raw["read_seconds"]))


def load_all() -> None:
    """Read every policy and definition file, raising :class:`DefinitionError` (or the module's
    own user error) on the first that is wrong."""
    from csa_stats.reference.definitions import load_definitions, load_serious_violence
    from csa_stats.reference.indicators import load_indicators
    from csa_stats.reference.plan import load_plan, plan_name

    load_change_policy()
    load_disclosure_policy()
    load_spc_rules()
    load_limits()
    load_definitions()
    load_serious_violence()
    load_indicators()
    load_plan()
    plan_name()
