"""``grade export``: a gradebook import CSV for Canvas or Moodle from a batch's results."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..render.export import ExportError, export
from ..render.files import atomic_write
from . import EXIT_FAILED, UsageError, _shown


@click.command(name="export")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "lms", required=True, type=click.Choice(["canvas", "moodle"]), help="The gradebook to import into.")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The LMS's own export of the class (Canvas gradebook CSV, Moodle grades/participants CSV "
              "or an assignment's grading worksheet).")
@click.option("--column", help="The gradebook column. Default: the assignment's title. Canvas: 'Name (id)' updates that assignment.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True),
              help="Rescale scores to this maximum (e.g. 100). Default: points as graded.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV to write. Default: OUT/<lms>-import.csv.")
def export_grades(out: Path, lms: str, roster: Path, column: str | None, scale: float | None,
                  output: Path | None) -> None:
    """Write a gradebook import CSV for Canvas or Moodle from the batch results in OUT.

    Students are matched to the roster by id, then by name; those who cannot be matched are listed.
    Exit status 1 when no one matches.
    """
    try:
        done = export(out, lms, roster, column=column, scale=scale)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    if not done.matched:              # a wrong roster or batch: an empty import would look like success
        click.echo(f"grade: error: every result matches no one in {_shown(str(roster))} "
                   f"({len(done.unmatched_results)} result(s), {len(done.missing)} roster row(s)); nothing written",
                   err=True)
        sys.exit(EXIT_FAILED)
    target = output or out / f"{lms}-import.csv"
    atomic_write(target, done.text)
    click.echo(f"wrote {target}: {done.matched} student(s) with a grade")
    if done.unmatched_results:
        click.echo(f"grade: {len(done.unmatched_results)} result(s) match no one in {roster}: "
                   f"{_shown(', '.join(done.unmatched_results))}", err=True)
    if done.missing:
        click.echo(f"grade: {len(done.missing)} student(s) in the roster have no result: "
                   f"{_shown(', '.join(done.missing[:20]))}{' ...' if len(done.missing) > 20 else ''}", err=True)
