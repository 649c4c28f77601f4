"""A student mistake in linear_sgd_epoch: batch_mean.

linear_sgd_epoch is vectorised: one step with the mean gradient over all samples, taken at
the starting w, instead of one step per sample.

The other three functions are correct; the grader should name
MISTAKES['linear_sgd_epoch'] 'batch_mean' of reference/perceptron.py.
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
    grad = np.mean(2 * x * (x * w - y))
    return w - lr * grad
