"""Softmax by moving the axis last and using einsum; the rest with ufuncs and out= arguments."""
import numpy as np


def binary_step(x):
    return np.greater_equal(x, 0).astype(x.dtype)


def binary_step_backward(dout, x):
    return np.zeros_like(x)


def linear(x):
    return np.copy(x)


def linear_backward(dout, x):
    return np.copy(dout)


def sigmoid(x):
    # logaddexp(0, -x) = log(1 + e^-x), computed without overflow
    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype)


def sigmoid_backward(dout, x):
    sg = sigmoid(x)
    return np.multiply(dout, sg * (1 - sg))


def tanh(x):
    return np.tanh(x)


def tanh_backward(dout, x):
    return np.multiply(dout, 1 - np.power(np.tanh(x), 2))


def relu(x):
    return np.clip(x, 0, None)


def relu_backward(dout, x):
    return np.multiply(dout, np.greater(x, 0)).astype(dout.dtype)


def leaky_relu(x, negative_slope=0.01):
    return np.maximum(x, 0) + negative_slope * np.minimum(x, 0)


def leaky_relu_backward(dout, x, negative_slope=0.01):
    factor = np.greater(x, 0) + negative_slope * np.less_equal(x, 0)
    return np.multiply(dout, factor).astype(dout.dtype)


def elu(x, alpha=1.0):
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0))


def elu_backward(dout, x, alpha=1.0):
    factor = np.greater(x, 0) + alpha * np.exp(np.minimum(x, 0)) * np.less_equal(x, 0)
    return np.multiply(dout, factor).astype(dout.dtype)


def softmax(x, axis=-1):
    last = np.moveaxis(x, axis, -1)
    e = np.exp(last - last.max(-1)[..., None])
    return np.moveaxis(e / e.sum(-1)[..., None], -1, axis)


def softmax_backward(dout, x, axis=-1):
    s = np.moveaxis(softmax(x, axis), axis, -1)
    g = np.moveaxis(dout, axis, -1)
    inner = np.einsum("...i,...i->...", g, s)[..., None]
    return np.moveaxis(s * (g - inner), -1, axis)
