"""Equal code scores equally, whoever hands it in (issue 17, item 10).

A hidden test with an unseeded generator draws its inputs per student (the student's id and the
instructor's secret seed them, :mod:`grader.grading.inputs`). Such a draw is fair only when it
catches the same mistakes for everyone: here every catalogued mistake of the tested function
(``MISTAKES`` in ``reference/``) either fails the test on every one of :data:`DRAWS` students'
inputs, or on none of them (a mistake these inputs cannot show, such as a tie at a score of
exactly 0 in a test of random reals), and then a test with the same inputs for everyone (a public
one) catches it. A mistake caught on some draws only means that two students with the same code
get different grades: the test's input generation must change so that it cannot happen.

Everything runs in this process, as the grader's trusted parent does it: inputs, the Numba
reference (from its cache) and each mutant (plain NumPy); no worker and no student code.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.compare import compare
from grader.grading.engine import Grader
from grader.grading.inputs import InputMaker
from grader.grading.mistakes import like_expected
from grader.model.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
DRAWS = 200
SECRET = "a course's secret"
SPECS = {path.parent.name: load_spec(path) for path in sorted((ROOT / "assignments").glob("*/assignment.yaml"))}
PER_STUDENT = [(folder, t.name) for folder, spec in SPECS.items() for t in spec.tests
               if InputMaker.per_student(t) and t.reference is not None]


@pytest.fixture(scope="module")
def graders() -> dict[str, Grader]:
    return {}


def _caught(grader: Grader, test, fn, args: dict, kwargs: dict, chain, expected) -> bool:
    """Whether a mutant's output fails ``test`` (a mutant that raises fails it too: so would the
    student's code)."""
    if chain is not None:
        fn = grader._chained(fn, chain)
    try:
        with np.errstate(all="ignore"):
            got = fn(*grader.bind(list(args.values())), **grader.bind(kwargs))
    except Exception:
        return True
    return not compare(like_expected(got, expected), expected, rtol=test.rtol, atol=test.atol, check_dtype=False).ok


def caught_per_draw(grader: Grader, test, students: list[str]) -> dict[str, int]:
    """For each single catalogued mistake of ``test``'s function, on how many of ``students``'
    inputs it fails the test."""
    mistakes = [m for m in grader.references.mistakes(*test.reference) if not m.is_pair]
    counts = dict.fromkeys((m.name for m in mistakes), 0)
    reference = grader.references.function(*test.reference)
    for student in students:
        args, kwargs = grader.inputs.for_test(test, student=student)
        chain = grader.inputs.steps_for(test, args, student) if test.steps else None
        expected = grader._trusted_call(reference, args, kwargs, chain)
        for mistake in mistakes:
            counts[mistake.name] += _caught(grader, test, mistake.fn, args, kwargs, chain, expected)
    return counts


def test_the_hidden_tests_drawn_per_student_are_all_checked():
    assert len(PER_STUDENT) > 40 and ("01_perceptron", "update_hidden") in PER_STUDENT


@pytest.mark.slow
@pytest.mark.parametrize("folder, name", PER_STUDENT, ids=[f"{f}:{n}" for f, n in PER_STUDENT])
def test_every_draw_catches_the_same_mistakes(folder, name, graders):
    if folder not in graders:
        graders[folder] = Grader(SPECS[folder], secret=SECRET)
    grader = graders[folder]
    test = next(t for t in grader.spec.tests if t.name == name)
    counts = caught_per_draw(grader, test, [f"student-{i}" for i in range(DRAWS)])
    unfair = {mistake: f"caught on {n} of {DRAWS} draws" for mistake, n in counts.items() if 0 < n < DRAWS}
    assert not unfair, f"{name}: {unfair}"
    unseen = [mistake for mistake, n in counts.items() if n == 0]
    assert not [m for m in unseen if not caught_by_a_shared_test(grader, test, m)], \
        f"{name}: no draw, and no test with the same inputs for everyone, catches these mistakes"


def caught_by_a_shared_test(grader: Grader, test, mistake_name: str) -> bool:
    """Whether a numeric test of the same function whose inputs are the same for every student
    (public, or hidden with seeded inputs) catches the mistake: then every student is charged."""
    mistake = next(m for m in grader.references.mistakes(*test.reference) if m.name == mistake_name)
    reference = grader.references.function(*test.reference)
    for other in grader.spec.tests:
        if other.reference != test.reference or other.kind != "numeric" or InputMaker.per_student(other):
            continue
        args, kwargs = grader.inputs.for_test(other)
        chain = grader.inputs.steps_for(other, args) if other.steps else None
        if _caught(grader, other, mistake.fn, args, kwargs, chain, grader._trusted_call(reference, args, kwargs, chain)):
            return True
    return False


def test_every_draw_of_update_hidden_updates_so_an_in_place_update_always_shows():
    """The bug behind item 10: ``w += ...`` (returning ``w``) is seen through the worker's report
    that an input changed, which needs an update to happen. It happened on one student's draw
    and not on another's, so the same file scored 10/29 and 8/29."""
    grader = Grader(SPECS["01_perceptron"], secret=SECRET)
    test = next(t for t in grader.spec.tests if t.name == "update_hidden")
    reference = grader.references.function(*test.reference)
    for i in range(DRAWS):
        args, kwargs = grader.inputs.for_test(test, student=f"student-{i}")
        w_new, _ = grader._trusted_call(reference, args, kwargs, None)
        assert not np.allclose(w_new, args["w"]), f"student-{i}: no update on this draw"
