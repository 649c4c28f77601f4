"""``grade check``: grade one submission, print the result (text, JSON or JUnit)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..sandbox.template import prepare_in_background

# The worker template starts while the grading modules below load (they take as long): started
# here, when the lazy group loads this verb, not after them.
prepare_in_background()

from ..grading import answer_cache  # noqa: E402
from ..grading.engine import grade  # noqa: E402  (after the template has started, see above)
from ..grading.references import References  # noqa: E402
from ..model.spec import SpecError, load_spec  # noqa: E402
from ..render.lms import junit_xml  # noqa: E402
from ..render.reports import render_json, render_text  # noqa: E402
from ..submissions.intake import IntakeError, read_submission  # noqa: E402
from . import EXIT_FAILED, EXIT_PASSED, UsageError, notice, wants_colour  # noqa: E402
from .progress import Progress  # noqa: E402


@click.command()
@click.argument("assignment", default=".", type=click.Path(path_type=Path))
@click.option("--submission", "-s", type=click.Path(path_type=Path),
              help="A .py file, or a folder with the student's files. Default: the files in ASSIGNMENT.")
@click.option("--test", "-t", "tests", multiple=True, metavar="NAME",
              help="Run only this test (repeat for several).")
@click.option("--hidden", is_flag=True, help="Include hidden tests (instructors: needs the references).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="text for people, json for scripts, junit (XML) for CI runners.")
@click.option("--color/--no-color", default=None, help="Colour the text output. Default: when a terminal.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), envvar="DLGRADE_DEVICE", default="auto",
              show_default=True, help="Where the references run: auto picks CUDA when a GPU is usable.")
@click.option("--verbose", "-v", is_flag=True, help="Also say what the sandbox's tier consists of.")
def check(assignment: Path, submission: Path | None, tests: tuple[str, ...], hidden: bool, fmt: str,
          color: bool | None, device: str, verbose: bool) -> None:
    """Grade a submission of ASSIGNMENT (a folder with assignment.yaml; default: here).

    Exit status: 0 when every test passed, 1 when any did not, 2 for a usage or spec error.
    """
    os.environ["DLGRADE_DEVICE"] = device         # read by the references when they load
    progress = Progress()
    try:
        spec = load_spec(assignment)
        selected = list(tests) or None
        spec.select(selected, hidden)              # unknown test names fail before any work
        sub = read_submission(spec, submission)
        chosen = spec.select(selected, hidden)
        _notices(spec, hidden, fmt, color)
        stored = answer_cache.answers(spec, chosen, before_recording=lambda: _say_if_compiling(spec, chosen, progress))
        if stored is None:                         # the references run (answers from disk compile nothing)
            _say_if_compiling(spec, chosen, progress)
        else:
            _say_ready(progress)
        result = grade(spec, sub, tests=selected, include_hidden=hidden, references=stored,
                       reveal_hidden=hidden)          # the instructor's own check: hidden details shown
        _say_ready(progress)
    except (SpecError, IntakeError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.finish()                          # stops the count, whatever ended the work
    if device == "cuda" and not result.device.startswith("cuda"):
        _cuda_ignored(spec)
    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "junit":
        click.echo(junit_xml(result), nl=False)
    else:
        click.echo(render_text(result, color=wants_colour(color, sys.stdout), verbose=verbose))
    sys.exit(EXIT_PASSED if result.all_passed else EXIT_FAILED)


def _notices(spec, hidden: bool, fmt: str, color: bool | None) -> None:
    """One line for each option given that cannot have an effect here, before any work."""
    if hidden and spec.fixtures is not None:
        notice("--hidden has no effect in a student bundle: it holds no hidden tests (they run when "
               "your work is graded)")
    if color and fmt != "text":                  # --no-color there asks for what happens anyway
        notice(f"--color has no effect with --format {fmt} (only text is coloured)")


def _cuda_ignored(spec) -> None:
    """--device cuda was asked for, and nothing ran on CUDA: say why."""
    if spec.fixtures is not None:
        notice("--device cuda has no effect in a student bundle: it holds the references' answers, not the references")
    else:
        notice("--device cuda has no effect here: no reference that these tests use runs on CUDA, so they ran on the CPU")


def _say_if_compiling(spec, tests, progress: Progress) -> None:
    """A first run compiles the references (seconds): say so, rather than seem to hang."""
    if spec.fixtures is not None or progress.running:
        return
    used = {named[0] for t in tests for named in (t.reference, t.property, t.prepare) if named}
    cold = References(spec.references_dir).uncompiled(used)
    if cold:
        progress.start(f"compiling the reference implementations ({', '.join(cold)}); only the first run does this")


def _say_ready(progress: Progress) -> None:
    """The end of a first run's compiling (and recording of the answers), if it was one."""
    seconds = progress.finish()
    if seconds is not None:
        click.echo(f"grade: ready in {seconds:.1f} s", err=True)
