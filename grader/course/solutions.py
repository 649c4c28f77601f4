"""Where an assignment's private solution and its loop versions live (never shipped to students).

An assignment ``assignments/<id>/`` of a course checkout has its solution in ``solutions/<id>/``
(written by ``grade new``), or, for the shipped assignments, in the test data:
``tests/data/submissions/<id>/correct.py`` or ``correct/``. A *loop version* (right answers, Python
loops: what a performance test must fail) is ``solutions/<id>/loops.py``, or a file of
``tests/data/submissions/<id>/speed/`` named ``loop_<function>.py`` or ``<function>__<label>.py``.
Any other file there (e.g. ``rowloop_softmax.py``, a partly vectorised version meant to pass) is
not a loop version.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..model.spec import Spec
from ..submissions.intake import read_submission
from ..submissions.submission import Submission


def course_root(spec: Spec) -> Path:
    """The checkout an assignment folder belongs to: ``<root>/assignments/<id>/``."""
    return spec.dir.resolve().parent.parent


def default_solution(spec: Spec) -> Path | None:
    """The solution ``grade validate`` grades when none is named; None when there is none."""
    root = course_root(spec)
    data = root / "tests" / "data" / "submissions" / spec.id
    for candidate in (root / "solutions" / spec.id, data / "correct.py", data / "correct"):
        if candidate.exists():
            return candidate
    return None


def read_solution(spec: Spec, solution: Path) -> Submission:
    """A solution as a submission. A single file for an assignment of several files stands for the
    first one; the others are its siblings named after it (``correct.py`` for ``conv.py``, then
    ``correct_cuda.py`` for ``conv_cuda.py``), where they exist."""
    if not (solution.is_file() and len(spec.files) > 1 and solution.name not in spec.files):
        return read_submission(spec, solution)
    first = spec.modules[0]
    sources = {first: solution.read_text(encoding="utf-8")}
    for module in spec.modules[1:]:
        sibling = solution.with_name(solution.stem + module.removeprefix(first) + ".py")
        if module.startswith(first) and sibling.is_file():
            sources[module] = sibling.read_text(encoding="utf-8")
    problems = {m: f"{m}.py is not in the solution" for m in spec.modules if m not in sources}
    return Submission(origin=str(solution), sources=sources, problems=problems)


def solution_sources(solution: Path | None) -> list[Path]:
    """The Python files of a solution (a file or a folder of them)."""
    if solution is None or not solution.exists():
        return []
    return [solution] if solution.is_file() else sorted(p for p in solution.rglob("*.py") if p.is_file())


def _defines(path: Path, function: str) -> bool:
    return re.search(rf"^def {re.escape(function)}\(", path.read_text(encoding="utf-8"), re.M) is not None


def loop_versions(spec: Spec, function: str) -> list[Path]:
    """The author's loop versions of ``function`` (see the module's docstring)."""
    root = course_root(spec)
    found = [p for p in [root / "solutions" / spec.id / "loops.py"] if p.is_file() and _defines(p, function)]
    speed = root / "tests" / "data" / "submissions" / spec.id / "speed"
    for path in sorted(speed.glob("*.py")) if speed.is_dir() else []:
        named = path.stem.removeprefix("loop_") if path.stem.startswith("loop_") else path.stem.partition("__")[0]
        if "__" not in path.stem and not path.stem.startswith("loop_"):
            continue
        if named == function and _defines(path, function):
            found.append(path)
    return found
