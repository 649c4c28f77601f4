"""The Numba references of assignment 02 against independent NumPy formulas and finite differences.

The references decide every student's grade, so each is checked here three ways: against a
second, differently written NumPy formula (random inputs, float64 and float32, several shapes
and softmax axes); every backward against centred finite differences of its forward, away
from the kinks at 0; and the conventions the assignment states, by hand: exact limits at ±1000,
the derivatives at exactly 0, dtypes kept, inputs never modified. If PyTorch happens to be
importable, the whole set is also compared with it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
ref = References((ROOT / "reference").resolve()).module("activations")

SHAPES = [(7,), (3, 5), (2, 3, 4)]
DTYPES = [np.float64, np.float32]
# float32 references round once more than a float64 formula; still 10x tighter than the graded tolerance.
TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


# --------------------------------------------------------------------------- independent formulations

def np_sigmoid(x):
    """σ(x) = (1 + tanh(x/2)) / 2, which never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def np_softmax(x, axis=-1):
    """exp(x − logsumexp(x)) along axis."""
    top = np.max(x, axis=axis, keepdims=True)
    lse = top + np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True))
    return np.exp(x - lse)


def np_softmax_backward(dout, x, axis=-1):
    """dout times the full Jacobian diag(s) − s sᵀ, built explicitly for every slice along axis."""
    s = np.moveaxis(np_softmax(x, axis), axis, -1)
    g = np.moveaxis(dout, axis, -1)
    jacobian = np.einsum("...i,ij->...ij", s, np.eye(s.shape[-1])) - np.einsum("...i,...j->...ij", s, s)
    return np.moveaxis(np.einsum("...i,...ij->...j", g, jacobian), -1, axis)


# (name, NumPy forward, NumPy derivative f'(x), keyword arguments)
ELEMENTWISE = [
    ("binary_step", lambda x: np.heaviside(x, 1.0), lambda x: np.zeros_like(x), {}),
    ("linear", lambda x: x, lambda x: np.ones_like(x), {}),
    ("sigmoid", np_sigmoid, lambda x: np_sigmoid(x) * np_sigmoid(-x), {}),
    ("tanh", np.tanh, lambda x: 1.0 / np.cosh(x) ** 2, {}),
    ("relu", lambda x: (np.abs(x) + x) / 2, lambda x: np.heaviside(x, 0.0), {}),
    ("leaky_relu", lambda x: np.maximum(0.01 * x, x), lambda x: np.where(x > 0, 1.0, 0.01), {}),
    ("leaky_relu", lambda x: np.maximum(0.2 * x, x), lambda x: np.where(x > 0, 1.0, 0.2), {"negative_slope": 0.2}),
    ("elu", lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1), lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), {}),
    ("elu", lambda x: np.where(x > 0, x, 1.7 * np.expm1(np.minimum(x, 0))),
     lambda x: np.where(x > 0, 1.0, 1.7 + 1.7 * np.expm1(np.minimum(x, 0))), {"alpha": 1.7}),
]
ELEMENTWISE_IDS = [f"{name}{'-' + '-'.join(f'{k}={v}' for k, v in kw.items()) if kw else ''}" for name, _, _, kw in ELEMENTWISE]


def draw(rng, shape, dtype, scale=3.0):
    """Normal draws with a few exact zeros and ±1000 mixed in."""
    x = rng.normal(scale=scale, size=shape)
    flat = x.reshape(-1)
    flat[rng.random(flat.size) < 0.15] = 0.0
    flat[:2] = [1000.0, -1000.0][: flat.size]
    return x.astype(dtype)


def call_unchanged(fn, *args, **kwargs):
    """fn(*args, **kwargs), asserting that no input array was modified."""
    before = [a.copy() for a in args]
    out = fn(*args, **kwargs)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    return out


def assert_same(got, expected, dtype):
    assert isinstance(got, np.ndarray) and got.dtype == dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected.astype(dtype), **TOL[dtype])


# --------------------------------------------------------------------------- element-wise, against NumPy

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", range(len(ELEMENTWISE)), ids=ELEMENTWISE_IDS)
def test_elementwise_against_numpy(case, shape, dtype):
    name, forward, derivative, kwargs = ELEMENTWISE[case]
    rng = np.random.default_rng([case, len(shape)])
    x, dout = draw(rng, shape, dtype), rng.normal(size=shape).astype(dtype)
    wide = x.astype(np.float64)
    with np.errstate(over="ignore"):
        expected, slope = forward(wide), derivative(wide)
    assert_same(call_unchanged(getattr(ref, name), x, **kwargs), expected, dtype)
    assert_same(call_unchanged(getattr(ref, name + "_backward"), dout, x, **kwargs),
                dout.astype(np.float64) * slope, dtype)


