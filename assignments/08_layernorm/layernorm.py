"""Assignment 08: layer normalisation. Fill in each function; see README.md for the maths.

Conventions: arrays are NumPy float64; x has one sample per row, and each row is normalised over
its own features. Do not modify the input arrays: return new ones. Check your work with

    grade check assignments/08_layernorm
"""
import numpy as np


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """Layer normalisation of every row of x.

    Inputs:
    - x: array (N, D), one sample per row
    - gamma, beta: arrays (D,), the scale and shift
    - eps: float, added to the variance inside the square root

    With μ and σ² the mean and *biased* variance (divided by D) of each row:
    returns gamma * (x - μ) / sqrt(σ² + eps) + beta, an array (N, D).
    """
    raise NotImplementedError


def layernorm_backward(dout, x, gamma, eps=1e-5):
    """Backward pass of layernorm_forward, from its inputs x, gamma and eps.

    Inputs: dout, an array (N, D), the gradient of the loss with respect to the output;
    x, gamma, eps as in layernorm_forward.

    Returns (dx, dgamma, dbeta): dx an array (N, D), dgamma and dbeta arrays (D,).
    """
    raise NotImplementedError
