"""A student mistake in update: always_update.

update always adds lr*y*x, even when the sample is already classified correctly.

The other three functions are correct; the grader should name
MISTAKES['update'] 'always_update' of reference/perceptron.py.
"""
import numpy as np


def predict(X, w, b):
    scores = X @ w + b
    return np.where(scores >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    return w + lr * y * x, b + lr * y


def train(X, y, lr, max_epochs):
    w = np.zeros(X.shape[1])
    b = 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for i in range(len(X)):
            y_hat = 1.0 if X[i] @ w + b >= 0 else -1.0
            if y_hat != y[i]:
                err = y[i] - y_hat
                w = w + lr * err * X[i]
                b = b + lr * err
                mistakes += 1
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        grad = 2 * xi * (xi * w - yi)
        w = w - lr * grad
    return w
