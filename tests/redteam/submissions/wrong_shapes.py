"""Red team B6: outputs that broadcast or nearly fit. predict returns a scalar, update a transposed
column for w_new and a NaN for b_new. Expected: failed, with shape / NaN messages."""
import numpy as np


def predict(X, w, b):
    return 1.0


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return (w + lr * err * x)[:, None], float("nan")
