"""Scalar test functions for `numerical_gradient` (given, not graded), with their exact gradients.

Each function takes an array ``x`` of any shape (float64) and returns a float; its ``*_grad`` twin
returns the exact gradient, an array of x's shape. Check your numerical_gradient with them:

    from gradcheck import relative_error            # or: from grader.grading.gradcheck import ...
    from objectives import weighted_cubes, weighted_cubes_grad
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    print(relative_error(numerical_gradient(weighted_cubes, x), weighted_cubes_grad(x)))   # about 1e-8

The grader ships this file with the assignment and passes these functions to your
numerical_gradient in its tests.
"""
import numpy as np


def half_sum_of_squares(x):
    """f(x) = ½ Σ x², whose gradient is x itself."""
    return 0.5 * float(np.sum(x * x))


def half_sum_of_squares_grad(x):
    return x.copy()


def log_sum_exp(x):
    """f(x) = log Σ exp(x) over all elements, computed without overflow; its gradient is the softmax of x."""
    top = np.max(x)
    return float(top + np.log(np.sum(np.exp(x - top))))


def log_sum_exp_grad(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def position_weights(x):
    """Weights c, shaped like x, rising evenly from 1 to 2 in C order: each position counts differently."""
    return np.linspace(1.0, 2.0, x.size).reshape(x.shape)


def weighted_cubes(x):
    """f(x) = Σ c·x³ with c = position_weights(x): a mixed-up or transposed index gives a wrong gradient."""
    return float(np.sum(position_weights(x) * x ** 3))


def weighted_cubes_grad(x):
    return 3.0 * position_weights(x) * x ** 2
