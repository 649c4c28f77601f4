"""The ``grade`` command line. Each command is a thin front end over :func:`grader.engine.grade`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .intake import IntakeError, read_submission
from .spec import SpecError, load_spec

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    """A one-line error (bad spec, unreadable submission); exit status 2, never a traceback."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"grade: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlgrade")
def main() -> None:
    """Grade deep-learning exercises against Numba reference implementations."""


@main.command()
@click.argument("assignment", default=".", type=click.Path(path_type=Path))
@click.option("--submission", "-s", type=click.Path(path_type=Path),
              help="A .py file, or a folder with the student's files. Default: the files in ASSIGNMENT.")
@click.option("--test", "-t", "tests", multiple=True, metavar="NAME",
              help="Run only this test (repeat for several).")
@click.option("--hidden", is_flag=True, help="Include hidden tests (instructors: needs the references).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts.")
@click.option("--color/--no-color", default=None, help="Colour the text output. Default: when a terminal.")
def check(assignment: Path, submission: Path | None, tests: tuple[str, ...], hidden: bool, fmt: str,
          color: bool | None) -> None:
    """Grade a submission of ASSIGNMENT (a folder with assignment.yaml; default: here).

    Exit status: 0 when every test passed, 1 when any did not, 2 for a usage or spec error.
    """
    from .engine import grade
    from .reports import render_json, render_text

    try:
        spec = load_spec(assignment)
        selected = list(tests) or None
        spec.select(selected, hidden)              # unknown test names fail before any work
        sub = read_submission(spec, submission)
        result = grade(spec, sub, tests=selected, include_hidden=hidden)
    except (SpecError, IntakeError) as exc:
        raise UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(render_json(result))
    else:
        click.echo(render_text(result, color=sys.stdout.isatty() if color is None else color))
    sys.exit(EXIT_PASSED if result.all_passed else EXIT_FAILED)


if __name__ == "__main__":
    main()
