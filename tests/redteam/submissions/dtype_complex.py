"""Red team B13: right labels as complex numbers: not a dtype the grader accepts, so it fails."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0).astype(np.complex128)
