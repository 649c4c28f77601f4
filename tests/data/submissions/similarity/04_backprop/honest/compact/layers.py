"""Layers, compact."""
import numpy as np


def dense_forward(x, W, b):
    return x.reshape(x.shape[0], -1) @ W + b


def dense_backward(dout, x, W):
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ W.T).reshape(x.shape)
    return dx, x2.T @ dout, dout.sum(axis=0)


def dropout_forward(x, p, u, train=True):
    if not train:
        return x.copy()
    return x * (u >= p) / (1.0 - p)


def dropout_backward(dout, p, u, train=True):
    if not train:
        return dout.copy()
    return dout * (u >= p) / (1.0 - p)


def _rows(x):
    """x as (samples, features): (N, D) as it is, (N, C, H, W) with one column per channel."""
    return x if x.ndim == 2 else x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _unrows(rows, x):
    if x.ndim == 2:
        return rows
    n, c, h, w = x.shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    z = _rows(x)
    x_hat = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)
    return _unrows(gamma * x_hat + beta, x)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    z, dz = _rows(x), _rows(dout)
    m = z.shape[0]
    inv_std = 1.0 / np.sqrt(z.var(axis=0) + eps)
    x_hat = (z - z.mean(axis=0)) * inv_std
    dx_hat = dz * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return _unrows(dx, x), (dz * x_hat).sum(axis=0), dz.sum(axis=0)


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        up = f(x)
        x[index] = old - h
        down = f(x)
        x[index] = old
        grad[index] = (up - down) / (2 * h)
    return grad