@pytest.mark.parametrize("name", ["binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"])
def test_elementwise_on_non_contiguous_and_zero_dimensional_input(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6))
    view = x.T[::2]                              # (3, 4), neither C- nor F-contiguous
    np.testing.assert_array_equal(getattr(ref, name)(view), getattr(ref, name)(view.copy()))
    scalar = getattr(ref, name)(np.array(-0.75))
    assert scalar.shape == () and scalar == getattr(ref, name)(np.array([-0.75]))[0]


# --------------------------------------------------------------------------- softmax, against NumPy

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape, axis", [((6,), -1), ((3, 5), -1), ((3, 5), 0), ((3, 5), 1),
                                         ((2, 3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4), -2)],
                         ids=str)
def test_softmax_against_numpy(shape, axis, dtype):
    rng = np.random.default_rng([len(shape), axis % len(shape)])
    x, dout = (rng.normal(scale=4.0, size=shape) + 500.0 * rng.integers(-2, 3)).astype(dtype), rng.normal(size=shape).astype(dtype)
    s = call_unchanged(ref.softmax, x, axis=axis)
    assert_same(s, np_softmax(x.astype(np.float64), axis), dtype)
    np.testing.assert_allclose(s.astype(np.float64).sum(axis=axis), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-13)
    assert_same(call_unchanged(ref.softmax_backward, dout, x, axis=axis),
                np_softmax_backward(dout.astype(np.float64), x.astype(np.float64), axis), dtype)


def test_softmax_of_large_rows_and_ties():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [5.0, 5.0, 5.0]])
    s = ref.softmax(x)
    np.testing.assert_allclose(s[0], [0.0900305731703805, 0.2447284710547976, 0.6652409557748219], rtol=1e-14)
    np.testing.assert_allclose(s[1], s[0][::-1], rtol=1e-14)
    np.testing.assert_array_equal(s[2], np.full(3, 1 / 3))
    np.testing.assert_allclose(ref.softmax(x, axis=0)[:, 2], np_softmax(x[:, 2]), rtol=1e-14)


def test_softmax_backward_is_orthogonal_to_constant_shifts():
    """softmax(x + c) = softmax(x), so each row of dx sums to 0; a constant dout gives dx = 0."""
    rng = np.random.default_rng(5)
    x, dout = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(ref.softmax_backward(dout, x).sum(axis=-1), 0.0, atol=1e-15)
    np.testing.assert_allclose(ref.softmax_backward(np.full((4, 6), 2.5), x), 0.0, atol=1e-15)


# --------------------------------------------------------------------------- backward against finite differences

