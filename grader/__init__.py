"""dlgrade: grade deep-learning exercises written in NumPy against Numba references.

The pipeline, one module per step: :mod:`~grader.model.spec` (assignment.yaml) ->
:mod:`~grader.submissions.intake` (student sources) -> :mod:`~grader.grading.inputs` (seeded inputs) ->
:mod:`~grader.sandbox.client` / :mod:`~grader.sandbox.worker` (untrusted calls) -> :mod:`~grader.grading.compare`,
:mod:`~grader.grading.mistakes`, :mod:`~grader.grading.timing` (verdicts) -> :mod:`~grader.model.results` ->
:mod:`~grader.render.reports` and :mod:`~grader.cli`. :func:`grader.grading.engine.grade` ties them together.
"""
from __future__ import annotations

__version__ = "0.1.0"


def check(name: str | None = None, assignment: str | None = None):
    """In a notebook: grade the public tests of ``name`` (a function; None: all) on the code run so
    far, and show the result as a table. ``from grader import check; check("relu")``.

    Importing :mod:`grader` stays light (no Numba, no Click): the engine loads on the first call.
    See :func:`grader.course.check.check`.
    """
    from .course.check import check as run_check  # here, not above: `import grader` stays light
    return run_check(name, assignment)
