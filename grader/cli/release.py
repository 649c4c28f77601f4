"""``grade release``: build the student bundles (see :mod:`grader.course.release`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..course.release import ReleaseError, release_assignment
from ..model.spec import SpecError
from . import UsageError
from .progress import Progress


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
        progress = Progress()
        progress.start(f"building the bundle of {folder}")
        try:
            bundle, kept, later = release_assignment(folder, out)
        except (SpecError, ReleaseError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            seconds = progress.finish()
        left = f"; {len(later)} checked only when graded ({', '.join(t.name for t in later)})" if later else ""
        click.echo(f"{bundle}: {len(kept)} public test(s){left} ({seconds:.1f} s)")
