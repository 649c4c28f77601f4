"""``grade batch``: grade a whole class into OUT (see :mod:`grader.course.batch`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..course.batch import BatchError, run_batch
from ..grading.inputs import missing_secret_warning
from ..model.config import instructor_secret
from ..model.spec import SpecError, load_spec
from . import UsageError, _shown, notice


@click.command()
@click.argument("assignment", type=click.Path(path_type=Path))
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for results.jsonl, grades.csv, feedback/ and report.html.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once. Default: the number of cores.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Keep the results already in OUT and grade only what is new or changed.")
@click.option("--test", "-t", "tests", multiple=True, metavar="NAME",
              help="Run only this test (repeat for several).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a Dask cluster, e.g. tcp://host:8786 (pip install 'dlgrade[dask]'; docs/batch.md).")
@click.option("--similarity", is_flag=True,
              help="Also report submissions that share unusually much code (similarity.csv, report.html; "
                   "docs/similarity.md).")
def batch(assignment: Path, submissions: Path, out: Path, jobs: int | None, resume: bool,
          tests: tuple[str, ...], scheduler: str | None, similarity: bool) -> None:
    """Grade every submission in SUBMISSIONS (hidden tests included) into OUT.

    SUBMISSIONS holds a folder or a .py, .ipynb or .zip file per student, or a Canvas, Moodle or
    Gradescope download (see docs/batch.md). Run it again after a stop: only what has no result
    yet, or changed, is graded. Exit status: 0 when every submission has a result, 1 when some hit
    a grader error, 2 for a usage or spec error, 130 when stopped by Ctrl-C.
    """
    if jobs is not None and scheduler:
        notice("--jobs has no effect with --scheduler: the cluster's workers grade as many at once as "
               "they have processes (dask worker --nworkers)")
    try:
        warning = missing_secret_warning(load_spec(assignment), instructor_secret())
        if warning:
            click.echo(f"grade: {warning}", err=True)
        summary = run_batch(assignment, submissions, out, jobs=jobs or os.cpu_count() or 1, resume=resume,
                            tests=list(tests) or None, log_stream=sys.stderr, scheduler=scheduler,
                            similarity=similarity)
    except (SpecError, BatchError) as exc:
        raise UsageError(str(exc)) from None
    for line in summary.skipped:
        click.echo(f"grade: skipped {_shown(line)}", err=True)
    if summary.damaged_lines:
        click.echo(f"grade: dropped {summary.damaged_lines} damaged line(s) of results.jsonl (a stopped run)", err=True)
    if summary.stale_students:
        click.echo(f"grade: dropped the rows of {len(summary.stale_students)} student(s) no longer in "
                   f"{_shown(str(submissions))}: {_shown(', '.join(summary.stale_students[:10]))}", err=True)
    statuses = [row["status"] for row in summary.rows]
    click.echo(f"{len(summary.rows)} of {summary.total} submissions have a result ({summary.graded_now} graded now, "
               f"{summary.reused} kept): {statuses.count('graded')} graded, {statuses.count('unreadable')} "
               f"unreadable, {statuses.count('grader-error')} grader errors. See {out / 'report.html'}")
    if summary.interrupted:
        click.echo("Stopped early: run the same command again to finish.", err=True)
    sys.exit(summary.exit_status)
