"""The ``grade`` command line. Each verb is a thin front end, one module each in this package,
over the function that does the work (:func:`grader.grading.engine.grade`, :func:`run_batch`...).

The verbs load when used (Click's lazy-group pattern, :class:`_GradeGroup`): ``grade --help``
imports no verb, so no NumPy, no engine; ``grade check`` imports only what a check needs, and
starts the worker template first (see :mod:`grader.cli.check`).
"""
from __future__ import annotations

import importlib
import os

import click

from ..model.errors import IsolationError
from ..model.text import escape

#: verb -> (module in this package, attribute, the first line of its help, which ``grade --help``
#: shortens as Click would; tests/test_architecture.py checks that it matches the verb's docstring)
VERBS = {
    "check": ("check", "check", "Grade a submission of ASSIGNMENT (a folder with assignment.yaml; default: here)."),
    "batch": ("batch", "batch", "Grade every submission in SUBMISSIONS (hidden tests included) into OUT."),
    "release": ("release", "release", "Build the student bundle of each ASSIGNMENT folder in OUT (see docs/release.md)."),
    "gradescope": ("gradescope", "gradescope", "Build a Gradescope autograder zip for ASSIGNMENT (hidden tests and references included)."),
    "autograde": ("autograde", "autograde", "Grade the submission inside an LMS container and write its results file."),
    "similarity": ("similarity", "similarity_command", "Find the submissions of the batch in OUT that share unusually much code."),
    "new": ("new", "new", "Scaffold assignment ID: spec, stub, README, references, private solution (docs/authoring.md)."),
    "validate": ("validate", "validate_command", "Check ASSIGNMENT (a folder or an id) as a whole: spec, references, stub, solution, mistakes, speed."),
    "export": ("export", "export_grades", "Write a gradebook import CSV for Canvas or Moodle from the batch results in OUT."),
}

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    """A one-line error (bad spec, unreadable submission); exit status 2, never a traceback."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        # The message may quote the submission (its file names, a notebook's metadata): one line,
        # escaped, so that it cannot drive the terminal.
        click.echo(f"grade: error: {_shown(self.format_message())}", err=True)


def _shown(text: str) -> str:
    """Text from a submission or a class folder, escaped to one line for the terminal."""
    return escape(text, multiline=False)


def notice(text: str) -> None:
    """One line on stderr about the run itself, such as an option that has no effect here."""
    click.echo(f"grade: {text}", err=True)


def wants_colour(flag: bool | None, stream) -> bool:
    """Whether to colour text for ``stream``: ``--color``/``--no-color`` when given, else only on a
    terminal, and never when ``NO_COLOR`` is set to anything but "" (https://no-color.org)."""
    if flag is not None:
        return flag
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


class _GradeGroup(click.Group):
    """The ``grade`` group: loads a verb's module when the verb is used (Click's documented lazy
    group, with each verb's one-line help kept here so that ``grade --help`` loads none), and turns
    a sandbox that cannot be set up as asked into a one-line error too."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in VERBS:
            return None
        module, attribute, _ = VERBS[name]
        # The one place where the CLI imports late: a verb's module, when that verb runs.
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.utils.make_default_short_help(VERBS[name][2], limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IsolationError as exc:
            raise UsageError(str(exc)) from None


@click.group(cls=_GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlgrade")
def main() -> None:
    """Grade deep-learning exercises against Numba reference implementations."""
