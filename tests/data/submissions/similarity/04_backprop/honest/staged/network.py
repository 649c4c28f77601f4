import numpy as np

from activations import relu, relu_backward
from layers import dense_backward, dense_forward
from losses import sparse_categorical_cross_entropy, sparse_categorical_cross_entropy_grad


def init_params(D, H, C, seed):
    rng = np.random.default_rng(seed)
    std1 = np.sqrt(2.0 / D)
    W1 = rng.normal(0.0, std1, size=(D, H))
    std2 = np.sqrt(2.0 / H)
    W2 = rng.normal(0.0, std2, size=(H, C))
    b1 = np.zeros(H)
    b2 = np.zeros(C)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def loss_and_grads(params, X, y, reg):
    # forward
    affine1 = dense_forward(X, params["W1"], params["b1"])
    relu1 = relu(affine1)
    affine2 = dense_forward(relu1, params["W2"], params["b2"])
    # loss
    loss = sparse_categorical_cross_entropy(affine2, y)
    loss += 0.5 * reg * np.sum(params["W1"] ** 2)
    loss += 0.5 * reg * np.sum(params["W2"] ** 2)
    # backward
    grads = {}
    d_affine2 = sparse_categorical_cross_entropy_grad(affine2, y)
    d_relu1, grads["W2"], grads["b2"] = dense_backward(d_affine2, relu1, params["W2"])
    d_affine1 = relu_backward(d_relu1, affine1)
    d_X, grads["W1"], grads["b1"] = dense_backward(d_affine1, X, params["W1"])
    grads["W2"] += reg * params["W2"]
    grads["W1"] += reg * params["W1"]
    return float(loss), grads


def train(X, y, hidden, lr, epochs, batch_size, seed):
    num_train, dim = X.shape
    num_classes = np.max(y) + 1
    params = init_params(dim, hidden, num_classes, seed)
    rng = np.random.default_rng(seed)
    loss_history = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(num_train)
        epoch_sum = 0.0
        for first in range(0, num_train, batch_size):
            batch_idx = order[first:first + batch_size]
            X_batch, y_batch = X[batch_idx], y[batch_idx]
            loss, grads = loss_and_grads(params, X_batch, y_batch, 0.0)
            epoch_sum += loss * X_batch.shape[0]
            params["W1"] = params["W1"] - lr * grads["W1"]
            params["b1"] = params["b1"] - lr * grads["b1"]
            params["W2"] = params["W2"] - lr * grads["W2"]
            params["b2"] = params["b2"] - lr * grads["b2"]
        loss_history[epoch] = epoch_sum / num_train
    return params, loss_history


def early_stopping(val_losses, patience):
    best_loss = np.inf
    epochs_without_improvement = 0
    num_epochs = len(val_losses)
    for epoch in range(num_epochs):
        if val_losses[epoch] < best_loss:
            best_loss = val_losses[epoch]
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
            if epochs_without_improvement == patience:
                return epoch + 1
    return num_epochs
