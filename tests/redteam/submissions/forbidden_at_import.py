"""Red team H2: a forbidden module (scipy.signal) imported at the top of the file, for convolution.
Expected: the file cannot be imported; every test says scipy.signal is not allowed (or, where SciPy
is not installed at all, that there is no module named scipy)."""
from scipy.signal import convolve2d  # noqa: F401

import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0)
