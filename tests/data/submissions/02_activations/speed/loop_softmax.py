"""softmax with a Python loop over every element (everything else is correct and vectorised).

It must fail the performance test softmax_speed: a per-element loop is orders of magnitude
slower than whole-array NumPy.
"""
import math

import numpy as np


def binary_step(x):
    return (x >= 0).astype(x.dtype)


def binary_step_backward(dout, x):
    return np.zeros_like(x)


def linear(x):
    return x.copy()


def linear_backward(dout, x):
    return dout.copy()


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dout, x):
    s = sigmoid(x)
    return dout * s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_backward(dout, x):
    return dout * (1 - np.tanh(x) ** 2)


def relu(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return dout * (x > 0)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(dout, x, negative_slope=0.01):
    return np.where(x > 0, dout, negative_slope * dout)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_backward(dout, x, alpha=1.0):
    return np.where(x > 0, dout, dout * alpha * np.exp(np.minimum(x, 0)))


def softmax(x, axis=-1):
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        row = moved[idx]
        top = max(row)
        total = 0.0
        for j in range(len(row)):
            out[idx + (j,)] = math.exp(row[j] - top)
            total += out[idx + (j,)]
        for j in range(len(row)):
            out[idx + (j,)] /= total
    return np.moveaxis(out, -1, axis)


def softmax_backward(dout, x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    s = e / np.sum(e, axis=axis, keepdims=True)
    return s * (dout - np.sum(dout * s, axis=axis, keepdims=True))
