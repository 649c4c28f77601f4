"""Assignment 08 with one mistake: the forward pass normalises each feature over the batch (axis 0).
"""
import numpy as np


def _normalised(x, eps):
    """(x̂, 1/√(σ² + ε)): each row of x normalised over its features."""
    mean = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    return (x - mean) * inv_std, inv_std


def layernorm_forward(x, gamma, beta, eps=1e-5):
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return gamma * xhat + beta


def layernorm_backward(dout, x, gamma, eps=1e-5):
    xhat, inv_std = _normalised(x, eps)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
