"""Red team A3: raise KeyboardInterrupt, which aborts a unittest or pytest run.
Expected: an error for predict's tests only; the grade goes on."""
import numpy as np


def predict(X, w, b):
    raise KeyboardInterrupt


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
