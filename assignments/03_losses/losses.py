"""Assignment 03: loss functions and their gradients. Fill in each function; README.md has the maths.

Conventions (PyTorch's defaults):
- pred and target are NumPy float64 arrays of the same shape (float32 stays float32); do not
  modify them, return new values.
- Every loss returns a single number (a Python float, or a NumPy scalar): the mean over all
  elements for the elementwise losses, the mean over the N rows of (N, C) arrays for the
  cross-entropies, and the sum divided by N for the KL divergence.
- Every `<loss>_grad` returns the gradient of that number with respect to its first argument,
  an array of the first argument's shape: the 1/numel (or 1/N) of the mean is part of it.

Check your work with

    grade check assignments/03_losses

and your gradients against finite differences with the `gradcheck` helper (README.md).
"""
import numpy as np

# ---------------------------------------------------------------------------- regression

def mse(pred, target):
    """Mean squared error: mean((pred - target)²) over all elements. Returns a float."""
    raise NotImplementedError


def mse_grad(pred, target):
    """Gradient of mse with respect to pred, shaped like pred (the 1/pred.size of the mean included)."""
    raise NotImplementedError


def mae(pred, target):
    """Mean absolute error: mean(|pred - target|) over all elements. Returns a float."""
    raise NotImplementedError


def mae_grad(pred, target):
    """Gradient of mae with respect to pred, shaped like pred. Where pred == target it is 0."""
    raise NotImplementedError


def msle(pred, target):
    """Mean squared logarithmic error: mean((log(1 + pred) - log(1 + target))²).

    pred and target are >= 0 (anything above -1 works). Use np.log1p.
    """
    raise NotImplementedError


def msle_grad(pred, target):
    """Gradient of msle with respect to pred, shaped like pred."""
    raise NotImplementedError


def huber(pred, target, delta=1.0):
    """Huber loss (PyTorch's HuberLoss), mean over all elements; d = pred - target:

        0.5·d²                  where |d| < delta
        delta·(|d| - 0.5·delta) elsewhere
    """
    raise NotImplementedError


def huber_grad(pred, target, delta=1.0):
    """Gradient of huber with respect to pred, shaped like pred."""
    raise NotImplementedError


# ---------------------------------------------------------------------------- binary classification

def binary_cross_entropy(pred, target):
    """Binary cross-entropy on probabilities, mean over all elements.

    Inputs:
    - pred: array of probabilities p in [0, 1] (exactly 0 and 1 included)
    - target: array of the same shape, t in [0, 1] (usually 0 or 1)

    Each term is -[t·max(log p, -100) + (1 - t)·max(log(1 - p), -100)]: as in PyTorch's BCELoss,
    each log is clamped at -100, so log(0) never turns into inf or NaN.
    """
    raise NotImplementedError


def binary_cross_entropy_grad(pred, target):
    """Gradient with respect to the probabilities: (p - t) / max(p·(1 - p), 1e-12) / pred.size."""
    raise NotImplementedError


def binary_cross_entropy_with_logits(logits, target):
    """Binary cross-entropy of sigmoid(logits), mean over all elements, computed stably.

    Inputs: logits z, any real numbers (±1000 included); target t of the same shape, in [0, 1].
    The loss must be finite for every finite z: do not compute log(sigmoid(z)).
    """
    raise NotImplementedError


def binary_cross_entropy_with_logits_grad(logits, target):
    """Gradient with respect to the logits, shaped like logits."""
    raise NotImplementedError


def hinge(pred, target):
    """Hinge loss: mean(max(0, 1 - target·pred)) over all elements; target in {-1.0, +1.0}."""
    raise NotImplementedError


def hinge_grad(pred, target):
    """Gradient of hinge with respect to pred, shaped like pred.

    At the margin exactly (target·pred == 1) the gradient is 0.
    """
    raise NotImplementedError


def squared_hinge(pred, target):
    """Squared hinge loss: mean(max(0, 1 - target·pred)²) over all elements; target in {-1.0, +1.0}."""
    raise NotImplementedError


def squared_hinge_grad(pred, target):
    """Gradient of squared_hinge with respect to pred, shaped like pred."""
    raise NotImplementedError


# ---------------------------------------------------------------------------- multi-class classification

def one_hot(labels, num_classes):
    """One-hot rows: labels (N,) integers in [0, num_classes) -> float64 array (N, num_classes)."""
    raise NotImplementedError


def categorical_cross_entropy(pred, target):
    """Cross-entropy of probabilities against one-hot (or probability) targets, mean over the rows.

    Inputs: pred (N, C), each row probabilities (exactly 0 and 1 included); target (N, C) one-hot.
    Returns -(1/N)·Σ target·max(log pred, -100): the log is clamped at -100, as in BCELoss.
    """
    raise NotImplementedError


def categorical_cross_entropy_grad(pred, target):
    """Gradient with respect to the probabilities: -target / max(pred, 1e-12) / N, shaped (N, C)."""
    raise NotImplementedError


def sparse_categorical_cross_entropy(logits, labels):
    """Cross-entropy of raw scores with integer labels (PyTorch's CrossEntropyLoss), mean over the rows.

    Inputs: logits (N, C) real numbers (±1000 included); labels (N,) integers in [0, C).
    Returns -(1/N)·Σ_i log_softmax(logits[i])[labels[i]], with a stable log-softmax.
    """
    raise NotImplementedError


def sparse_categorical_cross_entropy_grad(logits, labels):
    """Gradient of sparse_categorical_cross_entropy with respect to the logits, shaped (N, C)."""
    raise NotImplementedError


def kl_divergence(pred, target):
    """KL(target ‖ pred) summed over all elements and divided by N (PyTorch's reduction='batchmean').

    Inputs: pred (N, C) and target (N, C), each row probabilities; pred > 0 wherever target > 0.
    Returns (1/N)·Σ target·(log target - log pred), where a term with target == 0 counts 0.
    """
    raise NotImplementedError


def kl_divergence_grad(pred, target):
    """Gradient of kl_divergence with respect to pred, shaped (N, C); 0 where target == 0."""
    raise NotImplementedError
