"""A student mistake in train: labels_01.

train works with 0/1 targets and outputs, as in the lecture's first perceptron, so every
step is lr*(t - a)*x with t - a = +-1: the weights come out half the expected ones.

The other three functions are correct; the grader should name
MISTAKES['train'] 'labels_01' of reference/perceptron.py.
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
            target = 1.0 if y[i] > 0 else 0.0      # 0/1 target and output
            output = 1.0 if X[i] @ w + b >= 0 else 0.0
            err = target - output
            if err != 0:
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
