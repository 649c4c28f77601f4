import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad

NAMES = ("W1", "b1", "W2", "b2")


def init_params(D, H, C, seed):
    generator = np.random.default_rng(seed)
    first = generator.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    second = generator.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    return dict(zip(NAMES, (first, np.zeros(H), second, np.zeros(C))))


def loss_and_grads(params, X, y, reg):
    z1 = dense_forward(X, params["W1"], params["b1"])
    a1 = relu(z1)
    z2 = dense_forward(a1, params["W2"], params["b2"])
    penalty = 0.0
    for name in ("W1", "W2"):
        penalty += np.sum(params[name] * params[name])
    loss = sparse_categorical_cross_entropy(z2, y) + 0.5 * reg * penalty
    g2 = sparse_categorical_cross_entropy_grad(z2, y)
    da1, dW2, db2 = dense_backward(g2, a1, params["W2"])
    dz1 = relu_backward(da1, z1)
    dx, dW1, db1 = dense_backward(dz1, X, params["W1"])
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for name in ("W1", "W2"):
        grads[name] = grads[name] + reg * params[name]
    return float(loss), grads


def train(X, y, hidden, lr, epochs, batch_size, seed):
    n = len(X)
    params = init_params(X.shape[1], hidden, y.max() + 1, seed)
    generator = np.random.default_rng(seed)
    history = np.zeros(epochs)
    epoch = 0
    while epoch < epochs:
        order = generator.permutation(n)
        start = 0
        while start < n:
            chosen = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[chosen], y[chosen], 0.0)
            history[epoch] += loss * chosen.size
            for name in NAMES:
                params[name] = params[name] - lr * grads[name]
            start += batch_size
        history[epoch] /= n
        epoch += 1
    return params, history


def early_stopping(val_losses, patience):
    best_so_far = None
    streak = 0
    epoch = 0
    for loss in val_losses:
        epoch += 1
        if best_so_far is None or loss < best_so_far:
            best_so_far = loss
            streak = 0
            continue
        streak += 1
        if streak >= patience:
            return epoch
    return epoch
