"""``grade validate``: an assignment's checks as a whole, for its author (see :mod:`grader.course.validate`)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..course.validate import render_text, validate
from ..model.results import json_safe
from . import EXIT_FAILED, EXIT_PASSED, _shown


@click.command(name="validate")
@click.argument("assignment")
@click.option("--solution", type=click.Path(exists=True, path_type=Path), default=None,
              help="The solution to grade (a file or folder). Default: solutions/ID/, else "
                   "tests/data/submissions/ID/correct.py or correct/.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--seeds", type=click.IntRange(min=1), default=100, show_default=True,
              help="Per-student draws of the hidden tests on which every catalogued mistake must be caught.")
def validate_command(assignment: str, solution: Path | None, fmt: str, seeds: int) -> None:
    """Check ASSIGNMENT (a folder or an id) as a whole: spec, references, stub, solution, mistakes, speed.

    Exits 1 on any problem, each on one line naming the file, the test and what to do: a catalogued
    mistake that no public or no hidden test catches (on every one of --seeds per-student draws), a
    hidden test that is a public one renamed, a solution short of full marks, a stub that scores, a
    performance limit that a loop version passes, a tolerance loose enough for a mistake to pass.
    """
    report = validate(assignment, solution, seeds)
    if fmt == "json":
        click.echo(json.dumps(json_safe(report.as_json()), indent=2, allow_nan=False, default=str))
    else:
        click.echo(_shown_lines(render_text(report)))
    raise SystemExit(EXIT_PASSED if report.ok else EXIT_FAILED)


def _shown_lines(text: str) -> str:
    """Each line escaped for the terminal (the messages quote a solution's errors)."""
    return "\n".join(_shown(line) for line in text.split("\n"))
