"""One student, one mistake: when a test's output fits several catalogued mistakes, the grader
names the one that the function's other failed tests point to as well."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.intake import read_submission
from grader.mistakes import consolidate

A, B, C = ("a", "hint a"), ("b", "hint b"), ("c", "hint c")
SUBMISSIONS = Path(__file__).resolve().parent / "submissions" / "01_perceptron" / "mistakes"
ASSIGNMENT = Path(__file__).resolve().parents[1] / "assignments" / "01_perceptron"


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
