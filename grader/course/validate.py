"""``grade validate``: the author's CI for one assignment. Everything that can go wrong between an
``assignment.yaml``, its references, its mistake catalogue, its stub and its solution, each found
problem one line naming the file, the test and what to do.

* static (:mod:`.validate_static`): the spec loads, references exist and run, inputs draw, points
  and visibility make sense, data files exist, no hidden test is a renamed public one;
* the solution gets full marks (public and hidden) and the stub scores 0, every test "Not
  implemented yet", both graded by the engine as a student's work is;
* mutation coverage and tolerances (:mod:`.validate_mutation`), in-process;
* every performance test's margins: the solution's ratio, and a loop version's (the author's, see
  :mod:`.solutions`, graded by the engine; else the reference's own Python body, ``py_func`` of
  its Numba functions, timed in-process) against ``max_ratio``. A limit a loop passes, or a
  reference slower than the solution (nothing to time against), is a problem.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..grading.engine import Grader
from ..grading.inputs import copy_value
from ..grading.timing import time_reference
from ..model.results import Result
from ..model.spec import Spec, SpecError, Test, load_spec
from ..submissions.intake import read_submission
from ..submissions.submission import IntakeError, Submission
from . import validate_static as static
from .solutions import course_root, default_solution, loop_versions, read_solution
from .validate_mutation import Coverage, coverage
from .validate_static import Problem

#: The secret of validate's per-student draws: fixed, so that a report is the same on every machine
#: (the draws sample the identities; which secret salts them does not change how often a test misses).
DRAWS_SECRET = "grade-validate"
#: A solution faster than this fraction of the reference's time: the reference is too slow to time against
#: (noise alone moves a ratio near 1 by 2x on a busy machine; 02's softmax measured 0.48 to 1.6). The
#: solution's time counted is its whole window, the no-op's included: less the no-op, a solution as fast
#: as 01's predict measures 0.0 to 4x its reference by noise alone (bench/speed_margins.py).
SLOW_REFERENCE = 0.2


@dataclass
class Margin:
    """A performance test's figures: ratios to the reference's time, and the limit."""

    test: str
    max_ratio: float
    solution: float | None
    loop: float | None = None
    loop_source: str = ""


@dataclass
class Report:
    """What ``grade validate`` found for one assignment."""

    assignment: str
    solution: str | None
    problems: list[Problem] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    indistinct: list[list[str]] = field(default_factory=list)
    margins: list[Margin] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [p.line() for p in self.problems]
        out["ok"] = self.ok
        return out


def find_assignment(name: str | Path) -> Path:
    """An assignment folder, or an id looked up in ``./assignments/`` then this checkout's."""
    path = Path(name)
    if path.exists():
        return path
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "assignments" / str(name) / "assignment.yaml").is_file():
            return root / "assignments" / str(name)
    return path          # load_spec says it is not an assignment folder


