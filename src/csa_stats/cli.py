"""The ``csa-stats`` command: build the site, check inputs, regenerate the demo data."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csa_stats.errors import UserError

if TYPE_CHECKING:
    pass


def _fail(message: str, code: int = 2) -> None:
    # One line whatever the message quotes: a newline in a file name is shown as \n.
    message = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], message)
    click.echo(f"csa-stats: error: {message}", err=True)
    sys.exit(code)


class _WholeNumber(click.ParamType):
    """A whole number, refused (not trimmed) with a space or line break around it, as every
    other parameter is."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value != value.strip():
            self.fail(f"{value!r} starts or ends with a space or a line break", param, ctx)
        return click.INT.convert(value, param, ctx)


WHOLE = _WholeNumber()


def _option_name(field: str) -> str:
    """A parameter's option: ``data_path`` is ``--data``, ``period_end`` is ``--period-end``."""
    return "--" + field.removesuffix("_path").replace("_", "-")


def _run_options(func: Any) -> Any:
    """The run's options, one for each field of :class:`~csa_stats.params.RunParameters`, with
    its description as the help: the parameters are listed once, there."""
    from csa_stats.params import RunParameters

    for name, field in reversed(RunParameters.model_fields.items()):
        text = field.description or name
        default = field.get_default()
        kind = WHOLE if field.annotation in (int, "int") else None
        shown = (
            f" (default {default})" if default not in (None, "") and "default" not in text else ""
        )
        func = click.option(
            _option_name(name), name, type=kind, help=f"{text[0].upper()}{text[1:]}{shown}."
        )(func)
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


def chapters_run(executed: int, chapters: int) -> str:
    """How many chapters a build ran and how many it took unchanged from the cache.

    Examples
    --------
    >>> chapters_run(1, 7), chapters_run(7, 7)
    ('1 chapter run, 6 unchanged', '7 chapters run, 0 unchanged')
    """
    return f"{executed} chapter{'s' * (executed != 1)} run, {chapters - executed} unchanged"


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
    """Validate the inputs, run the chapters whose inputs changed and build the site (with
    --area all, or a list: one site per area from one read of police.uk files, and an index)."""
    from csa_stats.build.pipeline import BuildError
    from csa_stats.build.pipeline import build as run_build
    from csa_stats.params import is_many, month_span, parse_parameters

    which = values.get("area") or ""
    try:
        if is_many(which):
            from csa_stats.build.areas import build_areas

            many = build_areas(
                parse_parameters({**values, "area": "coventry"}),
                which,
                output,
                progress=not no_progress,
                jobs=jobs,
                force=force,
            )
        else:
            result = run_build(
                parse_parameters(values),
                site_dir=output,
                progress=not no_progress,
                jobs=jobs,
                force=force,
            )
    except UserError as error:
        _fail(str(error))
    except BuildError as error:
        _fail(str(error), code=1)
    if is_many(which):
        click.echo(
            f"{len(many.sites)} sites built from {many.reads} read(s) of the files: {many.index}"
        )
        return
    index = result.site / "index.html"
    if result.up_to_date:
        span = month_span(str(result.params.period_end), result.params.period_months)
        click.echo(f"Site up to date for {span} (nothing changed): {index}")
        return
    click.echo(
        f"Site built for {result.params.period.span}: {index} "
        f"({chapters_run(len(result.executed), len(result.notebooks))})"
    )
    for line in result.findings:  # what reading police.uk's files found (also on the site)
        click.echo(f"  {line}")


@main.command()
@_run_options
def check(**values: Any) -> None:
    """Validate the inputs and parameters without building anything (nothing is written)."""
    from csa_stats.build.areas import read_areas_once
    from csa_stats.edition import prepare_edition
    from csa_stats.params import is_many, parse_parameters

    which = values.get("area") or ""
    try:
        if is_many(which):
            params = parse_parameters({**values, "area": "coventry"})
            from csa_stats.sources import policeuk

            codes = read_areas_once(params, which, write_cache=False)
            try:
                editions = [
                    prepare_edition(
                        params.model_copy(update={"area": code}), write=False, reuse=False
                    )
                    for code in codes
                ]
            finally:
                policeuk.forget()
        else:
            editions = [prepare_edition(values, write=False, reuse=False)]
    except UserError as error:
        _fail(str(error))
    for edition in editions:
        click.echo(
            f"OK: {edition.area.name}: {len(edition.incidents):,} incidents; "
            f"period {edition.params.period.span}"
        )
        for line in edition.findings:
            click.echo(f"  {line}")


