"""The ``csa-stats`` command: build the site, check inputs, regenerate the demo data."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from csa_stats.params import RunParameters


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors that are the user's to fix (an input, a parameter): one line and status 2.
    Imported when needed, so that ``--help`` does not load pandas and SciPy."""
    from csa_stats.definitions import DefinitionError

    try:  # importing the rest reads the policy files (changes.yml): a wrong one is the user's
        return _imported_user_errors(DefinitionError)
    except DefinitionError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


def _imported_user_errors(definition_error: type[Exception]) -> tuple[type[Exception], ...]:
    """:func:`_user_errors`, once importing them has read the policy files."""
    from csa_stats.disclosure import DisclosureError
    from csa_stats.indicators import IndicatorError
    from csa_stats.inputs import InputError
    from csa_stats.params import ParameterError
    from csa_stats.peers import PeerError
    from csa_stats.population import PopulationError
    from csa_stats.progress import ProgressError
    from csa_stats.publish import BuildBusyError, PublishError
    from csa_stats.schema import IncidentDataError
    from csa_stats.sources.policeuk import PoliceUkError

    return (
        ParameterError,
        IncidentDataError,
        PopulationError,
        PoliceUkError,
        definition_error,
        ProgressError,
        IndicatorError,
        PeerError,
        InputError,
        DisclosureError,
        PublishError,
        BuildBusyError,
        FileNotFoundError,
        KeyError,
    )


def _fail(message: str, code: int = 2) -> None:
    # One line whatever the message quotes: a newline in a file name is shown as \n.
    message = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], message)
    click.echo(f"csa-stats: error: {message}", err=True)
    sys.exit(code)


def _parameters(values: dict[str, Any]) -> RunParameters:
    """Parse the options; without a period end, use the data's last month."""
    import pandas as pd

    from csa_stats.chapter import load_incidents
    from csa_stats.params import parse_parameters
    from csa_stats.taxonomy import load_area

    if not values.get("period_end") and not values.get("preset"):
        probe = parse_parameters({**values, "period_end": "2000-01"})
        incidents = load_incidents(probe, load_area(probe.area))
        values["period_end"] = pd.Period(incidents["month"].max(), "M").strftime("%Y-%m")
    return parse_parameters(values)


class _WholeNumber(click.ParamType):
    """A whole number, refused (not trimmed) with a space or line break around it, as every
    other parameter is."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value != value.strip():
            self.fail(f"{value!r} starts or ends with a space or a line break", param, ctx)
        return click.INT.convert(value, param, ctx)


WHOLE = _WholeNumber()


def _run_options(func: Any) -> Any:
    options = [
        click.option(
            "--period-end",
            help="Last month of the period, YYYY-MM (default: the data's last month).",
        ),
        click.option(
            "--preset", help="A financial year, such as 2023/24, instead of --period-end."
        ),
        click.option(
            "--period-months", type=WHOLE, help="Length of the period in months (default 12)."
        ),
        click.option(
            "--comparison-end",
            help="Last month of the comparison period (default: the month before the period).",
        ),
        click.option(
            "--baseline-year", type=WHOLE, help="Serious-violence baseline year (default 2020)."
        ),
        click.option("--baseline-kind", help="calendar (default) or financial."),
        click.option(
            "--goal-year", type=WHOLE, help="Year of the partnership's goal (default 2030)."
        ),
        click.option("--area", help="Area key in data/reference/areas.yml (default coventry)."),
        click.option("--source", help="demo (default), extract or police-uk."),
        click.option(
            "--data", "data_path", help="Input for the source (police-uk: a folder or zip)."
        ),
        click.option(
            "--lookups",
            "lookups_path",
            help="Folder of the ONS LSOA-to-ward lookups (for --source police-uk).",
        ),
        click.option(
            "--indicators",
            "indicators_path",
            help="Supplementary indicators table (default: demonstration values).",
        ),
        click.option(
            "--peers",
            "peers_path",
            help="police.uk force files (folder or zip) for the peer comparison.",
        ),
        click.option(
            "--peer-population",
            "peer_population_path",
            help="Local authorities' populations (default: West Midlands, Census 2021).",
        ),
        click.option(
            "--population", "population_path", help="Ward populations CSV (default: demo values)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


class _OneLineErrors(click.Group):
    """Click's own usage errors (an option that is not a number, say) as one line, like ours."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.exceptions.Abort:
            _fail("aborted", code=1)
        except click.ClickException as error:
            _fail(error.format_message(), code=error.exit_code)


@click.group(cls=_OneLineErrors)
@click.version_option(package_name="csa-stats")
def main() -> None:
    """Coventry Community Safety Partnership strategic assessment, as code."""


@main.command()
@_run_options
@click.option(
    "--output", type=click.Path(path_type=Path), help="Site folder (default _build/html)."
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Notebooks run at once (default: cores).",
)
@click.option("--force", is_flag=True, help="Rebuild the site even if nothing changed.")
def build(
    output: Path | None, no_progress: bool, jobs: int | None, force: bool, **values: Any
) -> None:
    """Validate the inputs, run the chapters whose inputs changed and build the site."""
    user_errors = _user_errors()  # first: it reports a wrong policy file in one line
    from csa_stats.pipeline import BuildError
    from csa_stats.pipeline import build as run_build

    try:
        params = _parameters(values)
        result = run_build(
            params, site_dir=output, progress=not no_progress, jobs=jobs, force=force
        )
    except user_errors as error:
        _fail(str(error).strip("'\""))
    except BuildError as error:
        _fail(str(error), code=1)
    index = result.site / "index.html"
    if result.up_to_date:
        click.echo(f"Site up to date for {result.params.period.span} (nothing changed): {index}")
        return
    reused = len(result.notebooks) - len(result.executed)
    click.echo(
        f"Site built for {result.params.period.span}: {index} "
        f"({len(result.executed)} chapters run, {reused} unchanged)"
    )
    for line in result.findings:  # what reading police.uk's files found (also on the site)
        click.echo(f"  {line}")


