"""``grade similarity``: the similarity report of a batch in OUT (see :mod:`grader.course.similarity_report`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..course.batch import BatchError, _locked
from ..course.similarity import Settings
from ..course.similarity_report import SimilarityError, load_rows, run_similarity
from . import UsageError


@click.command(name="similarity")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--threshold", type=click.FloatRange(min=0), default=None,
              help="Suspicion from which report.html lists a pair. Default: 0.5.")
def similarity_command(out: Path, threshold: float | None) -> None:
    """Find the submissions of the batch in OUT that share unusually much code.

    Writes OUT/similarity.csv, OUT/similarity/ (a side-by-side page per pair) and the Similarity
    section of OUT/report.html. Evidence for a person to weigh, never a verdict; students never
    see it, and nothing leaves this machine (docs/similarity.md).
    """
    settings = Settings() if threshold is None else Settings(threshold=threshold)
    try:
        with _locked(out):
            analysis, left_out = run_similarity(out, load_rows(out), settings)
    except (BatchError, SimilarityError) as exc:
        raise UsageError(str(exc)) from None
    for line in left_out:
        click.echo(f"grade: not compared: {line}", err=True)
    reported = sum(analysis.reported(p) for p in analysis.pairs)
    click.echo(f"{len(analysis.documents)} submissions compared: {reported} pair(s) reported, "
               f"{len(analysis.clusters)} cluster(s). See {out / 'report.html'} and {out / 'similarity.csv'}")
