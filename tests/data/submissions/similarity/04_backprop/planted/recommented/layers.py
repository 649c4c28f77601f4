import numpy as np

def dense_forward(x, W, b):  # my own version of dense_forward
    x2 = x.reshape(x.shape[0], -1)
    return np.einsum("nd,dm->nm", x2, W) + b

def dense_backward(dout, x, W):  # my own version of dense_backward
    x2 = x.reshape(x.shape[0], -1)
    dx = np.einsum("nm,dm->nd", dout, W).reshape(x.shape)
    dW = np.einsum("nd,nm->dm", x2, dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db

def dropout_forward(x, p, u, train=True):  # my own version of dropout_forward
    mask = np.greater_equal(u, p) / (1.0 - p) if train else np.ones_like(x)
    return (x * mask).astype(x.dtype)

def dropout_backward(dout, p, u, train=True):  # my own version of dropout_backward
    mask = np.greater_equal(u, p) / (1.0 - p) if train else np.ones_like(dout)
    return (dout * mask).astype(dout.dtype)

def _spec(x):  # my own version of _spec

    return ("nc", "c") if x.ndim == 2 else ("nchw", "c")

def batchnorm_forward(x, gamma, beta, eps=1e-5):  # my own version of batchnorm_forward
    full, chan = _spec(x)
    m = x.size // x.shape[1]
    mean = np.einsum(f"{full}->{chan}", x) / m
    shape = (1, -1) + (1,) * (x.ndim - 2)
    xc = x - mean.reshape(shape)
    var = np.einsum(f"{full},{full}->{chan}", xc, xc) / m
    xn = xc / np.sqrt(var + eps).reshape(shape)
    return xn * gamma.reshape(shape) + beta.reshape(shape)

def batchnorm_backward(dout, x, gamma, eps=1e-5):  # my own version of batchnorm_backward
    full, chan = _spec(x)
    m = x.size // x.shape[1]
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = np.einsum(f"{full}->{chan}", x) / m
    xc = x - mean.reshape(shape)
    var = np.einsum(f"{full},{full}->{chan}", xc, xc) / m
    istd = 1.0 / np.sqrt(var + eps)
    xn = xc * istd.reshape(shape)
    dbeta = np.einsum(f"{full}->{chan}", dout)
    dgamma = np.einsum(f"{full},{full}->{chan}", dout, xn)
    dx = (gamma * istd / m).reshape(shape) * (m * dout - dbeta.reshape(shape) - xn * dgamma.reshape(shape))
    return dx, dgamma, dbeta

def numerical_gradient(f, x, h=1e-5):  # my own version of numerical_gradient
    out = np.zeros(x.shape)
    for position in np.ndindex(x.shape):
        before = x[position]
        values = []
        for step in (h, -h):
            x[position] = before + step
            values.append(f(x))
        x[position] = before
        out[position] = (values[0] - values[1]) / (2 * h)
    return out
