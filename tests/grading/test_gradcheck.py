"""grader.grading.gradcheck: centred-difference gradients, the relative error, and the one-call check.

The helper is shipped to students and runs in their worker, so it is also checked to import on
its own, with nothing from ``grader`` around it.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.grading import gradcheck
from grader.grading.gradcheck import check_gradient, numerical_gradient, relative_error

SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4)]


def cubic(x):
    """A smooth function with a gradient that differs in every element: Σ (x³/3 + sin x)."""
    return float(np.sum(x ** 3 / 3 + np.sin(x)))


def cubic_grad(x):
    return x ** 2 + np.cos(x)


# --------------------------------------------------------------------------- numerical_gradient

@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_numerical_gradient_matches_known_gradients(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape)
    before = x.copy()
    got = numerical_gradient(cubic, x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, cubic_grad(x), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_of_a_coupled_function():
    """f = x00·x11 − x01²: each element's derivative involves other elements."""
    x = np.array([[1.5, -2.0], [0.5, 3.0]])
    got = numerical_gradient(lambda v: v[0, 0] * v[1, 1] - v[0, 1] ** 2, x)
    np.testing.assert_allclose(got, [[3.0, 4.0], [0.0, 1.5]], atol=1e-9)


@pytest.mark.parametrize("view", ["strided", "transposed", "fortran"])
def test_numerical_gradient_on_non_contiguous_arrays(view):
    base = np.random.default_rng(1).normal(size=(6, 9))
    base_before = base.copy()
    x = {"strided": base[::2, 1::3], "transposed": base.T,
         "fortran": np.asfortranarray(base)}[view]
    assert not x.flags.c_contiguous
    got = numerical_gradient(cubic, x)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, cubic_grad(x), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(base, base_before)            # the view's base is untouched too


def test_numerical_gradient_through_a_closure():
    """f may ignore its argument and read x itself, as with a model's weights: x is perturbed in place."""
    W = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]])
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0], [2.0, -2.0]])
    got = numerical_gradient(lambda _: float(np.sum((X @ W) ** 2)), W)
    np.testing.assert_allclose(got, 2 * X.T @ (X @ W), rtol=1e-8)


def test_x_is_restored_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[3][1] != 2.0                      # it did fail mid-perturbation


def test_x_is_bitwise_unchanged_after_many_perturbations():
    """x + h − 2h + h is not always x in floating point: the original value is put back exactly."""
    x = np.random.default_rng(2).normal(size=(4, 5)) * 1e3 + 0.1
    before = x.copy()
    numerical_gradient(cubic, x, h=1e-3)
    assert np.array_equal(x.view(np.int64), before.view(np.int64))


def test_float32_uses_the_step_actually_taken():
    """In float32, x ± h is rounded: dividing by the real step keeps the estimate close."""
    x = np.array([1000.25, -3.5, 0.125], dtype=np.float32)
    got = numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 2)), x, h=1e-3)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, 2 * x.astype(np.float64), rtol=1e-3)
    assert x.dtype == np.float32 and x.tolist() == [1000.25, -3.5, 0.125]


def test_numerical_gradient_rejects_bad_arguments():
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(cubic, np.arange(3))
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(cubic, [1.0, 2.0])
    read_only = np.ones(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        numerical_gradient(cubic, read_only)
    with pytest.raises(ValueError, match="positive"):
        numerical_gradient(cubic, np.ones(3), h=0.0)
    x = np.ones((2, 2))
    with pytest.raises(TypeError, match="single number"):
        numerical_gradient(lambda v: v * 2, x)
    np.testing.assert_array_equal(x, np.ones((2, 2)))


def test_a_one_element_array_counts_as_a_number():
    got = numerical_gradient(lambda v: np.sum(v ** 2, keepdims=True), np.array([3.0]))
    np.testing.assert_allclose(got, [6.0], rtol=1e-9)


# --------------------------------------------------------------------------- relative_error

def test_relative_error_values():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 3.0]) == pytest.approx(1 / 5)
    assert relative_error([2.0, -1.0], [2.0, 1.0]) == pytest.approx(1.0)         # opposite signs
    assert relative_error(3.0, 0.0) == pytest.approx(1.0)
    assert relative_error(1e-12, 0.0) == pytest.approx(1e-4)                    # the 1e-8 floor
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(np.empty((0, 3)), np.empty((0, 3))) == 0.0
    assert isinstance(relative_error(1.0, 2.0), float)


def test_relative_error_is_the_worst_element_and_symmetric():
    a = np.array([[1.0, 10.0], [100.0, -5.0]])
    b = np.array([[1.1, 10.0], [100.0, -5.0]])
    assert relative_error(a, b) == pytest.approx(0.1 / 2.1)
    assert relative_error(a, b) == relative_error(b, a)


def test_relative_error_of_non_finite_values_is_nan():
    assert np.isnan(relative_error([1.0, np.nan], [1.0, 1.0]))
    assert np.isnan(relative_error([np.inf], [1.0]))


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.ones(3), np.ones((3, 1)))


# --------------------------------------------------------------------------- check_gradient

def test_check_gradient_accepts_a_right_gradient_and_rejects_wrong_ones():
    x = np.random.default_rng(3).normal(size=(3, 4))
    before = x.copy()
    ok, error = check_gradient(cubic, cubic_grad, x)
    assert ok is True and isinstance(error, float) and error < 1e-7
    ok, error = check_gradient(cubic, lambda v: 2 * cubic_grad(v), x)
    assert ok is False and error == pytest.approx(1 / 3, rel=1e-6)
    ok, error = check_gradient(cubic, lambda v: cubic_grad(v) + 1e-4, x, tol=1e-2)
    assert ok is True
    ok, error = check_gradient(cubic, lambda v: np.full(v.shape, np.nan), x)
    assert ok is False and np.isnan(error)
    np.testing.assert_array_equal(x, before)


def test_check_gradient_copies_the_analytic_gradient():
    """A grad that returns (a view of) x itself must not see x's perturbations."""
    x = np.array([1.0, -2.0, 0.5])
    ok, _ = check_gradient(lambda v: float(np.sum(v ** 2) / 2), lambda v: v, x)
    assert ok


def test_check_gradient_rejects_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        check_gradient(cubic, lambda v: cubic_grad(v).ravel(), np.ones((2, 3)))


# --------------------------------------------------------------------------- standalone

def test_imports_only_the_standard_library_and_numpy():
    tree = ast.parse(Path(gradcheck.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports: the worker imports it as a top-level module"
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "typing", "numpy"}


def test_runs_as_a_top_level_module_without_grader(tmp_path):
    (tmp_path / "gradcheck.py").write_text(Path(gradcheck.__file__).read_text())
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import numpy as np, gradcheck; "
            "assert 'grader' not in sys.modules; "
            "ok, err = gradcheck.check_gradient(lambda v: float(np.sum(v ** 2)), lambda v: 2 * v, np.ones(4)); "
            "print(ok, err < 1e-8)")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(tmp_path)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]
