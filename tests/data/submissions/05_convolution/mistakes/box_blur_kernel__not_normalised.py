"""Forgets to divide by size**2."""
import numpy as np


def box_blur_kernel(size=3):
    return np.ones((size, size))
