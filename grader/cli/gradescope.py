"""``grade gradescope``: build a Gradescope autograder zip."""
from __future__ import annotations

from pathlib import Path

import click

from ..course.autograder import build_gradescope
from ..grading.inputs import missing_secret_warning
from ..model.config import instructor_secret
from ..model.spec import SpecError, load_spec
from . import UsageError


@click.command()
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write, e.g. autograder.zip.")
@click.option("--wheels", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of dependency wheels to ship, for an install that needs no index.")
@click.option("--secret/--no-secret", "include_secret", default=True, show_default=True,
              help="Ship the instructor's secret, so hidden inputs are drawn per student "
                   "(a warning says when none is configured).")
def gradescope(assignment: Path, out: Path, wheels: Path | None, include_secret: bool) -> None:
    """Build a Gradescope autograder zip for ASSIGNMENT (hidden tests and references included).

    Upload the zip as the assignment's autograder; see docs/lms.md.
    """
    try:
        warning = include_secret and missing_secret_warning(load_spec(assignment), instructor_secret(),
                                                            ", so the zip ships none")
        if warning:
            click.echo(f"grade: {warning}", err=True)
        names = build_gradescope(assignment, out, wheels=wheels, include_secret=include_secret)
    except SpecError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"wrote {out} ({len(names)} files)")
