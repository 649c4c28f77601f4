import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    g = np.random.default_rng(seed)
    W1 = g.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    W2 = g.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    return dict(W1=W1, b1=np.zeros(H), W2=W2, b2=np.zeros(C))


def loss_and_grads(params, X, y, reg):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    u = dense_forward(X, W1, b1)
    r = relu(u)
    s = dense_forward(r, W2, b2)
    l2 = np.einsum("ij,ij->", W1, W1) + np.einsum("ij,ij->", W2, W2)
    loss = sparse_categorical_cross_entropy(s, y) + 0.5 * reg * l2
    ds = sparse_categorical_cross_entropy_grad(s, y)
    dr, dW2, db2 = dense_backward(ds, r, W2)
    du = relu_backward(dr, u)
    _, dW1, db1 = dense_backward(du, X, W1)
    return float(loss), dict(W1=dW1 + reg * W1, b1=db1, W2=dW2 + reg * W2, b2=db2)


def train(X, y, hidden, lr, epochs, batch_size, seed):
    C = int(y.max() + 1)
    params = init_params(X.shape[1], hidden, C, seed)
    g = np.random.default_rng(seed)
    curve = []
    for _ in range(epochs):
        p = g.permutation(len(y))
        weighted = []
        for lo in range(0, len(y), batch_size):
            sel = p[lo:lo + batch_size]
            loss, grads = loss_and_grads(params, X[sel], y[sel], 0.0)
            weighted.append(loss * len(sel))
            for key, grad in grads.items():
                params[key] = params[key] - lr * grad
        curve.append(sum(weighted) / len(y))
    return params, np.asarray(curve)


def early_stopping(val_losses, patience):
    losses = np.asarray(val_losses, dtype=float)
    # best loss of the epochs strictly before each epoch
    before = np.concatenate([[np.inf], np.minimum.accumulate(losses)[:-1]])
    improved = losses < before
    waited = 0
    for epoch, better in enumerate(improved, start=1):
        waited = 0 if better else waited + 1
        if waited == patience:
            return epoch
    return len(losses)
