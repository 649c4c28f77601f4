"""References for assignment 01 (perceptron learning), with its mistake catalogue.

Conventions: labels are -1.0 and +1.0; a score ``w·x + b`` of exactly 0 is classified +1; the
update is ``w ← w + lr·(y − ŷ)·x``, ``b ← b + lr·(y − ŷ)`` (a step of ±2·lr on a mistake).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from grader.authoring import Mistake

# Numba sends np.dot and @ to SciPy's BLAS, which a plain install lacks (and a cache compiled
# where SciPy exists aborts the process where it does not): the references use loops.

@njit(cache=True)
def _label(score):
    return 1.0 if score >= 0.0 else -1.0


@njit(cache=True)
def _score(x, w, b):
    s = b
    for j in range(x.shape[0]):
        s += x[j] * w[j]
    return s


@njit(cache=True)
def predict(X, w, b):
    """Labels (N,) in {-1.0, +1.0} of the rows of X (N, D) under weights w (D,) and bias b."""
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = _label(_score(X[i], w, b))
    return out


@njit(cache=True)
def update(w, b, x, y, lr):
    """One perceptron step on sample x (D,) with label y: returns (new w (D,), new b)."""
    err = y - _label(_score(x, w, b))
    return w + lr * err * x, b + lr * err


@njit(cache=True)
def train(X, y, lr, max_epochs):
    """Perceptron from zero weights, samples in order, until an epoch makes no mistake.

    Returns (w (D,), b, epochs): the number of epochs run, the clean one included, or
    ``max_epochs`` when no epoch was clean.
    """
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for i in range(n):
            err = y[i] - _label(_score(X[i], w, b))
            if err != 0.0:
                w = w + lr * err * X[i]
                b += lr * err
                mistakes += 1
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs


@njit(cache=True)
def linear_sgd_epoch(w, x, y, lr):
    """One SGD pass for ŷ = x·w with loss (x·w − y)²: w ← w − lr·2x(xw − y), sample by sample."""
    for i in range(x.shape[0]):
        w = w - lr * 2.0 * x[i] * (x[i] * w - y[i])
    return w


# --------------------------------------------------------------------------- mistakes, as students write them

def points_on_the_diagonal(rng: np.random.Generator, shape: tuple, low: int = -2, high: int = 3) -> np.ndarray:
    """Integer points (n, 2) as float64 for the line w = (1, -1), b = 0: every third point on it
    (x0 == x1, a score of exactly 0, +1 by the rule) and the next one below it (x1 = x0 + 1, a
    score of -1), so every draw has ties and both classes to get right."""
    X = rng.integers(low, high, size=shape).astype(np.float64)
    X[::3, 1] = X[::3, 0]
    X[1::3, 1] = X[1::3, 0] + 1.0
    return X


def _strict(score):
    return np.where(score > 0, 1.0, -1.0)


def _train_variant(X, y, lr, max_epochs, label=lambda s: np.where(s >= 0, 1.0, -1.0),
                   step=lambda err, yi: err, bias=True, always=False, batch=False, count_clean=True,
                   stop=True):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes, dw, db = 0, np.zeros_like(w), 0.0
        for i in range(len(X)):
            err = y[i] - label(X[i] @ w + b)
            if err != 0 or always:
                mistakes += err != 0
                s = step(err, y[i])
                if batch:
                    dw, db = dw + lr * s * X[i], db + lr * s
                else:
                    w, b = w + lr * s * X[i], b + (lr * s if bias else 0.0)
        if batch:
            w, b = w + dw, b + (db if bias else 0.0)
        if mistakes == 0 and stop:
            return w, b, epoch if count_clean else epoch - 1
    return w, b, max_epochs


MISTAKES = {
    "predict": [
        Mistake("tie_is_negative", "A score of exactly 0 must be classified as +1: use `score >= 0`, not `> 0`.",
                lambda X, w, b: _strict(X @ w + b)),
        Mistake("np_sign", "np.sign(0) is 0, which is neither class: a score of exactly 0 must give +1.",
                lambda X, w, b: np.sign(X @ w + b)),
        Mistake("labels_01", "Labels here are -1 and +1, not 0 and 1.",
                lambda X, w, b: np.where(X @ w + b >= 0, 1.0, 0.0)),
        Mistake("bias_ignored", "The score is w·x + b: add the bias.",
                lambda X, w, b: np.where(X @ w >= 0, 1.0, -1.0)),
    ],
    "update": [
        Mistake("half_step", "With labels ±1, (y − ŷ) is ±2 on a mistake: the step is lr·(y − ŷ)·x, "
                "twice lr·y·x. Use the rule as written.",
                lambda w, b, x, y, lr: (w + lr * y * x, b + lr * y) if _label_np(x @ w + b) != y else (w.copy(), b)),
        Mistake("bias_not_updated", "The bias must be updated too: b ← b + lr·(y − ŷ), like a weight whose input is 1.",
                lambda w, b, x, y, lr: (w + lr * (y - _label_np(x @ w + b)) * x, b)),
        Mistake("tie_is_negative", "A score of exactly 0 is classified +1, so ŷ = +1 there: use `>= 0`.",
                lambda w, b, x, y, lr: (w + lr * (y - _strict(x @ w + b)) * x, b + lr * (y - _strict(x @ w + b)))),
        Mistake("always_update", "Only a misclassified sample changes the weights: (y − ŷ) is 0 when the prediction is right.",
                lambda w, b, x, y, lr: (w + lr * y * x, b + lr * y)),
        Mistake("wrong_sign", "The update moves towards the target: w + lr·(y − ŷ)·x, with a plus.",
                lambda w, b, x, y, lr: (w - lr * (y - _label_np(x @ w + b)) * x, b - lr * (y - _label_np(x @ w + b)))),
    ],
    "train": [
        Mistake("labels_01", "Your weights are half the expected ones, as with labels {0, 1} where t − a is ±1. "
                "Here labels are ±1 and the update uses (y − ŷ), which is ±2 on a mistake.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, step=lambda err, yi: err / 2)),
        Mistake("negatives_never_update", "Samples with label −1 never change the weights: with labels ±1, "
                "use (y − ŷ) (or y itself), not a 0/1 target.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, step=lambda err, yi: 2.0 * (yi > 0))),
        Mistake("bias_not_updated", "The bias must be learned too: b ← b + lr·(y − ŷ).",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, bias=False)),
        Mistake("tie_is_negative", "From zero weights every score starts at exactly 0, which is classified +1: use `>= 0`.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, label=_strict)),
        Mistake("update_every_sample", "Only misclassified samples should change the weights.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, step=lambda err, yi: 2.0 * yi, always=True)),
        Mistake("batch_updates", "Update after each sample, using the current weights, not once per epoch with the sum.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, batch=True)),
        Mistake("epochs_without_clean_one", "epochs counts every epoch run, including the last one, which made no mistake.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, count_clean=False)),
        Mistake("no_early_stop", "Stop after the first epoch without a mistake.",
                lambda X, y, lr, max_epochs: _train_variant(X, y, lr, max_epochs, stop=False)),
    ],
    "linear_sgd_epoch": [
        Mistake("missing_factor_2", "The derivative of (x·w − y)² is 2·x·(x·w − y): keep the factor 2.",
                lambda w, x, y, lr: _sgd_variant(w, x, y, lr, factor=1.0)),
        Mistake("gradient_ascent", "Step against the gradient: w ← w − lr·∂E/∂w.",
                lambda w, x, y, lr: _sgd_variant(w, x, y, lr, factor=-2.0)),
        Mistake("batch_sum", "Stochastic gradient descent updates w after each sample, with the current w; "
                "this looks like one step with the gradient summed over all samples.",
                lambda w, x, y, lr: w - lr * np.sum(2.0 * x * (x * w - y))),
        Mistake("batch_mean", "Stochastic gradient descent updates w after each sample, with the current w; "
                "this looks like one step with the mean gradient of all samples.",
                lambda w, x, y, lr: w - lr * np.mean(2.0 * x * (x * w - y))),
        Mistake("first_sample_only", "Loop over every sample of the epoch, not only the first.",
                lambda w, x, y, lr: _sgd_variant(w, x[:1], y[:1], lr)),
    ],
}


def _label_np(score) -> float:
    return 1.0 if score >= 0 else -1.0


def _sgd_variant(w, x, y, lr, factor=2.0):
    for xi, yi in zip(x, y):
        w = w - lr * factor * xi * (xi * w - yi)
    return w