@main.command()
@_run_options
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Folder of the areas' sites (default _build/areas).",
)
def index(output: Path | None, **values: Any) -> None:
    """Write the index page of several areas' sites (--area all, or a list): the last step of the
    workflow that builds each area in a job of its own (src/csa_stats/build/areas.smk)."""
    from csa_stats import paths
    from csa_stats.build.areas import read_areas_once, write_index
    from csa_stats.params import is_many, parse_parameters
    from csa_stats.sources import policeuk

    which = values.get("area") or ""
    if not is_many(which):
        _fail(f"parameter area: {which!r}: the index is of several areas (all, or a list)")
    output = output or paths.build_dir() / "areas"
    try:
        params = parse_parameters({**values, "area": "coventry"})
        codes = read_areas_once(params, which, write_cache=False)
        try:
            page = write_index(params, codes, output)
        finally:
            policeuk.forget()
    except UserError as error:
        _fail(str(error))
    click.echo(f"Index of {len(codes)} areas: {page}")


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
    "--lookups",
    "lookups",
    is_flag=True,
    help="Download ONS's LSOA 2011 to 2021 best-fit lookup (for months coded with 2011 LSOAs).",
)
@click.option(
    "--populations",
    is_flag=True,
    help="Download the Census 2021 population of each ward of --area (Nomis).",
)
@click.option(
    "--boundaries",
    is_flag=True,
    help="Download the area's ward boundaries from ONS instead (to data/boundaries).",
)
@click.option(
    "--area",
    help="For --populations and --boundaries: an ONS code, a name or an areas.yml key "
    "(--boundaries: default coventry).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write (defaults: data/police-uk, data/lookups, "
    "data/populations/<area>-ward-population.csv, data/boundaries; all git-ignored).",
)
@click.option(
    "--base-url",
    default=None,
    help="Where the data are (default: police.uk's archive, ONS's or Nomis's service).",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def fetch(
    force: str | None,
    first: str | None,
    last: str | None,
    lookups: bool,
    populations: bool,
    boundaries: bool,
    area: str | None,
    out: Path | None,
    base_url: str | None,
    no_progress: bool,
) -> None:
    """Download public data: police.uk street-level files for a force and a range of months,
    ONS's LSOA 2011 to 2021 lookup, an area's ward populations or its ward boundaries (the only
    command that uses the network; an interrupted download resumes when run again)."""
    from csa_stats.sources.fetch import FetchError

    police = force is not None or first is not None or last is not None
    if not (police or lookups or populations or boundaries):
        _fail(
            "say what to fetch: --force with --from and --to, --lookups, --populations --area, "
            "or --boundaries"
        )
    if sum([police, lookups, populations, boundaries]) > 1:
        _fail(
            "fetch one thing at a time: police.uk files, --lookups, --populations or --boundaries"
        )
    try:
        if lookups:
            _fetch_lookups(out, base_url, no_progress)
        elif populations:
            _fetch_populations(area, out, base_url)
        elif boundaries:
            _fetch_boundaries(area or "coventry", out, base_url, not no_progress)
        else:
            _fetch_police_uk(force, first, last, out, base_url, no_progress)
    except FetchError as error:
        _fail(str(error), code=1)


def _fetch_police_uk(
    force: str | None,
    first: str | None,
    last: str | None,
    out: Path | None,
    base_url: str | None,
    no_progress: bool,
) -> None:
    from csa_stats.sources.fetch import DEFAULT_BASE_URL
    from csa_stats.sources.fetch import fetch as run_fetch

    if force is None or first is None or last is None:
        _fail("police.uk files need --force, --from and --to")
    assert force is not None and first is not None and last is not None  # for the type checker
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", force):
        _fail(f"parameter force: {force!r} is not a force as police.uk names it (west-midlands)")
    for name, value in (("from", first), ("to", last)):
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            _fail(f"parameter {name}: {value!r} is not a month in the form YYYY-MM")
    out = out or Path("data/police-uk")
    result = run_fetch(
        force, first, last, out, base_url or DEFAULT_BASE_URL, progress=not no_progress
    )
    click.echo(f"{len(result.files)} monthly files for {force} in {out}")
    if result.missing_months:
        click.echo(f"not in the archives: {', '.join(result.missing_months)}")


def _fetch_lookups(out: Path | None, base_url: str | None, no_progress: bool) -> None:
    from csa_stats import paths
    from csa_stats.sources.ons_lookups import BEST_FIT_URL, fetch_lsoa_lookup

    path = fetch_lsoa_lookup(
        out or paths.lookups_dir(), base_url or BEST_FIT_URL, progress=not no_progress
    )
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    click.echo(f"ONS LSOA 2011 to 2021 best-fit lookup: {rows:,} rows in {path}")


def _fetch_populations(area_text: str | None, out: Path | None, base_url: str | None) -> None:
    from csa_stats import paths
    from csa_stats.reference.taxonomy import load_area
    from csa_stats.sources.nomis import NOMIS_URL, fetch_ward_populations

    if not area_text:
        _fail("--populations needs --area (an ONS code such as E08000026, or a name)")
    assert area_text is not None
    try:
        area = load_area(area_text)
    except UserError as error:
        _fail(str(error))
    out = out or paths.ward_population_file(area.key)
    table = fetch_ward_populations(area, out, base_url or NOMIS_URL)
    click.echo(
        f"Census 2021 usual residents of {area.name}'s {len(table)} wards "
        f"({table['population'].sum():,} in all) in {out}; the build uses them for {area.name}"
    )


def _fetch_boundaries(
    area_key: str, out: Path | None, base_url: str | None, progress: bool
) -> None:
    """``fetch --boundaries``: the area's ward boundaries from ONS (thin: see
    :mod:`csa_stats.sources.ons_boundaries`)."""
    from csa_stats.reference.taxonomy import load_area
    from csa_stats.sources.ons_boundaries import DEFAULT_SERVICE_URL, fetch_ward_boundaries

    try:
        area = load_area(area_key)
    except UserError as error:
        _fail(str(error))
    path = fetch_ward_boundaries(area, out, base_url or DEFAULT_SERVICE_URL, progress=progress)
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
    from csa_stats.build.pdf import PdfError, make_pdfs

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
