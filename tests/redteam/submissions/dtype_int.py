"""Red team B13: labels as int64 (the spec says check_dtype: false for predict, so right values pass)."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1, -1).astype(np.int64)
