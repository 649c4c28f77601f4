"""``grade release``: build the student bundles (see :mod:`grader.course.release`)."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from ..course.release import PrefilledStubs, ReleaseError, release_assignment, stub_functions
from ..course.wheel import grader_wheel
from ..grading.inputs import missing_secret_warning
from ..model.config import instructor_secret
from ..model.spec import SpecError, load_spec
from . import EXIT_FAILED, UsageError
from .progress import Progress


class _Refused(UsageError):
    """A stub holds a solution: the release is refused (exit 1, as a failed check), not misused."""

    exit_code = EXIT_FAILED


def _check_allowed(assignments: tuple[Path, ...], allowed: frozenset[str]) -> None:
    """Every --allow-prefilled name is a stub function of one of the assignments (a typo would
    otherwise allow nothing, silently)."""
    known = set().union(*(stub_functions(load_spec(folder)) for folder in assignments))
    unknown = sorted(allowed - known)
    if unknown:
        plain = sorted(name for name in known if "." not in name)
        raise UsageError(f"--allow-prefilled {', '.join(unknown)}: no such function in the stubs "
                         f"({', '.join(plain)})")


@click.command()
@click.argument("assignments", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the bundles: one OUT/<id>/ per assignment (an earlier bundle is replaced).")
@click.option("--allow-prefilled", "allowed", multiple=True, metavar="FUNCTION",
              help="A stub function pre-filled on purpose (a helper the students are given): ship it "
                   "although it does more than raise NotImplementedError. Repeatable.")
@click.option("--index-url", metavar="URL",
              help="A package index of the course that serves this dlgrade: the bundles' README installs "
                   "the grader from it, and no wheel is built or shipped.")
def release(assignments: tuple[Path, ...], out: Path, allowed: tuple[str, ...], index_url: str | None) -> None:
    """Build the student bundle of each ASSIGNMENT folder in OUT (see docs/release.md).

    A bundle holds the README, the stubs, a notebook, the public tests and their fixtures (inputs
    and expected answers), and a wheel of the grader that the README tells students to install.
    Never the references, the hidden tests or the instructor's secret. A stub that holds more
    than `raise NotImplementedError` stops the release (exit 1).
    """
    try:
        _check_allowed(assignments, frozenset(allowed))
    except SpecError as exc:
        raise UsageError(str(exc)) from None
    # built on first use, after the first assignment's stubs are checked; then the same file
    wheel = None if index_url else functools.cache(lambda: grader_wheel(lambda line: click.echo(line, err=True)))
    for folder in assignments:
        progress = Progress()
        progress.start(f"building the bundle of {folder}")
        try:
            warning = missing_secret_warning(load_spec(folder), instructor_secret(), ", which grading will need")
            if warning:
                click.echo(f"grade: {warning}", err=True)
            bundle, kept, later = release_assignment(folder, out, frozenset(allowed), wheel, index_url)
        except PrefilledStubs as exc:
            raise _Refused(str(exc)) from None
        except (SpecError, ReleaseError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            seconds = progress.finish()
        left = f"; {len(later)} checked only when graded ({', '.join(t.name for t in later)})" if later else ""
        click.echo(f"{bundle}: {len(kept)} public test(s){left} ({seconds:.1f} s)")
