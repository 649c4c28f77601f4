"""The network, compact."""
import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def loss_and_grads(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = dense_forward(X, W1, b1)
    h = relu(a)
    scores = dense_forward(h, W2, b2)
    loss = sparse_categorical_cross_entropy(scores, y) + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = sparse_categorical_cross_entropy_grad(scores, y)
    dh, dW2, db2 = dense_backward(dscores, h, W2)
    _, dW1, db1 = dense_backward(relu_backward(dh, a), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


def train(X, y, hidden, lr, epochs, batch_size, seed):
    n = X.shape[0]
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch], 0.0)
            history[epoch] += loss * len(batch) / n
            for name in params:
                params[name] = params[name] - lr * grads[name]
    return params, history


def early_stopping(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses)
