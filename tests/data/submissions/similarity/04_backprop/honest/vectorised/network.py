import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    rng = np.random.default_rng(seed)
    params = {}
    params["W1"] = rng.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    params["b1"] = np.zeros(H)
    params["W2"] = rng.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    params["b2"] = np.zeros(C)
    return params


def loss_and_grads(params, X, y, reg):
    hidden_in = dense_forward(X, params["W1"], params["b1"])
    hidden = relu(hidden_in)
    scores = dense_forward(hidden, params["W2"], params["b2"])
    data_loss = sparse_categorical_cross_entropy(scores, y)
    reg_loss = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    grads = {}
    dscores = sparse_categorical_cross_entropy_grad(scores, y)
    dhidden, grads["W2"], grads["b2"] = dense_backward(dscores, hidden, params["W2"])
    dhidden_in = relu_backward(dhidden, hidden_in)
    _, grads["W1"], grads["b1"] = dense_backward(dhidden_in, X, params["W1"])
    grads["W1"] = grads["W1"] + reg * params["W1"]
    grads["W2"] = grads["W2"] + reg * params["W2"]
    return float(data_loss + reg_loss), grads


def train(X, y, hidden, lr, epochs, batch_size, seed):
    N, D = X.shape
    C = int(np.max(y)) + 1
    params = init_params(D, hidden, C, seed)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(N)
        total = 0.0
        for i in range(0, N, batch_size):
            idx = order[i:i + batch_size]
            loss, grads = loss_and_grads(params, X[idx], y[idx], 0.0)
            total += loss * len(idx)
            params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(total / N)
    return params, np.array(losses)


def early_stopping(val_losses, patience):
    best = float("inf")
    bad = 0
    for i in range(len(val_losses)):
        if val_losses[i] < best:
            best = val_losses[i]
            bad = 0
        else:
            bad += 1
        if bad == patience:
            return i + 1
    return len(val_losses)
