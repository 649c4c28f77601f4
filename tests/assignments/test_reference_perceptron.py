"""The Numba references of assignment 01 against independent plain-NumPy formulations.

The references decide every student's grade, so each is checked here against a second,
differently written implementation, on random inputs and on the edge cases the grading relies on:
scores of exactly 0 (classified +1), a single sample, non-separable data that runs to max_epochs,
learning rates other than 1, and the lecture's worked SGD example.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.inputs import blobs
from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
ref = References((ROOT / "reference").resolve()).module("perceptron")
checks = References((ROOT / "reference").resolve()).module("properties")

SEEDS = [0, 1, 2, 3, 4]
SHAPES = [(1, 1), (1, 4), (7, 2), (30, 5), (200, 16)]


# --------------------------------------------------------------------------- independent formulations

def np_label(score: float) -> float:
    return 1.0 if score >= 0 else -1.0


def np_predict(X, w, b):
    """Labels from the sign of the scores, a tie (score exactly 0) going to +1."""
    scores = np.einsum("nd,d->n", X, w) + b
    labels = -np.ones(len(X))
    labels[scores >= 0] = 1.0
    return labels


def np_update(w, b, x, y, lr):
    """The rule written by cases: unchanged when right, a step of 2·lr·y towards y when wrong."""
    if np_label(float(np.sum(x * w)) + b) == y:
        return w.copy(), b
    return w + 2.0 * lr * y * x, b + 2.0 * lr * y


def np_train(X, y, lr, max_epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        clean = True
        for xi, yi in zip(X, y):
            new_w, new_b = np_update(w, b, xi, yi, lr)
            if np_label(float(np.sum(xi * w)) + b) != yi:
                clean = False
            w, b = new_w, new_b
        if clean:
            return w, b, epoch
    return w, b, max_epochs


def np_linear_sgd_epoch(w, x, y, lr):
    """Each SGD step is affine in w: w ← w·(1 − 2·lr·x²) + 2·lr·x·y."""
    for xi, yi in zip(x, y):
        w = w * (1.0 - 2.0 * lr * xi * xi) + 2.0 * lr * xi * yi
    return w


def assert_train_equal(got, expected):
    (w, b, epochs), (ew, eb, ee) = got, expected
    assert isinstance(w, np.ndarray) and w.dtype == np.float64 and w.shape == ew.shape
    np.testing.assert_allclose(w, ew, rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(eb, rel=1e-12, abs=1e-12)
    assert isinstance(epochs, (int, np.integer)) and epochs == ee


# --------------------------------------------------------------------------- predict

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_predict_random(seed, shape):
    rng = np.random.default_rng(seed)
    X, w, b = rng.normal(size=shape), rng.normal(size=shape[1]), float(rng.normal())
    X0, w0 = X.copy(), w.copy()
    got = ref.predict(X, w, b)
    assert got.shape == (shape[0],) and got.dtype == np.float64
    np.testing.assert_array_equal(got, np_predict(X, w, b))
    assert set(np.unique(got)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(w, w0)


def test_predict_both_labels_occur_on_random_data():
    rng = np.random.default_rng(11)
    got = ref.predict(rng.normal(size=(200, 3)), rng.normal(size=3), 0.0)
    assert {-1.0, 1.0} == set(np.unique(got))


def test_predict_score_exactly_zero_is_positive():
    # w·x per row: 0, 0.25, -0.5, 0.5, 0. With b = 0 rows 0 and 4 tie; with b = -0.25 row 1 does.
    X = np.array([[1.0, 1.0], [0.5, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    w = np.array([0.5, -0.5])
    np.testing.assert_array_equal(ref.predict(X, w, 0.0), [1.0, 1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ref.predict(X, w, -0.25), [-1.0, 1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(ref.predict(X, w, 0.0), np_predict(X, w, 0.0))
    np.testing.assert_array_equal(ref.predict(X, w, -0.25), np_predict(X, w, -0.25))
    np.testing.assert_array_equal(ref.predict(X, np.zeros(2), 0.0), np.ones(5))


def test_predict_integer_grid_with_many_ties():
    """The hidden test's kind of input: small integers, so many scores are exactly 0."""
    X = np.array([[i, j] for i in range(-2, 3) for j in range(-2, 3)], dtype=np.float64)
    for w, b in [(np.array([1.0, -1.0]), 0.0), (np.array([2.0, 1.0]), -1.0), (np.array([0.0, 1.0]), 2.0)]:
        expected = np_predict(X, w, b)
        assert np.any(X @ w + b == 0)
        np.testing.assert_array_equal(ref.predict(X, w, b), expected)


