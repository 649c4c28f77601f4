"""Assignment 02: activation functions and their gradients. Fill in each function; see README.md.

Every activation f has a forward function f(x) and a backward function f_backward(dout, x):
- x is the forward *input* (any shape), dout the upstream gradient dL/df(x) (same shape as x);
- f_backward returns dL/dx = dout * f'(x) (for softmax, the full Jacobian-vector product);
- hyper-parameters (negative_slope, alpha, axis) are passed to both, with the same defaults.

Conventions: PyTorch's definitions and defaults. Arrays are float64 or float32, and every result
has the dtype of its input (float32 in, float32 out). Do not modify the input arrays: return new
ones. Check your work with

    grade check assignments/02_activations

and check a backward function numerically with ``from gradcheck import numerical_gradient,
relative_error`` (see README.md).
"""
import numpy as np


def binary_step(x):
    """The binary step (Heaviside) function.

    Input: x, array of any shape (float32 or float64).
    Returns an array like x (same shape and dtype): 1 where x >= 0 (x = 0 included), else 0.
    """
    raise NotImplementedError


def binary_step_backward(dout, x):
    """Gradient of binary_step: the step is flat on both sides, so the gradient is 0 everywhere.

    Inputs: dout, the upstream gradient, and x, the forward input (arrays of the same shape).
    Returns dx, an array of zeros like x (same shape and dtype).
    """
    raise NotImplementedError


def linear(x):
    """The linear (identity) activation f(x) = x.

    Input: x, array of any shape. Returns an array like x with the same values.
    """
    raise NotImplementedError


def linear_backward(dout, x):
    """Gradient of linear: f'(x) = 1.

    Inputs: dout and x, arrays of the same shape. Returns dx = dout * f'(x), an array like x.
    """
    raise NotImplementedError


def sigmoid(x):
    """The logistic sigmoid s(x) = 1 / (1 + exp(-x)).

    Input: x, array of any shape. Returns an array like x, with values in [0, 1].
    Must not overflow: at x = 1000 the answer is exactly 1.0, at x = -1000 exactly 0.0,
    and never NaN.
    """
    raise NotImplementedError


def sigmoid_backward(dout, x):
    """Gradient of sigmoid: s'(x) = s(x) * (1 - s(x)), with s(x) = sigmoid(x).

    Inputs: dout, the upstream gradient; x, the forward *input* (not sigmoid(x)). Same shape.
    Returns dx = dout * s'(x), an array like x.
    """
    raise NotImplementedError


def tanh(x):
    """The hyperbolic tangent.

    Input: x, array of any shape. Returns an array like x, with values in [-1, 1] (never NaN).
    """
    raise NotImplementedError


def tanh_backward(dout, x):
    """Gradient of tanh: tanh'(x) = 1 - tanh(x)**2.

    Inputs: dout, the upstream gradient; x, the forward *input*. Same shape.
    Returns dx = dout * tanh'(x), an array like x.
    """
    raise NotImplementedError


def relu(x):
    """The rectified linear unit max(0, x).

    Input: x, array of any shape. Returns an array like x.
    """
    raise NotImplementedError


def relu_backward(dout, x):
    """Gradient of relu: 1 where x > 0, else 0 (the derivative at x = 0 is taken as 0).

    Inputs: dout, the upstream gradient; x, the forward input. Same shape.
    Returns dx = dout * relu'(x), an array like x.
    """
    raise NotImplementedError


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: x where x > 0, else negative_slope * x.

    Inputs: x, array of any shape; negative_slope, float (default 0.01, as in PyTorch).
    Returns an array like x.
    """
    raise NotImplementedError


def leaky_relu_backward(dout, x, negative_slope=0.01):
    """Gradient of leaky_relu: 1 where x > 0, else negative_slope (x = 0 included).

    Inputs: dout, the upstream gradient; x, the forward input (same shape); negative_slope, float.
    Returns dx = dout * leaky_relu'(x), an array like x.
    """
    raise NotImplementedError


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, else alpha * (exp(x) - 1).

    Inputs: x, array of any shape; alpha, float (default 1.0). Returns an array like x.
    """
    raise NotImplementedError


def elu_backward(dout, x, alpha=1.0):
    """Gradient of elu: 1 where x > 0, else alpha * exp(x) (x = 0 included).

    Inputs: dout, the upstream gradient; x, the forward input (same shape); alpha, float.
    Returns dx = dout * elu'(x), an array like x.
    """
    raise NotImplementedError


def softmax(x, axis=-1):
    """Softmax along one axis: exp(x_i) / sum_j exp(x_j), for every slice along `axis`.

    Inputs: x, array of any shape, e.g. (N, C) scores, one row per sample; axis, int (default
    -1: each row of an (N, C) array sums to 1).
    Returns an array like x. Must be numerically stable: rows like [1000, 1001, 1002] or
    [-1000, -1001, -1002] give finite results, never NaN.
    """
    raise NotImplementedError


def softmax_backward(dout, x, axis=-1):
    """Gradient of softmax along `axis`: the full Jacobian-vector product.

    Inputs: dout, the upstream gradient; x, the forward *input* (recompute s = softmax(x, axis));
    same shape; axis, int (default -1).
    Returns dx, an array like x: dx_i = s_i * (dout_i - sum_j dout_j * s_j), the sum along `axis`.
    """
    raise NotImplementedError
