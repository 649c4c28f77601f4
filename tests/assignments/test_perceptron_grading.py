"""Assignment 01 graded end to end: the correct solution, one submission per catalogued mistake, the stub.

Every mistake submission in ``submissions/01_perceptron/mistakes`` is named ``<function>__<mistake>.py``
and is correct except for that one mistake; the grader must take points off and name the mistake
(with the catalogue's hint) on at least one test of that function.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "01_perceptron"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "perceptron"


@pytest.fixture(scope="module")
def grade(spec, grader):
    def run(path: Path | None):
        return grader.grade(read_submission(spec, path), spec.select(None, include_hidden=True), reveal_hidden=True)
    return run


def test_the_graded_functions_are_the_reference_module(spec, graded_functions):
    """The catalogue lookups below assume every reference is perceptron.<function>."""
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert graded_functions(spec) == ["linear_sgd_epoch", "predict", "train", "update"]
    assert all(t.reference[1] == t.function for t in spec.tests if t.reference)


def test_correct_solution_scores_full_marks_with_hidden_tests(spec, grade):
    result = grade(SUBMISSIONS / "correct.py")
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    assert any(t.visibility == "hidden" for t in result.tests)
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == spec.max_score
    assert all(t.mistake is None and t.hint is None for t in result.tests)


def test_every_catalogued_mistake_has_a_submission(spec, references, graded_functions, mistake_of):
    catalogued = {(fn, m.name) for fn in graded_functions(spec) for m in references.mistakes(REFERENCE_MODULE, fn)}
    files = {mistake_of(p) for p in MISTAKE_FILES}
    assert catalogued, "the perceptron reference has no MISTAKES catalogue"
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    assert sorted(files - catalogued) == [], "submission files for mistakes that are not catalogued"


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grade, references, assert_mistake_diagnosed, mistake_of):
    function, name = mistake_of(path)
    hints = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    assert name in hints, f"{name!r} is not in MISTAKES[{function!r}]"
    assert_mistake_diagnosed(grade(path), function, name, hints)


def test_stub_scores_zero_and_says_not_implemented(spec, grade, assert_stub_not_implemented):
    assert_stub_not_implemented(spec, grade(None), ASSIGNMENT)   # None: the stub in the assignment folder


def test_cli_check_of_the_stub_exits_1(assert_cli_stub_exits_1):
    assert_cli_stub_exits_1(ASSIGNMENT)
