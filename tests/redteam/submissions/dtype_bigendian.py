"""Red team B13: right labels as big-endian float64: the same numbers, so it passes."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0).astype(">f8")
