"""dlgrade: grade deep-learning exercises written in NumPy against Numba references.

The pipeline, one module per step: :mod:`~grader.spec` (assignment.yaml) ->
:mod:`~grader.intake` (student sources) -> :mod:`~grader.inputs` (seeded inputs) ->
:mod:`~grader.sandbox` / :mod:`~grader.worker` (untrusted calls) -> :mod:`~grader.compare`,
:mod:`~grader.mistakes`, :mod:`~grader.timing` (verdicts) -> :mod:`~grader.results` ->
:mod:`~grader.reports` and :mod:`~grader.cli`. :func:`grader.engine.grade` ties them together.
"""
__version__ = "0.1.0"
