"""Uses all 8 neighbours (the slides' 'intensified' kernel)."""
import numpy as np


def sharpen_kernel():
    return np.array([[-1.0, -1.0, -1.0], [-1.0, 9.0, -1.0], [-1.0, -1.0, -1.0]])
