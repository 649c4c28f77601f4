"""Red team H2: use a library the assignment forbids (the test's spec forbids numba and
scipy.signal): predict imports numba in the function, update through importlib. Expected: errors
whose message says the module is not allowed in this assignment."""
import importlib

import numpy as np


def predict(X, w, b):
    import numba
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    importlib.import_module("numba.core")
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
