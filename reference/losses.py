"""References for assignment 03 (loss functions and their gradients), with its mistake catalogue.

Conventions (PyTorch's defaults; the assignment's README states each with its formula):

* The elementwise losses (mse, mae, msle, binary_cross_entropy, binary_cross_entropy_with_logits,
  hinge, squared_hinge, huber) are the mean over all elements, PyTorch's ``reduction='mean'``.
  Their gradients with respect to ``pred`` carry the same 1/numel.
* categorical_cross_entropy and sparse_categorical_cross_entropy take (N, C) rows and are the mean
  over the N rows. kl_divergence(pred, target) = KL(target ‖ pred), summed and divided by N
  (``reduction='batchmean'``, the mathematical KL); a term with target 0 is 0 (``torch.xlogy``).
* Logs of probabilities are clamped at −100 (``BCELoss``; categorical_cross_entropy does the
  same), and the gradients on probabilities divide by ``max(·, 1e-12)``, as ``BCELoss``'s backward
  does with ``max(p(1 − p), 1e-12)``.
* At a kink the gradient is the one PyTorch's autograd gives: mae uses sign(0) = 0; hinge is 0 at
  the margin exactly (as ``relu(1 − y·pred)``). Huber's gradient is continuous.

Losses return a Python float for float64 inputs (a NumPy float32 for float32 inputs); gradients
return an array of ``pred``'s shape and float dtype. Inputs are never modified. Every kernel runs
in float64 on flat contiguous copies (sparse cross-entropy on (N, C) rows), so Numba compiles one
specialisation of each.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from grader.authoring import Mistake, numerical_gradient

LOG_FLOOR = -100.0      # BCELoss clamps log(p) and log(1 − p) at −100: a term is at most 100
DIV_FLOOR = 1e-12       # BCELoss's backward divides by max(p(1 − p), 1e-12)


# --------------------------------------------------------------------------- kernels
# Elementwise kernels take flat float64 arrays and the divisor of the mean: numel for the
# elementwise losses, N for the cross-entropy and the KL divergence of (N, C) rows.

@njit(cache=True)
def _mse(p, t, n):
    s = 0.0
    for i in range(p.size):
        d = p[i] - t[i]
        s += d * d
    return s / n


@njit(cache=True)
def _mse_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = 2.0 * (p[i] - t[i]) / n
    return out


@njit(cache=True)
def _mae(p, t, n):
    s = 0.0
    for i in range(p.size):
        s += abs(p[i] - t[i])
    return s / n


@njit(cache=True)
def _mae_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        d = p[i] - t[i]
        out[i] = (1.0 if d > 0 else (-1.0 if d < 0 else 0.0)) / n
    return out


@njit(cache=True)
def _msle(p, t, n):
    s = 0.0
    for i in range(p.size):
        d = math.log1p(p[i]) - math.log1p(t[i])
        s += d * d
    return s / n


@njit(cache=True)
def _msle_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = 2.0 * (math.log1p(p[i]) - math.log1p(t[i])) / (1.0 + p[i]) / n
    return out


@njit(cache=True)
def _clamped_log(x):
    # np.log, not math.log: it gives -inf at 0 instead of raising.
    return max(np.log(x), LOG_FLOOR)


@njit(cache=True)
def _bce(p, t, n):
    s = 0.0
    for i in range(p.size):
        s -= t[i] * _clamped_log(p[i]) + (1.0 - t[i]) * max(np.log1p(-p[i]), LOG_FLOOR)
    return s / n


@njit(cache=True)
def _bce_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = (p[i] - t[i]) / max(p[i] * (1.0 - p[i]), DIV_FLOOR) / n
    return out


@njit(cache=True)
def _sigmoid(z):
    # Only ever exponentiate a non-positive number: no overflow, exactly 0 and 1 far out.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True)
def _bce_logits(z, t, n):
    s = 0.0
    for i in range(z.size):
        # (1 − t)·z − log σ(z), with log σ(z) = min(z, 0) − log(1 + e^(−|z|))
        s += (1.0 - t[i]) * z[i] - min(z[i], 0.0) + math.log1p(math.exp(-abs(z[i])))
    return s / n


@njit(cache=True)
def _bce_logits_grad(z, t, n):
    out = np.empty(z.size)
    for i in range(z.size):
        out[i] = (_sigmoid(z[i]) - t[i]) / n
    return out


@njit(cache=True)
def _hinge(p, t, n):
    s = 0.0
    for i in range(p.size):
        s += max(0.0, 1.0 - t[i] * p[i])
    return s / n


@njit(cache=True)
def _hinge_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = -t[i] / n if 1.0 - t[i] * p[i] > 0 else 0.0
    return out


@njit(cache=True)
def _squared_hinge(p, t, n):
    s = 0.0
    for i in range(p.size):
        m = max(0.0, 1.0 - t[i] * p[i])
        s += m * m
    return s / n


@njit(cache=True)
def _squared_hinge_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = -2.0 * t[i] * max(0.0, 1.0 - t[i] * p[i]) / n
    return out


@njit(cache=True)
def _cce(p, t, n):
    s = 0.0
    for i in range(p.size):
        if t[i] != 0.0:                  # a class with target 0 adds exactly 0, even where p = 0
            s -= t[i] * _clamped_log(p[i])
    return s / n


@njit(cache=True)
def _cce_grad(p, t, n):
    out = np.empty(p.size)
    for i in range(p.size):
        out[i] = -t[i] / max(p[i], DIV_FLOOR) / n
    return out


@njit(cache=True)
def _kl(q, p, n):
    s = 0.0
    for i in range(q.size):
        if p[i] != 0.0:                  # xlogy: 0·log 0 = 0, whatever q is
            s += p[i] * (np.log(p[i]) - np.log(q[i]))
    return s / n


@njit(cache=True)
def _kl_grad(q, p, n):
    out = np.empty(q.size)
    for i in range(q.size):
        out[i] = -p[i] / q[i] / n if p[i] != 0.0 else 0.0
    return out


@njit(cache=True)
def _huber(p, t, n, delta):
    s = 0.0
    for i in range(p.size):
        a = abs(p[i] - t[i])
        s += 0.5 * a * a if a < delta else delta * (a - 0.5 * delta)
    return s / n


@njit(cache=True)
def _huber_grad(p, t, n, delta):
    out = np.empty(p.size)
    for i in range(p.size):
        d = p[i] - t[i]
        out[i] = (d if abs(d) < delta else (delta if d > 0 else -delta)) / n
    return out


@njit(cache=True)
def _log_softmax_row(z, i, row):
    """log-softmax of z[i] into row (C,), shifted by the row's maximum."""
    m = z[i, 0]
    for j in range(1, z.shape[1]):
        m = max(m, z[i, j])
    s = 0.0
    for j in range(z.shape[1]):
        s += math.exp(z[i, j] - m)
    lse = m + math.log(s)
    for j in range(z.shape[1]):
        row[j] = z[i, j] - lse


