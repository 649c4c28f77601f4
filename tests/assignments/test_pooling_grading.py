"""Assignment 06 graded end to end: the correct solution, one submission per catalogued mistake,
the too-slow loop and the stub.

Every mistake submission in ``submissions/06_pooling/mistakes`` is named ``<function>__<mistake>.py``
and is the correct solution with that one mistake; the grader must take points off and name the
mistake (with the catalogue's hint) on at least one test of that function, and pass every test of
the other functions.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "06_pooling"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "06_pooling"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "pooling"
GRADED = ["avg_pool_backward", "avg_pool_forward", "flatten_backward", "flatten_forward", "global_avg_pool",
          "global_avg_pool_backward", "max_pool_backward", "max_pool_forward"]


@pytest.fixture(scope="module")
def grade(spec, grader):
    def run(path: Path | None, names: list[str] | None = None):
        return grader.grade(read_submission(spec, path), spec.select(names, include_hidden=True),
                            reveal_hidden=True)     # the instructor view: hidden diagnostics too
    return run


@pytest.fixture(scope="module")
def correct_result(grade):
    return grade(SUBMISSIONS / "correct.py")


def untimed_tests(spec) -> list[str]:
    """Every test but the timed one: it costs a second and says nothing about a mistake."""
    return [t.name for t in spec.tests if t.kind != "performance"]


def test_the_graded_functions_are_the_reference_module(spec):
    """The catalogue lookups below assume every reference is pooling.<function> (or its _cpu twin)."""
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert sorted({t.function for t in spec.tests}) == GRADED
    for t in spec.tests:
        expected = f"{t.function}_cpu" if t.kind == "performance" else t.function
        assert t.reference[1] == expected, t.name
    assert {t.function for t in spec.tests if t.visibility == "hidden"} >= {
        "max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward"}


def test_correct_solution_scores_full_marks_with_hidden_tests(spec, correct_result):
    result = correct_result
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    assert any(t.visibility == "hidden" for t in result.tests)
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == sum(t.points for t in spec.tests)
    assert all(t.mistake is None and t.hint is None for t in result.tests)


# Margins of max_forward_speed (max_ratio 150), CPU ratios measured on 2-core machines:
# - the stride-tricks solution: 11.8 to 17.0 (2026-12-03, shared VM, 5 gradings), so at least
#   8x below the limit; the test asserts half the limit, the margin the limit was chosen for;
# - the per-window loop: 474 to 725 on the same VM, but 257 to 298 on the idle 2-core machine of
#   issue 17 (a faster interpreter: a Python loop's cost against Numba's varies by machine, and
#   larger inputs do not change it, both sides growing with the windows). The verdict, failed,
#   holds with 1.7x to spare there; the test asserted 2x the limit, which is no verdict, and
#   failed 8 runs of 10 on that machine. It now asserts the verdict and 1.5x (225).


def test_vectorised_max_pool_passes_the_speed_test_with_figures(spec, correct_result):
    speed = next(t for t in correct_result.tests if t.kind == "performance")
    limit = next(t for t in spec.tests if t.kind == "performance").timing["max_ratio"]
    assert speed.status == "passed", speed.message
    assert 0 <= speed.details["ratio"] <= limit / 2          # the margin the limit was chosen for
    assert speed.details["reference_s_per_call"] > 0


@pytest.mark.slow
def test_a_python_loop_over_every_window_fails_the_speed_test(spec, grade):
    timed = next(t for t in spec.tests if t.kind == "performance")
    result = grade(SUBMISSIONS / "speed" / "loop_max_pool_forward.py", [timed.name])
    speed = result.tests[0]
    assert speed.status == "failed", speed.message
    assert speed.details["ratio"] > 1.5 * timed.timing["max_ratio"]      # measured: 1.7x to 4.8x
    assert "Python loops" in speed.message


def test_every_catalogued_mistake_has_a_submission(spec, references, mistake_of):
    catalogued = {(fn, m.name) for fn in GRADED for m in references.mistakes(REFERENCE_MODULE, fn)}
    files = {mistake_of(p) for p in MISTAKE_FILES}
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    assert sorted(files - catalogued) == [], "submission files for mistakes that are not catalogued"


def test_the_timed_reference_has_the_same_catalogue(references):
    module = references.module(REFERENCE_MODULE)
    assert module.MISTAKES["max_pool_forward_cpu"] is module.MISTAKES["max_pool_forward"]


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grade, references, assert_mistake_diagnosed, mistake_of):
    function, name = mistake_of(path)
    hints = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    assert name in hints, f"{name!r} is not in MISTAKES[{function!r}]"
    assert_mistake_diagnosed(grade(path, untimed_tests(spec)), function, name, hints)


def test_stub_scores_zero_and_says_not_implemented(spec, grade):
    result = grade(None)                      # None: the stub in the assignment folder
    assert result.submission == str(ASSIGNMENT)
    assert len(result.tests) == len(spec.tests)
    assert result.score == 0 and result.max_score == sum(t.points for t in spec.tests)
    for t in result.tests:
        assert t.status == "failed", t.name
        assert "Not implemented yet" in t.message, t.name


def test_cli_check_of_the_stub_exits_1(assert_cli_stub_exits_1):
    assert_cli_stub_exits_1(ASSIGNMENT)
