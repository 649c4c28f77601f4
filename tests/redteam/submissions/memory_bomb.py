"""Red team F2: keep allocating 100 MB chunks. Expected: predict runs out of memory under the
worker's address-space limit (an error); the grader and update are fine. (The chunks are not
filled: on some virtual machines touching a gigabyte takes seconds, and the limit is on the
address space, which an allocation takes at once.)"""
import numpy as np


def predict(X, w, b):
    hoard = []
    while True:
        hoard.append(np.empty(100 * 1024 * 1024 // 8))


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
