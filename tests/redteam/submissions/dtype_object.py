"""Red team B13: right labels in an object array: never decoded (no pickles), so it fails."""
import numpy as np


def predict(X, w, b):
    return np.array([1.0 if s >= 0 else -1.0 for s in X @ w + b], dtype=object)
