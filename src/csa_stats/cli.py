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
    from csa_stats.build.pipeline import BuildError
    from csa_stats.build.pipeline import build as run_build
    from csa_stats.params import parse_parameters

    try:
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
    """Validate the inputs and parameters without building anything (nothing is written)."""
    from csa_stats.edition import prepare_edition

    try:
        edition = prepare_edition(values, write=False, reuse=False)
    except UserError as error:
        _fail(str(error))
    click.echo(f"OK: {len(edition.incidents):,} incidents; period {edition.params.period.span}")
    for line in edition.findings:
        click.echo(f"  {line}")


@main.command("make-demo")
def make_demo() -> None:
    """Regenerate the embedded demonstration data in data/demo/ (seeded, deterministic)."""
    from csa_stats.sources.demo import write_demo

    for path in write_demo():
        click.echo(f"wrote {path}")


@main.command()
@click.option("--force", required=True, help="Force as police.uk names its files: west-midlands.")
@click.option("--from", "first", required=True, help="First month, YYYY-MM.")
@click.option("--to", "last", required=True, help="Last month, YYYY-MM.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("data/police-uk"),
    show_default=True,
    help="Folder for the month folders (git ignores data/police-uk).",
)
@click.option(
    "--base-url",
    default=None,
    help="Where the monthly archives are (default: police.uk's data archive).",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def fetch(
    force: str, first: str, last: str, out: Path, base_url: str | None, no_progress: bool
) -> None:
    """Download police.uk street-level files for a force and a range of months (the only command
    that uses the network; an interrupted download resumes when run again)."""
    from csa_stats.sources.fetch import DEFAULT_BASE_URL, FetchError
    from csa_stats.sources.fetch import fetch as run_fetch

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


if __name__ == "__main__":
    main()
