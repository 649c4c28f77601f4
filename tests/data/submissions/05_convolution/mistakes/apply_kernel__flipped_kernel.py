"""Flips the kernel before correlating."""
import numpy as np


def apply_kernel(image, kernel):
    return correlate2d(image, kernel[::-1, ::-1], 1, kernel.shape[0] // 2)
