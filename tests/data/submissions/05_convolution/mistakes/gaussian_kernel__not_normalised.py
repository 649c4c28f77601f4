"""Does not normalise: the peak is 1."""
import numpy as np


def gaussian_kernel(size=5, sigma=1.0):
    d = np.arange(size) - (size - 1) / 2
    return np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma ** 2))
