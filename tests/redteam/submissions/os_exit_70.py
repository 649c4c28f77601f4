"""Red team A6: os._exit(70) inside the function, after the worker confirmed its sandbox.
Expected: predict's tests crashed with "your code exited with status 70", never "the sandbox could
not be set up"; update still passes in a fresh worker."""
import os

import numpy as np


def predict(X, w, b):
    os._exit(70)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
