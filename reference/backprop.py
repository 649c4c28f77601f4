"""References for assignment 04 (backpropagation), with the spirals generator, the finite differences of its property check and mistakes.

Conventions (the assignment's README states each with its formula):

* ``dense_forward(x, W, b) = x.reshape(N, D) @ W + b`` with ``W`` of shape (D, M), CS231n's layout
  (PyTorch's ``Linear.weight`` is its transpose). ``dense_backward(dout, x, W)`` returns
  ``(dx, dW, db)``, ``dx`` in ``x``'s own shape. Every backward takes the forward's inputs.
* Inverted dropout: keep where ``u >= p`` (``u`` is the uniform noise, so a tie ``u == p`` keeps)
  and scale the kept values by ``1/(1 - p)``; with ``train=False`` the layer is the identity.
* Batch normalisation in training mode uses the batch's mean and its *biased* variance (divided
  by m, as in the paper and PyTorch's normalisation), ``eps`` inside the square root; (N, D)
  inputs are normalised per feature, (N, C, H, W) inputs per channel over N, H and W.
* ``numerical_gradient`` is :func:`grader.authoring.numerical_gradient` (centred differences).
* The two-layer network is affine → ReLU → affine → softmax cross-entropy (the mean over the
  batch), plus ``0.5·reg·(ΣW1² + ΣW2²)``; biases are not regularised. ``init_params`` is He's
  initialisation from ``np.random.default_rng(seed)``: W1 first, then W2. ``train`` is mini-batch
  SGD with a fresh ``rng.permutation`` per epoch from a second ``default_rng(seed)``, and records
  the mean per-sample loss of each epoch (each batch's loss before its step, weighted by its size).
* ``early_stopping`` returns the 1-based epoch at which ``patience`` epochs in a row have not
  improved (strictly) on the best loss so far, or the last epoch if that never happens.

The kernels run in float64 on contiguous 2-D arrays (one specialisation each); the plain-Python
wrappers reshape, handle defaults and dicts, and cast results back to the inputs' float type.
Inputs are never modified.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from grader.authoring import Mistake, numerical_gradient

# --------------------------------------------------------------------------- kernels (float64, 2-D)
# Numba sends np.dot and @ to SciPy's BLAS, which a plain install lacks: the products are loops.

@njit(cache=True)
def _affine(a, B, bias):
    """a @ B + bias for a (n, k), B (k, m), bias (m,)."""
    n, k = a.shape
    m = B.shape[1]
    out = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            s = bias[j]
            for t in range(k):
                s += a[i, t] * B[t, j]
            out[i, j] = s
    return out


@njit(cache=True)
def _affine_backward(dout, a, B):
    """(dout @ B.T, a.T @ dout, dout summed over rows) for the affine map of :func:`_affine`."""
    n, m = dout.shape
    k = B.shape[0]
    da = np.zeros((n, k))
    dB = np.zeros((k, m))
    dbias = np.zeros(m)
    for i in range(n):
        for j in range(m):
            g = dout[i, j]
            dbias[j] += g
            for t in range(k):
                da[i, t] += g * B[t, j]
                dB[t, j] += a[i, t] * g
    return da, dB, dbias


@njit(cache=True)
def _dropout(values, u, p):
    """values·[u >= p]/(1 − p), elementwise on flat arrays: the forward on x, the backward on dout."""
    out = np.empty(values.size)
    scale = 1.0 / (1.0 - p)
    for i in range(values.size):
        out[i] = values[i] * scale if u[i] >= p else 0.0
    return out


@njit(cache=True)
def _column_stats(z, eps):
    """Per-column mean and 1/sqrt(biased variance + eps) of z (m, c)."""
    m, c = z.shape
    mean = np.zeros(c)
    inv_std = np.zeros(c)
    for i in range(m):
        for j in range(c):
            mean[j] += z[i, j]
    for j in range(c):
        mean[j] /= m
    for i in range(m):
        for j in range(c):
            d = z[i, j] - mean[j]
            inv_std[j] += d * d
    for j in range(c):
        inv_std[j] = 1.0 / math.sqrt(inv_std[j] / m + eps)
    return mean, inv_std


@njit(cache=True)
def _batchnorm_forward(z, gamma, beta, eps):
    mean, inv_std = _column_stats(z, eps)
    out = np.empty(z.shape)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            out[i, j] = gamma[j] * (z[i, j] - mean[j]) * inv_std[j] + beta[j]
    return out


@njit(cache=True)
def _batchnorm_backward(dout, z, gamma, eps):
    """dx = (1/m)·inv_std·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) with dx̂ = dout·γ; dγ = Σ dout·x̂; dβ = Σ dout."""
    m, c = z.shape
    mean, inv_std = _column_stats(z, eps)
    dgamma = np.zeros(c)
    dbeta = np.zeros(c)
    for i in range(m):
        for j in range(c):
            dgamma[j] += dout[i, j] * (z[i, j] - mean[j]) * inv_std[j]
            dbeta[j] += dout[i, j]
    dx = np.empty(z.shape)
    for i in range(m):
        for j in range(c):
            x_hat = (z[i, j] - mean[j]) * inv_std[j]
            # Σdx̂ = γ·dβ and Σ dx̂·x̂ = γ·dγ
            dx[i, j] = gamma[j] * inv_std[j] / m * (m * dout[i, j] - dbeta[j] - x_hat * dgamma[j])
    return dx, dgamma, dbeta


@njit(cache=True)
def _two_layer(X, y, W1, b1, W2, b2, reg):
    """Loss and (dW1, db1, dW2, db2) of affine → ReLU → affine → mean softmax cross-entropy + L2."""
    a = _affine(X, W1, b1)
    n, hidden = a.shape
    h = np.empty((n, hidden))
    for i in range(n):
        for j in range(hidden):
            h[i, j] = a[i, j] if a[i, j] > 0 else 0.0
    scores = _affine(h, W2, b2)
    classes = scores.shape[1]
    dscores = np.empty((n, classes))
    loss = 0.0
    for i in range(n):
        top = scores[i, 0]
        for j in range(classes):
            top = max(top, scores[i, j])
        total = 0.0
        for j in range(classes):
            total += math.exp(scores[i, j] - top)
        lse = top + math.log(total)
        loss += lse - scores[i, y[i]]
        for j in range(classes):
            dscores[i, j] = (math.exp(scores[i, j] - lse) - (1.0 if j == y[i] else 0.0)) / n
    loss /= n
    dh, dW2, db2 = _affine_backward(dscores, h, W2)
    for i in range(n):
        for j in range(hidden):
            if a[i, j] <= 0:
                dh[i, j] = 0.0
    _, dW1, db1 = _affine_backward(dh, X, W1)
    squares = 0.0
    for W, dW in ((W1, dW1), (W2, dW2)):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                squares += W[i, j] * W[i, j]
                dW[i, j] += reg * W[i, j]
    return loss + 0.5 * reg * squares, dW1, db1, dW2, db2


@njit(cache=True)
def _early_stopping(losses, patience):
    best = np.inf
    waited = 0
    for epoch in range(losses.size):
        if losses[epoch] < best:
            best = losses[epoch]
            waited = 0
        else:
            waited += 1
            if waited >= patience:
                return epoch + 1
    return losses.size


# --------------------------------------------------------------------------- plain-Python wrappers

def _float_type(*arrays) -> np.dtype:
    """The arrays' common float type: float32 only when all are float32, else float64."""
    common = np.result_type(*arrays)
    return common if common in (np.float32, np.float64) else np.dtype(np.float64)