def numeric_vjp(f, x, dout, h=1e-6):
    """Centred differences of L(x) = Σ f(x)·dout, element by element: ∂L/∂x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        grad[idx] = np.sum((f(plus) - f(minus)) * dout) / (2 * h)
    return grad


FINITE_DIFFERENCES = [("sigmoid", {}), ("tanh", {}), ("linear", {}), ("relu", {}), ("leaky_relu", {}),
                      ("leaky_relu", {"negative_slope": 0.3}), ("elu", {}), ("elu", {"alpha": 0.5}),
                      ("binary_step", {}), ("softmax", {}), ("softmax", {"axis": 0})]


@pytest.mark.parametrize("name, kwargs", FINITE_DIFFERENCES,
                         ids=[f"{n}{'-' + str(kw) if kw else ''}" for n, kw in FINITE_DIFFERENCES])
def test_backward_matches_finite_differences(name, kwargs):
    rng = np.random.default_rng(11)
    x = rng.normal(scale=2.0, size=(3, 4))
    x[np.abs(x) < 0.05] = 0.5                     # away from the kinks at 0
    dout = rng.normal(size=(3, 4))
    forward = getattr(ref, name)
    numeric = numeric_vjp(lambda v: forward(v, **kwargs), x, dout)
    np.testing.assert_allclose(getattr(ref, name + "_backward")(dout, x, **kwargs), numeric, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- conventions, by hand

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_limits_at_plus_minus_1000_are_exact(dtype):
    """PyTorch's values: exactly 0 and 1 (or ±1), never inf or NaN, also past float32's exp overflow."""
    x, ones = np.array([-1000.0, -100.0, 100.0, 1000.0], dtype), np.ones(4, dtype)
    np.testing.assert_array_equal(ref.sigmoid(x)[[0, 3]], [0.0, 1.0])
    assert np.all(np.isfinite(ref.sigmoid(x))) and ref.sigmoid(x)[2] == 1.0
    np.testing.assert_array_equal(ref.tanh(x), [-1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ref.elu(x, alpha=1.7)[[0, 3]], [dtype(-1.7), 1000.0])
    np.testing.assert_array_equal(ref.sigmoid_backward(ones, x)[[0, 3]], [0.0, 0.0])
    np.testing.assert_array_equal(ref.tanh_backward(ones, x), [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ref.softmax(x[[0, 3]]), [0.0, 1.0])
    np.testing.assert_array_equal(ref.softmax_backward(ones[:2], x[[0, 3]]), [0.0, 0.0])


def test_values_and_derivatives_at_exactly_zero():
    zero, dout = np.array([0.0, -0.0]), np.array([3.0, 3.0])
    np.testing.assert_array_equal(ref.binary_step(zero), [1.0, 1.0])
    np.testing.assert_array_equal(ref.binary_step_backward(dout, zero), [0.0, 0.0])
    np.testing.assert_array_equal(ref.sigmoid(zero), [0.5, 0.5])
    np.testing.assert_array_equal(ref.sigmoid_backward(dout, zero), [0.75, 0.75])
    np.testing.assert_array_equal(ref.tanh_backward(dout, zero), [3.0, 3.0])
    np.testing.assert_array_equal(ref.relu_backward(dout, zero), [0.0, 0.0])                    # ReLU′(0) = 0
    np.testing.assert_allclose(ref.leaky_relu_backward(dout, zero), [0.03, 0.03], rtol=1e-15)   # slope at 0
    np.testing.assert_allclose(ref.leaky_relu_backward(dout, zero, negative_slope=0.2), [0.6, 0.6], rtol=1e-15)
    np.testing.assert_array_equal(ref.elu_backward(dout, zero, alpha=0.5), [1.5, 1.5])            # ELU′(0) = α
    for name in ("relu", "leaky_relu", "elu"):
        np.testing.assert_array_equal(getattr(ref, name)(zero), [0.0, 0.0])


def test_defaults_are_pytorchs():
    x = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(ref.leaky_relu(x), [-0.02, 3.0])
    np.testing.assert_allclose(ref.elu(x), [np.expm1(-2.0), 3.0], rtol=1e-15)
    scores = np.array([[0.0, 0.0], [0.0, 1.0]])                     # the default axis is the last one
    np.testing.assert_array_equal(ref.softmax(scores), ref.softmax(scores, axis=1))
    np.testing.assert_array_equal(ref.softmax(scores)[0], [0.5, 0.5])
    assert not np.allclose(ref.softmax(scores), ref.softmax(scores, axis=0))


def test_backward_dtype_follows_the_inputs():
    x32, d32 = np.ones(3, np.float32), np.ones(3, np.float32)
    for name in ["binary_step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]:
        assert getattr(ref, name + "_backward")(d32, x32).dtype == np.float32, name
        assert getattr(ref, name + "_backward")(d32.astype(np.float64), x32).dtype == np.float64, name


def test_results_are_new_arrays():
    """linear and linear_backward must not hand back the caller's array (a later edit would change both)."""
    x, dout = np.arange(3.0), np.ones(3)
    assert not np.shares_memory(ref.linear(x), x)
    assert not np.shares_memory(ref.linear_backward(dout, x), dout)


@pytest.mark.parametrize("shape, axis", [((5, 8), -1), ((2, 4, 5), 1), ((6, 5), 1), ((3, 4), 0)])
def test_logits_with_a_calm_row_hold_their_edge_cases_on_every_draw(shape, axis):
    """Row 0 along ``axis`` moderate (a global-max shift underflows it; its softmax is not one-hot),
    a 1000 in every column of the rows below it (a softmax over the other axis is far off)."""
    values = [-1000.0, -3.0, 0.0, 2.5, 1000.0]
    for seed in range(50):
        x = ref.logits_with_a_calm_row(np.random.default_rng(seed), shape, values, axis=axis)
        rows = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        assert x.shape == shape and set(x.flat) <= set(values)
        assert set(rows[0]) <= {-3.0, 0.0, 2.5}
        assert (rows[1:] == 1000.0).any(axis=0).all()


# --------------------------------------------------------------------------- PyTorch, where installed

def test_against_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is optional; the NumPy checks above do not need it")
    rng = np.random.default_rng(17)
    x = draw(rng, (4, 6), np.float64)
    dout = rng.normal(size=(4, 6))
    cases = {
        "sigmoid": (torch.sigmoid, {}), "tanh": (torch.tanh, {}), "relu": (torch.relu, {}),
        "leaky_relu": (lambda t: torch.nn.functional.leaky_relu(t, 0.2), {"negative_slope": 0.2}),
        "elu": (lambda t: torch.nn.functional.elu(t, 1.7), {"alpha": 1.7}),
        "softmax": (lambda t: torch.softmax(t, dim=0), {"axis": 0}),
    }
    for name, (fn, kwargs) in cases.items():
        t = torch.tensor(x, requires_grad=True)
        out = fn(t)
        out.backward(torch.tensor(dout))
        np.testing.assert_allclose(getattr(ref, name)(x, **kwargs), out.detach().numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(getattr(ref, name + "_backward")(dout, x, **kwargs), t.grad.numpy(),
                                   rtol=1e-12, atol=1e-15)
