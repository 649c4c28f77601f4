"""Check an analytic gradient against centred finite differences.

A standalone helper (the standard library and NumPy only): the grader imports it as
``grader.grading.gradcheck``, and a student's code can ``import gradcheck`` when it is graded, so it must
never import anything from ``grader``. Typical use, for a loss ``f(pred, target)`` and its
gradient ``f_grad(pred, target)`` with respect to ``pred``::

    from gradcheck import check_gradient          # or: from grader.grading.gradcheck import ...
    ok, error = check_gradient(lambda p: f(p, target), lambda p: f_grad(p, target), pred)

Centred differences have an error of order ``h**2`` on smooth functions, so with ``h = 1e-5`` a
correct float64 gradient usually agrees to a relative error of 1e-7 or better. Near a kink
(``|x| at 0``, ``max(0, x)`` at 0) the two sides of the difference see different slopes: check
there with exact values instead.
"""
from __future__ import annotations

from typing import Any, Callable  # noqa: UP035  (students get this file: it imports only typing and numpy, see test_gradcheck)

import numpy as np

#: The smallest denominator of :func:`relative_error`, so that two gradients that are both
#: (nearly) zero compare as equal instead of dividing 0 by 0.
RELATIVE_FLOOR = 1e-8


def _as_number(value: Any) -> float:
    """``value`` as a float, if it is a single number (a Python number or an array of one element)."""
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise TypeError(f"f must return a single number, not {type(value).__name__} "
                        f"of shape {array.shape} and dtype {array.dtype}")
    return float(array.reshape(()))


def numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The gradient of the scalar function ``f`` at ``x`` by centred differences.

    Inputs:
    - f: a function of one array, shaped like x, that returns a single number. It may also ignore
      its argument and read x itself (e.g. a model's weights): x is changed in place.
    - x: a writable floating-point array of any shape and memory layout (views, transposes and
      slices are fine). float64 is best: in float32 the step h is rounded, and the function's
      own rounding error is divided by h.
    - h: the step.

    Returns a float64 array of x's shape whose element ``i`` is
    ``(f(x + h·e_i) - f(x - h·e_i)) / (2h)``, with ``e_i`` the unit array at ``i``. Each element
    is perturbed in turn and put back exactly, so x is unchanged on return, even if f raises.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x must be a floating-point NumPy array, not {type(x).__name__}"
                        f"{' of dtype ' + str(x.dtype) if isinstance(x, np.ndarray) else ''}")
    if not x.flags.writeable:
        raise ValueError("x must be writable: numerical_gradient perturbs it in place (pass a copy)")
    if not h > 0:
        raise ValueError(f"h must be positive, not {h!r}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        old = x[index].copy()
        try:
            x[index] = old + h
            up, f_up = x[index].astype(np.float64), _as_number(f(x))
            x[index] = old - h
            down, f_down = x[index].astype(np.float64), _as_number(f(x))
        finally:
            x[index] = old
        # The step actually taken, which differs from 2h when x's dtype rounds x ± h.
        grad[index] = (f_up - f_down) / (up - down)
    return grad


def relative_error(a: Any, b: Any) -> float:
    """The largest elementwise relative difference ``|a - b| / max(1e-8, |a| + |b|)``.

    Inputs: two arrays (or numbers) of the same shape. Returns a float between 0.0 (equal) and
    1.0 (opposite signs, or one of them 0 while the other is not tiny), or NaN when either holds
    a NaN or an infinity. The floor 1e-8 keeps elements where both are about zero from counting
    as large errors.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):       # inf / inf: NaN, which no tolerance accepts
        return float(np.max(np.abs(a - b) / np.maximum(RELATIVE_FLOOR, np.abs(a) + np.abs(b))))


def check_gradient(f: Callable[[np.ndarray], Any], grad: Callable[[np.ndarray], Any], x: np.ndarray,
                   h: float = 1e-5, tol: float = 1e-6) -> tuple[bool, float]:
    """Compare ``grad(x)`` with the centred-difference gradient of ``f`` at ``x``.

    Inputs: f, the scalar function, and grad, its claimed gradient (a function returning an array
    of x's shape); x, h as in :func:`numerical_gradient`; tol, the largest relative error accepted.
    Returns ``(ok, error)``: ``error`` is :func:`relative_error` of the two gradients and ``ok`` is
    ``error <= tol`` (False for NaN). x is unchanged on return.
    """
    analytic = np.array(grad(x), dtype=np.float64)      # a copy: grad's result may share memory
    if analytic.shape != np.shape(x):
        raise ValueError(f"grad returned shape {analytic.shape}, but x has shape {np.shape(x)}")
    error = relative_error(analytic, numerical_gradient(f, x, h))
    return bool(error <= tol), error
