"""Red team B13: labels as bool (True for +1): the values are wrong (1 and 0), so it fails."""
import numpy as np


def predict(X, w, b):
    return X @ w + b >= 0
