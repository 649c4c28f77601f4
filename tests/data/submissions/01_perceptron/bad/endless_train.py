"""Bad submission: train never returns (an endless loop) -> timeout."""
import numpy as np


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err


def train(X, y, lr, max_epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    epoch = 0
    while True:          # forgot to stop at max_epochs, and never checks for a clean epoch
        epoch += 1
        for xi, yi in zip(X, y):
            w, b = update(w, b, xi, yi, lr)


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        w = w - lr * 2 * xi * (xi * w - yi)
    return w
