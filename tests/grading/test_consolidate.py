"""What the grader names for a wrong output. One student, one mistake: when a test's output fits
several catalogued mistakes, the grader names the one that the function's other failed tests point
to as well. Below that, :func:`grader.grading.mistakes.diagnose` itself: an output left all zeros, a failure
of dtype alone, two mistakes at once, one mistake that explains one output of several."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from grader.grading.mistakes import Mistake, consolidate, diagnose, with_pairs
from grader.submissions.intake import read_submission

A, B, C = ("a", "hint a"), ("b", "hint b"), ("c", "hint c")
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "01_perceptron" / "mistakes"
ASSIGNMENT = Path(__file__).resolve().parents[2] / "assignments" / "01_perceptron"


def test_the_mistake_seen_most_often_wins():
    assert consolidate([[A, B], [B], [A, B]]) == [B, B, B]


def test_ties_keep_catalogue_order_and_empty_stays_empty():
    assert consolidate([[A, B], [B, A], []]) == [A, B, None]
    assert consolidate([[C], [A, B]]) == [C, A]


@pytest.mark.parametrize("stem", ["update__always_update", "update__half_step",
                                  "train__update_every_sample", "train__negatives_never_update"])
def test_ambiguous_perceptron_mistakes_get_one_name_across_their_tests(spec, grader, stem):
    function, _, name = stem.partition("__")
    result = grader.grade(read_submission(spec, SUBMISSIONS / f"{stem}.py"), spec.select(None, include_hidden=True), reveal_hidden=True)
    named = {t.name: t.mistake for t in result.tests if t.function == function and t.mistake}
    assert named and set(named.values()) == {name}, named


# --------------------------------------------------------------------------- what diagnose names

DX, DW, DB = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.25, -1.0]]), np.array([1.5, -0.5])


def test_an_all_zero_output_is_never_assigned_not_zero_times_the_expected_one():
    [(name, hint)] = diagnose((DX, DW, np.zeros(2)), (DX, DW, DB), [], {}, [], names=("dx", "dw", "db"))
    assert name == "never_assigned", hint
    assert hint.startswith("db is all zeros") and "never assigned, or never accumulated" in hint
    assert "times the expected" not in hint


def test_a_failure_of_dtype_alone_gets_no_hint():
    """The mutant agrees with the student's float32 values within float32's tolerance, but those
    values are the reference's: the test failed on its dtype, which no mistake explains."""
    expected = np.array([1.0, 2.0, 3.0]) / 3
    got = expected.astype(np.float32)
    near = Mistake("float32_maths", "hint", lambda: (expected * (1 + 3e-6)).astype(np.float32))
    assert diagnose(got, expected, [], {}, [near]) == []
    assert diagnose(expected * (1 + 3e-6), expected, [], {}, [near]) == [("float32_maths", "hint")]


def _step(w, g, state, *, scale=1.0, count=True, sign=1.0):
    """A toy stateful update and the ways to get it wrong (keywords)."""
    t = state["t"] + (1 if count else 0)
    return w - sign * scale * g, {"t": t}


TOY = {"step": [Mistake("double_step", "Twice the step.", functools.partial(_step, scale=2.0)),
                Mistake("count_not_kept", "Count the steps.", functools.partial(_step, count=False)),
                Mistake("uphill", "Go downhill.", functools.partial(_step, sign=-1.0)),
                Mistake("uphill_again", "Same keyword.", functools.partial(_step, sign=-2.0)),
                Mistake("opaque", "Not composable.", lambda w, g, state: (w, state))]}


def test_pairs_compose_variants_of_one_implementation_in_different_keywords():
    catalogue = with_pairs(TOY)["step"]
    assert [m.name for m in catalogue if m.is_pair] == [
        "double_step+count_not_kept", "double_step+uphill", "double_step+uphill_again",
        "count_not_kept+uphill", "count_not_kept+uphill_again"]        # never two values of one keyword
    both = next(m for m in catalogue if m.name == "double_step+count_not_kept")
    assert both.hint == "Two mistakes at once. Twice the step. And: Count the steps."
    assert both.fn(np.ones(2), np.ones(2), {"t": 0})[1] == {"t": 0}
    assert with_pairs(TOY, ["other"])["step"] == TOY["step"]                  # only where asked


def test_two_mistakes_at_once_are_named_when_no_single_one_fits():
    args = [np.array([1.0, 2.0]), np.array([0.5, -1.0]), {"t": 3}]
    expected = _step(*args)
    got = _step(*args, scale=2.0, count=False)
    found = diagnose(got, expected, args, {}, with_pairs(TOY)["step"], names=("w", "state"))
    assert found == [("double_step+count_not_kept", "Two mistakes at once. Twice the step. And: Count the steps.")]
    # one mistake alone: the pairs are not even tried (a pair that fits too is not named)
    assert diagnose(_step(*args, scale=2.0), expected, args, {}, with_pairs(TOY)["step"]) == [
        ("double_step", "Twice the step.")]


def test_a_mistake_that_explains_one_output_of_several_is_named_with_that_caveat():
    """Without pairs, double_step explains w but not the count: named, with the caveat."""
    args = [np.array([1.0, 2.0]), np.array([0.5, -1.0]), {"t": 3}]
    got = _step(*args, scale=2.0, count=False)
    [(name, hint)] = diagnose(got, _step(*args), args, {}, TOY["step"], names=("w", "state"))
    assert name == "double_step"
    assert hint == "Twice the step. (This explains w; state differs too.)"


def test_one_output_of_several_holds_at_every_step_of_a_trajectory():
    def trajectory(**wrong):
        w, state, steps = np.array([1.0, 2.0]), {"t": 0}, []
        for g in (np.array([0.5, -1.0]), np.array([2.0, 0.25])):
            w, state = _step(w, g, state, **wrong)
            steps.append((w, state))
        return tuple(steps)

    catalogue = [Mistake(m.name, m.hint, functools.partial(lambda m: trajectory(**m.fn.keywords), m))
                 for m in TOY["step"][:4]]
    [(name, hint)] = diagnose(trajectory(scale=2.0, count=False), trajectory(), [], {}, catalogue,
                              names=("w", "state"), trajectory=True)
    assert (name, hint) == ("double_step", "Twice the step. (This explains w; state differs too.)")
