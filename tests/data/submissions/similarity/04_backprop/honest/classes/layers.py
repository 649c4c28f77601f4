"""Layers as small classes that remember nothing between calls; the required functions call them."""
import numpy as np


class Dense:
    @staticmethod
    def flatten(x):
        return np.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))

    def forward(self, x, W, b):
        return np.matmul(self.flatten(x), W) + b

    def backward(self, dout, x, W):
        grad_input = np.matmul(dout, W.T).reshape(x.shape)
        grad_weight = np.matmul(self.flatten(x).T, dout)
        grad_bias = np.sum(dout, axis=0)
        return grad_input, grad_weight, grad_bias


class Dropout:
    def __init__(self, p, u, train):
        self.p, self.u, self.train = p, u, train

    def apply(self, a):
        if not self.train:
            return np.copy(a)
        return np.where(self.u >= self.p, a / (1 - self.p), 0).astype(a.dtype)


class BatchNorm:
    def __init__(self, gamma, eps):
        self.gamma, self.eps = gamma, eps

    def _axes(self, x):
        return (0,) if x.ndim == 2 else (0, 2, 3)

    def _shape(self, x):
        return (1, -1) if x.ndim == 2 else (1, -1, 1, 1)

    def normalise(self, x):
        axes = self._axes(x)
        centred = x - x.mean(axis=axes, keepdims=True)
        scale = 1 / np.sqrt((centred ** 2).mean(axis=axes, keepdims=True) + self.eps)
        return centred * scale, scale

    def forward(self, x, beta):
        normed, _ = self.normalise(x)
        shape = self._shape(x)
        return self.gamma.reshape(shape) * normed + beta.reshape(shape)

    def backward(self, dout, x):
        axes, shape = self._axes(x), self._shape(x)
        normed, scale = self.normalise(x)
        d_normed = dout * self.gamma.reshape(shape)
        term1 = d_normed.mean(axis=axes, keepdims=True)
        term2 = normed * (d_normed * normed).mean(axis=axes, keepdims=True)
        grad_x = scale * (d_normed - term1 - term2)
        return grad_x, (dout * normed).sum(axis=axes), dout.sum(axis=axes)


def dense_forward(x, W, b):
    return Dense().forward(x, W, b)


def dense_backward(dout, x, W):
    return Dense().backward(dout, x, W)


def dropout_forward(x, p, u, train=True):
    return Dropout(p, u, train).apply(x)


def dropout_backward(dout, p, u, train=True):
    return Dropout(p, u, train).apply(dout)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return BatchNorm(gamma, eps).forward(x, beta)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    return BatchNorm(gamma, eps).backward(dout, x)


class _Probe:
    """Moves one element of x by +h and -h and puts it back."""

    def __init__(self, f, x, h):
        self.f, self.x, self.h = f, x, h

    def slope(self, index):
        original = self.x[index]
        self.x[index] = original + self.h
        plus = self.f(self.x)
        self.x[index] = original - self.h
        minus = self.f(self.x)
        self.x[index] = original
        return (plus - minus) / (2 * self.h)


def numerical_gradient(f, x, h=1e-5):
    probe = _Probe(f, x, h)
    result = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        result[index] = probe.slope(index)
    return result