@njit(cache=True)
def _sparse_cce(z, y):
    row = np.empty(z.shape[1])
    s = 0.0
    for i in range(z.shape[0]):
        _log_softmax_row(z, i, row)
        s -= row[y[i]]
    return s / z.shape[0]


@njit(cache=True)
def _sparse_cce_grad(z, y):
    n = z.shape[0]
    out = np.empty(z.shape)
    row = np.empty(z.shape[1])
    for i in range(n):
        _log_softmax_row(z, i, row)
        for j in range(z.shape[1]):
            out[i, j] = (math.exp(row[j]) - (1.0 if j == y[i] else 0.0)) / n
    return out


@njit(cache=True)
def _one_hot(labels, num_classes):
    out = np.zeros((labels.size, num_classes))
    for i in range(labels.size):
        out[i, labels[i]] = 1.0
    return out


# --------------------------------------------------------------------------- wrappers

def _float_type(*arrays) -> np.dtype:
    """float32 when every input is float32, else float64 (as NumPy's own arithmetic would give)."""
    kind = np.result_type(*arrays)
    return np.dtype(np.float32) if kind == np.float32 else np.dtype(np.float64)


def _flat(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).ravel()


def _pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}")
    return pred, target


def _rows(pred: np.ndarray) -> int:
    """N, for the losses over (N, C) rows."""
    if pred.ndim != 2:
        raise ValueError(f"expected (N, C) rows, got shape {pred.shape}")
    return pred.shape[0]


