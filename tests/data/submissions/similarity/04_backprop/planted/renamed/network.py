import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    rs = np.random.default_rng(seed)
    out = {"W1": rs.normal(0.0, np.sqrt(2.0 / D), size=(D, H)), "b1": np.zeros(H)}
    out.update({"W2": rs.normal(0.0, np.sqrt(2.0 / H), size=(H, C)), "b2": np.zeros(C)})
    return out


def _forward(params, X):
    memo = {"X": X}
    memo["z"] = dense_forward(X, params["W1"], params["b1"])
    memo["h"] = relu(memo["z"])
    memo["s"] = dense_forward(memo["h"], params["W2"], params["b2"])
    return memo


def loss_and_grads(params, X, y, reg):
    memo = _forward(params, X)
    sq_sum = sum(np.vdot(params[w], params[w]) for w in ("W1", "W2"))
    loss = sparse_categorical_cross_entropy(memo["s"], y) + 0.5 * reg * sq_sum
    dh, dW2, db2 = dense_backward(sparse_categorical_cross_entropy_grad(memo["s"], y), memo["h"], params["W2"])
    _, dW1, db1 = dense_backward(relu_backward(dh, memo["z"]), X, params["W1"])
    grads = {"W1": dW1 + reg * params["W1"], "b1": db1, "W2": dW2 + reg * params["W2"], "b2": db2}
    return float(loss), grads


def train(X, y, hidden, lr, epochs, batch_size, seed):
    n_samples = X.shape[0]
    params = init_params(X.shape[1], hidden, int(np.amax(y)) + 1, seed)
    rs = np.random.default_rng(seed)
    hist = np.empty(epochs)
    for ep in range(epochs):
        order = rs.permutation(n_samples)
        starts = np.arange(0, n_samples, batch_size)
        running = 0.0
        for s in starts:
            idx = order[s:s + batch_size]
            batch_loss, g = loss_and_grads(params, X[idx], y[idx], 0.0)
            running += batch_loss * idx.shape[0]
            params = {name: value - lr * g[name] for name, value in params.items()}
        hist[ep] = running / n_samples
    return params, hist


def early_stopping(val_losses, patience):
    best_epoch, best = 0, np.inf
    for epoch, value in enumerate(val_losses, start=1):
        if value < best:
            best, best_epoch = value, epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return len(val_losses)
