"""``grade release``: build the student bundles (see :mod:`grader.course.release`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..course.release import ReleaseError, release_assignment
from ..grading.inputs import missing_secret_warning
from ..model.config import instructor_secret
from ..model.spec import SpecError, load_spec
from . import UsageError


@click.command()
@click.argument("assignments", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the bundles: one OUT/<id>/ per assignment (an earlier bundle is replaced).")
def release(assignments: tuple[Path, ...], out: Path) -> None:
    """Build the student bundle of each ASSIGNMENT folder in OUT (see docs/release.md).

    A bundle holds the README, the stubs, a notebook, the public tests and their fixtures (inputs
    and expected answers). Never the references, the hidden tests or the instructor's secret.
    """
    for folder in assignments:
        try:
            warning = missing_secret_warning(load_spec(folder), instructor_secret(), ", which grading will need")
            if warning:
                click.echo(f"grade: {warning}", err=True)
            bundle, kept, later = release_assignment(folder, out)
        except (SpecError, ReleaseError) as exc:
            raise UsageError(str(exc)) from None
        left = f"; {len(later)} checked only when graded ({', '.join(t.name for t in later)})" if later else ""
        click.echo(f"{bundle}: {len(kept)} public test(s){left}")
