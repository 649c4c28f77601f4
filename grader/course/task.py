"""One submission graded as a task: the unit that the local pool (:mod:`grader.course.pool`) and
the Dask cluster (:mod:`grader.course.cluster`) run, in a trusted grading process.
"""
from __future__ import annotations

import contextlib
import json
from typing import Any

from ..grading.engine import Grader
from ..model.results import GRADED, GRADER_ERROR, UNREADABLE
from ..model.spec import Spec, load_spec
from ..render.reports import render_json
from ..submissions.intake import IntakeError, read_submission

_graders: dict[str, Any] = {}     # spec path -> Grader, one per grading process


def _grader(spec_path: str):
    """The grading process's one Grader for this spec: its expected outputs and drawn inputs,
    the same for every student, are computed for the first submission and reused after."""
    if spec_path not in _graders:
        _graders[spec_path] = Grader(load_spec(spec_path))
    return _graders[spec_path]


def grade_one(spec_path: str, submission_path: str, student: str, options: dict) -> dict:
    """Grade one submission in this (trusted) process: the ``grade check --format json`` document
    plus ``status`` (graded, unreadable or grader-error) and ``reason``. Never raises for a bad
    submission; hidden tests are included (instructor mode). ``options``: ``tests`` (names or None).
    """
    grader = _grader(spec_path)
    spec, tests = grader.spec, options.get("tests")
    try:
        submission = read_submission(spec, submission_path)
    except IntakeError as exc:
        return _empty_row(spec, tests, UNREADABLE, str(exc))
    if not submission.sources:               # not one file could be read: nothing to grade
        return _empty_row(spec, tests, UNREADABLE, "; ".join(submission.problems.values()))
    submission.student = student
    try:
        result = grader.grade(submission, spec.select(tests, include_hidden=True))
        row = json.loads(render_json(result, indent=None))
    except Exception as exc:          # a bug in the grader must cost one row, not the batch
        return _empty_row(spec, tests, GRADER_ERROR, f"{type(exc).__name__}: {exc}")
    return {"status": GRADED, "reason": "", **row}


def load_before_fork(spec_path: str) -> None:
    """Load the references and the answers every student shares in this process, which starts no
    worker (no template, no thread): the grading processes forked from it share them."""
    with contextlib.suppress(Exception):         # a bad spec or reference: each row reports it
        if spec_path not in _graders:
            _graders[spec_path] = Grader(load_spec(spec_path), start_workers=False)
        _graders[spec_path].load_references()


def _warm_up(spec_path: str) -> None:
    """Grade the assignment's own stub once, so that loading the references (Numba's cache) is not
    charged to the first real submission, whose timing the report compares with the others."""
    grader = _grader(spec_path)
    with contextlib.suppress(Exception):         # only a head start: real grading reports problems
        grader.grade(read_submission(grader.spec, grader.spec.dir), grader.spec.select(None, include_hidden=True))


def _empty_row(spec: Spec, tests: list[str] | None, status: str, reason: str) -> dict:
    """The row of a submission that has no test results: score 0 of the tests' maximum."""
    selected = spec.select(tests, include_hidden=True)
    return {"status": status, "reason": reason.splitlines()[0] if reason else status,
            "assignment": spec.id, "title": spec.title, "submission": "", "score": 0.0,
            "max_score": sum(t.points for t in selected if not t.bonus), "isolation": "", "duration_seconds": 0.0,
            "tests": [], "output": ""}
