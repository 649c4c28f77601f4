"""Divides by sigma**2 instead of 2 * sigma**2."""
import numpy as np


def gaussian_kernel(size=5, sigma=1.0):
    d = np.arange(size) - (size - 1) / 2
    g = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / sigma ** 2)
    return g / g.sum()
