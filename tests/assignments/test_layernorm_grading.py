"""Assignment 08 graded end to end: the correct solution (the test copy and the instructor's
private one), one submission per catalogued mistake, the stub, and the speed test's margins.

Every mistake submission in ``submissions/08_layernorm/mistakes`` is named ``<function>__<mistake>.py``
and is correct except for that one mistake; the grader must take points off and name the mistake
(with the catalogue's hint) on at least one test of that function.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.authoring import numerical_gradient, relative_error
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "08_layernorm"
SOLUTION = ROOT / "solutions" / "08_layernorm"
SUBMISSIONS = ROOT / "tests" / "data" / "submissions" / "08_layernorm"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "layernorm"
FUNCTIONS = ["layernorm_backward", "layernorm_forward"]


@pytest.fixture(scope="module")
def grade(spec, grader):
    def run(path: Path | None, *, timed: bool = True):
        tests = [t for t in spec.select(None, include_hidden=True) if timed or t.kind != "performance"]
        return grader.grade(read_submission(spec, path), tests, reveal_hidden=True)
    return run


# --------------------------------------------------------------------------- the spec itself

def test_every_function_is_graded_by_its_own_reference(spec, graded_functions):
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert graded_functions(spec) == FUNCTIONS
    assert all(t.reference[1] == t.function for t in spec.tests if t.reference)


def test_each_function_has_public_and_hidden_tests_and_one_property_and_one_speed_test(spec):
    for function in FUNCTIONS:
        mine = [t for t in spec.tests if t.function == function]
        assert {t.visibility for t in mine} == {"public", "hidden"}, function
    assert [t.name for t in spec.tests if t.kind == "property"] == ["forward_rows_normalised"]
    assert [t.name for t in spec.tests if t.kind == "performance"] == ["forward_speed"]
    assert all(t.points > 0 for t in spec.tests)


def test_hidden_tests_draw_their_inputs_per_student(spec):
    for t in spec.tests:
        if t.visibility == "hidden":
            generated = [v for v in t.inputs.values() if isinstance(v, dict) and "generate" in v]
            assert generated and not any("seed" in v for v in generated), t.name


def test_the_reference_backward_is_the_gradient_of_the_reference_forward(references):
    """dx, dgamma, dbeta of the reference are centred differences of L = Σ dout · forward."""
    forward = references.function(REFERENCE_MODULE, "layernorm_forward")
    backward = references.function(REFERENCE_MODULE, "layernorm_backward")
    rng = np.random.default_rng(8)
    x, dout = rng.normal(2.0, 1.5, (4, 5)), rng.normal(size=(4, 5))
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    dx, dgamma, dbeta = backward(dout, x, gamma, 1e-3)
    numeric = [numerical_gradient(lambda v: float(np.sum(dout * forward(v, gamma, beta, 1e-3))), x.copy()),
               numerical_gradient(lambda v: float(np.sum(dout * forward(x, v, beta, 1e-3))), gamma.copy()),
               numerical_gradient(lambda v: float(np.sum(dout * forward(x, gamma, v, 1e-3))), beta.copy())]
    for exact, approx in zip((dx, dgamma, dbeta), numeric):
        assert relative_error(exact, approx) < 1e-7


# --------------------------------------------------------------------------- submissions

@pytest.mark.parametrize("path", [SUBMISSIONS / "correct.py", SOLUTION], ids=["test_data", "solutions"])
def test_correct_solution_scores_full_marks_with_hidden_tests(path, spec, grade):
    result = grade(path)
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == spec.max_score


def test_every_catalogued_mistake_has_a_submission(spec, references, graded_functions, mistake_of):
    catalogued = {(fn, m.name) for fn in graded_functions(spec) for m in references.mistakes(REFERENCE_MODULE, fn)}
    assert catalogued == {mistake_of(p) for p in MISTAKE_FILES}
    assert {fn for fn, _ in catalogued} == set(FUNCTIONS)


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, grade, references, assert_mistake_diagnosed, mistake_of):
    function, name = mistake_of(path)
    hints = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    assert_mistake_diagnosed(grade(path, timed=False), function, name, hints)


def test_the_batch_axis_mistake_fails_the_property_test(spec, grader):
    [test] = spec.select(["forward_rows_normalised"])
    path = SUBMISSIONS / "mistakes" / "layernorm_forward__batch_axis.py"
    [result] = grader.grade(read_submission(spec, path), [test]).tests
    assert result.status == "failed" and "Normalise each row over its features" in result.message


def test_stub_scores_zero_and_says_not_implemented(spec, grade, assert_stub_not_implemented):
    assert_stub_not_implemented(spec, grade(None), ASSIGNMENT)


def test_cli_check_of_the_stub_exits_1(assert_cli_stub_exits_1):
    assert_cli_stub_exits_1(ASSIGNMENT)


# --------------------------------------------------------------------------- speed

def speed_result(grader, path: Path):
    return grader.grade(read_submission(grader.spec, path), grader.spec.select(["forward_speed"])).tests[0]


def test_vectorised_forward_is_well_within_the_limit(grader):
    limit = grader.spec.select(["forward_speed"])[0].timing["max_ratio"]
    result = speed_result(grader, SUBMISSIONS / "correct.py")
    assert result.status == "passed", result.message
    assert result.details["ratio"] < limit / 2, result.details["ratio"]


@pytest.mark.slow
def test_python_loop_over_the_rows_fails(grader):
    result = speed_result(grader, SUBMISSIONS / "speed" / "rowloop_forward.py")
    assert result.status == "failed", result.message
    assert result.details["ratio"] > grader.spec.select(["forward_speed"])[0].timing["max_ratio"]
