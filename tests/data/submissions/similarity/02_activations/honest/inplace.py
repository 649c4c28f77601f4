import numpy as np


def binary_step(x):
    y = np.zeros_like(x)
    y[x >= 0] = 1
    return y


def binary_step_backward(dout, x):
    dx = np.empty_like(dout)
    dx.fill(0)
    return dx


def linear(x):
    y = np.empty_like(x)
    y[...] = x
    return y


def linear_backward(dout, x):
    dx = np.empty_like(dout)
    dx[...] = dout
    return dx


def sigmoid(x):
    y = np.abs(x)
    np.negative(y, out=y)
    np.exp(y, out=y)          # y = exp(-|x|) in (0, 1]
    num = np.where(x >= 0, 1, y)
    return (num / (1 + y)).astype(x.dtype)


def sigmoid_backward(dout, x):
    y = sigmoid(x)
    dx = 1 - y
    dx *= y
    dx *= dout
    return dx


def tanh(x):
    y = np.empty_like(x)
    np.tanh(x, out=y)
    return y


def tanh_backward(dout, x):
    t = tanh(x)
    t *= t
    np.subtract(1, t, out=t)
    t *= dout
    return t


def relu(x):
    y = x.copy()
    y[y < 0] = 0
    return y


def relu_backward(dout, x):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def leaky_relu(x, negative_slope=0.01):
    y = x.copy()
    y[x <= 0] *= negative_slope
    return y


def leaky_relu_backward(dout, x, negative_slope=0.01):
    dx = dout.copy()
    dx[x <= 0] *= negative_slope
    return dx


def elu(x, alpha=1.0):
    y = x.copy()
    below = x <= 0
    y[below] = np.expm1(x[below]) * alpha
    return y


def elu_backward(dout, x, alpha=1.0):
    dx = dout.copy()
    below = x <= 0
    dx[below] *= alpha * np.exp(x[below])
    return dx


def softmax(x, axis=-1):
    y = x - x.max(axis=axis, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y


def softmax_backward(dout, x, axis=-1):
    y = softmax(x, axis=axis)
    dx = dout - (dout * y).sum(axis=axis, keepdims=True)
    dx *= y
    return dx
