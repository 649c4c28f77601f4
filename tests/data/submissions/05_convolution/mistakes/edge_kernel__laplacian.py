"""Returns a Laplacian."""
import numpy as np


def edge_kernel():
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
