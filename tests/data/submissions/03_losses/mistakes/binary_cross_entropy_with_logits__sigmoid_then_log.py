"""A student mistake in binary_cross_entropy_with_logits: sigmoid_then_log.

binary_cross_entropy_with_logits takes the log of sigmoid(z).

The other functions are correct; the grader should name
MISTAKES['binary_cross_entropy_with_logits'] 'sigmoid_then_log' of reference/losses.py.
"""
import numpy as np


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def mse_grad(pred, target):
    return 2 * (pred - target) / pred.size


def mae(pred, target):
    return np.mean(np.abs(pred - target))


def mae_grad(pred, target):
    return np.sign(pred - target) / pred.size


def msle(pred, target):
    return np.mean((np.log1p(pred) - np.log1p(target)) ** 2)


def msle_grad(pred, target):
    return 2 * (np.log1p(pred) - np.log1p(target)) / (1 + pred) / pred.size


def huber(pred, target, delta=1.0):
    d = np.abs(pred - target)
    return np.mean(np.where(d < delta, 0.5 * d ** 2, delta * (d - 0.5 * delta)))


def huber_grad(pred, target, delta=1.0):
    return np.clip(pred - target, -delta, delta) / pred.size


def binary_cross_entropy(pred, target):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(pred), -100)
        log_1mp = np.maximum(np.log(1 - pred), -100)
    return np.mean(-(target * log_p + (1 - target) * log_1mp))


def binary_cross_entropy_grad(pred, target):
    return (pred - target) / np.maximum(pred * (1 - pred), 1e-12) / pred.size


def binary_cross_entropy_with_logits(logits, target):
    p = 1 / (1 + np.exp(-logits))
    return -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))


def _sigmoid(z):
    e = np.exp(-np.abs(z))                       # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy_with_logits_grad(logits, target):
    return (_sigmoid(logits) - target) / logits.size


def hinge(pred, target):
    return np.mean(np.maximum(0, 1 - target * pred))


def hinge_grad(pred, target):
    return np.where(1 - target * pred > 0, -target, 0.0) / pred.size


def squared_hinge(pred, target):
    return np.mean(np.maximum(0, 1 - target * pred) ** 2)


def squared_hinge_grad(pred, target):
    return -2 * target * np.maximum(0, 1 - target * pred) / pred.size


def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def categorical_cross_entropy(pred, target):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(pred), -100)
    return -np.sum(target * log_p) / pred.shape[0]


def categorical_cross_entropy_grad(pred, target):
    return -target / np.maximum(pred, 1e-12) / pred.shape[0]


def _log_softmax(z):
    shifted = z - np.max(z, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def sparse_categorical_cross_entropy(logits, labels):
    n = logits.shape[0]
    return -np.mean(_log_softmax(logits)[np.arange(n), labels])


def sparse_categorical_cross_entropy_grad(logits, labels):
    n = logits.shape[0]
    grad = np.exp(_log_softmax(logits))
    grad[np.arange(n), labels] -= 1
    return grad / n


def kl_divergence(pred, target):
    mask = target > 0
    return np.sum(target[mask] * (np.log(target[mask]) - np.log(pred[mask]))) / pred.shape[0]


def kl_divergence_grad(pred, target):
    grad = np.zeros_like(pred)
    mask = target > 0
    grad[mask] = -target[mask] / pred[mask]
    return grad / pred.shape[0]
