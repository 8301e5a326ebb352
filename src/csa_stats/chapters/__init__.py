"""The chapters, in reading order: one module per chapter, whose functions turn a
:class:`~csa_stats.chapters.context.Chapter` into the Markdown its notebook displays.

:data:`CHAPTERS` is what the build needs to know of each: the page it makes, the notebook that
makes it (the three priority chapters share one, with the priority as a parameter), the module of
its code, and the edition's tables it reads. A chapter opens only those tables, so its cache key,
made from the same list, cannot leave one out.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChapterSpec:
    """A chapter as the build sees it."""

    #: The page (and the executed notebook's name).
    name: str
    #: The source notebook in ``notebooks/`` (without ``.ipynb``).
    notebook: str
    #: The module in ``csa_stats.chapters`` whose functions it shows.
    module: str
    #: The edition's tables it reads (:data:`csa_stats.manifest.PARTS`).
    inputs: tuple[str, ...]
    #: Parameters of the notebook besides the edition.
    parameters: dict[str, str] = field(default_factory=dict)


def _priority(key: str) -> ChapterSpec:
    return ChapterSpec(
        f"priority_{key}",
        "priority",
        "priority",
        ("data", "population", "boundaries"),
        {"priority": key},
    )


CHAPTERS: tuple[ChapterSpec, ...] = (
    ChapterSpec(
        "plan_on_a_page",
        "plan_on_a_page",
        "plan_on_a_page",
        ("data", "indicators", "peers", "peer_population"),
    ),
    ChapterSpec(
        "key_findings", "key_findings", "key_findings", ("data", "population", "boundaries")
    ),
    ChapterSpec("serious_violence", "serious_violence", "serious_violence", ("data",)),
    _priority("offending"),
    _priority("public_places"),
    _priority("exploitation"),
    ChapterSpec("wards", "wards", "wards", ("data", "population", "boundaries")),
)


def chapter_spec(name: str) -> ChapterSpec:
    """The chapter of that name."""
    for spec in CHAPTERS:
        if spec.name == name:
            return spec
    raise KeyError(f"no chapter {name!r}; the chapters are {', '.join(s.name for s in CHAPTERS)}")
