"""Assignment 04, part 1: layers and their backward passes. Fill in each function; see README.md.

Every layer has a forward function and a backward function. The backward function takes the
upstream gradient ``dout`` (dL/d(output), shaped like the forward's output) and **the forward's
inputs**, and returns the gradients of the loss with respect to those inputs.

Conventions: arrays are NumPy float64 (float32 stays float32); N is the batch size, the first
axis. Do not modify the input arrays (dout included): return new ones. Check your work with

    grade check assignments/04_backprop
"""
import numpy as np


def dense_forward(x, W, b):
    """A fully connected (affine) layer: out = x @ W + b, each sample flattened to a row.

    Inputs:
    - x: array (N, d1, ..., dk), N samples; each is flattened to D = d1·...·dk values
    - W: array (D, M), the weights (inputs by outputs)
    - b: array (M,), the biases

    Returns out, an array (N, M).
    """
    raise NotImplementedError


def dense_backward(dout, x, W):
    """Backward pass of dense_forward.

    Inputs:
    - dout: array (N, M), the upstream gradient
    - x: array (N, d1, ..., dk), the forward's input
    - W: array (D, M), the forward's weights

    Returns (dx, dW, db): dx with the shape of x, dW (D, M), db (M,).
    """
    raise NotImplementedError


def dropout_forward(x, p, u, train=True):
    """Inverted dropout.

    Inputs:
    - x: array of any shape
    - p: float in [0, 1), the probability of dropping a unit
    - u: array like x of uniform noise in [0, 1): the unit is kept where u >= p
    - train: bool; with train=False dropout does nothing

    Returns an array like x: x * mask / (1 - p) in training, with mask = (u >= p); x itself
    (a copy) when train is False.
    """
    raise NotImplementedError


def dropout_backward(dout, p, u, train=True):
    """Backward pass of dropout_forward, with the same p, u and train.

    Returns dx, an array like dout.
    """
    raise NotImplementedError


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Batch normalisation in training mode (the batch's own statistics).

    Inputs:
    - x: array (N, D), normalised per feature over the batch; or (N, C, H, W), normalised per
      channel over N, H and W together
    - gamma, beta: arrays (D,) or (C,), the scale and shift
    - eps: float, added to the variance inside the square root

    With mean μ and *biased* variance σ² (divided by m, the number of values averaged):
    returns gamma * (x - μ) / sqrt(σ² + eps) + beta, an array like x.
    """
    raise NotImplementedError


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """Backward pass of batchnorm_forward, from its inputs x, gamma and eps.

    Inputs: dout, shaped like x; x, gamma, eps as in batchnorm_forward.

    Returns (dx, dgamma, dbeta): dx like x, dgamma and dbeta like gamma.
    """
    raise NotImplementedError


def numerical_gradient(f, x, h=1e-5):
    """The gradient of a scalar function f at x, by centred differences.

    Inputs:
    - f: a function of one array that returns a number, e.g. objectives.log_sum_exp
    - x: float64 array of any shape (N-dimensional too); you may change it while you work,
      but every element must be back to its exact old value when you return
    - h: float, the step

    Returns an array (float64, shaped like x) whose element i is
    (f(x + h·e_i) - f(x - h·e_i)) / (2h), with e_i the array that is 1 at i and 0 elsewhere.
    """
    raise NotImplementedError
