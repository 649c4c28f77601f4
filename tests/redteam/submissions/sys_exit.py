"""Red team A1: sys.exit(0) inside the function, hoping an exit code of 0 reads as success.
Expected: predict's tests are errors (SystemExit); update, in the same worker, still passes."""
import sys

import numpy as np


def predict(X, w, b):
    sys.exit(0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
