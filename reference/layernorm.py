"""References for assignment 08 (layer normalisation), with their mistake catalogue.

Conventions (PyTorch's ``nn.LayerNorm`` over the last axis, stated in
assignments/08_layernorm/README.md): ``x`` (N, D) holds one sample per row, and each row is
normalised over its own D features, with its mean μ and its *biased* variance σ² (divided by D),
eps inside the square root: ``y = γ · (x − μ) / √(σ² + ε) + β``, with ``γ``, ``β`` of shape (D,).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from grader.authoring import Mistake

# Numba sends np.dot and @ to SciPy's BLAS, which a plain install lacks: the references use loops.


@njit(cache=True)
def _row_statistics(row):
    """(μ, σ²) of one row (D,): its mean and biased variance, the variance from the centred
    values (E[x²] − E[x]² loses its digits when the mean is large)."""
    mean = 0.0
    for j in range(row.shape[0]):
        mean += row[j]
    mean /= row.shape[0]
    var = 0.0
    for j in range(row.shape[0]):
        var += (row[j] - mean) ** 2
    return mean, var / row.shape[0]


@njit(cache=True)
def layernorm_forward(x, gamma, beta, eps=1e-5):
    """y (N, D) = γ · x̂ + β, with x̂ each row of x (N, D) normalised over its D features."""
    out = np.empty(x.shape)
    for i in range(x.shape[0]):
        mean, var = _row_statistics(x[i])
        inv_std = 1.0 / np.sqrt(var + eps)
        for j in range(x.shape[1]):
            out[i, j] = gamma[j] * (x[i, j] - mean) * inv_std + beta[j]
    return out


@njit(cache=True)
def layernorm_backward(dout, x, gamma, eps=1e-5):
    """(dx (N, D), dγ (D,), dβ (D,)) of layernorm_forward at x, gamma, eps, given dout (N, D).

    With g = dout · γ (the gradient reaching x̂) and D features per row:
    dx = (g − mean(g) − x̂ · mean(g · x̂)) / √(σ² + ε), the means over the row.
    """
    n, d = x.shape
    dx = np.empty(x.shape)
    dgamma = np.zeros(d)
    dbeta = np.zeros(d)
    xhat = np.empty(d)
    for i in range(n):
        mean, var = _row_statistics(x[i])
        inv_std = 1.0 / np.sqrt(var + eps)
        g_mean = 0.0
        gx_mean = 0.0
        for j in range(d):
            xhat[j] = (x[i, j] - mean) * inv_std
            g = dout[i, j] * gamma[j]
            g_mean += g
            gx_mean += g * xhat[j]
            dgamma[j] += dout[i, j] * xhat[j]
            dbeta[j] += dout[i, j]
        g_mean /= d
        gx_mean /= d
        for j in range(d):
            dx[i, j] = (dout[i, j] * gamma[j] - g_mean - xhat[j] * gx_mean) * inv_std
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------- mistakes, as students write them

def _normalised(x, eps, axis):
    """x̂: x normalised over ``axis`` (1, the features, is right)."""
    mean = x.mean(axis=axis, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axis, keepdims=True) + eps)


def _backward_without_mean_terms(dout, x, gamma, eps=1e-5):
    """dx as if μ and σ² were constants: dout · γ / √(σ² + ε); dγ and dβ right."""
    xhat = _normalised(x, eps, axis=1)
    return dout * gamma / np.sqrt(x.var(axis=1, keepdims=True) + eps), (dout * xhat).sum(axis=0), dout.sum(axis=0)


MISTAKES = {
    "layernorm_forward": [
        Mistake("batch_axis", "Layer normalisation normalises each row (sample) over its features, axis=1; "
                "this normalises each feature over the batch (axis=0), which is batch normalisation.",
                lambda x, gamma, beta, eps=1e-5: gamma * _normalised(x, eps, axis=0) + beta),
    ],
    "layernorm_backward": [
        Mistake("no_mean_terms", "The row's mean and variance depend on every x in the row: dx needs the terms "
                "−mean(g) and −x̂·mean(g·x̂) (g = dout·γ), not only g / √(σ² + ε).",
                _backward_without_mean_terms),
    ],
}