def validate(assignment: str | Path, solution: Path | None = None, seeds: int = 100) -> Report:
    """Every check on ``assignment`` (a folder or an id), grading ``solution`` (default: see
    :func:`grader.course.solutions.default_solution`), with ``seeds`` per-student draws."""
    start = time.perf_counter()
    path = find_assignment(assignment)
    try:
        spec = load_spec(path)
    except SpecError as exc:
        return Report(str(path), None, [Problem(exc.path, "", f"the spec does not load: {exc.reason}")])
    solution = solution or default_solution(spec)
    report = Report(spec.id, str(solution) if solution else None)
    grader = Grader(spec, secret=DRAWS_SECRET)
    report.problems += static.structure(spec) + static.data_files(spec)
    problems, cases = static.references_and_inputs(spec, grader)
    report.problems += problems + static.renamed_public(spec, cases)
    report.seconds["static"] = time.perf_counter() - start
    mark = time.perf_counter()
    problems, report.coverage, report.indistinct = coverage(spec, grader, cases, seeds)
    report.problems += problems
    report.seconds["mutation"] = time.perf_counter() - mark
    mark = time.perf_counter()
    report.problems += _stub(spec, grader)
    result = _solution(spec, grader, solution, report.problems)
    report.seconds["grading"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if result is not None:
        report.margins, problems = _margins(spec, grader, result)
        report.problems += problems
    report.seconds["performance"] = time.perf_counter() - mark
    report.seconds["total"] = time.perf_counter() - start
    return report


def _stub(spec: Spec, grader: Grader) -> list[Problem]:
    """The stub, graded on every test: 0 points, each test saying "Not implemented yet"."""
    result = grader.grade(read_submission(spec), list(spec.tests), reveal_hidden=True)
    modules = {t.name: t.module for t in spec.tests}
    return [Problem(str(spec.dir / f"{modules[t.name]}.py"), t.name,
                    f"the stub {'scores ' + str(t.score) + ' points' if t.score else 'does not say Not implemented yet'}"
                    f" ({t.message.splitlines()[0][:120] if t.message else t.status}); make the stub's "
                    f"{t.function} raise NotImplementedError")
            for t in result.tests if t.score or "Not implemented yet" not in t.message]


def _solution(spec: Spec, grader: Grader, solution: Path | None, problems: list[Problem]) -> Result | None:
    """The solution graded on every test; a problem per test it does not pass."""
    if solution is None:
        problems.append(Problem(str(spec.dir), "", f"no solution: write solutions/{spec.id}/ or pass --solution"))
        return None
    try:
        submission = read_solution(spec, solution)
    except IntakeError as exc:
        problems.append(Problem(str(solution), "", f"the solution cannot be read: {exc}"))
        return None
    result = grader.grade(submission, list(spec.tests), reveal_hidden=True)
    problems += [Problem(str(solution), t.name, f"the solution does not pass ({t.status}: "
                         f"{t.message.splitlines()[0][:160] if t.message else ''}); fix the solution, the reference "
                         "or the test") for t in result.tests if t.status != "passed"]
    return result


def _margins(spec: Spec, grader: Grader, result: Result) -> tuple[list[Margin], list[Problem]]:
    margins, problems = [], []
    details = {t.name: t.details for t in result.tests}
    for test in (t for t in spec.tests if t.kind == "performance"):
        limit = float(test.timing["max_ratio"])
        figures = details.get(test.name) or {}
        margin = Margin(test.name, limit, figures.get("ratio"))
        where = f"{spec.path}:{test.line}"
        if margin.solution is not None and _whole_window_ratio(figures) < SLOW_REFERENCE:
            problems.append(Problem(where, test.name, f"the reference {'.'.join(test.reference)} is slower than the "
                                    f"solution (ratio {margin.solution:.2f}): too slow to time against; use a Numba "
                                    "reference (@njit) for the timed test"))
        margin.loop, margin.loop_source = _loop_ratio(spec, grader, test)
        if margin.loop is None:
            problems.append(Problem(where, test.name, f"no loop version of {test.function} to show that the limit "
                                    f"separates one: write solutions/{spec.id}/loops.py"))
        elif margin.loop <= limit:
            problems.append(Problem(where, test.name, f"a loop version ({margin.loop_source}) passes: {margin.loop:.1f}x "
                                    f"the reference's time, limit {limit:g}x; lower max_ratio or time larger inputs"))
        margins.append(margin)
    return margins, problems


def _whole_window_ratio(figures: dict) -> float:
    """The solution's time per call with the no-op's included, over the reference's: an upper
    bound that noise cannot push towards 0, as it can the ratio less the no-op."""
    return (figures["student_s_per_call"] + figures["noop_s_per_call"]) / figures["reference_s_per_call"]


def _loop_ratio(spec: Spec, grader: Grader, test: Test) -> tuple[float | None, str]:
    """The slowest author's loop version's ratio, graded by the engine on this test; else the
    reference's Python body timed in-process; (None, "") when there is neither."""
    worst: tuple[float | None, str] = (None, "")
    for path in loop_versions(spec, test.function):
        loop = Submission(origin=str(path), sources={test.module: path.read_text(encoding="utf-8")})
        timed = grader.grade(loop, [test], reveal_hidden=True).tests[0]
        ratio = timed.details.get("ratio")
        if ratio is not None and (worst[0] is None or ratio < worst[0]):
            worst = (ratio, str(path.relative_to(course_root(spec))) if path.is_relative_to(course_root(spec)) else str(path))
    return worst if worst[0] is not None else _generated_ratio(grader, test)


def _generated_ratio(grader: Grader, test: Test) -> tuple[float | None, str]:
    """The reference with each of its module's Numba functions replaced by its Python body
    (``py_func``): a loop version, timed against the reference in this process (one call each)."""
    module = grader.references.module(test.reference[0])
    compiled = {name: fn for name, fn in vars(module).items() if callable(getattr(fn, "py_func", None))}
    if not compiled:
        return None, ""
    args, kwargs = grader.inputs.for_test(test)
    batch = [(list(copy_value(args).values()), copy_value(kwargs))]
    fn = getattr(module, test.reference[1])
    fn(*copy_value(batch[0][0]), **copy_value(batch[0][1]))          # compiled before it is timed
    reference = max(time_reference(fn, [copy_value(b) for b in batch]), 1e-9)
    try:
        for name, dispatcher in compiled.items():
            setattr(module, name, dispatcher.py_func)
        loop = time_reference(getattr(module, test.reference[1]), batch)
    finally:
        for name, dispatcher in compiled.items():
            setattr(module, name, dispatcher)
    return loop / reference, f"generated: {test.reference[0]}.{test.reference[1]} with py_func"


# --------------------------------------------------------------------------- text report

def render_text(report: Report) -> str:
    """The report for a terminal: the mistakes-by-test table, the margins, then the problems."""
    lines = [f"grade validate {report.assignment}: solution {report.solution or '(none)'}"]
    if report.coverage:
        lines.append("\nMistakes caught (public tests | hidden tests | per-student draws caught | named by):")
        for row in report.coverage:
            lines.append(f"  {row.function}.{row.mistake}: {', '.join(row.public) or '-'} | "
                         f"{', '.join(row.hidden) or '-'} | {row.draws - row.draws_missed}/{row.draws} | "
                         f"{', '.join(row.named_by) or '-'}")
    if report.indistinct:
        lines.append("\nMistakes no test tells apart:")
        lines += [f"  {' = '.join(group)}" for group in report.indistinct]
    if report.margins:
        lines.append("\nPerformance margins (ratio to the reference's time; limit):")
        for m in report.margins:
            sol = f"{m.solution:.2f}x" if m.solution is not None else "-"
            loop = f"{m.loop:.1f}x ({m.loop_source})" if m.loop is not None else "-"
            lines.append(f"  {m.test}: solution {sol}, loop {loop}, limit {m.max_ratio:g}x")
    if report.seconds:
        lines.append("\nTime: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()))
    lines.append(f"\n{len(report.problems)} problem(s)" + (":" if report.problems else ""))
    lines += [p.line() for p in report.problems]
    return "\n".join(lines)
