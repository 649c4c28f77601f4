"""Bad submission: `train` is missing (renamed to `fit`); the other functions are correct."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err


def fit(X, y, lr, max_epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for xi, yi in zip(X, y):
            new_w, new_b = update(w, b, xi, yi, lr)
            if new_b != b or not np.array_equal(new_w, w):
                mistakes += 1
            w, b = new_w, new_b
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        w = w - lr * 2 * xi * (xi * w - yi)
    return w
