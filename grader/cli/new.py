"""``grade new``: scaffold a new assignment (see :mod:`grader.course.scaffold` and docs/authoring.md)."""
from __future__ import annotations

from pathlib import Path

import click

from ..course.scaffold import ScaffoldError, plan, write
from . import UsageError


@click.command()
@click.argument("assignment_id", metavar="ID")
@click.option("--title", required=True, help="The assignment's title, e.g. 'Layer normalisation'.")
@click.option("--functions", metavar="A,B,C",
              help="The functions students write, comma-separated. Default: one, named after the topic.")
@click.option("--topic", help="The module name of the stub and the references. Default: ID without its number.")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The course folder, which holds assignments/, reference/ and solutions/.")
def new(assignment_id: str, title: str, functions: str | None, topic: str | None, root: Path) -> None:
    """Scaffold assignment ID: spec, stub, README, references, private solution (docs/authoring.md).

    Writes assignments/ID/, reference/<topic>.py, reference/<topic>_properties.py and
    solutions/ID/ (never shipped), and never overwrites a file.
    """
    try:
        written = write(root, plan(assignment_id, title, functions, topic))
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        click.echo(path)
