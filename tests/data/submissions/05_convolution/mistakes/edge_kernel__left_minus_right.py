"""Left minus right."""
import numpy as np


def edge_kernel():
    return np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
