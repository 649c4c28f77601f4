"""The course's two-layer network, trained with a given optimizer (a private grader helper).

This is the solution of assignment 04 (affine - ReLU - affine - softmax cross-entropy), so it is
never shipped to students: the grader uses it to train with the student's own optimizer and
checks the accuracy reached. Plain NumPy, float64.
"""
import numpy as np


def init_params(d, hidden, classes, rng):
    """He-initialised weights W1 (d, hidden), W2 (hidden, classes) and zero biases b1, b2."""
    return {
        "W1": rng.normal(scale=np.sqrt(2.0 / d), size=(d, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(scale=np.sqrt(2.0 / hidden), size=(hidden, classes)),
        "b2": np.zeros(classes),
    }


def scores(params, X):
    """Class scores (N, C) of the rows of X (N, D)."""
    return np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]


def loss_and_grads(params, X, y):
    """Mean softmax cross-entropy over the batch and its gradients, one per parameter (same shapes)."""
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    z = hidden @ params["W2"] + params["b2"]
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = X.shape[0]
    loss = -float(log_p[np.arange(n), y].mean())
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= 1.0
    dz /= n
    dhidden = (dz @ params["W2"].T) * (hidden > 0)
    grads = {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dz, "b2": dz.sum(axis=0)}
    return loss, grads


def train_with_optimizer(X, y, update, config, epochs, batch_size, seed, hidden=64):
    """Mini-batch training of the two-layer network with ``update(w, dw, config) -> (w, config)``.

    Inputs: X (N, D) float64; y (N,) int labels 0..C-1; update, the optimizer; config, its
    hyper-parameters (each parameter gets its own copy, so its own state); epochs; batch_size;
    seed for the initial weights and the shuffles.

    Returns (accuracy, losses): the accuracy on (X, y) after training, a float, and the mean
    training loss of every epoch, an array (epochs,).
    """
    rng = np.random.default_rng(seed)
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, rng)
    configs = {name: dict(config) for name in params}
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(X.shape[0])
        total = 0.0
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch])
            total += loss * len(batch)
            for name in params:
                params[name], configs[name] = update(params[name], grads[name], configs[name])
        losses[epoch] = total / X.shape[0]
    accuracy = float(np.mean(np.argmax(scores(params, X), axis=1) == y))
    return accuracy, losses
