"""Batch norm over an axis tuple with keepdims, broadcasting gamma to (1, C[, 1, 1])."""
import numpy as np


def dense_forward(x, W, b):
    batch = x.shape[0]
    return np.dot(np.reshape(x, (batch, -1)), W) + b[np.newaxis, :]


def dense_backward(dout, x, W):
    batch = x.shape[0]
    x_mat = np.reshape(x, (batch, -1))
    return np.reshape(np.dot(dout, W.T), x.shape), np.dot(x_mat.T, dout), np.sum(dout, axis=0)


def dropout_forward(x, p, u, train=True):
    return x * np.where(u >= p, 1.0 / (1.0 - p), 0.0).astype(x.dtype) if train else np.copy(x)


def dropout_backward(dout, p, u, train=True):
    return dout * np.where(u >= p, 1.0 / (1.0 - p), 0.0).astype(dout.dtype) if train else np.copy(dout)


def _reduce_axes(ndim):
    return tuple(a for a in range(ndim) if a != 1)


def _per_channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    ax = _reduce_axes(x.ndim)
    mean = np.mean(x, axis=ax, keepdims=True)
    variance = np.mean(np.square(x - mean), axis=ax, keepdims=True)
    x_norm = (x - mean) / np.sqrt(variance + eps)
    return _per_channel(gamma, x.ndim) * x_norm + _per_channel(beta, x.ndim)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    ax = _reduce_axes(x.ndim)
    m = x.size / x.shape[1]
    mean = np.mean(x, axis=ax, keepdims=True)
    variance = np.mean(np.square(x - mean), axis=ax, keepdims=True)
    inv_sd = (variance + eps) ** -0.5
    x_norm = (x - mean) * inv_sd
    dbeta = np.sum(dout, axis=ax)
    dgamma = np.sum(dout * x_norm, axis=ax)
    # staged chain rule through the variance and the mean
    dx_norm = dout * _per_channel(gamma, x.ndim)
    dvariance = np.sum(dx_norm * (x - mean), axis=ax, keepdims=True) * -0.5 * inv_sd ** 3
    dmean = -np.sum(dx_norm * inv_sd, axis=ax, keepdims=True) - 2.0 * dvariance * np.mean(x - mean, axis=ax, keepdims=True)
    dx = dx_norm * inv_sd + dvariance * 2.0 * (x - mean) / m + dmean / m
    return dx, dgamma, dbeta


def numerical_gradient(f, x, h=1e-5):
    gradient = np.zeros(x.shape, np.float64)
    for flat_index in range(x.size):
        idx = np.unravel_index(flat_index, x.shape)
        x0 = x[idx]
        x[idx] = x0 + h
        f_plus = f(x)
        x[idx] = x0 - h
        f_minus = f(x)
        x[idx] = x0
        gradient[idx] = (f_plus - f_minus) / (2.0 * h)
    return gradient
