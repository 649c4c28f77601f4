import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad

WEIGHTS = ("W1", "W2")


def init_params(D, H, C, seed):
    draw = np.random.default_rng(seed).normal
    W1 = draw(0.0, np.sqrt(2.0 / D), size=(D, H))
    W2 = draw(0.0, np.sqrt(2.0 / H), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def _l2(params):
    return sum(np.sum(np.square(params[k])) for k in WEIGHTS)


def loss_and_grads(params, X, y, reg):
    pre = dense_forward(X, params["W1"], params["b1"])
    post = relu(pre)
    logits = dense_forward(post, params["W2"], params["b2"])
    loss = sparse_categorical_cross_entropy(logits, y) + 0.5 * reg * _l2(params)
    d_post, dW2, db2 = dense_backward(sparse_categorical_cross_entropy_grad(logits, y), post, params["W2"])
    dW1, db1 = dense_backward(relu_backward(d_post, pre), X, params["W1"])[1:]
    raw = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return float(loss), {k: g + reg * params[k] if k in WEIGHTS else g for k, g in raw.items()}


def _batches(order, size):
    return (order[i:i + size] for i in range(0, len(order), size))


def _sgd(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def train(X, y, hidden, lr, epochs, batch_size, seed):
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for e in range(epochs):
        for idx in _batches(rng.permutation(len(X)), batch_size):
            batch_loss, grads = loss_and_grads(params, X[idx], y[idx], 0.0)
            history[e] += batch_loss * len(idx) / len(X)
            params = _sgd(params, grads, lr)
    return params, history


def early_stopping(val_losses, patience):
    from itertools import accumulate
    records = list(accumulate(val_losses, min))           # best loss up to and with each epoch
    improved = [i == 0 or val_losses[i] < records[i - 1] for i in range(len(val_losses))]
    waited = 0
    for epoch, better in enumerate(improved, 1):
        waited = 0 if better else waited + 1
        if waited >= patience:
            return epoch
    return len(val_losses)