def test_predict_single_sample():
    x, w = np.array([[3.0, -1.0]]), np.array([1.0, 2.0])         # w·x = 1
    np.testing.assert_array_equal(ref.predict(x, w, -1.0), [1.0])           # score exactly 0
    np.testing.assert_array_equal(ref.predict(x, w, -1.0 - 1e-9), [-1.0])
    np.testing.assert_array_equal(ref.predict(x, w, -0.5), [1.0])
    for b in (-1.0, -1.0 - 1e-9, -0.5):
        np.testing.assert_array_equal(ref.predict(x, w, b), np_predict(x, w, b))


def test_predict_assignment_small_case():
    """predict_small of the spec: scores -1.75, -1.25, 0, 2 (the third is a tie)."""
    X = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 2.0], [0.0, 0.0, 1.0], [2.0, -1.0, -1.0]])
    w = np.array([0.5, -1.0, 0.25])
    np.testing.assert_array_equal(ref.predict(X, w, -0.25), [-1.0, -1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- update

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("d", [1, 3, 10])
@pytest.mark.parametrize("y", [-1.0, 1.0])
@pytest.mark.parametrize("lr", [1.0, 0.1, 0.37])
def test_update_random(seed, d, y, lr):
    """Both labels on the same (w, b, x): one of them is always a mistake, the other not."""
    rng = np.random.default_rng(seed)
    w, b, x = rng.normal(size=d), float(rng.normal()), rng.normal(size=d)
    w0, x0 = w.copy(), x.copy()
    got_w, got_b = ref.update(w, b, x, y, lr)
    exp_w, exp_b = np_update(w, b, x, y, lr)
    assert got_w.shape == (d,) and got_w.dtype == np.float64
    np.testing.assert_allclose(got_w, exp_w, rtol=1e-13, atol=1e-15)
    assert got_b == pytest.approx(exp_b, rel=1e-13, abs=1e-15)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(x, x0)


def test_update_on_mistake_by_hand():
    # score 0.5 - 2 - 1 = -2.5 -> ŷ = -1, y = +1: step 2·0.1 towards x
    w, b = ref.update(np.array([0.5, -1.0, 0.0]), -1.0, np.array([1.0, 2.0, -1.0]), 1.0, 0.1)
    np.testing.assert_allclose(w, [0.7, -0.6, -0.2])
    assert b == pytest.approx(-0.8)


def test_update_when_correct_is_unchanged():
    w0 = np.array([0.5, -1.0, 0.0])
    w, b = ref.update(w0, 0.5, np.array([2.0, 0.5, 3.0]), 1.0, 0.1)
    np.testing.assert_array_equal(w, w0)
    assert b == 0.5


def test_update_tie():
    """Score exactly 0 predicts +1: a -1 sample there is a mistake, a +1 sample is not."""
    w0, x = np.array([1.0, -1.0]), np.array([2.0, 2.0])
    w, b = ref.update(w0, 0.0, x, -1.0, 0.5)
    np.testing.assert_array_equal(w, [-1.0, -3.0])
    assert b == -1.0
    w, b = ref.update(w0, 0.0, x, 1.0, 0.5)
    np.testing.assert_array_equal(w, w0)
    assert b == 0.0
    for y in (-1.0, 1.0):
        got, exp = ref.update(w0, 0.0, x, y, 0.5), np_update(w0, 0.0, x, y, 0.5)
        np.testing.assert_array_equal(got[0], exp[0])
        assert got[1] == exp[1]


# --------------------------------------------------------------------------- train

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n, d", [(1, 2), (6, 1), (12, 2), (40, 3), (80, 5)])
@pytest.mark.parametrize("lr", [1.0, 0.1, 0.37])
def test_train_separable_random(seed, n, d, lr):
    rng = np.random.default_rng(seed)
    data = blobs(rng, n=n, d=d, margin=0.3)
    X, y = data["X"], data["y"]
    X0, y0 = X.copy(), y.copy()
    got = ref.train(X, y, lr, 1000)
    expected = np_train(X, y, lr, 1000)
    assert_train_equal(got, expected)
    w, b, epochs = got
    assert epochs < 1000                                           # separable: it converged
    np.testing.assert_array_equal(np_predict(X, w, b), y)         # ... and classifies all
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lr", [1.0, 0.25])
def test_train_random_labels_run_to_max_epochs(seed, lr):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(25, 3))
    y = np.where(rng.random(25) < 0.5, 1.0, -1.0)
    y[:2] = [1.0, -1.0]
    X[1] = X[0]                                    # the same point with both labels: never separable
    got = ref.train(X, y, lr, 9)
    assert got[2] == 9
    assert_train_equal(got, np_train(X, y, lr, 9))


def test_train_xor_hits_max_epochs():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([-1.0, 1.0, 1.0, -1.0])
    for max_epochs in (1, 2, 7, 50):
        got = ref.train(X, y, 1.0, max_epochs)
        assert got[2] == max_epochs
        assert_train_equal(got, np_train(X, y, 1.0, max_epochs))


def test_train_xor_first_epoch_by_hand():
    # from 0: (0,0) score 0 -> +1, wrong: w=(0,0), b=-2; (0,1) score -2, wrong: w=(0,2), b=0;
    # (1,0) score 0 -> +1, right; (1,1) score 2, wrong: w=(-2,0), b=-2.
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    w, b, epochs = ref.train(X, np.array([-1.0, 1.0, 1.0, -1.0]), 1.0, 1)
    np.testing.assert_array_equal(w, [-2.0, 0.0])
    assert (b, epochs) == (-2.0, 1)


def test_train_max_epochs_too_small_for_separable_data():
    data = blobs(np.random.default_rng(4), n=40, d=2, margin=0.05)      # 16 epochs
    full = ref.train(data["X"], data["y"], 1.0, 1000)
    assert full[2] > 3
    # one epoch short: the same (w, b), as the clean epoch changes nothing, but no clean epoch was seen
    cut = ref.train(data["X"], data["y"], 1.0, full[2] - 1)
    assert_train_equal(cut, (full[0], full[1], full[2] - 1))
    for max_epochs in (1, 2, full[2] - 2, full[2] - 1):
        assert_train_equal(ref.train(data["X"], data["y"], 1.0, max_epochs),
                           np_train(data["X"], data["y"], 1.0, max_epochs))
    # two short: that epoch still made a mistake, so (w, b) differ from the final ones
    short = ref.train(data["X"], data["y"], 1.0, full[2] - 2)
    assert short[1] != full[1] or not np.array_equal(short[0], full[0])


def test_train_single_sample():
    x = np.array([[2.0, -1.0, 0.5]])
    # y = +1: the first score is exactly 0, classified +1: a clean first epoch, nothing learned
    w, b, epochs = ref.train(x, np.array([1.0]), 0.5, 10)
    np.testing.assert_array_equal(w, np.zeros(3))
    assert (b, epochs) == (0.0, 1)
    # y = -1: one step of -2·lr, then a clean second epoch
    w, b, epochs = ref.train(x, np.array([-1.0]), 0.5, 10)
    np.testing.assert_array_equal(w, -x[0])
    assert (b, epochs) == (-1.0, 2)
    assert_train_equal(ref.train(x, np.array([-1.0]), 0.5, 10), np_train(x, np.array([-1.0]), 0.5, 10))
    # ... unless max_epochs is 1
    assert ref.train(x, np.array([-1.0]), 0.5, 1)[2] == 1


def test_train_learning_rate_scales_the_weights():
    """From zero weights, lr only scales (w, b): the same mistakes, the same epochs."""
    data = blobs(np.random.default_rng(8), n=30, d=3, margin=0.2)
    w1, b1, e1 = ref.train(data["X"], data["y"], 1.0, 1000)
    for lr in (0.1, 0.37, 2.0):
        w, b, e = ref.train(data["X"], data["y"], lr, 1000)
        assert e == e1
        np.testing.assert_allclose(w, lr * w1, rtol=1e-9)
        assert b == pytest.approx(lr * b1, rel=1e-9)


def test_train_return_types():
    w, b, epochs = ref.train(np.array([[1.0, 2.0], [-1.0, -1.0]]), np.array([1.0, -1.0]), 1.0, 5)
    assert isinstance(w, np.ndarray) and w.shape == (2,)
    assert isinstance(b, float) and isinstance(epochs, int)


# --------------------------------------------------------------------------- linear neuron, SGD

def test_linear_sgd_lecture_example():
    x, y = np.array([2.0, 1.0, 3.0]), np.array([4.0, 2.0, 6.0])
    assert ref.linear_sgd_epoch(0.5, x[:1], y[:1], 0.1) == pytest.approx(1.7, abs=1e-12)
    assert ref.linear_sgd_epoch(0.5, x[:2], y[:2], 0.1) == pytest.approx(1.76, abs=1e-12)
    assert ref.linear_sgd_epoch(0.5, x, y, 0.1) == pytest.approx(2.192, abs=1e-12)
    assert np_linear_sgd_epoch(0.5, x, y, 0.1) == pytest.approx(2.192, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 2, 8, 100])
