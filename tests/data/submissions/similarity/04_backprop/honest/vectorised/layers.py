import numpy as np


def dense_forward(x, W, b):
    flat = x.reshape(len(x), -1)
    return flat.dot(W) + b


def dense_backward(dout, x, W):
    flat = x.reshape(len(x), -1)
    dx = dout.dot(W.T).reshape(x.shape)
    dW = flat.T.dot(dout)
    db = dout.sum(0)
    return dx, dW, db


def dropout_forward(x, p, u, train=True):
    if train:
        keep = (u >= p).astype(x.dtype)
        return x * keep / (1 - p)
    return x.copy()


def dropout_backward(dout, p, u, train=True):
    if train:
        keep = (u >= p).astype(dout.dtype)
        return dout * keep / (1 - p)
    return dout.copy()


def _to_2d(x):
    if x.ndim == 4:
        N, C, H, W = x.shape
        return x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
    return x


def _from_2d(y, shape):
    if len(shape) == 4:
        N, C, H, W = shape
        return y.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return y


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x2 = _to_2d(x)
    mu = x2.mean(0)
    var = x2.var(0)
    out = gamma * (x2 - mu) / np.sqrt(var + eps) + beta
    return _from_2d(out, x.shape)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    x2, d2 = _to_2d(x), _to_2d(dout)
    m = x2.shape[0]
    mu = x2.mean(0)
    var = x2.var(0)
    std = np.sqrt(var + eps)
    xhat = (x2 - mu) / std
    dbeta = d2.sum(0)
    dgamma = (d2 * xhat).sum(0)
    dxhat = d2 * gamma
    dx = (dxhat - dxhat.mean(0) - xhat * (dxhat * xhat).mean(0)) / std
    return _from_2d(dx, x.shape), dgamma, dbeta


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        saved = x[i]
        x[i] = saved + h
        fp = f(x)
        x[i] = saved - h
        fm = f(x)
        x[i] = saved
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad
