"""The student's own ReLU from assignment 02, as handed in with assignment 04 (only what 04 imports)."""
import numpy as np


def relu(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return dout * (x > 0)