@main.command()
@_run_options
def check(**values: Any) -> None:
    """Validate the inputs and parameters without building anything."""
    from csa_stats import chapter
    from csa_stats.chapter import check_inputs, source_findings
    from csa_stats.taxonomy import load_area

    chapter.WRITE_CACHE = False  # a check reads, and writes nothing (not even the cache)
    try:
        try:
            params = _parameters(values)
            _, incidents, _, _ = check_inputs(params)
        except _user_errors() as error:
            _fail(str(error).strip("'\""))
        click.echo(f"OK: {len(incidents):,} incidents; period {params.period.span}")
        for line in source_findings(params, load_area(params.area)):
            click.echo(f"  {line}")
    finally:
        chapter.WRITE_CACHE = True


@main.command("make-demo")
def make_demo() -> None:
    """Regenerate the embedded demonstration data in data/demo/ (seeded, deterministic)."""
    from csa_stats.sources.demo import write_demo

    for path in write_demo():
        click.echo(f"wrote {path}")


@main.command()
@click.option("--force", help="Force as police.uk names its files: west-midlands.")
@click.option("--from", "first", help="First month, YYYY-MM.")
@click.option("--to", "last", help="Last month, YYYY-MM.")
@click.option(
    "--boundaries",
    is_flag=True,
    help="Download the area's ward boundaries from ONS instead (to data/boundaries).",
)
@click.option("--area", default="coventry", show_default=True, help="Area for --boundaries.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write to (default data/police-uk, which git ignores; "
    "with --boundaries, data/boundaries).",
)
@click.option(
    "--base-url",
    default=None,
    help="Where the monthly archives are (default: police.uk's data archive); "
    "with --boundaries, the ONS feature service's query URL.",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def fetch(
    force: str | None,
    first: str | None,
    last: str | None,
    boundaries: bool,
    area: str,
    out: Path | None,
    base_url: str | None,
    no_progress: bool,
) -> None:
    """Download police.uk street-level files for a force and a range of months, or with
    --boundaries the area's ward boundaries (the only command that uses the network; an
    interrupted download resumes when run again)."""
    from csa_stats.sources.fetch import DEFAULT_BASE_URL, FetchError
    from csa_stats.sources.fetch import fetch as run_fetch

    if boundaries:
        _fetch_boundaries(area, out, base_url, not no_progress)
        return
    for option, given in (("--force", force), ("--from", first), ("--to", last)):
        if given is None:
            _fail(f"Missing option '{option}' (or give --boundaries)")
    assert force is not None and first is not None and last is not None
    out = out or Path("data/police-uk")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", force):
        _fail(f"parameter force: {force!r} is not a force as police.uk names it (west-midlands)")
    for name, value in (("from", first), ("to", last)):
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            _fail(f"parameter {name}: {value!r} is not a month in the form YYYY-MM")
    try:
        result = run_fetch(
            force, first, last, out, base_url or DEFAULT_BASE_URL, progress=not no_progress
        )
    except FetchError as error:
        _fail(str(error), code=1)
    click.echo(f"{len(result.files)} monthly files for {force} in {out}")
    if result.missing_months:
        click.echo(f"not in the archives: {', '.join(result.missing_months)}")


def _fetch_boundaries(
    area_key: str, out: Path | None, base_url: str | None, progress: bool
) -> None:
    """``fetch --boundaries``: the area's ward boundaries from ONS (thin: see
    :mod:`csa_stats.sources.ons_boundaries`)."""
    from csa_stats.sources.fetch import FetchError
    from csa_stats.sources.ons_boundaries import DEFAULT_SERVICE_URL, fetch_ward_boundaries
    from csa_stats.taxonomy import load_area

    try:
        area = load_area(area_key)
        path = fetch_ward_boundaries(area, out, base_url or DEFAULT_SERVICE_URL, progress=progress)
    except KeyError as error:
        _fail(str(error).strip("'\""))
    except FetchError as error:
        _fail(str(error), code=1)
    click.echo(f"{len(area.wards)} ward boundaries for {area.name} in {path}")


@main.command()
@click.option(
    "--site",
    type=click.Path(path_type=Path),
    default=None,
    help="The built site to print (default _build/html).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the PDFs (default _build/pdf).",
)
def pdf(site: Path | None, out: Path | None) -> None:
    """Print each page of the built site, and the whole edition, to PDF (Debian's chromium)."""
    from csa_stats import paths
    from csa_stats.pdf import PdfError, make_pdfs

    site = site or paths.build_dir() / "html"
    out = out or paths.build_dir() / "pdf"
    try:
        result = make_pdfs(site, out)
    except PdfError as error:
        _fail(str(error), code=1)
    click.echo(
        f"{len(result.pages)} pages and the whole edition ({result.pack}) printed to {out} "
        f"in {result.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
