"""Not an attack: Numba must keep working inside the worker at every tier (assignment 05 has a CUDA
bonus exercise). predict is an @njit kernel, update launches a @cuda.jit kernel in Numba's CUDA
simulator. Expected: both pass."""
import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")     # before numba is imported

import numpy as np
from numba import cuda, njit


@njit(cache=True)
def _predict(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        s = b
        for j in range(X.shape[1]):
            s += X[i, j] * w[j]
        out[i] = 1.0 if s >= 0 else -1.0
    return out


def predict(X, w, b):
    return _predict(X, w, float(b))


@cuda.jit
def _axpy(out, a, x, y):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a * x[i] + y[i]


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    w_new = np.empty_like(w)
    _axpy[1, 32](w_new, lr * err, x, w)
    return w_new, b + lr * err
