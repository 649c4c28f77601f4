"""Assignment 03 graded end to end: the correct solution, one submission per catalogued mistake, the stub.

Every mistake submission in ``submissions/03_losses/mistakes`` is named ``<function>__<mistake>.py``
and is correct except for that one mistake; the grader must take points off and name the mistake
(with the catalogue's hint) on at least one test of that function. ``input_modified`` is the one
mistake no catalogue can see, since the output is right: the engine itself reports it.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "03_losses"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "03_losses"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "losses"
LOSSES = ["mse", "mae", "msle", "huber", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge",
          "squared_hinge", "categorical_cross_entropy", "sparse_categorical_cross_entropy", "kl_divergence"]
ENGINE_DIAGNOSED = {"input_modified"}       # found by the engine, not by a catalogued mutant


@pytest.fixture(scope="module")
def grade(spec, grader):
    def run(path: Path | None):
        return grader.grade(read_submission(spec, path), spec.select(None, include_hidden=True), reveal_hidden=True)
    return run


def inputs_of(spec, grader, function: str) -> list[dict]:
    """The inputs (positional and keyword, by name) of every test of ``function``."""
    out = []
    for t in spec.tests:
        if t.function == function:
            args, kwargs = grader.inputs.for_test(t)
            out.append({**args, **kwargs})
    return out


# --------------------------------------------------------------------------- the spec itself

def test_every_function_is_graded_by_its_own_reference(spec, graded_functions):
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert graded_functions(spec) == sorted(LOSSES + [f + "_grad" for f in LOSSES] + ["one_hot"])
    assert all(t.reference[1] == t.function for t in spec.tests if t.reference)


def test_points_and_visibility(spec, graded_functions):
    """35-60 tests (with the hidden twins that catch every catalogued mistake, grade validate); public
    ones are worth 2-3 points, hidden ones 1-3; every function has a public test."""
    assert 35 <= len(spec.tests) <= 60
    for t in spec.tests:
        if t.visibility == "public":
            assert 2 <= t.points <= 3, t.name
        else:
            assert 1 <= t.points <= 3, t.name
    public = {t.function for t in spec.tests if t.visibility == "public"}
    assert public == set(graded_functions(spec))


def test_hidden_tests_draw_their_inputs_per_student(spec):
    """Hidden tests generate their inputs without a fixed seed, so each student gets other numbers."""
    hidden = [t for t in spec.tests if t.visibility == "hidden"]
    assert hidden
    for t in hidden:
        values = list(t.inputs.values()) + list(t.kwargs.values())
        generated = [v for v in values if isinstance(v, dict) and "generate" in v]
        assert generated, f"{t.name}: a hidden test should draw its inputs"
        assert not any("seed" in v for v in generated), t.name


def test_gradients_are_checked_by_finite_differences(spec):
    """Several gradients also meet centred differences of the reference loss, some in public tests."""
    checked = [t for t in spec.tests if t.kind == "property"]
    assert all(t.property == ("properties", "grad_matches_finite_differences") for t in checked)
    assert all(t.prepare == (REFERENCE_MODULE, "finite_differences") for t in checked)
    assert all(t.function == t.params["loss"] + "_grad" for t in checked)
    assert len({t.function for t in checked}) >= 6
    assert any(t.visibility == "public" for t in checked)


def test_inputs_cover_the_edge_cases_of_the_brief(spec, grader):
    """Probabilities of exactly 0 and 1, logits of ±1000, a batch of one, hinge margins, δ ≠ 1."""
    for fn in ["binary_cross_entropy", "binary_cross_entropy_grad",
               "categorical_cross_entropy", "categorical_cross_entropy_grad"]:
        assert any((a["pred"] == 0).any() and (a["pred"] == 1).any() for a in inputs_of(spec, grader, fn)), fn
    for fn in ["binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
               "sparse_categorical_cross_entropy", "sparse_categorical_cross_entropy_grad"]:
        assert any(a["logits"].max() >= 1000 and a["logits"].min() <= -1000 for a in inputs_of(spec, grader, fn)), fn
    assert any(a["pred"].shape[0] == 1 for a in inputs_of(spec, grader, "mse"))
    assert any(a["logits"].shape[0] == 1 for a in inputs_of(spec, grader, "sparse_categorical_cross_entropy"))
    for fn in ["hinge", "hinge_grad"]:
        assert any((a["pred"] * a["target"] == 1).any() for a in inputs_of(spec, grader, fn)), fn
    assert any((a["pred"] == a["target"]).any() for a in inputs_of(spec, grader, "mae_grad"))
    for fn in ["huber", "huber_grad"]:
        assert all(a.get("delta", 1.0) != 1.0 for a in inputs_of(spec, grader, fn)), fn
    assert any(a["pred"].dtype == np.float32 for a in inputs_of(spec, grader, "mse_grad"))


def test_the_brief_s_hints_are_catalogued(references):
    """Sum vs mean, per-sample vs all elements, 1/N in gradients, log(0), {0,1} hinge labels,
    swapped KL, log base 2/10, Huber vs SmoothL1."""
    def names(fn):
        return {m.name for m in references.mistakes(REFERENCE_MODULE, fn)}
    assert "sum_not_mean" in names("mse") and "mean_over_rows_only" in names("mse")
    cce = names("categorical_cross_entropy")
    assert {"mean_over_all_elements", "sum_not_mean", "log_base_10", "log_unguarded"} <= cce
    assert all("not_divided_by_n" in names(fn) for fn in ["mse_grad", "mae_grad", "binary_cross_entropy_grad",
                                                           "hinge_grad", "sparse_categorical_cross_entropy_grad"])
    assert "log_unguarded" in names("binary_cross_entropy")
    assert "labels_converted_from_01" in names("hinge")
    assert {"arguments_swapped", "log_base_2", "mean_over_all_elements"} <= names("kl_divergence")
    assert "smooth_l1" in names("huber") and "smooth_l1" in names("huber_grad")


# --------------------------------------------------------------------------- submissions

def test_correct_solution_scores_full_marks_with_hidden_tests(spec, grade):
    start = time.perf_counter()
    result = grade(SUBMISSIONS / "correct.py")
    elapsed = time.perf_counter() - start
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == spec.max_score
    assert all(t.mistake is None and t.hint is None for t in result.tests)
    assert elapsed < 10, f"grading the correct solution took {elapsed:.1f} s"


def test_every_catalogued_mistake_has_a_submission(spec, references, graded_functions, mistake_of):
    catalogued = {(fn, m.name) for fn in graded_functions(spec) for m in references.mistakes(REFERENCE_MODULE, fn)}
    files = {mistake_of(p) for p in MISTAKE_FILES}
    assert catalogued, "the losses reference has no MISTAKES catalogue"
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    extra = {(fn, name) for fn, name in files - catalogued if name not in ENGINE_DIAGNOSED}
    assert sorted(extra) == [], "submission files for mistakes that are not catalogued"


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grade, references, assert_mistake_diagnosed, mistake_of):
    function, name = mistake_of(path)
    hints = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    assert_mistake_diagnosed(grade(path), function, name, hints, ENGINE_DIAGNOSED)


def test_stub_scores_zero_and_says_not_implemented(spec, grade, assert_stub_not_implemented):
    assert_stub_not_implemented(spec, grade(None), ASSIGNMENT)   # None: the stub in the assignment folder


def test_cli_check_of_the_stub_exits_1(assert_cli_stub_exits_1):
    assert_cli_stub_exits_1(ASSIGNMENT)


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2, reason="the error is NumPy 2's (NumPy 1 converts)")
def test_numpy2s_array_to_scalar_error_gets_its_hint(spec, grader, tmp_path):
    """Code written for NumPy 1: float() of a (1, 1) array raises TypeError under NumPy 2. The
    error is reported as it is, with the hint that says what changed and what to write."""
    source = (SUBMISSIONS / "correct.py").read_text()
    old = "def mse(pred, target):\n    return np.mean((pred - target) ** 2)"
    assert old in source
    path = tmp_path / "losses.py"
    path.write_text(source.replace(old, "def mse(pred, target):\n"
                                   "    return float(np.mean((pred - target) ** 2, keepdims=True))"))
    result = grader.grade(read_submission(spec, path), [t for t in spec.tests if t.function == "mse"], reveal_hidden=True)
    assert result.tests and all(t.status == "error" for t in result.tests)
    for t in result.tests:
        assert "TypeError: only 0-dimensional arrays can be converted to Python scalars" in t.message
        assert t.mistake == "array_to_scalar_numpy2"
        assert t.hint.startswith("NumPy 2 converts only a 0-d array to a number") and "a.item()" in t.hint
