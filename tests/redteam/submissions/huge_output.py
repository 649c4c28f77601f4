"""Red team F4: write a gigabyte to stdout. Expected: the worker is stopped at the output cap
(crashed, "printed more than"), the kept output is bounded, update passes in a fresh worker."""
import sys

import numpy as np


def predict(X, w, b):
    block = "x" * (1 << 20) + "\n"
    for _ in range(1024):
        sys.stdout.write(block)
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