@pytest.mark.parametrize("lr", [1.0, 0.05, 0.3])
def test_linear_sgd_random(seed, n, lr):
    rng = np.random.default_rng(seed)
    w = float(rng.normal())
    x, y = rng.uniform(-1.5, 1.5, size=n), rng.normal(size=n)
    x0, y0 = x.copy(), y.copy()
    got = ref.linear_sgd_epoch(w, x, y, lr)
    assert isinstance(got, float)
    assert got == pytest.approx(np_linear_sgd_epoch(w, x, y, lr), rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_linear_sgd_single_sample_and_fixed_point():
    assert ref.linear_sgd_epoch(1.0, np.array([2.0]), np.array([1.0]), 0.1) == pytest.approx(1.0 - 0.1 * 2 * 2 * 1.0)
    # y = 2x everywhere: w = 2 is a fixed point, whatever the learning rate
    x = np.array([0.5, -1.0, 3.0])
    assert ref.linear_sgd_epoch(2.0, x, 2.0 * x, 0.7) == 2.0
    # x = 0 contributes no gradient
    assert ref.linear_sgd_epoch(0.25, np.zeros(4), np.ones(4), 0.5) == 0.25


# --------------------------------------------------------------------------- property check

def test_separates_property_check():
    data = blobs(np.random.default_rng(5), n=20, d=2, margin=0.3)
    args = {"X": data["X"], "y": data["y"], "lr": 1.0, "max_epochs": 100}
    ok, _ = checks.separates(args, ref.train(data["X"], data["y"], 1.0, 100))
    assert ok
    ok, message = checks.separates(args, (np.zeros(2), -1.0, 3))        # everything -1: half right
    assert not ok and "50.0%" in message
    ok, message = checks.separates(args, (np.zeros(2), -1.0, 3), min_accuracy=0.5)
    assert ok
    ok, message = checks.separates(args, (np.zeros(2), 0.0, 101))
    assert not ok and "max_epochs" in message
