"""A student mistake in train: negatives_never_update.

train turns the labels into 0/1 targets and steps by 2*lr*t*x on a mistake (since y - y_hat
is 2y there), so misclassified -1 samples (t = 0) never change the weights.

The other three functions are correct; the grader should name
MISTAKES['train'] 'negatives_never_update' of reference/perceptron.py.
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
    t = (y + 1) / 2                               # labels as 0/1
    w = np.zeros(X.shape[1])
    b = 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for i in range(len(X)):
            y_hat = 1.0 if X[i] @ w + b >= 0 else -1.0
            if y_hat != y[i]:
                # on a mistake y - y_hat = 2y, so the step is 2 * lr * y * x
                w = w + 2 * lr * t[i] * X[i]
                b = b + 2 * lr * t[i]
                mistakes += 1
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs


def linear_sgd_epoch(w, x, y, lr):
    for xi, yi in zip(x, y):
        grad = 2 * xi * (xi * w - yi)
        w = w - lr * grad
    return w
