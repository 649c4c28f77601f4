"""References for assignment 02 (activation functions and their gradients), with its mistake catalogue.

Conventions (PyTorch's): ``binary_step`` is 1 where x >= 0, else 0, with gradient 0; ReLU′(0) = 0;
LeakyReLU uses the slope-1 branch only where x > 0 (so LeakyReLU′(0) = negative_slope, default 0.01);
ELU is ``x`` where x > 0, else ``alpha·(eˣ − 1)``, so ELU′(0) = alpha; softmax runs along ``axis``
(default -1) after subtracting that axis's maximum. Every ``*_backward(dout, x, ...)`` takes the
upstream gradient and the forward *input* and returns ``dout · f′(x)`` (for softmax the full
Jacobian-vector product ``s·(dout − Σ dout·s)``).

Results have the dtype of the input (float32 in, float32 out; the common float type of ``dout``
and ``x`` for backward functions); inputs are never modified. Each element-wise kernel runs on a
flat C-contiguous array, and softmax on a 2-D (rows, axis) one, so Numba compiles one
specialisation per kernel and float type only.

Device: sigmoid, tanh, relu, leaky_relu, elu and their ``_backward`` functions run the
``cuda_<name>`` launchers of :mod:`.cuda_kernels` when :func:`.device.use_cuda` says so
(``DLGRADE_DEVICE``), else the ``@njit`` kernels below; the others (binary_step, linear, softmax)
always run on the CPU.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

from grader.authoring import Mistake

from . import device

# --------------------------------------------------------------------------- kernels (1-D, in -> out)

@njit(cache=True)
def _binary_step(x, out):
    for i in range(x.size):
        out[i] = 1.0 if x[i] >= 0 else 0.0


@njit(cache=True)
def _sigmoid(x, out):
    # Only ever exponentiate a non-positive number: no overflow, exactly 0 and 1 far out.
    for i in range(x.size):
        if x[i] >= 0:
            out[i] = 1.0 / (1.0 + math.exp(-x[i]))
        else:
            e = math.exp(x[i])
            out[i] = e / (1.0 + e)


@njit(cache=True)
def _sigmoid_backward(dout, x, out):
    _sigmoid(x, out)
    for i in range(x.size):
        out[i] = dout[i] * out[i] * (1.0 - out[i])


@njit(cache=True)
def _tanh(x, out):
    for i in range(x.size):
        out[i] = math.tanh(x[i])


@njit(cache=True)
def _tanh_backward(dout, x, out):
    for i in range(x.size):
        t = math.tanh(x[i])
        out[i] = dout[i] * (1.0 - t * t)


@njit(cache=True)
def _relu(x, out):
    for i in range(x.size):
        out[i] = x[i] if x[i] > 0 else 0.0


@njit(cache=True)
def _relu_backward(dout, x, out):
    for i in range(x.size):
        out[i] = dout[i] if x[i] > 0 else 0.0


@njit(cache=True)
def _leaky_relu(x, out, negative_slope):
    for i in range(x.size):
        out[i] = x[i] if x[i] > 0 else negative_slope * x[i]


@njit(cache=True)
def _leaky_relu_backward(dout, x, out, negative_slope):
    for i in range(x.size):
        out[i] = dout[i] if x[i] > 0 else negative_slope * dout[i]


@njit(cache=True)
def _elu(x, out, alpha):
    for i in range(x.size):
        out[i] = x[i] if x[i] > 0 else alpha * math.expm1(x[i])


@njit(cache=True)
def _elu_backward(dout, x, out, alpha):
    for i in range(x.size):
        out[i] = dout[i] if x[i] > 0 else dout[i] * alpha * math.exp(x[i])


# --------------------------------------------------------------------------- kernels (2-D rows, softmax along axis 1)

@njit(cache=True)
def _softmax_rows(x, out):
    rows, n = x.shape
    for r in range(rows):
        top = -np.inf
        for j in range(n):
            if x[r, j] > top:
                top = x[r, j]
        total = 0.0
        for j in range(n):
            e = math.exp(x[r, j] - top)
            out[r, j] = e
            total += e
        for j in range(n):
            out[r, j] = out[r, j] / total


@njit(cache=True)
def _softmax_backward_rows(dout, x, out):
    _softmax_rows(x, out)
    rows, n = x.shape
    for r in range(rows):
        weighted = 0.0
        for j in range(n):
            weighted += dout[r, j] * out[r, j]
        for j in range(n):
            out[r, j] = out[r, j] * (dout[r, j] - weighted)


# --------------------------------------------------------------------------- plain-Python wrappers

def _float(a) -> np.ndarray:
    """``a`` as an array of float32 or float64 (anything else becomes float64)."""
    a = np.asarray(a)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def _common(dout, x) -> tuple[np.ndarray, np.ndarray]:
    """``dout`` and ``x`` as arrays of their common float type (float32 only when both are)."""
    dtype = np.result_type(_float(dout), _float(x))
    return np.asarray(dout, dtype=dtype), np.asarray(x, dtype=dtype)


def _forward(kernel, x, *params) -> np.ndarray:
    x = _float(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    kernel(flat, out, *params)
    return out.reshape(x.shape)


def _backward(kernel, dout, x, *params) -> np.ndarray:
    dout, x = _common(dout, x)
    flat_x = np.ascontiguousarray(x).reshape(-1)
    flat_dout = np.ascontiguousarray(dout).reshape(-1)
    out = np.empty_like(flat_x)
    kernel(flat_dout, flat_x, out, *params)
    return out.reshape(x.shape)


def _to_rows(a: np.ndarray, axis: int) -> tuple[np.ndarray, tuple]:
    """``a`` as C-contiguous rows, ``axis`` moved last (one row per softmax), and its N-D shape."""
    moved = np.moveaxis(a, axis, -1)
    return np.ascontiguousarray(moved).reshape(-1, moved.shape[-1]), moved.shape


def _from_rows(rows: np.ndarray, moved_shape: tuple, axis: int) -> np.ndarray:
    """Undo :func:`_to_rows`: back to the original layout, C-contiguous."""
    return np.ascontiguousarray(np.moveaxis(rows.reshape(moved_shape), -1, axis))


def _on_device(function):
    """``function`` that runs ``cuda_kernels.cuda_<its name>`` instead when the references use CUDA.

    The CUDA launchers take the same arguments and follow the same conventions (see
    :mod:`.cuda_kernels`). ``device.use_cuda()`` is asked on every call, so the choice follows
    ``DLGRADE_DEVICE`` even after this module is imported.
    """
    @functools.wraps(function)
    def dispatch(*args, **kwargs):
        if device.use_cuda():
            from . import cuda_kernels
            return getattr(cuda_kernels, f"cuda_{function.__name__}")(*args, **kwargs)
        return function(*args, **kwargs)
    return dispatch


def binary_step(x):
    """Heaviside step with H(0) = 1: 1 where x >= 0, else 0. Same shape and dtype as x."""
    return _forward(_binary_step, x)


def binary_step_backward(dout, x):
    """The step is flat on both sides (and its jump gets 0): zeros shaped like x."""
    dout, x = _common(dout, x)
    return np.zeros_like(x)


def linear(x):
    """The identity, f(x) = x (a new array)."""
    return _float(x).copy()


def linear_backward(dout, x):
    """f′(x) = 1, so the gradient is dout itself (a new array, x's shape)."""
    dout, x = _common(dout, x)
    return dout.reshape(x.shape).copy()


@_on_device
def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), computed without overflow (exactly 0 and 1 at ±1000)."""
    return _forward(_sigmoid, x)


@_on_device
def sigmoid_backward(dout, x):
    """dout · σ(x) · (1 − σ(x)), with σ recomputed from the forward input x."""
    return _backward(_sigmoid_backward, dout, x)


@_on_device
def tanh(x):
    """tanh(x)."""
    return _forward(_tanh, x)


@_on_device
def tanh_backward(dout, x):
    """dout · (1 − tanh²(x))."""
    return _backward(_tanh_backward, dout, x)


@_on_device
def relu(x):
    """max(0, x)."""
    return _forward(_relu, x)


@_on_device
def relu_backward(dout, x):
    """dout where x > 0, else 0 (ReLU′(0) = 0)."""
    return _backward(_relu_backward, dout, x)


@_on_device
def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return _forward(_leaky_relu, x, float(negative_slope))


@_on_device
def leaky_relu_backward(dout, x, negative_slope=0.01):
    """dout where x > 0, else negative_slope · dout (so the derivative at 0 is negative_slope)."""
    return _backward(_leaky_relu_backward, dout, x, float(negative_slope))


@_on_device
def elu(x, alpha=1.0):
    """x where x > 0, else alpha · (e^x − 1)."""
    return _forward(_elu, x, float(alpha))


@_on_device
def elu_backward(dout, x, alpha=1.0):
    """dout where x > 0, else dout · alpha · e^x (so the derivative at 0 is alpha)."""
    return _backward(_elu_backward, dout, x, float(alpha))


def softmax(x, axis=-1):
    """exp(x − max) / Σ exp(x − max) along ``axis``: every slice along it sums to 1."""
    rows, moved_shape = _to_rows(_float(x), axis)
    out = np.empty_like(rows)
    _softmax_rows(rows, out)
    return _from_rows(out, moved_shape, axis)


def softmax_backward(dout, x, axis=-1):
    """The Jacobian-vector product s · (dout − Σ dout·s) along ``axis``, with s = softmax(x, axis)."""
    dout, x = _common(dout, x)
    rows, moved_shape = _to_rows(x, axis)
    out = np.empty_like(rows)
    _softmax_backward_rows(_to_rows(dout, axis)[0], rows, out)
    return _from_rows(out, moved_shape, axis)


# --------------------------------------------------------------------------- input generators

def logits_with_a_calm_row(rng: np.random.Generator, shape: tuple, values: list, axis: int = -1) -> np.ndarray:
    """Logits of ``shape`` drawn from ``values``, seen as rows along ``axis`` (the slices a softmax
    normalises): row 0 holds moderate values only (neither the least nor the largest of
    ``values``), and every column holds the largest value in a drawn row below row 0.

    So every draw has a softmax far below the array's maximum, with each probability in (0, 1)
    (a shift by the global maximum underflows it to 0/0, a diagonal-only Jacobian differs there),
    and the largest logit among the classes of every column (a softmax over the batch axis of
    (N, C) logits is ~1000 off in row 0)."""
    values = np.asarray(values, dtype=np.float64)
    moved = np.moveaxis(rng.choice(values, size=shape), axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]).copy()
    moderate = values[(values > values.min()) & (values < values.max())]
    rows[0] = rng.choice(moderate, size=rows.shape[1])
    rows[rng.integers(1, rows.shape[0], size=rows.shape[1]), np.arange(rows.shape[1])] = values.max()
    return np.ascontiguousarray(np.moveaxis(rows.reshape(moved.shape), -1, axis))


# --------------------------------------------------------------------------- mistakes, as students write them

def _np_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_softmax_unshifted(x, axis):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)


def _softmax_product(dout, s, axis):
    """s · (dout − Σ dout·s), the sum taken along ``axis``."""
    return s * (dout - np.sum(dout * s, axis=axis, keepdims=True))


_FORGOT_UPSTREAM = ("The backward pass returns dout · f′(x), the chain rule with the upstream gradient; "
                    "you returned f′(x) alone. Multiply by dout.")

MISTAKES = {
    "binary_step": [
        Mistake("tie_is_zero", "The step is 1 at exactly x = 0 (H(0) = 1, as in the perceptron's rule): "
                "use x >= 0, not x > 0.",
                lambda x: np.where(x > 0, 1.0, 0.0)),
        Mistake("labels_pm1", "The binary step outputs 0 and 1; −1/+1 are the perceptron's labels, not this "
                "activation's values.",
                lambda x: np.where(x >= 0, 1.0, -1.0)),
    ],
    "binary_step_backward": [
        Mistake("straight_through", "The step is flat on both sides of 0, so its derivative is 0 everywhere "
                "(the jump at 0 also gets 0, as in autograd frameworks): the gradient is all zeros, "
                "whatever dout is. Passing dout through unchanged is the identity's gradient.",
                lambda dout, x: dout.copy()),
    ],
    "linear_backward": [
        Mistake("forgot_upstream", _FORGOT_UPSTREAM, lambda dout, x: np.ones_like(x)),
    ],
    "sigmoid": [
        Mistake("overflow", "np.exp(x) overflows to inf for large x (above about 710 in float64, 89 in "
                "float32) and inf/inf is NaN. Exponentiate only non-positive numbers: 1/(1 + e^(−x)) "
                "where x >= 0 and e^x/(1 + e^x) where x < 0.",
                lambda x: np.exp(x) / (1 + np.exp(x))),
        Mistake("operator_precedence", "`1/1 + np.exp(-x)` is 1 + e^(−x), because / binds tighter than +: "
                "put the whole denominator in parentheses, 1 / (1 + e^(−x)).",
                lambda x: 1 / 1 + np.exp(-x)),
    ],
    "sigmoid_backward": [
        Mistake("derivative_of_input", "σ′(x) = σ(x)(1 − σ(x)) is written with σ(x), the forward *output*; "
                "you put the input x itself into s(1 − s). Compute s = σ(x) from x first.",
                lambda dout, x: dout * x * (1 - x)),
        Mistake("sigmoid_twice", "You applied σ to a value that was already σ(x) before using s(1 − s): "
                "backward receives the forward *input* x, so compute s = σ(x) once.",
                lambda dout, x: dout * _np_sigmoid(_np_sigmoid(x)) * (1 - _np_sigmoid(_np_sigmoid(x)))),
        Mistake("forgot_upstream", _FORGOT_UPSTREAM,
                lambda dout, x: _np_sigmoid(x) * (1 - _np_sigmoid(x))),
        Mistake("overflow", "e^(−x)/(1 + e^(−x))² overflows for very negative x (inf/inf is NaN). Write the "
                "derivative as σ(x)(1 − σ(x)) with a stable σ.",
                lambda dout, x: dout * np.exp(-x) / (1 + np.exp(-x)) ** 2),
    ],
    "tanh": [
        Mistake("overflow", "(eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) overflows for |x| above about 710 (inf/inf is NaN). "
                "Use np.tanh, or a form that only exponentiates −2|x|.",
                lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),
    ],
    "tanh_backward": [
        Mistake("derivative_of_input", "tanh′(x) = 1 − tanh²(x) is written with tanh(x), the forward *output*; "
                "you squared the input x itself. Compute t = tanh(x) first.",
                lambda dout, x: dout * (1 - x ** 2)),
    ],
    "relu_backward": [
        Mistake("derivative_at_zero_is_1", "At x = 0 the ReLU gradient is defined as 0 (PyTorch's convention): "
                "let dout through only where x > 0, not x >= 0.",
                lambda dout, x: dout * (x >= 0)),
        Mistake("forgot_upstream", _FORGOT_UPSTREAM, lambda dout, x: (x > 0).astype(np.float64)),
    ],
    "leaky_relu": [
        Mistake("keras_layer_slope", "Your default negative slope looks like 0.3, the default of Keras's "
                "LeakyReLU layer. Here the default is PyTorch's, negative_slope=0.01.",
                lambda x, negative_slope=0.3: np.where(x > 0, x, negative_slope * x)),
        Mistake("keras_function_slope", "Your default negative slope looks like 0.2, the default of "
                "tf.nn.leaky_relu and keras.activations.leaky_relu. Here the default is PyTorch's, "
                "negative_slope=0.01.",
                lambda x, negative_slope=0.2: np.where(x > 0, x, negative_slope * x)),
        Mistake("slope_ignored", "Negative inputs are scaled by 0.1 whatever negative_slope is (the lecture's "
                "max(0.1x, x)): use the negative_slope argument, whose default is 0.01.",
                lambda x, negative_slope=0.01: np.where(x > 0, x, 0.1 * x)),
        Mistake("max_with_slope", "Leaky ReLU is max(negative_slope · x, x) (for slopes below 1), not "
                "max(negative_slope, x): the slope multiplies x.",
                lambda x, negative_slope=0.01: np.maximum(negative_slope, x)),
    ],
    "leaky_relu_backward": [
        Mistake("derivative_at_zero_is_1", "At x = 0 PyTorch takes the negative branch, so LeakyReLU′(0) = "
                "negative_slope: the slope-1 branch is x > 0, not x >= 0.",
                lambda dout, x, negative_slope=0.01: np.where(x >= 0, dout, negative_slope * dout)),
        Mistake("slope_ignored", "Negative inputs get 0.1 · dout whatever negative_slope is (the lecture's "
                "max(0.1x, x)): use the negative_slope argument, whose default is 0.01.",
                lambda dout, x, negative_slope=0.01: np.where(x > 0, dout, 0.1 * dout)),
        Mistake("slope_without_dout", "Where x <= 0 the gradient is negative_slope · dout: you set it to "
                "negative_slope itself. The chain rule multiplies every local derivative by dout.",
                lambda dout, x, negative_slope=0.01: np.where(x > 0, dout, negative_slope)),
    ],
    "elu": [
        Mistake("missing_alpha", "The negative branch is alpha · (eˣ − 1): multiply by alpha.",
                lambda x, alpha=1.0: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    ],
    "elu_backward": [
        Mistake("missing_alpha", "On the negative branch ELU′(x) = alpha · eˣ (which is elu(x) + alpha): "
                "multiply by alpha.",
                lambda dout, x, alpha=1.0: np.where(x > 0, dout, dout * np.exp(np.minimum(x, 0)))),
        Mistake("derivative_at_zero_is_1", "PyTorch's ELU takes the negative branch at x = 0 (x > 0 is the "
                "identity branch), so ELU′(0) = alpha, not 1.",
                lambda dout, x, alpha=1.0: np.where(x >= 0, dout, dout * alpha * np.exp(np.minimum(x, 0)))),
    ],
    "softmax": [
        Mistake("no_max_shift", "np.exp overflows for large inputs (inf/inf is NaN) and underflows to 0/0 for "
                "very negative rows. Subtract each row's maximum before np.exp: softmax(x) = softmax(x − c) "
                "for any constant c per row.",
                lambda x, axis=-1: _np_softmax_unshifted(x, axis)),
        Mistake("global_max_shift", "You subtracted the maximum of the whole array: a row far below it "
                "underflows to 0/0. Subtract each row's own maximum (np.max along axis, keepdims=True).",
                lambda x, axis=-1: np.exp(x - np.max(x)) / np.sum(np.exp(x - np.max(x)), axis=axis, keepdims=True)),
        Mistake("wrong_axis", "Your output matches a softmax over axis 0 (each column sums to 1). Normalise "
                "along `axis` (default -1, the last axis: each row sums to 1).",
                lambda x, axis=-1: _np_softmax(x, 0)),
        Mistake("axis_ignored", "Your output matches a softmax over the last axis, whatever `axis` is: use "
                "the axis argument for the maximum and the sum.",
                lambda x, axis=-1: _np_softmax(x, -1)),
    ],
    "softmax_backward": [
        Mistake("diagonal_only", "The softmax Jacobian is not diagonal: ∂s_i/∂x_j = s_i(δ_ij − s_j). The "
                "product with dout is s · (dout − Σ_j dout_j s_j), not dout · s(1 − s).",
                lambda dout, x, axis=-1: dout * _np_softmax(x, axis) * (1 - _np_softmax(x, axis))),
        Mistake("wrong_axis", "The sum Σ_j dout_j s_j runs along the softmax's own axis (one sum per row, "
                "keepdims=True), not along axis 0.",
                lambda dout, x, axis=-1: _softmax_product(dout, _np_softmax(x, axis), 0)),
        Mistake("no_max_shift", "Recomputing the softmax without subtracting each row's maximum overflows "
                "for large inputs (inf/inf is NaN): shift by the row maximum first.",
                lambda dout, x, axis=-1: _softmax_product(dout, _np_softmax_unshifted(x, axis), axis)),
    ],
}
