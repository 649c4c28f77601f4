"""The student's own softmax cross-entropy from assignment 03, as handed in with assignment 04."""
import numpy as np


def sparse_categorical_cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels]))


def sparse_categorical_cross_entropy_grad(logits, labels):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / len(labels)
