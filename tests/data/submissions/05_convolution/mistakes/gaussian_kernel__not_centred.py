"""Measures the distance from the corner."""
import numpy as np


def gaussian_kernel(size=5, sigma=1.0):
    d = np.arange(size)
    g = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma ** 2))
    return g / g.sum()
