import numpy as np

# Forward passes keep a cache like CS231n's; the backward passes rebuild it from the inputs.


def dense_forward(x, W, b):
    N = x.shape[0]
    out = x.reshape(N, np.prod(x.shape[1:])) @ W
    out += b
    return out


def dense_backward(dout, x, W):
    N = x.shape[0]
    x_rows = x.reshape(N, np.prod(x.shape[1:]))
    dW = x_rows.T @ dout
    db = np.sum(dout, axis=0)
    dx = dout @ W.T
    return dx.reshape(*x.shape), dW, db


def dropout_forward(x, p, u, train=True):
    if train is False:
        return np.array(x)
    mask = u >= p
    out = np.zeros_like(x)
    out[mask] = x[mask] / (1 - p)
    return out


def dropout_backward(dout, p, u, train=True):
    if train is False:
        return np.array(dout)
    mask = u >= p
    dx = np.zeros_like(dout)
    dx[mask] = dout[mask] / (1 - p)
    return dx


def _bn_cache(x2, gamma, eps):
    mu = np.sum(x2, axis=0) / x2.shape[0]
    xmu = x2 - mu
    sq = xmu ** 2
    var = np.sum(sq, axis=0) / x2.shape[0]
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    return {"xmu": xmu, "var": var, "sqrtvar": sqrtvar, "ivar": ivar, "xhat": xhat, "gamma": gamma, "eps": eps}


def _spatial(x):
    if x.ndim == 2:
        return x, None
    N, C, H, W = x.shape
    return np.transpose(x, (0, 2, 3, 1)).reshape(N * H * W, C), (N, H, W, C)


def _unspatial(x2, shape):
    if shape is None:
        return x2
    return np.transpose(x2.reshape(shape), (0, 3, 1, 2))


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x2, shape = _spatial(x)
    cache = _bn_cache(x2, gamma, eps)
    return _unspatial(gamma * cache["xhat"] + beta, shape)


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    x2, shape = _spatial(x)
    d2, _ = _spatial(dout)
    c = _bn_cache(x2, gamma, eps)
    N = x2.shape[0]
    dbeta = np.sum(d2, axis=0)
    dgammax = d2
    dgamma = np.sum(dgammax * c["xhat"], axis=0)
    dxhat = dgammax * gamma
    divar = np.sum(dxhat * c["xmu"], axis=0)
    dxmu1 = dxhat * c["ivar"]
    dsqrtvar = -1.0 / (c["sqrtvar"] ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(c["var"] + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones_like(d2) * dvar
    dxmu2 = 2 * c["xmu"] * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones_like(d2) * dmu
    return _unspatial(dx1 + dx2, shape), dgamma, dbeta


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    with np.nditer(x, flags=["multi_index"], op_flags=["readwrite"]) as it:
        for cell in it:
            ix = it.multi_index
            old_value = float(cell)
            x[ix] = old_value + h
            fxph = f(x)
            x[ix] = old_value - h
            fxmh = f(x)
            x[ix] = old_value
            grad[ix] = (fxph - fxmh) / (2 * h)
    return grad
