# Activations written element by element, the way I first learned them.
import math

import numpy as np


def binary_step(x):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = 1 if value >= 0 else 0
    return out


def binary_step_backward(dout, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out.flat[i] = 0
    return out


def linear(x):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = value
    return out


def linear_backward(dout, x):
    grad = np.empty_like(dout)
    for i, g in enumerate(dout.flat):
        grad.flat[i] = g
    return grad


def _logistic(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    ev = math.exp(v)
    return ev / (1.0 + ev)


def sigmoid(x):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = _logistic(float(value))
    return out


def sigmoid_backward(dout, x):
    grad = np.empty_like(x)
    for i, value in enumerate(x.flat):
        s = _logistic(float(value))
        grad.flat[i] = dout.flat[i] * s * (1 - s)
    return grad


def tanh(x):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = math.tanh(value)
    return out


def tanh_backward(dout, x):
    grad = np.empty_like(x)
    for i, value in enumerate(x.flat):
        grad.flat[i] = dout.flat[i] * (1 - math.tanh(value) ** 2)
    return grad


def relu(x):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = value if value > 0 else 0
    return out


def relu_backward(dout, x):
    grad = np.empty_like(x)
    for i, value in enumerate(x.flat):
        grad.flat[i] = dout.flat[i] if value > 0 else 0
    return grad


def leaky_relu(x, negative_slope=0.01):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = value if value > 0 else negative_slope * value
    return out


def leaky_relu_backward(dout, x, negative_slope=0.01):
    grad = np.empty_like(x)
    for i, value in enumerate(x.flat):
        grad.flat[i] = dout.flat[i] if value > 0 else negative_slope * dout.flat[i]
    return grad


def elu(x, alpha=1.0):
    out = np.empty_like(x)
    for i, value in enumerate(x.flat):
        out.flat[i] = value if value > 0 else alpha * math.expm1(value)
    return out


def elu_backward(dout, x, alpha=1.0):
    grad = np.empty_like(x)
    for i, value in enumerate(x.flat):
        grad.flat[i] = dout.flat[i] if value > 0 else dout.flat[i] * alpha * math.exp(value)
    return grad


def softmax(x, axis=-1):
    # the loop version was too slow for the speed test, so this one is whole-array
    m = np.max(x, axis=axis, keepdims=True)
    p = np.exp(x - m)
    p /= np.sum(p, axis=axis, keepdims=True)
    return p


def softmax_backward(dout, x, axis=-1):
    p = softmax(x, axis)
    inner = np.sum(p * dout, axis=axis, keepdims=True)
    return p * dout - p * inner
