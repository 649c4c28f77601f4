"""Assignment 01: perceptron learning. Fill in each function; see README.md for the maths.

Conventions: arrays are NumPy float64; labels are -1.0 and +1.0; a score of exactly 0 is +1.
Do not modify the input arrays: return new ones. Check your work with

    grade check assignments/01_perceptron
"""
import numpy as np


def predict(X, w, b):
    """Classify every row of X with the perceptron (w, b).

    Inputs:
    - X: array (N, D), one sample per row
    - w: array (D,), the weights
    - b: float, the bias

    Returns an array (N,) of labels: +1.0 where w·x + b >= 0, else -1.0.
    """
    raise NotImplementedError


def update(w, b, x, y, lr):
    """One step of the perceptron learning rule on one sample.

    Inputs:
    - w: array (D,), b: float, the current weights and bias
    - x: array (D,), one sample; y: float, its label (-1.0 or +1.0)
    - lr: float, the learning rate

    With ŷ the current prediction for x, returns (w_new, b_new):
        w_new = w + lr * (y - ŷ) * x
        b_new = b + lr * (y - ŷ)
    """
    raise NotImplementedError


def train(X, y, lr, max_epochs):
    """Train a perceptron from w = 0, b = 0, visiting the samples in order.

    Inputs:
    - X: array (N, D); y: array (N,) of labels -1.0/+1.0
    - lr: float; max_epochs: int, the most passes over the data

    Stops after the first epoch in which no sample was misclassified.
    Returns (w, b, epochs): w array (D,), b float, epochs int (the epochs run, the last
    mistake-free one included; max_epochs if no epoch was mistake-free).
    """
    raise NotImplementedError


def linear_sgd_epoch(w, x, y, lr):
    """One pass of stochastic gradient descent for the one-weight linear neuron ŷ = x·w.

    Inputs:
    - w: float, the starting weight
    - x: array (N,), y: array (N,): the samples (x_i, y_i), visited in order
    - lr: float, the learning rate

    The error of one sample is E = (x_i·w - y_i)², so dE/dw = 2·x_i·(x_i·w - y_i).
    After each sample: w = w - lr * dE/dw. Returns the final w (a float).
    """
    raise NotImplementedError
