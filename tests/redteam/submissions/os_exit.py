"""Red team A2: os._exit(0) inside the function: no exception, no cleanup, exit status 0.
Expected: predict's tests crash (the worker died); update still passes in a fresh worker."""
import os

import numpy as np


def predict(X, w, b):
    os._exit(0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
