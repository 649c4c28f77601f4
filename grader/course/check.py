"""``check()``: grading from inside a Jupyter notebook.

:func:`check` grades the code that a student has *run* in the notebook (IPython's history of
executed cells, ``In``, read by :mod:`grader.submissions.notebook` with the same filter as a
notebook file; later definitions win, as in the kernel), with the same sandboxed engine and the
same stored answers as ``grade check``, and shows the result as an HTML table.
``from grader import check`` loads this module on the first call.
"""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

from ..grading import answer_cache
from ..grading.engine import grade
from ..model.results import Result
from ..model.spec import Spec, load_spec
from ..render.reports import render_html, render_text
from ..submissions.intake import read_submission
from ..submissions.notebook import _DEFINITIONS, cells_to_module, split_by_file
from ..submissions.submission import Submission


class CheckReport:
    """What :func:`check` returns: a table in a notebook (``_repr_html_``), text elsewhere."""

    def __init__(self, result: Result):
        self.result = result

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def max_score(self) -> float:
        return self.result.max_score

    @property
    def passed(self) -> bool:
        return self.result.all_passed

    def _repr_html_(self) -> str:
        return render_html(self.result, student_view=True)

    def __repr__(self) -> str:
        return render_text(self.result, color=False)


def _ipython():
    """The running IPython shell, or None outside IPython."""
    shell = getattr(builtins, "get_ipython", None)
    if shell is None:
        try:
            from IPython import get_ipython as shell  # optional, and heavy: only outside a kernel
        except ImportError:
            return None
    return shell()


def find_assignment(assignment: str | Path | None = None) -> Path:
    """The assignment folder: ``assignment`` if given, else the nearest folder at or above the
    current one (a kernel starts in its notebook's folder) that holds an ``assignment.yaml``."""
    if assignment is not None:
        return Path(assignment)
    here = Path.cwd()
    for folder in [here, *list(here.parents)[:2]]:
        if (folder / "assignment.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no assignment.yaml in {here} or above it: open the notebook from its "
                            "assignment's folder, or call check(assignment='path/to/assignment')")


def _history_submission(spec: Spec, history: list[str]) -> Submission:
    """The student's modules from the cells run so far; a module that they define nothing of in
    the notebook comes from its file in the assignment folder instead."""
    files = read_submission(spec)
    sub = Submission(origin="this notebook (the cells run so far)")
    cells = [source if isinstance(source, str) else "" for source in history[1:]]   # In[n] is cell n
    for module, numbered in split_by_file(cells, spec.modules).items():
        text = cells_to_module(numbered, spec.notebook_execute, skip_bad_cells=True)
        if any(isinstance(s, _DEFINITIONS) for s in ast.parse(text).body):
            sub.sources[module] = text
        elif module in files.sources:
            sub.sources[module] = files.sources[module]
        else:
            sub.problems[module] = files.problems.get(module, f"{module}.py is not in the notebook")
    return sub


def check(name: str | None = None, assignment: str | Path | None = None) -> CheckReport:
    """Grade the public tests of ``name`` (a function, ``module.function`` or a test name; None:
    all of them) on the code run so far in this notebook, or on the assignment's files outside
    IPython. The same sandboxed engine and messages as ``grade check``."""
    spec = load_spec(find_assignment(assignment))
    public = spec.select(None, include_hidden=False)
    tests = [t.name for t in public if name is None or name in (t.name, t.function, f"{t.module}.{t.function}")]
    if not tests:
        known = sorted({t.function for t in public} | {t.name for t in public})
        raise ValueError(f"no public test of {name!r} in {spec.id}; try one of: {', '.join(known)}")
    shell = _ipython()
    history = shell.user_ns.get("In") if shell is not None else None
    submission = _history_submission(spec, history) if history else read_submission(spec)
    return CheckReport(grade(spec, submission, tests=tests,
                             references=answer_cache.answers(spec, spec.select(tests, include_hidden=False))))