def _number(value: float, dtype: np.dtype):
    return float(value) if dtype == np.float64 else dtype.type(value)


def _loss(kernel, pred, target, *params, per_row: bool = False):
    """kernel(flat pred, flat target, divisor, *params) as a number of the inputs' float type."""
    pred, target = _pair(pred, target)
    n = _rows(pred) if per_row else pred.size
    return _number(kernel(_flat(pred), _flat(target), n, *params), _float_type(pred, target))


def _grad(kernel, pred, target, *params, per_row: bool = False) -> np.ndarray:
    """kernel(flat pred, flat target, divisor, *params) reshaped like pred, in the inputs' float type."""
    pred, target = _pair(pred, target)
    n = _rows(pred) if per_row else pred.size
    out = kernel(_flat(pred), _flat(target), n, *params)
    return out.reshape(pred.shape).astype(_float_type(pred, target), copy=False)


def mse(pred, target):
    """mean((pred − target)²) over all elements. pred, target: arrays of the same shape."""
    return _loss(_mse, pred, target)


def mse_grad(pred, target):
    """2·(pred − target) / numel, shaped like pred."""
    return _grad(_mse_grad, pred, target)


def mae(pred, target):
    """mean(|pred − target|) over all elements."""
    return _loss(_mae, pred, target)


def mae_grad(pred, target):
    """sign(pred − target) / numel, with sign(0) = 0."""
    return _grad(_mae_grad, pred, target)


def msle(pred, target):
    """mean((log(1 + pred) − log(1 + target))²) over all elements (inputs > −1)."""
    return _loss(_msle, pred, target)


def msle_grad(pred, target):
    """2·(log1p(pred) − log1p(target)) / ((1 + pred)·numel)."""
    return _grad(_msle_grad, pred, target)


def binary_cross_entropy(pred, target):
    """mean(−[t·max(log p, −100) + (1 − t)·max(log(1 − p), −100)]); pred p in [0, 1]."""
    return _loss(_bce, pred, target)


def binary_cross_entropy_grad(pred, target):
    """(p − t) / max(p(1 − p), 1e-12) / numel (PyTorch's BCELoss backward)."""
    return _grad(_bce_grad, pred, target)


def binary_cross_entropy_with_logits(logits, target):
    """mean(max(z, 0) − z·t + log(1 + e^(−|z|))) over all elements, for logits z."""
    return _loss(_bce_logits, logits, target)


def binary_cross_entropy_with_logits_grad(logits, target):
    """(σ(z) − t) / numel."""
    return _grad(_bce_logits_grad, logits, target)


def hinge(pred, target):
    """mean(max(0, 1 − target·pred)) over all elements; target in {−1, +1}."""
    return _loss(_hinge, pred, target)


def hinge_grad(pred, target):
    """−target / numel where 1 − target·pred > 0, else 0 (0 at the margin exactly)."""
    return _grad(_hinge_grad, pred, target)


def squared_hinge(pred, target):
    """mean(max(0, 1 − target·pred)²) over all elements."""
    return _loss(_squared_hinge, pred, target)


def squared_hinge_grad(pred, target):
    """−2·target·max(0, 1 − target·pred) / numel."""
    return _grad(_squared_hinge_grad, pred, target)


def categorical_cross_entropy(pred, target):
    """−(1/N)·Σ target·max(log pred, −100) for (N, C) probabilities and one-hot targets."""
    return _loss(_cce, pred, target, per_row=True)


def categorical_cross_entropy_grad(pred, target):
    """−target / max(pred, 1e-12) / N, shaped (N, C)."""
    return _grad(_cce_grad, pred, target, per_row=True)


def kl_divergence(pred, target):
    """KL(target ‖ pred) / N = (1/N)·Σ target·(log target − log pred); terms with target 0 are 0."""
    return _loss(_kl, pred, target, per_row=True)


def kl_divergence_grad(pred, target):
    """−target / (pred·N), and 0 where target is 0."""
    return _grad(_kl_grad, pred, target, per_row=True)


def huber(pred, target, delta=1.0):
    """mean over all elements of ½d² where |d| < delta, else delta·(|d| − ½delta); d = pred − target."""
    return _loss(_huber, pred, target, float(delta))


