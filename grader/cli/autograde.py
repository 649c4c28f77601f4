"""``grade autograde``: grade inside an LMS container (Gradescope, PrairieLearn)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ..course.autograder import run_gradescope, run_prairielearn
from ..grading.inputs import missing_secret_warning
from ..model.config import instructor_secret
from ..model.spec import SpecError, load_spec
from . import _shown


@click.command()
@click.argument("platform", type=click.Choice(["gradescope", "prairielearn"]))
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="The container's root. Default: /autograder (Gradescope), /grade (PrairieLearn), "
                   "or DLGRADE_AUTOGRADER_ROOT / DLGRADE_PRAIRIELEARN_ROOT.")
def autograde(platform: str, assignment: Path, root: Path | None) -> None:
    """Grade the submission inside an LMS container and write its results file.

    Always writes a valid results file and exits 0: a submission that cannot be graded gets
    score 0 and the reason.
    """
    with contextlib.suppress(SpecError):     # a bad spec: the runner's results file says why
        warning = missing_secret_warning(load_spec(assignment), instructor_secret(), " in this autograder")
        if warning:
            click.echo(f"grade: {warning}", err=True)
    data = (run_gradescope if platform == "gradescope" else run_prairielearn)(assignment, root)
    click.echo(f"score {data['score']:g}" + (f" ({_shown(data['output'])})" if not data.get("tests") else ""))
