# Layers with explicit loops where that stays readable (the dense product still uses @).
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)          # a view: writing to it changes x
    g = grad.reshape(-1)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + h
        above = f(x)
        flat[k] = keep - h
        below = f(x)
        flat[k] = keep
        g[k] = (above - below) / (2 * h)
    return grad


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    dx = np.empty_like(x)
    dgamma = np.empty_like(gamma)
    dbeta = np.empty_like(gamma)
    for where, values in _channels(x):
        j = where[1]
        g = dout[where]
        count = values.size
        mean = values.mean()
        inv = 1.0 / np.sqrt(((values - mean) ** 2).mean() + eps)
        normed = (values - mean) * inv
        dbeta[j] = g.sum()
        dgamma[j] = (g * normed).sum()
        dn = g * gamma[j]
        dx[where] = inv / count * (count * dn - dn.sum() - normed * (dn * normed).sum())
    return dx, dgamma, dbeta


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    out = np.empty_like(x)
    for where, values in _channels(x):
        j = where[1]
        mean = values.mean()
        variance = ((values - mean) ** 2).mean()
        out[where] = gamma[j] * (values - mean) / np.sqrt(variance + eps) + beta[j]
    return out


def _channels(x):
    """Yield (index, values) per feature or channel: column j of (N, D), or channel c of NCHW."""
    for j in range(x.shape[1]):
        yield (slice(None), j), x[:, j]


def dropout_backward(dout, p, u, train=True):
    dx = np.array(dout, copy=True)
    if not train:
        return dx
    scale = 1.0 / (1.0 - p)
    for i in np.ndindex(dout.shape):
        dx[i] = dout[i] * scale if u[i] >= p else 0.0
    return dx


def dropout_forward(x, p, u, train=True):
    out = np.array(x, copy=True)
    if not train:
        return out
    scale = 1.0 / (1.0 - p)
    for i in np.ndindex(x.shape):
        out[i] = x[i] * scale if u[i] >= p else 0.0
    return out


def dense_backward(dout, x, W):
    n = x.shape[0]
    rows = x.reshape(n, -1)
    dW = np.zeros(W.shape, dtype=np.result_type(W, dout))
    db = np.zeros(W.shape[1], dtype=dout.dtype)
    for i in range(n):
        dW += np.outer(rows[i], dout[i])
        db += dout[i]
    dx = (dout @ W.T).reshape(x.shape)
    return dx, dW, db


def dense_forward(x, W, b):
    n = x.shape[0]
    rows = x.reshape(n, -1)
    out = np.empty((n, W.shape[1]), dtype=np.result_type(x, W, b))
    for i in range(n):
        out[i] = rows[i] @ W + b
    return out
