"""Red team, the control: a correct solution. Every other case compares its own grade of this file
with the grade of this file alone: hostile code must not change anyone else's result."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
