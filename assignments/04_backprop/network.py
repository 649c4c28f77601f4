"""Assignment 04, part 2: a two-layer network, trained with mini-batch SGD. See README.md.

The network is  affine (W1, b1) -> ReLU -> affine (W2, b2) -> softmax cross-entropy.
It reuses your layers and your work from assignments 02 and 03: copy your activations.py and
losses.py into this folder. (If they are missing, or fail their own assignment's tests, the
grader uses the course's versions and says so, so a mistake there is not charged twice.)

Parameters live in a dict ``params`` with keys "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,).
Do not modify the input arrays. Check your work with

    grade check assignments/04_backprop
"""
import numpy as np
from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    """He initialisation of the network's parameters.

    Inputs: D, H, C: ints, the input size, the hidden size and the number of classes;
    seed: int.

    Make one generator, rng = np.random.default_rng(seed), and draw from it in this order:
      W1 = rng.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
      W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    The biases b1 (H,) and b2 (C,) are zeros.
    Returns the dict {"W1": ..., "b1": ..., "W2": ..., "b2": ...}.
    """
    raise NotImplementedError


def loss_and_grads(params, X, y, reg):
    """Loss and gradients of the two-layer network on one batch.

    Inputs:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
    - X: array (N, D); y: int array (N,) of labels in 0..C-1
    - reg: float, the L2 regularisation strength

    loss = mean softmax cross-entropy of the scores relu(X @ W1 + b1) @ W2 + b2
           + 0.5 * reg * (sum(W1**2) + sum(W2**2))          (biases are not regularised)
    Returns (loss, grads): loss a float; grads a dict with the same keys and shapes as params.
    """
    raise NotImplementedError


def train(X, y, hidden, lr, epochs, batch_size, seed):
    """Train the network with mini-batch SGD (no regularisation: reg = 0).

    Inputs: X (N, D); y (N,) int labels 0..C-1 with C = y.max() + 1; hidden: int, the hidden
    size H; lr: float; epochs: int; batch_size: int; seed: int.

    1. params = init_params(D, hidden, C, seed); rng = np.random.default_rng(seed)
    2. Every epoch: order = rng.permutation(N); the batches are order[0:batch_size],
       order[batch_size:2*batch_size], ... (the last one may be smaller).
    3. For each batch: loss, grads = loss_and_grads(params, X[batch], y[batch], 0.0), then
       every parameter steps: param - lr * grad.
    Returns (params, loss_history): the trained dict, and an array (epochs,) holding each
    epoch's mean loss per sample: the sum of (batch loss * batch size) over its batches,
    divided by N.
    """
    raise NotImplementedError


def early_stopping(val_losses, patience):
    """The epoch at which early stopping ends training.

    Inputs: val_losses, an array (E,) with the validation loss after each epoch 1..E;
    patience: int >= 1.

    An epoch improves when its loss is strictly lower than the best loss of the epochs before it
    (the first epoch always improves). Training stops at the first epoch that makes `patience`
    epochs in a row without improvement. Returns that epoch (an int, counted from 1), or E if
    the patience never runs out.
    """
    raise NotImplementedError