def _f64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _per_sample(x: np.ndarray) -> np.ndarray:
    """x (N, d1, ..., dk) as (N, d1·...·dk), one sample per row."""
    return x.reshape(x.shape[0], -1)


def _per_channel(x: np.ndarray) -> np.ndarray:
    """(N, D) as it is; (N, C, H, W) as (N·H·W, C), one column per channel."""
    return x if x.ndim == 2 else x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_per_channel(rows: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of :func:`_per_channel` for an input of ``shape``."""
    if len(shape) == 2:
        return rows
    n, c, h, w = shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def dense_forward(x, W, b):
    """x (N, d1, ..., dk) flattened per sample to (N, D), times W (D, M), plus b (M,): (N, M)."""
    x = np.asarray(x)
    return _affine(_f64(_per_sample(x)), _f64(W), _f64(b)).astype(_float_type(x, W, b), copy=False)


def dense_backward(dout, x, W):
    """(dx, dW, db) of dense_forward: dout @ W.T in x's shape, x.T @ dout (D, M), dout summed (M,)."""
    x = np.asarray(x)
    dx, dW, db = _affine_backward(_f64(dout), _f64(_per_sample(x)), _f64(W))
    dtype = _float_type(dout, x, W)
    return dx.reshape(x.shape).astype(dtype, copy=False), dW.astype(dtype, copy=False), db.astype(dtype, copy=False)


def _dropout_apply(values, p: float, u, train: bool) -> np.ndarray:
    values = np.asarray(values)
    dtype = _float_type(values)
    if not train:
        return values.astype(dtype, copy=True)
    return _dropout(_f64(values).ravel(), _f64(u).ravel(), float(p)).reshape(values.shape).astype(dtype, copy=False)


def dropout_forward(x, p, u, train=True):
    """Inverted dropout: x·[u >= p]/(1 − p) in training, x itself (a copy) otherwise."""
    return _dropout_apply(x, p, u, train)


def dropout_backward(dout, p, u, train=True):
    """dout·[u >= p]/(1 − p) in training (the same mask and scale as the forward), dout otherwise."""
    return _dropout_apply(dout, p, u, train)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Training-mode batch norm: γ·(x − μ)/sqrt(σ² + eps) + β per feature (N, D) or channel (N, C, H, W)."""
    x = np.asarray(x)
    out = _batchnorm_forward(_f64(_per_channel(x)), _f64(gamma), _f64(beta), float(eps))
    return np.ascontiguousarray(_from_per_channel(out, x.shape), dtype=_float_type(x, gamma, beta))


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """(dx, dgamma, dbeta) of batchnorm_forward at x: dx in x's shape, dgamma and dbeta like gamma."""
    x, dout = np.asarray(x), np.asarray(dout)
    dx, dgamma, dbeta = _batchnorm_backward(_f64(_per_channel(dout)), _f64(_per_channel(x)), _f64(gamma), float(eps))
    dtype = _float_type(dout, x, gamma)
    return (np.ascontiguousarray(_from_per_channel(dx, x.shape), dtype=dtype), dgamma.astype(dtype, copy=False),
            dbeta.astype(dtype, copy=False))


def init_params(D, H, C, seed):
    """He initialisation: rng = default_rng(seed); W1 ~ N(0, 2/D) (D, H), then W2 ~ N(0, 2/H) (H, C); zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def _labels(y) -> np.ndarray:
    return np.ascontiguousarray(y, dtype=np.int64)


def loss_and_grads(params, X, y, reg):
    """(loss, grads) of the two-layer network on (X (N, D), y (N,) labels): a float and a dict like params."""
    loss, dW1, db1, dW2, db2 = _two_layer(_f64(X), _labels(y), _f64(params["W1"]), _f64(params["b1"]),
                                          _f64(params["W2"]), _f64(params["b2"]), float(reg))
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def train(X, y, hidden, lr, epochs, batch_size, seed):
    """Mini-batch SGD from init_params(D, hidden, C, seed); returns (params, mean loss of each epoch (epochs,))."""
    X, y = _f64(X), _labels(y)
    n = X.shape[0]
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, *grads = _two_layer(X[batch], y[batch], params["W1"], params["b1"], params["W2"], params["b2"], 0.0)
            history[epoch] += loss * len(batch) / n
            for name, grad in zip(("W1", "b1", "W2", "b2"), grads):
                params[name] = params[name] - lr * grad
    return params, history


def early_stopping(val_losses, patience):
    """The 1-based epoch at which training stops (see the module's docstring), an int."""
    return int(_early_stopping(_f64(val_losses).ravel(), int(patience)))


# --------------------------------------------------------------------------- input generators

def spirals(rng: np.random.Generator, n: int = 100, classes: int = 3, noise: float = 0.1, turns: float = 0.75,
            inner: float = 0.15) -> dict[str, np.ndarray]:
    """``classes`` interleaved spiral arms of ``n`` points each: not linearly separable.

    Arm k turns ``turns`` times from radius ``inner`` to 1, starting at angle 2πk/classes; each
    angle gets Gaussian noise of std ``noise``. The arms start away from the centre, where they
    would overlap, so a two-layer network can classify nearly every point. Returns ``X`` (n·classes, 2)
    float64 and ``y`` (n·classes,) int64 in 0..classes-1, rows shuffled.
    """
    t = np.tile(np.linspace(0.0, 1.0, n), classes)
    label = np.repeat(np.arange(classes), n)
    radius = inner + (1.0 - inner) * t
    angle = 2.0 * np.pi * (turns * t + label / classes) + rng.normal(scale=noise, size=n * classes)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    order = rng.permutation(n * classes)
    return {"X": X[order], "y": label[order].astype(np.int64)}


def two_layer_params(rng: np.random.Generator, d: int, hidden: int, classes: int) -> dict[str, np.ndarray]:
    """Random parameters of the two-layer network: W ~ N(0, 1/fan_in), biases ~ N(0, 0.5²) (not zero)."""
    return {"W1": rng.normal(scale=1.0 / np.sqrt(d), size=(d, hidden)), "b1": rng.normal(scale=0.5, size=hidden),
            "W2": rng.normal(scale=1.0 / np.sqrt(hidden), size=(hidden, classes)),
            "b2": rng.normal(scale=0.5, size=classes)}


def validation_curve(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """A validation loss (n,) in steps of 0.01 that falls for 3 to 8 epochs, then rises (overfitting).

    Right after its best epoch come, on every draw, the two cases early stopping must get right: a
    loss equal to the best (a tie is no improvement) and, two epochs later, one lower than the
    epoch before it but not than the best. Drawn per student, each draw then catches the same
    mistakes (tests/grading/test_fair_draws.py); only where they fall and the numbers differ.
    """
    falling = 1.0 - np.cumsum(rng.integers(2, 8, size=int(rng.integers(3, 9))) / 100)
    best = falling[-1]
    traps = best + np.array([0.0, 0.05, 0.03, 0.08])        # tie, worse, better than the last only, worse
    rising = best + 0.1 + np.cumsum(rng.integers(1, 4, size=shape[0]) / 100)
    return np.round(np.concatenate([falling, traps, rising])[:shape[0]], 2)


def noise_with_ties(rng: np.random.Generator, shape: tuple, p: float) -> np.ndarray:
    """Dropout's uniform noise ``u`` of ``shape`` in steps of 0.1, with every seventh value exactly
    ``p``: a unit is kept where u >= p, and every draw has such ties to get right."""
    u = np.round(rng.uniform(size=shape), 1)
    u.flat[::7] = p
    return u


# --------------------------------------------------------------------------- for the property check

def finite_differences(args: dict, h: float = 1e-5, **_) -> dict:
    """The reference's exact gradients of the loss at the test's inputs and centred differences
    (h) of it, ``{"exact": {name: array}, "numeric": {name: array}}`` for each parameter: what
    :func:`properties.grads_match_finite_differences` compares a student's gradients with. The
    test's other params (tol) are the check's."""
    params, X, y, reg = args["params"], args["X"], args["y"], args["reg"]
    numeric = {name: numerical_gradient(lambda v: loss_and_grads({**params, name: v}, X, y, reg)[0],
                                        np.array(value, dtype=np.float64), h)
               for name, value in params.items()}
    return {"exact": loss_and_grads(params, X, y, reg)[1], "numeric": numeric}


# --------------------------------------------------------------------------- mistakes, as students write them

def _dense_backward_variant(dout, x, W, *, dx_through=lambda W: W.T, db=lambda dout: dout.sum(axis=0),
                            scale=1.0, reshape=True, transpose_dW=False):
    x2 = _per_sample(x)
    dx = dout @ dx_through(W)
    dW = dout.T @ x2 if transpose_dW else x2.T @ dout
    return dx.reshape(x.shape) if reshape else dx, dW * scale, db(dout) * scale


def _dense_backward_last_sample(dout, x, W):
    x2 = _per_sample(x)
    for n in range(x2.shape[0]):           # `=` where `+=` belongs: only the last sample survives
        dW = np.outer(x2[n], dout[n])
        db = dout[n].copy()
    return (dout @ W.T).reshape(x.shape), dW, db


def _dropout_variant(values, p, u, train=True, *, keep=lambda u, p: u >= p, scale=lambda p: 1.0 / (1.0 - p),
                     eval_scale=1.0, always=False):
    if not (train or always):
        return values * eval_scale
    return values * keep(u, p) * scale(p)


def _batchnorm_variant(x, gamma, beta, eps=1e-5, *, ddof=0, eps_outside=False, per_sample=False, per_position=False,
                       one_pass=False):
    if per_sample or per_position:        # statistics over each sample's features, or over N only
        axes = tuple(range(1, x.ndim)) if per_sample else 0
        x_hat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return gamma.reshape(shape) * x_hat + beta.reshape(shape)
    z = _per_channel(x)
    var = (z * z).mean(axis=0) - z.mean(axis=0) ** 2 if one_pass else z.var(axis=0, ddof=ddof)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return _from_per_channel(gamma * (z - z.mean(axis=0)) / std + beta, x.shape)


def _batchnorm_backward_variant(dout, x, gamma, eps=1e-5, *, ddof=0, mean_and_var_paths=True, var_path=True,
                                dgamma_from_x=False):
    z, dz = _per_channel(x), _per_channel(dout)
    m = z.shape[0]
    inv_std = 1.0 / np.sqrt(z.var(axis=0, ddof=ddof) + eps)
    x_hat = (z - z.mean(axis=0)) * inv_std
    dx_hat = dz * gamma
    if not mean_and_var_paths:           # μ and σ² treated as constants
        dx = dx_hat * inv_std
    elif not var_path:
        dx = inv_std * (dx_hat - dx_hat.mean(axis=0))
    else:
        dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    dgamma = (dz * z).sum(axis=0) if dgamma_from_x else (dz * x_hat).sum(axis=0)
    return _from_per_channel(dx, x.shape), dgamma, dz.sum(axis=0)


def _numerical_gradient_variant(f, x, h=1e-5, *, forward=False, denominator=2.0):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        up = f(x)
        x[index] = old if forward else old - h
        down = f(x)
        x[index] = old
        grad[index] = (up - down) / (h if forward else denominator * h)
    return grad


def _init_variant(D, H, C, seed, *, std=lambda fan: np.sqrt(2.0 / fan), fan_out=False, reseed=False, legacy=False):
    def make():
        return np.random.RandomState(seed) if legacy else np.random.default_rng(seed)

    def draw(rng, rows, cols, scale):
        if legacy:                                # np.random.seed(seed); np.random.randn(...) * scale
            return rng.randn(rows, cols) * scale
        return rng.normal(0.0, scale, size=(rows, cols))

    rng = make()
    W1 = draw(rng, D, H, std(H if fan_out else D))
    W2 = draw(make() if reseed else rng, H, C, std(C if fan_out else H))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def _loss_and_grads_variant(params, X, y, reg, *, reg_factor=0.5, reg_in_loss=True, overwrite=False,
                            reg_biases=False, data_scale=1.0, relu_mask=True):
    """The network as a student writes it in NumPy, with one of the catalogued mistakes switched on."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    scores = h @ W2 + b2
    z = scores - scores.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    dh = dscores @ W2.T
    if relu_mask:
        dh = dh * (a > 0)
    grads = {"W1": X.T @ dh * data_scale, "b1": dh.sum(axis=0) * data_scale,
             "W2": h.T @ dscores * data_scale, "b2": dscores.sum(axis=0) * data_scale}
    regularised = ("W1", "W2", "b1", "b2") if reg_biases else ("W1", "W2")
    if reg_in_loss:
        loss += reg_factor * reg * sum(np.sum(params[k] ** 2) for k in regularised)
    for k in regularised:
        step = 2.0 * reg_factor * reg * params[k]
        grads[k] = step if overwrite else grads[k] + step
    return float(loss), grads


def _sequential_step(params, X, y, lr):
    """Backprop that updates W2, b2 first and then sends the gradient down through the *new* W2."""
    n = X.shape[0]
    a = X @ params["W1"] + params["b1"]
    h = np.maximum(a, 0.0)
    scores = h @ params["W2"] + params["b2"]
    z = scores - scores.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    params["W2"] = params["W2"] - lr * (h.T @ dscores)
    params["b2"] = params["b2"] - lr * dscores.sum(axis=0)
    dh = (dscores @ params["W2"].T) * (a > 0)
    params["W1"] = params["W1"] - lr * (X.T @ dh)
    params["b1"] = params["b1"] - lr * dh.sum(axis=0)
    return float(loss)


def _train_variant(X, y, hidden, lr, epochs, batch_size, seed, *, sign=-1.0, shuffle="every_epoch",
                   drop_last=False, weighted=True, sequential=False):
    n = X.shape[0]
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for epoch in range(epochs):
        if shuffle == "every_epoch":
            order = rng.permutation(n)
        elif shuffle == "reseeded":
            order = np.random.default_rng(seed).permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % batch_size if drop_last else n
        losses = []
        for start in range(0, stop, batch_size):
            batch = order[start:start + batch_size]
            if sequential:
                loss = _sequential_step(params, X[batch], y[batch], lr)
            else:
                loss, grads = _loss_and_grads_variant(params, X[batch], y[batch], 0.0)
                params = {k: params[k] + sign * lr * grads[k] for k in params}
            losses.append((loss, len(batch)))
        if weighted:
            history[epoch] = sum(loss * size for loss, size in losses) / sum(size for _, size in losses)
        else:
            history[epoch] = np.mean([loss for loss, _ in losses])
    return params, history


def _early_stopping_variant(val_losses, patience, *, improves=lambda loss, best, previous: loss < best,
                            late=0, offset=0, best_epoch=False):
    best, previous, waited, best_at = np.inf, np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if improves(loss, best, previous):
            best, waited, best_at = min(loss, best), 0, epoch
        else:
            waited += 1
            if waited >= patience + late:
                return (best_at if best_epoch else epoch) + offset
        previous = loss
    return (best_at if best_epoch else len(val_losses)) + offset


MISTAKES = {
    "dense_forward": [
        Mistake("elementwise_product", "`*` multiplies element by element (and broadcasts when it can); the "
                "layer needs the matrix product: x.reshape(N, -1) @ W + b.",
                lambda x, W, b: _per_sample(x) * W + b),
        Mistake("pytorch_weight_layout", "Here W has shape (D, M), inputs by outputs, so the product is x @ W. "
                "x @ W.T is PyTorch's layout, where Linear.weight is (M, D).",
                lambda x, W, b: _per_sample(x) @ W.T + b),
        Mistake("bias_missing", "Add the bias b to every row: x @ W + b.",
                lambda x, W, b: _per_sample(x) @ W),
    ],
    "dense_backward": [
        Mistake("transposed_weight_gradient", "dW must have the shape of W, (D, M): dW = x.T @ dout, not "
                "dout.T @ x.", lambda dout, x, W: _dense_backward_variant(dout, x, W, transpose_dW=True)),
        Mistake("dx_without_transpose", "out = x @ W, so the gradient flows back through the transpose: "
                "dx = dout @ W.T. dout @ W only runs when W is square, and gives the wrong numbers.",
                lambda dout, x, W: _dense_backward_variant(dout, x, W, dx_through=lambda W: W)),
        Mistake("bias_not_summed", "b is added to every row, so its gradient is the sum of dout over the batch "
                "axis: db = dout.sum(axis=0), of shape (M,).",
                lambda dout, x, W: _dense_backward_variant(dout, x, W, db=lambda dout: dout.copy())),
        Mistake("bias_averaged", "db is the sum of dout over the batch, not the mean: the 1/N of the loss's "
                "mean is already inside dout.",
                lambda dout, x, W: _dense_backward_variant(dout, x, W, db=lambda dout: dout.mean(axis=0))),
        Mistake("one_over_n_twice", "dW and db come out N times too small: the layer divides by N, but dout "
                "already carries the 1/N of the loss's mean. Divide by N once, in the loss.",
                lambda dout, x, W: _dense_backward_variant(dout, x, W, scale=1.0 / dout.shape[0])),
        Mistake("dx_not_reshaped", "dx must have the shape of the input x, here (N, d1, ..., dk): reshape "
                "dout @ W.T back with x.shape.",
                lambda dout, x, W: _dense_backward_variant(dout, x, W, reshape=False)),
        Mistake("gradient_overwritten", "dW and db hold only the last sample's contribution: every sample "
                "adds to the gradient, so accumulate (+=) over the batch, or use x.T @ dout and dout.sum(axis=0).",
                _dense_backward_last_sample),
    ],
    "dropout_forward": [
        Mistake("not_rescaled", "Inverted dropout scales the kept values by 1/(1 − p) during training, so "
                "the expected output equals x and nothing changes at test time.",
                lambda x, p, u, train=True: _dropout_variant(x, p, u, train, scale=lambda p: 1.0)),
        Mistake("p_is_keep_probability", "p is the probability of *dropping* a unit (PyTorch's and Keras' "
                "convention): keep where u >= p and scale by 1/(1 − p).",
                lambda x, p, u, train=True: _dropout_variant(x, p, u, train, keep=lambda u, p: u < p,
                                                             scale=lambda p: 1.0 / p)),
        Mistake("tie_dropped", "A unit is kept where u >= p: a noise value exactly equal to p keeps it.",
                lambda x, p, u, train=True: _dropout_variant(x, p, u, train, keep=lambda u, p: u > p)),
        Mistake("dropout_at_test_time", "With train=False dropout does nothing: return x unchanged.",
                lambda x, p, u, train=True: _dropout_variant(x, p, u, train, always=True)),
        Mistake("scaled_at_test_time", "This is the original (non-inverted) dropout, which scales by (1 − p) "
                "at test time. Inverted dropout scales by 1/(1 − p) in training and leaves x alone at test time.",
                lambda x, p, u, train=True: _dropout_variant(x, p, u, train, scale=lambda p: 1.0, eval_scale=1.0 - p)),
    ],
    "dropout_backward": [
        Mistake("not_rescaled", "The forward scaled the kept values by 1/(1 − p), so their gradient is scaled "
                "the same way: dx = dout · mask / (1 − p).",
                lambda dout, p, u, train=True: _dropout_variant(dout, p, u, train, scale=lambda p: 1.0)),
        Mistake("p_is_keep_probability", "p is the probability of dropping a unit: the mask keeps u >= p, "
                "and the scale is 1/(1 − p).",
                lambda dout, p, u, train=True: _dropout_variant(dout, p, u, train, keep=lambda u, p: u < p,
                                                                scale=lambda p: 1.0 / p)),
        Mistake("tie_dropped", "Use the forward's mask, u >= p: where u equals p the unit was kept, so its "
                "gradient passes.",
                lambda dout, p, u, train=True: _dropout_variant(dout, p, u, train, keep=lambda u, p: u > p)),
        Mistake("mask_at_test_time", "With train=False the forward is the identity, so the gradient is dout "
                "unchanged.", lambda dout, p, u, train=True: _dropout_variant(dout, p, u, train, always=True)),
    ],
    "batchnorm_forward": [
        Mistake("unbiased_variance", "Batch norm divides by m, the number of values averaged (the biased "
                "variance, np.var's default ddof=0), not by m − 1.",
                lambda x, gamma, beta, eps=1e-5: _batchnorm_variant(x, gamma, beta, eps, ddof=1)),
        Mistake("eps_outside_sqrt", "eps goes inside the square root: (x − μ) / sqrt(σ² + eps). It matters "
                "for features that barely vary.",
                lambda x, gamma, beta, eps=1e-5: _batchnorm_variant(x, gamma, beta, eps, eps_outside=True)),
        Mistake("per_sample_statistics", "Batch norm takes the mean and variance over the batch, for each "
                "feature (axis 0; for images, axes 0, 2 and 3 per channel). Statistics over each sample's own "
                "features are layer norm.",
                lambda x, gamma, beta, eps=1e-5: _batchnorm_variant(x, gamma, beta, eps, per_sample=True)),
        Mistake("per_position_statistics", "For (N, C, H, W) inputs there is one mean and one variance per "
                "channel, over N, H and W together (axis=(0, 2, 3)), not one per pixel position.",
                lambda x, gamma, beta, eps=1e-5: _batchnorm_variant(x, gamma, beta, eps, per_position=True)),
        Mistake("one_pass_variance", "E[x²] − E[x]² is right on paper but cancels catastrophically in floating "
                "point when the mean is large next to the spread (a mean of 1e5 and a spread of 1 leave about "
                "6 of 16 digits). Compute the variance from the centred values, mean((x − μ)²), as np.var does.",
                lambda x, gamma, beta, eps=1e-5: _batchnorm_variant(x, gamma, beta, eps, one_pass=True)),
    ],
    "batchnorm_backward": [
        Mistake("unbiased_variance", "The forward divides by m (the biased variance): use the same variance "
                "in the backward pass, np.var's default ddof=0.",
                lambda dout, x, gamma, eps=1e-5: _batchnorm_backward_variant(dout, x, gamma, eps, ddof=1)),
        Mistake("statistics_treated_as_constants", "μ and σ² depend on every x in the batch, so dx has "
                "two more terms than dx̂/σ: dx = (1/m)·(1/σ)·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)).",
                lambda dout, x, gamma, eps=1e-5: _batchnorm_backward_variant(dout, x, gamma, eps,
                                                                             mean_and_var_paths=False)),
        Mistake("variance_path_missing", "The path through the variance is missing: σ² depends on x too, "
                "which adds the term −x̂·Σ(dx̂·x̂)/m inside the bracket.",
                lambda dout, x, gamma, eps=1e-5: _batchnorm_backward_variant(dout, x, gamma, eps, var_path=False)),
        Mistake("dgamma_uses_x", "γ multiplies the normalised x̂, so dγ = Σ dout·x̂, not Σ dout·x.",
                lambda dout, x, gamma, eps=1e-5: _batchnorm_backward_variant(dout, x, gamma, eps, dgamma_from_x=True)),
    ],
    "numerical_gradient": [
        Mistake("forward_difference", "Use centred differences, (f(x + h) − f(x − h)) / 2h: their error "
                "shrinks like h², a forward difference's only like h.",
                lambda f, x, h=1e-5: _numerical_gradient_variant(f, x, h, forward=True)),
        Mistake("missing_factor_2", "The two evaluations are 2h apart: divide f(x + h) − f(x − h) by 2h.",
                lambda f, x, h=1e-5: _numerical_gradient_variant(f, x, h, denominator=1.0)),
    ],
    "init_params": [
        Mistake("variance_as_std", "He initialisation has *variance* 2/fan_in: the standard deviation "
                "passed to rng.normal is sqrt(2/fan_in).",
                lambda D, H, C, seed: _init_variant(D, H, C, seed, std=lambda fan: 2.0 / fan)),
        Mistake("fan_out_scaling", "Scale by the layer's fan-in (its number of inputs): sqrt(2/D) for W1 "
                "(D, H) and sqrt(2/H) for W2 (H, C).",
                lambda D, H, C, seed: _init_variant(D, H, C, seed, fan_out=True)),
        Mistake("reseeded_per_layer", "Make one generator, rng = np.random.default_rng(seed), and draw W1 and "
                "then W2 from it; a new generator for W2 repeats W1's numbers.",
                lambda D, H, C, seed: _init_variant(D, H, C, seed, reseed=True)),
        Mistake("legacy_random", "Use the generator the README names, np.random.default_rng(seed), and its "
                "normal(...); np.random.seed with np.random.randn draws other numbers.",
                lambda D, H, C, seed: _init_variant(D, H, C, seed, legacy=True)),
    ],
    "loss_and_grads": [
        Mistake("reg_gradient_overwrites", "dW1 and dW2 hold only the regularisation term: the data gradient "
                "and reg·W both count, so add them (dW = x.T @ dout + reg·W).",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, overwrite=True)),
        Mistake("regularisation_without_half", "The penalty is 0.5·reg·ΣW², whose gradient is reg·W; "
                "without the 0.5 both are twice as large.",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, reg_factor=1.0)),
        Mistake("regularisation_not_in_loss", "Add the penalty 0.5·reg·(ΣW1² + ΣW2²) to the returned loss "
                "too, not only its gradient to dW.",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, reg_in_loss=False)),
        Mistake("regularised_biases", "Only the weights W1 and W2 are regularised, not the biases.",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, reg_biases=True)),
        Mistake("one_over_n_twice", "The data gradients are N times too small: the loss's gradient already "
                "divides by N (it is a mean), so no layer divides again.",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, data_scale=1.0 / X.shape[0])),
        Mistake("relu_mask_missing", "Backpropagate through the ReLU: where the hidden pre-activation is <= 0 "
                "the gradient is 0 (relu_backward(dh, a), with a the input of the ReLU).",
                lambda params, X, y, reg: _loss_and_grads_variant(params, X, y, reg, relu_mask=False)),
    ],
    "train": [
        Mistake("upper_layer_updated_first", "Compute every gradient first, with the weights of the forward "
                "pass, then update: here W2 was updated before the gradient was sent down through it to W1.",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, sequential=True)),
        Mistake("gradient_ascent", "Step against the gradient: param = param − lr·grad.",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, sign=1.0)),
        Mistake("no_shuffle", "Shuffle at the start of every epoch: order = rng.permutation(N), with the "
                "rng made once from the seed.",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, shuffle="none")),
        Mistake("same_order_every_epoch", "Make the generator once, before the epochs: re-seeding it every "
                "epoch gives the same order every time.",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, shuffle="reseeded")),
        Mistake("last_batch_dropped", "When N is not a multiple of batch_size, the last, smaller batch "
                "still counts: range(0, N, batch_size).",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, drop_last=True)),
        Mistake("unweighted_batch_mean", "The epoch's loss is the mean over its samples: weight each batch's "
                "loss by its size (the last batch may be smaller), not a plain mean of the batch losses.",
                lambda X, y, hidden, lr, epochs, batch_size, seed:
                _train_variant(X, y, hidden, lr, epochs, batch_size, seed, weighted=False)),
    ],
    "early_stopping": [
        Mistake("ties_count_as_improvement", "Only a strictly lower loss is an improvement: a loss equal to "
                "the best so far counts as an epoch without improvement.",
                lambda val_losses, patience: _early_stopping_variant(
                    val_losses, patience, improves=lambda loss, best, previous: loss <= best)),
        Mistake("compares_with_previous_epoch", "Compare each loss with the best loss so far, not with the "
                "previous epoch's.",
                lambda val_losses, patience: _early_stopping_variant(
                    val_losses, patience, improves=lambda loss, best, previous: loss < previous)),
        Mistake("returns_best_epoch", "Return the epoch at which training stops (patience epochs after the "
                "best one), not the best epoch itself.",
                lambda val_losses, patience: _early_stopping_variant(val_losses, patience, best_epoch=True)),
        Mistake("zero_based_epoch", "Epochs are counted from 1: the first loss is epoch 1.",
                lambda val_losses, patience: _early_stopping_variant(val_losses, patience, offset=-1)),
        Mistake("one_epoch_late", "Stop as soon as `patience` epochs in a row have not improved, not one "
                "epoch after that.",
                lambda val_losses, patience: _early_stopping_variant(val_losses, patience, late=1)),
    ],
}
