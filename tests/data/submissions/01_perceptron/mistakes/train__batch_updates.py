"""A student mistake in train: batch_updates.

train is vectorised over the samples: it predicts the whole epoch with the weights of the
epoch's start and applies the summed correction once per epoch, not after each sample.

The other three functions are correct; the grader should name
MISTAKES['train'] 'batch_updates' of reference/perceptron.py.
"""
import numpy as np


def predict(X, w, b):
    scores = X @ w + b
    return np.where(scores >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    y_hat = 1.0 if x @ w + b >= 0 else -1.0
    err = y - y_hat
    return w + lr * err * x, b + lr * err


def train(X, y, lr, max_epochs):
    w = np.zeros(X.shape[1])
    b = 0.0
    for epoch in range(1, max_epochs + 1):
        y_hat = np.where(X @ w + b >= 0, 1.0, -1.0)
        err = y - y_hat
        if not np.any(err):
            return w, b, epoch
        w = w + lr * (err @ X)
        b = b + lr * np.sum(err)
    return w, b, max_epochs


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        grad = 2 * xi * (xi * w - yi)
        w = w - lr * grad
    return w
