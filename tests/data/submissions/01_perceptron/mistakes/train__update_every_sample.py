"""A student mistake in train: update_every_sample.

train counts mistakes correctly but applies the step 2*lr*y*x to every sample, not only to
the misclassified ones.

The other three functions are correct; the grader should name
MISTAKES['train'] 'update_every_sample' of reference/perceptron.py.
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
                mistakes += 1
            # y - y_hat is 2y on a mistake
            w = w + lr * 2 * y[i] * X[i]
            b = b + lr * 2 * y[i]
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        grad = 2 * xi * (xi * w - yi)
        w = w - lr * grad
    return w
