"""Assignment 08, correct but slow: layernorm_forward loops over the rows in Python."""
import numpy as np


def layernorm_forward(x, gamma, beta, eps=1e-5):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        row = x[i]
        out[i] = gamma * (row - row.mean()) / np.sqrt(row.var() + eps) + beta
    return out


def layernorm_backward(dout, x, gamma, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mean) * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
