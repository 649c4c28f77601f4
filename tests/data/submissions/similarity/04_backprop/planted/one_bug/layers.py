from functools import reduce
from operator import mul

import numpy as np


def _flat(x):
    return x.reshape(x.shape[0], reduce(mul, x.shape[1:], 1))


def _scaled_mask(u, p, dtype):
    return ((u >= p) * (1.0 / (1.0 - p))).astype(dtype)


def dense_forward(x, W, b):
    return np.add(np.matmul(_flat(x), W), b)


def dense_backward(dout, x, W):
    return (np.matmul(dout, np.transpose(W)).reshape(x.shape),
            np.matmul(np.transpose(_flat(x)), dout),
            np.add.reduce(dout, axis=0))


def dropout_forward(x, p, u, train=True):
    return np.multiply(x, _scaled_mask(u, p, x.dtype)) if train else x + 0


def dropout_backward(dout, p, u, train=True):
    return np.multiply(dout, _scaled_mask(u, p, dout.dtype)) if train else dout + 0


def _nhwc(x):
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _nchw(y, like):
    moved = np.moveaxis(like, 1, -1).shape
    return np.moveaxis(y.reshape(moved), -1, 1)


def _stats(z, eps):
    mu = np.mean(z, axis=0)
    return mu, 1.0 / np.sqrt(np.var(z, axis=0) + eps)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    z = _nhwc(x)
    mu, r = _stats(z, eps)
    return _nchw((z - mu) * r * gamma + beta, x)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    z, g = _nhwc(x), _nhwc(dout)
    mu, r = _stats(z, eps)
    zh = (z - mu) * r
    dgamma, dbeta = np.sum(g * zh, axis=0), np.sum(g, axis=0)
    dz = gamma * r * (g - np.mean(g, axis=0) + zh * np.mean(g * zh, axis=0))
    return _nchw(dz, x), dgamma, dbeta


def _bump(f, x, index, delta):
    keep = x[index]
    x[index] = keep + delta
    try:
        return f(x)
    finally:
        x[index] = keep


def numerical_gradient(f, x, h=1e-5):
    grads = [(_bump(f, x, i, h) - _bump(f, x, i, -h)) / (2 * h) for i in np.ndindex(x.shape)]
    return np.array(grads, dtype=np.float64).reshape(x.shape)