def huber_grad(pred, target, delta=1.0):
    """d / numel where |d| < delta, else delta·sign(d) / numel."""
    return _grad(_huber_grad, pred, target, float(delta))


def _logits_and_labels(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    logits, labels = np.asarray(logits), np.asarray(labels)
    n = _rows(logits)
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers of shape ({n},), got {labels.dtype} {labels.shape}")
    if n and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in [0, {logits.shape[1]})")
    return np.ascontiguousarray(logits, dtype=np.float64), np.ascontiguousarray(labels, dtype=np.int64)


def sparse_categorical_cross_entropy(logits, labels):
    """mean over rows of −log_softmax(logits)[label]; logits (N, C), labels (N,) integers."""
    z, y = _logits_and_labels(logits, labels)
    return _number(_sparse_cce(z, y), _float_type(logits))


def sparse_categorical_cross_entropy_grad(logits, labels):
    """(softmax(logits) − one_hot(labels)) / N, shaped (N, C)."""
    z, y = _logits_and_labels(logits, labels)
    return _sparse_cce_grad(z, y).astype(_float_type(logits), copy=False)


def one_hot(labels, num_classes):
    """float64 (N, num_classes) with a 1 at [i, labels[i]]; labels (N,) integers in [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes})")
    return _one_hot(np.ascontiguousarray(labels, dtype=np.int64), int(num_classes))


# --------------------------------------------------------------------------- input generators

def simplex(rng: np.random.Generator, shape: tuple, zeros: float = 0.0, low: float = 0.05) -> np.ndarray:
    """(N, C) rows of probabilities that sum to 1, each entry at least ``low`` before normalising.

    ``zeros``: the share of entries set to exactly 0 (each row keeps its largest entry).
    """
    w = rng.uniform(low, 1.0, size=shape)
    if zeros:
        drop = rng.random(shape) < zeros
        drop[np.arange(shape[0]), np.argmax(w, axis=1)] = False
        w[drop] = 0.0
    return w / w.sum(axis=1, keepdims=True)


def one_hot_rows(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """(N, C) float64 one-hot rows with a random class each."""
    return np.eye(shape[1])[rng.integers(0, shape[1], size=shape[0])]


def choice_with_edges(rng: np.random.Generator, shape: tuple, values: list, edges: list) -> np.ndarray:
    """``shape`` values drawn from ``values``, the first ``len(edges)`` of them (in C order) set to
    ``edges``: edge cases that every per-student draw holds, in the same cells of two inputs drawn
    apart (a prediction beyond the margin beside its label, p = 0 beside the label 1)."""
    out = rng.choice(np.asarray(values), size=shape)
    out.flat[:len(edges)] = edges
    return out


# --------------------------------------------------------------------------- for the property check

_LOSSES = {
    "mse": mse, "mae": mae, "msle": msle, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits, "hinge": hinge,
    "squared_hinge": squared_hinge, "categorical_cross_entropy": categorical_cross_entropy,
    "sparse_categorical_cross_entropy": sparse_categorical_cross_entropy,
    "kl_divergence": kl_divergence, "huber": huber,
}


def finite_differences(args: dict, loss: str, h: float = 1e-5, **_) -> dict:
    """Centred differences (h) of the reference ``loss`` at the test's inputs, and the loss there:
    what :func:`properties.grad_matches_finite_differences` compares a student's gradient with.

    args: the inputs by name, the differentiated one first (pred or logits), then the others
    (target, labels, delta), passed to the loss by name. Returns ``{"numeric": array of the first
    input's shape, "loss": float}``. The test's other params (tol) are the check's.
    """
    fn = _LOSSES[loss]
    (name, x), *rest = args.items()
    x = np.array(x, dtype=np.float64)            # our own copy: numerical_gradient perturbs it
    others = dict(rest)
    return {"numeric": numerical_gradient(lambda v: fn(**{name: v}, **others), x, h),
            "loss": float(fn(**{name: x}, **others))}


# --------------------------------------------------------------------------- mistakes, as students write them

def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_log_softmax(z, axis=1):
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _np_softmax_naive(z):
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


def _np_one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


def _xlogy(x, y, log=np.log):
    """x·log y, 0 where x == 0 (a student's np.where guard)."""
    return np.where(x > 0, x * log(np.where(x > 0, y, 1.0)), 0.0)


def _bce_terms(p, t, log=np.log):
    return -(t * np.maximum(log(p), LOG_FLOOR) + (1 - t) * np.maximum(log(1 - p), LOG_FLOOR))


def _huber_terms(d, delta):
    return np.where(np.abs(d) < delta, 0.5 * d ** 2, delta * (np.abs(d) - 0.5 * delta))


def _smooth_l1_terms(d, beta):
    return np.where(np.abs(d) < beta, 0.5 * d ** 2 / beta, np.abs(d) - 0.5 * beta)


def _not_divided(formula: str) -> str:
    return (f"The loss is a mean, so its gradient carries the same factor: {formula}. "
            "Yours looks like the gradient of the sum.")


_SUM_NOT_MEAN = ("PyTorch's default reduction='mean' averages the loss over all elements of pred: "
                 "you seem to sum them instead.")
_ROWS_ONLY = ("The elementwise losses average over all N·D elements (PyTorch's reduction='mean'), "
              "not over the N rows only: divide the sum by pred.size.")
_PER_ROW = ("Cross-entropy sums over the C classes of a sample and averages over the N samples: "
            "divide the total by N, not by N·C (and do not leave it as a sum).")
_SIGN_AT_ZERO = ("Where ŷ = y exactly, |ŷ − y| has a kink, and the gradient used here (PyTorch's) is "
                 "sign(0) = 0. A comparison such as `d >= 0` or `d > 0` gives ±1 there; np.sign gives 0.")
_NAIVE_SOFTMAX = ("np.exp of a large logit (1000) overflows to inf, and inf/inf is NaN. Subtract each "
                  "row's maximum first: log_softmax(z) = z − m − log Σ exp(z − m), m = max of the row.")

# In each list the mutants that give NaN or inf on the edge-case inputs (an unguarded log or
# division, an overflowing exp) come last, so a finite wrong answer meets the finite mutants first.
MISTAKES = {
    "mse": [
        Mistake("sum_not_mean", _SUM_NOT_MEAN, lambda pred, target: np.sum((pred - target) ** 2)),
        Mistake("mean_over_rows_only", _ROWS_ONLY,
                lambda pred, target: np.mean(np.sum((pred - target) ** 2, axis=-1))),
        Mistake("half_squared_error", "No ½ here: MSE = mean((ŷ − y)²). The ½ of J = ½Σ(y − ŷ)² is another "
                "convention, chosen to make the gradient ŷ − y.",
                lambda pred, target: 0.5 * np.mean((pred - target) ** 2)),
    ],
    "mse_grad": [
        Mistake("not_divided_by_n", _not_divided("∂L/∂ŷ = 2(ŷ − y)/numel, numel = pred.size"),
                lambda pred, target: 2 * (pred - target)),
        Mistake("missing_factor_2", "The derivative of (ŷ − y)² is 2(ŷ − y): keep the factor 2.",
                lambda pred, target: (pred - target) / pred.size),
        Mistake("wrong_sign", "∂L/∂ŷ = 2(ŷ − y)/numel: prediction minus target. (y − ŷ) points downhill, "
                "and a gradient points uphill.",
                lambda pred, target: 2 * (target - pred) / pred.size),
    ],
    "mae": [
        Mistake("sum_not_mean", _SUM_NOT_MEAN, lambda pred, target: np.sum(np.abs(pred - target))),
    ],
    "mae_grad": [
        Mistake("gradient_at_zero", _SIGN_AT_ZERO,
                lambda pred, target: np.where(pred - target >= 0, 1.0, -1.0) / pred.size),
        Mistake("gradient_at_zero", _SIGN_AT_ZERO,
                lambda pred, target: np.where(pred - target > 0, 1.0, -1.0) / pred.size),
        Mistake("not_divided_by_n", _not_divided("∂L/∂ŷ = sign(ŷ − y)/numel"),
                lambda pred, target: np.sign(pred - target)),
    ],
    "msle": [
        Mistake("root_of_mean", "That is the RMSLE, the square root of the MSLE: return the mean itself.",
                lambda pred, target: np.sqrt(np.mean((np.log1p(pred) - np.log1p(target)) ** 2))),
        Mistake("missing_plus_one", "MSLE compares log(1 + x), which is finite at 0: use np.log1p(ŷ) − "
                "np.log1p(y), not log ŷ − log y.",
                lambda pred, target: np.mean((np.log(pred) - np.log(target)) ** 2)),
    ],
    "msle_grad": [
        Mistake("missing_chain_rule", "Chain rule: d/dŷ log(1 + ŷ) = 1/(1 + ŷ), so the gradient is "
                "2(log(1 + ŷ) − log(1 + y)) / ((1 + ŷ)·numel).",
                lambda pred, target: 2 * (np.log1p(pred) - np.log1p(target)) / pred.size),
    ],
    "binary_cross_entropy": [
        Mistake("clipped_like_keras", "Clipping p to [ε, 1 − ε] is Keras's guard (a term is at most −log ε ≈ "
                "16.1). Here, as in PyTorch, each log is clamped at −100 instead, so a term can reach 100.",
                lambda pred, target: np.mean(_bce_terms(np.clip(pred, 1e-7, 1 - 1e-7), target))),
        Mistake("clipped_like_sklearn", "Clipping p to [1e-15, 1 − 1e-15] (scikit-learn's old log_loss guard) caps "
                "a term at −log(1e-15) ≈ 34.5. Here, as in PyTorch, each log is clamped at −100 instead: "
                "max(log p, −100) and max(log(1 − p), −100), so a term can reach 100.",
                lambda pred, target: np.mean(_bce_terms(np.clip(pred, 1e-15, 1 - 1e-15), target))),
        Mistake("mean_over_rows_only", _ROWS_ONLY,
                lambda pred, target: np.mean(np.sum(_bce_terms(pred, target), axis=-1))),
        Mistake("log_unguarded", "log(0) is −inf, and 0·(−inf) is NaN: where p is exactly 0 or 1, clamp each "
                "log at −100 as PyTorch's BCELoss does: max(log p, −100) and max(log(1 − p), −100).",
                lambda pred, target: np.mean(-(target * np.log(pred) + (1 - target) * np.log(1 - pred)))),
    ],
    "binary_cross_entropy_grad": [
        Mistake("logit_gradient", "p − t is the gradient with respect to the logit z (where p = σ(z)). With "
                "respect to the probability p it is (p − t)/(p(1 − p)), divided by numel.",
                lambda pred, target: (pred - target) / pred.size),
        Mistake("not_divided_by_n", _not_divided("(p − t)/max(p(1 − p), 1e-12)/numel"),
                lambda pred, target: (pred - target) / np.maximum(pred * (1 - pred), DIV_FLOOR)),
        Mistake("unguarded_division", "At p = 0 or 1 the formula −t/p + (1 − t)/(1 − p) divides by zero. Write "
                "it as (p − t)/(p(1 − p)) and guard the denominator as PyTorch does: max(p(1 − p), 1e-12).",
                lambda pred, target: (-target / pred + (1 - target) / (1 - pred)) / pred.size),
    ],
    "binary_cross_entropy_with_logits": [
        Mistake("sum_not_mean", _SUM_NOT_MEAN,
                lambda logits, target: np.sum(np.maximum(logits, 0) - logits * target
                                              + np.log1p(np.exp(-np.abs(logits))))),
        Mistake("sigmoid_then_log", "σ(1000) is exactly 1.0 in floating point, so log(1 − σ(z)) is −inf. Do not "
                "take the log of σ(z): use the stable form max(z, 0) − z·t + log(1 + e^(−|z|)).",
                lambda logits, target: np.mean(-(target * np.log(_np_sigmoid(logits))
                                                 + (1 - target) * np.log(1 - _np_sigmoid(logits))))),
    ],
    "binary_cross_entropy_with_logits_grad": [
        Mistake("not_divided_by_n", _not_divided("(σ(z) − t)/numel"),
                lambda logits, target: _np_sigmoid(logits) - target),
        Mistake("probability_gradient", "That is the gradient with respect to the probability σ(z). Through "
                "the sigmoid, σ′(z) = σ(1 − σ) cancels its denominator: with respect to the logit the gradient "
                "is (σ(z) − t)/numel.",
                lambda logits, target: ((_np_sigmoid(logits) - target)
                                        / (_np_sigmoid(logits) * (1 - _np_sigmoid(logits))) / logits.size)),
    ],
    "hinge": [
        Mistake("labels_converted_from_01", "The labels are already −1 and +1. Converting them as if they were "
                "0/1 (2y − 1) turns −1 into −3: use y as given, max(0, 1 − y·ŷ).",
                lambda pred, target: np.mean(np.maximum(0, 1 - (2 * target - 1) * pred))),
        Mistake("missing_clamp", "The hinge is max(0, 1 − y·ŷ): a prediction beyond the margin (y·ŷ > 1) "
                "costs 0, not a negative amount.",
                lambda pred, target: np.mean(1 - target * pred)),
        Mistake("sum_not_mean", _SUM_NOT_MEAN, lambda pred, target: np.sum(np.maximum(0, 1 - target * pred))),
    ],
    "hinge_grad": [
        Mistake("margin_counted", "At the margin exactly (y·ŷ = 1) the hinge has a kink, and the gradient used "
                "here is 0 there (PyTorch's relu(1 − y·ŷ)): count an element only where 1 − y·ŷ > 0, strictly.",
                lambda pred, target: np.where(1 - target * pred >= 0, -target, 0.0) / pred.size),
        Mistake("not_divided_by_n", _not_divided("−y/numel where 1 − y·ŷ > 0"),
                lambda pred, target: np.where(1 - target * pred > 0, -target, 0.0)),
    ],
    "squared_hinge": [
        Mistake("squared_before_clamp", "Clamp first, then square: max(0, 1 − y·ŷ)². Squaring first makes "
                "predictions beyond the margin cost something again.",
                lambda pred, target: np.mean(np.maximum(0, (1 - target * pred) ** 2))),
    ],
    "squared_hinge_grad": [
        Mistake("missing_factor_2", "d/dŷ max(0, 1 − y·ŷ)² = −2y·max(0, 1 − y·ŷ): keep the factor 2.",
                lambda pred, target: -target * np.maximum(0, 1 - target * pred) / pred.size),
    ],
    "categorical_cross_entropy": [
        Mistake("mean_over_all_elements", _PER_ROW,
                lambda pred, target: -np.mean(target * np.maximum(np.log(pred), LOG_FLOOR))),
        Mistake("sum_not_mean", _PER_ROW,
                lambda pred, target: -np.sum(target * np.maximum(np.log(pred), LOG_FLOOR))),
        Mistake("log_base_10", "Use the natural logarithm, np.log: np.log10 divides every term by ln 10.",
                lambda pred, target: -np.sum(target * np.maximum(np.log10(pred), LOG_FLOOR)) / pred.shape[0]),
        Mistake("log_unguarded", "log(0) is −inf, and 0·(−inf) is NaN: clamp the log at −100 as BCELoss does, "
                "max(log p, −100), so that classes with target 0 add exactly 0.",
                lambda pred, target: -np.sum(target * np.log(pred)) / pred.shape[0]),
    ],
    "categorical_cross_entropy_grad": [
        Mistake("softmax_gradient", "p − y is the gradient with respect to the logits of a softmax followed by "
                "this loss. With respect to the probabilities p themselves it is −y/p, divided by N.",
                lambda pred, target: (pred - target) / pred.shape[0]),
        Mistake("not_divided_by_n", _not_divided("−y/max(p, 1e-12)/N, N the number of rows"),
                lambda pred, target: -target / np.maximum(pred, DIV_FLOOR)),
        Mistake("unguarded_division", "−y/p is 0/0 = NaN where p = 0 and y = 0. Guard the denominator as "
                "BCELoss's backward does: −y/max(p, 1e-12), divided by N.",
                lambda pred, target: -target / pred / pred.shape[0]),
    ],
    "sparse_categorical_cross_entropy": [
        Mistake("softmax_over_batch_axis", "Normalise over the C classes of each sample (axis=1, along a row "
                "of (N, C)), not over the batch (axis=0).",
                lambda logits, labels: -np.mean(_np_log_softmax(logits, axis=0)[np.arange(len(labels)), labels])),
        Mistake("sum_not_mean", _PER_ROW,
                lambda logits, labels: -np.sum(_np_log_softmax(logits)[np.arange(len(labels)), labels])),
        Mistake("naive_softmax", _NAIVE_SOFTMAX,
                lambda logits, labels: -np.mean(np.log(_np_softmax_naive(logits)[np.arange(len(labels)), labels]))),
    ],
    "sparse_categorical_cross_entropy_grad": [
        Mistake("not_divided_by_n", _not_divided("(softmax(z) − one_hot(y))/N"),
                lambda logits, labels: np.exp(_np_log_softmax(logits)) - _np_one_hot(labels, logits.shape[1])),
        Mistake("naive_softmax", _NAIVE_SOFTMAX,
                lambda logits, labels: (_np_softmax_naive(logits) - _np_one_hot(labels, logits.shape[1]))
                / logits.shape[0]),
    ],
    "kl_divergence": [
        Mistake("mean_over_all_elements", "Divide the sum by the batch size N (PyTorch's "
                "reduction='batchmean', the true KL), not by the number of elements N·C (reduction='mean').",
                lambda pred, target: np.mean(_xlogy(target, target) - _xlogy(target, pred))),
        Mistake("log_base_2", "Use the natural logarithm: a KL in bits (log2) is the value in nats divided by ln 2.",
                lambda pred, target: np.sum(_xlogy(target, target, np.log2) - _xlogy(target, pred, np.log2))
                / pred.shape[0]),
        Mistake("pred_as_log_probs", "pred holds probabilities, not log-probabilities (PyTorch's KLDivLoss takes "
                "log-probabilities as input; this function does not): use log(pred).",
                lambda pred, target: np.sum(_xlogy(target, target) - target * pred) / pred.shape[0]),
        Mistake("arguments_swapped", "kl_divergence(pred, target) is KL(target ‖ pred) = Σ target·log(target/pred): "
                "the target weighs the log. You computed KL(pred ‖ target), which is a different number.",
                lambda pred, target: np.sum(_xlogy(pred, pred) - _xlogy(pred, target)) / pred.shape[0]),
        Mistake("zero_target_unguarded", "A term with target 0 is 0 (0·log 0 = 0, as torch.xlogy), but NumPy "
                "gives 0·(−inf) = NaN: leave out the terms where target == 0.",
                lambda pred, target: np.sum(target * np.log(target / pred)) / pred.shape[0]),
    ],
    "kl_divergence_grad": [
        Mistake("arguments_swapped", "kl_divergence(pred, target) is KL(target ‖ pred), whose gradient with respect "
                "to pred is −target/pred (divided by N). Yours is the gradient of KL(pred ‖ target).",
                lambda pred, target: (np.log(pred / target) + 1) / pred.shape[0]),
        Mistake("not_divided_by_n", _not_divided("−target/(pred·N), N the number of rows"),
                lambda pred, target: np.where(target > 0, -target / pred, 0.0)),
    ],
    "huber": [
        Mistake("smooth_l1", "That is SmoothL1Loss with β = δ, which is Huber divided by δ. Huber is ½d² where "
                "|d| < δ and δ·(|d| − ½δ) elsewhere; the two agree only for δ = 1.",
                lambda pred, target, delta=1.0: np.mean(_smooth_l1_terms(pred - target, delta))),
        Mistake("sum_not_mean", _SUM_NOT_MEAN,
                lambda pred, target, delta=1.0: np.sum(_huber_terms(pred - target, delta))),
    ],
    "huber_grad": [
        Mistake("smooth_l1", "Huber's gradient is d where |d| < δ and δ·sign(d) elsewhere (divided by numel); "
                "d/δ and sign(d) belong to SmoothL1Loss with β = δ.",
                lambda pred, target, delta=1.0: np.where(np.abs(pred - target) < delta, (pred - target) / delta,
                                                         np.sign(pred - target)) / pred.size),
        Mistake("not_divided_by_n", _not_divided("d/numel where |d| < δ, else δ·sign(d)/numel"),
                lambda pred, target, delta=1.0: np.clip(pred - target, -delta, delta)),
    ],
    "one_hot": [
        Mistake("classes_from_labels", "Use num_classes for the number of columns: the largest class need not "
                "occur among the labels.",
                lambda labels, num_classes: np.eye(labels.max() + 1)[labels]),
    ],
}
