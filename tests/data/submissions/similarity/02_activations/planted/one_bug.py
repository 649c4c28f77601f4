"""np.piecewise and np.select for the piecewise activations; softmax through log-sum-exp."""
import numpy as np


def binary_step(x):
    return np.piecewise(x, [x < 0, x >= 0], [0, 1])


def binary_step_backward(dout, x):
    return np.zeros(np.shape(x), x.dtype)


def linear(x):
    return np.piecewise(x, [np.ones(x.shape, bool)], [lambda v: v])


def linear_backward(dout, x):
    return dout * np.ones((), x.dtype)


def sigmoid(x):
    return np.piecewise(x, [x >= 0, x < 0],
                        [lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(v) / (1 + np.exp(v))])


def sigmoid_backward(dout, x):
    fx = sigmoid(x)
    return dout * fx * (1 - fx)


def tanh(x):
    return np.tanh(x)


def tanh_backward(dout, x):
    return dout / np.cosh(x) ** 2


def relu(x):
    return np.piecewise(x, [x > 0], [lambda v: v, 0])


def relu_backward(dout, x):
    return np.select([x > 0], [dout], 0).astype(dout.dtype)


def leaky_relu(x, negative_slope=0.01):
    return np.piecewise(x, [x > 0], [lambda v: v, lambda v: negative_slope * v])


def leaky_relu_backward(dout, x, negative_slope=0.01):
    return np.select([x > 0], [dout], negative_slope * dout).astype(dout.dtype)


def elu(x, alpha=1.0):
    return np.piecewise(x, [x > 0], [lambda v: v, lambda v: alpha * np.expm1(v)])


def elu_backward(dout, x, alpha=1.0):
    return np.select([x > 0], [dout], dout * alpha * np.exp(np.minimum(x, 0))).astype(dout.dtype)


def _logsumexp(x, axis):
    top = np.max(x, axis=axis, keepdims=True)
    return top + np.log(np.sum(np.exp(x + top), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    return np.exp(x - _logsumexp(x, axis))


def softmax_backward(dout, x, axis=-1):
    sm = softmax(x, axis)
    return sm * (dout - np.sum(sm * dout, axis=axis, keepdims=True))
