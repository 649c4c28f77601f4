"""The ``grade`` command line. Each command is a thin front end over :func:`grader.engine.grade`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

# Commands import what they need when they run: `grade check` starts the worker template before
# NumPy and the spec load, and `grade --help` loads nothing.

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
    from .text import escape
    return escape(text, multiline=False)


class _GradeGroup(click.Group):
    """The ``grade`` group: a sandbox that cannot be set up as asked is a one-line error too."""

    def invoke(self, ctx: click.Context):
        from .isolation import IsolationError

        try:
            return super().invoke(ctx)
        except IsolationError as exc:
            raise UsageError(str(exc)) from None


@click.group(cls=_GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlgrade")
def main() -> None:
    """Grade deep-learning exercises against Numba reference implementations."""


@main.command()
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
def check(assignment: Path, submission: Path | None, tests: tuple[str, ...], hidden: bool, fmt: str,
          color: bool | None, device: str) -> None:
    """Grade a submission of ASSIGNMENT (a folder with assignment.yaml; default: here).

    Exit status: 0 when every test passed, 1 when any did not, 2 for a usage or spec error.
    """
    from .template import prepare_in_background

    prepare_in_background()                       # the worker template starts while the spec loads
    from . import answer_cache
    from .engine import grade
    from .intake import IntakeError, read_submission
    from .reports import render_json, render_text
    from .spec import SpecError, load_spec

    os.environ["DLGRADE_DEVICE"] = device         # read by the references when they load
    try:
        spec = load_spec(assignment)
        selected = list(tests) or None
        spec.select(selected, hidden)              # unknown test names fail before any work
        sub = read_submission(spec, submission)
        chosen = spec.select(selected, hidden)
        stored = answer_cache.answers(spec, chosen, before_recording=lambda: _say_if_compiling(spec, chosen))
        if stored is None:                         # the references run (answers from disk compile nothing)
            _say_if_compiling(spec, chosen)
        result = grade(spec, sub, tests=selected, include_hidden=hidden, references=stored,
                       reveal_hidden=hidden)          # the instructor's own check: hidden details shown
    except (SpecError, IntakeError) as exc:
        raise UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "junit":
        from .lms import junit_xml
        click.echo(junit_xml(result), nl=False)
    else:
        click.echo(render_text(result, color=sys.stdout.isatty() if color is None else color))
    sys.exit(EXIT_PASSED if result.all_passed else EXIT_FAILED)


def _say_if_compiling(spec, tests) -> None:
    """A first run compiles the references (seconds): say so, rather than seem to hang."""
    if spec.fixtures is not None:
        return
    from .references import References

    used = {named[0] for t in tests for named in (t.reference, t.property, t.prepare) if named}
    cold = References(spec.references_dir).uncompiled(used)
    if cold:
        click.echo(f"grade: compiling the reference implementations ({', '.join(cold)}); "
                   "only the first run does this...", err=True)


@main.command()
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
    import os

    from .batch import BatchError, run_batch
    from .spec import SpecError

    try:
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


@main.command(name="similarity")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--threshold", type=click.FloatRange(min=0), default=None,
              help="Suspicion from which report.html lists a pair. Default: 0.5.")
def similarity_command(out: Path, threshold: float | None) -> None:
    """Find the submissions of the batch in OUT that share unusually much code.

    Writes OUT/similarity.csv, OUT/similarity/ (a side-by-side page per pair) and the Similarity
    section of OUT/report.html. Evidence for a person to weigh, never a verdict; students never
    see it, and nothing leaves this machine (docs/similarity.md).
    """
    from .batch import BatchError, _locked
    from .similarity import Settings
    from .similarity_report import SimilarityError, load_rows, run_similarity

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


@main.command()
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write, e.g. autograder.zip.")
@click.option("--wheels", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of dependency wheels to ship, for an install that needs no index.")
@click.option("--secret/--no-secret", "include_secret", default=True, show_default=True,
              help="Ship the instructor's secret, so hidden inputs are drawn per student.")
def gradescope(assignment: Path, out: Path, wheels: Path | None, include_secret: bool) -> None:
    """Build a Gradescope autograder zip for ASSIGNMENT (hidden tests and references included).

    Upload the zip as the assignment's autograder; see docs/lms.md.
    """
    from .autograder import build_gradescope
    from .spec import SpecError

    try:
        names = build_gradescope(assignment, out, wheels=wheels, include_secret=include_secret)
    except SpecError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"wrote {out} ({len(names)} files)")


@main.command(name="export")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "lms", required=True, type=click.Choice(["canvas", "moodle"]), help="The gradebook to import into.")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The LMS's own export of the class (Canvas gradebook CSV, Moodle grades/participants CSV).")
@click.option("--column", help="The gradebook column. Default: the assignment's title. Canvas: 'Name (id)' updates that assignment.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True),
              help="Rescale scores to this maximum (e.g. 100). Default: points as graded.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV to write. Default: OUT/<lms>-import.csv.")
def export_grades(out: Path, lms: str, roster: Path, column: str | None, scale: float | None,
                  output: Path | None) -> None:
    """Write a gradebook import CSV for Canvas or Moodle from the batch results in OUT.

    Students are matched to the roster by id, then by name; those who cannot be matched are listed.
    """
    from .batch import atomic_write
    from .export import ExportError, export

    try:
        done = export(out, lms, roster, column=column, scale=scale)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    target = output or out / f"{lms}-import.csv"
    atomic_write(target, done.text)
    click.echo(f"wrote {target}: {done.matched} student(s) with a grade")
    if done.unmatched_results:
        click.echo(f"grade: {len(done.unmatched_results)} result(s) match no one in {roster}: "
                   f"{_shown(', '.join(done.unmatched_results))}", err=True)
    if done.missing:
        click.echo(f"grade: {len(done.missing)} student(s) in the roster have no result: "
                   f"{_shown(', '.join(done.missing[:20]))}{' ...' if len(done.missing) > 20 else ''}", err=True)


@main.command()
@click.argument("platform", type=click.Choice(["gradescope", "prairielearn"]))
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="The container's root. Default: /autograder (Gradescope), /grade (PrairieLearn), "
                   "or DLGRADE_AUTOGRADER_ROOT / DLGRADE_PRAIRIELEARN_ROOT.")
def autograde(platform: str, assignment: Path, root: Path | None) -> None:
    """Grade the submission inside an LMS container and write its results file.

    Always writes a valid results file and exits 0: a submission that cannot be graded gets
    score 0 and the reason.
    """
    from .autograder import run_gradescope, run_prairielearn

    data = (run_gradescope if platform == "gradescope" else run_prairielearn)(assignment, root)
    click.echo(f"score {data['score']:g}" + (f" ({_shown(data['output'])})" if not data.get("tests") else ""))


@main.command()
@click.argument("assignments", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the bundles: one OUT/<id>/ per assignment (an earlier bundle is replaced).")
def release(assignments: tuple[Path, ...], out: Path) -> None:
    """Build the student bundle of each ASSIGNMENT folder in OUT (see docs/release.md).

    A bundle holds the README, the stubs, a notebook, the public tests and their fixtures (inputs
    and expected answers). Never the references, the hidden tests or the instructor's secret.
    """
    from .release import ReleaseError, release_assignment
    from .spec import SpecError

    for folder in assignments:
        try:
            bundle, kept, later = release_assignment(folder, out)
        except (SpecError, ReleaseError) as exc:
            raise UsageError(str(exc)) from None
        left = f"; {len(later)} checked only when graded ({', '.join(t.name for t in later)})" if later else ""
        click.echo(f"{bundle}: {len(kept)} public test(s){left}")


if __name__ == "__main__":
    main()
