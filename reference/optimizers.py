"""References for assignment 07 (optimizers), with the spirals generator and mistakes.

Every optimizer is ``name(w, dw, config) -> (next_w, config)`` and follows ``torch.optim``: the
same formulas, the same defaults, and torch's state names as the keys of ``config``:

=============  ===========================================  =======================================
optimizer      hyper-parameters (defaults)                  state (absent before the first step)
=============  ===========================================  =======================================
sgd            lr 1e-3                                      none
sgd_momentum   lr 1e-3, momentum 0.9, dampening 0           momentum_buffer (first step: buf = g)
nesterov       lr 1e-3, momentum 0.9                        momentum_buffer (first step: buf = g)
adagrad        lr 1e-2, eps 1e-10,                          sum (starts at the initial value)
               initial_accumulator_value 0
rmsprop        lr 1e-2, alpha 0.99, eps 1e-8                square_avg
adadelta       lr 1.0, rho 0.9, eps 1e-6                    square_avg, acc_delta
adam           lr 1e-3, betas (0.9, 0.999), eps 1e-8,       step, exp_avg, exp_avg_sq,
               amsgrad False                                max_exp_avg_sq (amsgrad only)
=============  ===========================================  =======================================

The returned config is a new dict: the given entries, the missing hyper-parameters filled in with
their defaults, and the new state. Nothing passed in is modified. The per-element arithmetic runs
in ``@njit`` kernels on flattened arrays; the plain-Python wrappers handle the dict. Arrays keep
the dtype of ``w``.

Also here: ``minimize`` (an optimizer run on a function with a known gradient), the ``spirals``
data generator and the ``MISTAKES`` catalogue. The property checks ``reaches`` and
``optimizer_trains`` are in :mod:`properties`.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from numba import njit

from grader.authoring import Mistake, with_pairs

SGD_DEFAULTS = {"lr": 1e-3}
MOMENTUM_DEFAULTS = {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0}
NESTEROV_DEFAULTS = {"lr": 1e-3, "momentum": 0.9}
ADAGRAD_DEFAULTS = {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0}
RMSPROP_DEFAULTS = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}
ADADELTA_DEFAULTS = {"lr": 1.0, "rho": 0.9, "eps": 1e-6}
ADAM_DEFAULTS = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}


# --------------------------------------------------------------------------- kernels (flat arrays)

@njit(cache=True)
def _sgd_kernel(w, g, lr):
    out = np.empty_like(w)
    for i in range(w.shape[0]):
        out[i] = w[i] - lr * g[i]
    return out


@njit(cache=True)
def _momentum_kernel(w, g, buf, has_buf, lr, momentum, dampening, nesterov):
    """torch.optim.SGD: buf = g on the first step, else momentum·buf + (1 − dampening)·g."""
    out, new_buf = np.empty_like(w), np.empty_like(w)
    for i in range(w.shape[0]):
        b = momentum * buf[i] + (1.0 - dampening) * g[i] if has_buf else g[i]
        new_buf[i] = b
        out[i] = w[i] - lr * (g[i] + momentum * b if nesterov else b)
    return out, new_buf


@njit(cache=True)
def _adagrad_kernel(w, g, acc, lr, eps):
    out, new_acc = np.empty_like(w), np.empty_like(w)
    for i in range(w.shape[0]):
        s = acc[i] + g[i] * g[i]
        new_acc[i] = s
        out[i] = w[i] - lr * g[i] / (np.sqrt(s) + eps)
    return out, new_acc


@njit(cache=True)
def _rmsprop_kernel(w, g, sq, lr, alpha, eps):
    out, new_sq = np.empty_like(w), np.empty_like(w)
    for i in range(w.shape[0]):
        v = alpha * sq[i] + (1.0 - alpha) * g[i] * g[i]
        new_sq[i] = v
        out[i] = w[i] - lr * g[i] / (np.sqrt(v) + eps)
    return out, new_sq


@njit(cache=True)
def _adadelta_kernel(w, g, sq, acc_delta, lr, rho, eps):
    out, new_sq, new_acc = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    for i in range(w.shape[0]):
        v = rho * sq[i] + (1.0 - rho) * g[i] * g[i]
        delta = np.sqrt(acc_delta[i] + eps) / np.sqrt(v + eps) * g[i]
        new_sq[i] = v
        new_acc[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta
        out[i] = w[i] - lr * delta
    return out, new_sq, new_acc


@njit(cache=True, error_model="numpy")
def _adam_kernel(w, g, m, v, v_max, step, lr, beta1, beta2, eps, amsgrad,
                 out, new_m, new_v, new_max):
    """One Adam step at count ``step`` (already incremented), torch's arrangement of the terms:
    w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε), i.e. w − lr · m̂ / (√v̂ + ε), into out, new_m,
    new_v and (with amsgrad; otherwise v_max and new_max are not touched) new_max.

    One fused loop; the numpy error model lets it vectorise (Python's model checks every division
    for zero; here a zero denominator gives inf or NaN, as in torch, instead of raising).
    """
    step_size = lr / (1.0 - beta1 ** step)
    correction2_sqrt = np.sqrt(1.0 - beta2 ** step)
    for i in range(w.shape[0]):
        mi = beta1 * m[i] + (1.0 - beta1) * g[i]
        vi = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        new_m[i] = mi
        new_v[i] = vi
        if amsgrad:
            vi = max(v_max[i], vi)
            new_max[i] = vi
        out[i] = w[i] - step_size * mi / (np.sqrt(vi) / correction2_sqrt + eps)


# --------------------------------------------------------------------------- the optimizers

def _config(config: dict | None, defaults: dict) -> dict:
    """A new dict: the given entries, with the missing hyper-parameters set to their defaults."""
    return {**defaults, **(config or {})}


def _flat(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=like.dtype).reshape(-1)


def _state(config: dict, key: str, w: np.ndarray, initial: float = 0.0) -> np.ndarray:
    """The state array ``config[key]`` flattened, or a fresh one filled with ``initial``."""
    return _flat(config[key], w) if key in config else np.full(w.size, initial, dtype=w.dtype)


def sgd(w, dw, config=None):
    """Plain SGD: w − lr·dw."""
    config = _config(config, SGD_DEFAULTS)
    out = _sgd_kernel(_flat(w, w), _flat(dw, w), float(config["lr"]))
    return out.reshape(w.shape), config


def _momentum(w, dw, config, defaults, nesterov):
    config = _config(config, defaults)
    has_buf = "momentum_buffer" in config
    g = _flat(dw, w)
    buf = _flat(config["momentum_buffer"], w) if has_buf else g
    out, new_buf = _momentum_kernel(_flat(w, w), g, buf, has_buf, float(config["lr"]), float(config["momentum"]),
                                    float(config.get("dampening", 0.0)), nesterov)
    config["momentum_buffer"] = new_buf.reshape(w.shape)
    return out.reshape(w.shape), config


def sgd_momentum(w, dw, config=None):
    """torch.optim.SGD with momentum: buf = momentum·buf + (1 − dampening)·dw (buf = dw on the
    first step), w − lr·buf."""
    return _momentum(w, dw, config, MOMENTUM_DEFAULTS, nesterov=False)


def nesterov(w, dw, config=None):
    """torch.optim.SGD(nesterov=True): buf as for momentum (no dampening), w − lr·(dw + momentum·buf)."""
    return _momentum(w, dw, config, NESTEROV_DEFAULTS, nesterov=True)


def adagrad(w, dw, config=None):
    """sum += dw², w − lr·dw / (√sum + eps); sum starts at initial_accumulator_value."""
    config = _config(config, ADAGRAD_DEFAULTS)
    acc = _state(config, "sum", w, float(config["initial_accumulator_value"]))
    out, new_acc = _adagrad_kernel(_flat(w, w), _flat(dw, w), acc, float(config["lr"]), float(config["eps"]))
    config["sum"] = new_acc.reshape(w.shape)
    return out.reshape(w.shape), config


def rmsprop(w, dw, config=None):
    """square_avg = alpha·square_avg + (1 − alpha)·dw², w − lr·dw / (√square_avg + eps)."""
    config = _config(config, RMSPROP_DEFAULTS)
    out, new_sq = _rmsprop_kernel(_flat(w, w), _flat(dw, w), _state(config, "square_avg", w),
                                  float(config["lr"]), float(config["alpha"]), float(config["eps"]))
    config["square_avg"] = new_sq.reshape(w.shape)
    return out.reshape(w.shape), config


def adadelta(w, dw, config=None):
    """square_avg = rho·square_avg + (1 − rho)·dw²; delta = √(acc_delta + eps) / √(square_avg + eps)·dw;
    acc_delta = rho·acc_delta + (1 − rho)·delta² (with the old acc_delta in delta); w − lr·delta."""
    config = _config(config, ADADELTA_DEFAULTS)
    out, new_sq, new_acc = _adadelta_kernel(_flat(w, w), _flat(dw, w), _state(config, "square_avg", w),
                                            _state(config, "acc_delta", w), float(config["lr"]),
                                            float(config["rho"]), float(config["eps"]))
    config["square_avg"], config["acc_delta"] = new_sq.reshape(w.shape), new_acc.reshape(w.shape)
    return out.reshape(w.shape), config


def adam(w, dw, config=None):
    """Adam with bias correction, eps outside the square root, optional AMSGrad (torch.optim.Adam).

    step += 1 (before use); exp_avg = β₁·exp_avg + (1 − β₁)·dw; exp_avg_sq = β₂·exp_avg_sq + (1 − β₂)·dw²;
    with amsgrad, max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq) replaces exp_avg_sq below;
    w − lr · (exp_avg / (1 − β₁ᵗ)) / (√(exp_avg_sq / (1 − β₂ᵗ)) + eps).
    """
    config = _config(config, ADAM_DEFAULTS)
    beta1, beta2 = (float(b) for b in config["betas"])
    amsgrad = bool(config["amsgrad"])
    step = int(config.get("step", 0)) + 1
    v_max = _state(config, "max_exp_avg_sq", w) if amsgrad else np.empty(0, dtype=w.dtype)
    # The results are allocated here, not in the kernel: NumPy asks for huge pages for large arrays,
    # so fresh memory costs fewer page faults (10⁶ float64 parameters: ~3,900 per step from inside
    # the kernel, ~800 from NumPy, on the development VM; docs/PERFORMANCE.md).
    out, m, v, new_max = (np.empty(size, dtype=w.dtype) for size in (w.size, w.size, w.size, v_max.size))
    _adam_kernel(_flat(w, w), _flat(dw, w), _state(config, "exp_avg", w), _state(config, "exp_avg_sq", w), v_max,
                 step, float(config["lr"]), beta1, beta2, float(config["eps"]), amsgrad, out, m, v, new_max)
    config["step"], config["exp_avg"], config["exp_avg_sq"] = step, m.reshape(w.shape), v.reshape(w.shape)
    if amsgrad:
        config["max_exp_avg_sq"] = new_max.reshape(w.shape)
    return out.reshape(w.shape), config


def minimize(grad_fn, w0, update, config, steps):
    """Run ``steps`` updates from w0: the trajectory (steps + 1, *w0.shape), w0 first.

    Each step is ``w, config = update(w, grad_fn(w), config)``: the config an update returns goes
    into the next one, so the optimizer's state carries over.
    """
    path = np.empty((steps + 1,) + w0.shape, dtype=w0.dtype)
    path[0] = w = w0
    for k in range(steps):
        w, config = update(w, grad_fn(w), config)
        path[k + 1] = w
    return path


# --------------------------------------------------------------------------- data

def spirals(rng: np.random.Generator, n: int = 100, classes: int = 3, noise: float = 0.2) -> dict[str, np.ndarray]:
    """``classes`` interleaved spiral arms of ``n`` points each (CS231n's toy set), not linearly separable.

    Returns ``X`` (n·classes, 2) float64, with radii in [0, 1], and ``y`` (n·classes,) int64 in
    0..classes-1; the rows are shuffled.
    """
    radius = np.tile(np.linspace(0.0, 1.0, n), classes)
    label = np.repeat(np.arange(classes), n)
    angle = (np.tile(np.linspace(0.0, 4.0, n), classes) + 4.0 * label + rng.normal(scale=noise, size=n * classes))
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    order = rng.permutation(n * classes)
    return {"X": X[order], "y": label[order].astype(np.int64)}


# --------------------------------------------------------------------------- mistakes, as students write them

def _zeros_or(config: dict, key: str, w: np.ndarray, start: float = 0.0) -> np.ndarray:
    return config[key] if key in config else np.full_like(w, start)


def _with_default(optimizer, **wrong):
    """``optimizer`` with other defaults (another library's) for the hyper-parameters not given."""
    return lambda w, dw, config=None: optimizer(w, dw, {**wrong, **(config or {})})


def _sgd_uphill(w, dw, config: dict):
    return w + config["lr"] * dw, config


def _momentum_variant(w, dw, config=None, *, nesterov=False, velocity=False, lag=False, zero_start=False,
                      store=True, aliased=False, dampening_ignored=False):
    config = _config(config, NESTEROV_DEFAULTS if nesterov else MOMENTUM_DEFAULTS)
    lr, mu = config["lr"], config["momentum"]
    damp = 0.0 if dampening_ignored else config.get("dampening", 0.0)
    old = config.get("momentum_buffer")
    if velocity:                     # CS231n: v = mu·v − lr·dw; w + v
        new = mu * (np.zeros_like(w) if old is None else old) - lr * dw
        next_w = w + new
    else:
        if old is None:
            new = (1 - damp) * dw if zero_start else dw.copy()
        else:
            new = mu * old + (1 - damp) * dw
        used = old if lag and old is not None else new
        next_w = w - lr * (dw + mu * used if nesterov and not aliased else used)
    if store:
        config["momentum_buffer"] = new
    return next_w, config


def _adaptive_variant(w, dw, config=None, *, rule, eps_inside=False, old_square_avg=False, no_sqrt=False):
    """Adagrad, RMSprop or Adadelta with eps inside the square root, no square root at all, or
    Adadelta's order swapped."""
    if rule == "adagrad":
        config = _config(config, ADAGRAD_DEFAULTS)
        acc = _zeros_or(config, "sum", w, config["initial_accumulator_value"]) + dw * dw
        config["sum"] = acc
    elif rule == "rmsprop":
        config = _config(config, RMSPROP_DEFAULTS)
        acc = config["alpha"] * _zeros_or(config, "square_avg", w) + (1 - config["alpha"]) * dw * dw
        config["square_avg"] = acc
    else:
        config = _config(config, ADADELTA_DEFAULTS)
        rho, eps, old = config["rho"], config["eps"], _zeros_or(config, "square_avg", w)
        avg = rho * old + (1 - rho) * dw * dw
        acc = _zeros_or(config, "acc_delta", w)
        delta = np.sqrt(acc + eps) / np.sqrt((old if old_square_avg else avg) + eps) * dw
        config["square_avg"], config["acc_delta"] = avg, rho * acc + (1 - rho) * delta * delta
        return w - config["lr"] * delta, config
    if no_sqrt:
        denom = acc + config["eps"]
    else:
        denom = np.sqrt(acc + config["eps"]) if eps_inside else np.sqrt(acc) + config["eps"]
    return w - config["lr"] * dw / denom, config


def _adam_variant(w, dw, config=None, *, bias_correction=True, increment_first=True, store_corrected=False,
                  eps_rule="outside", amsgrad_rule="raw", store=True):
    config = _config(config, ADAM_DEFAULTS)
    beta1, beta2 = config["betas"]
    lr, eps = config["lr"], config["eps"]
    t = config.get("step", 0) + 1
    used_t = t if increment_first else t - 1
    if used_t == 0:
        # A student's code gives NaN here (1 − β⁰ = 0). grader.grading.compare cannot yet take NaN on the
        # expected side, so this variant sits out the first step; a given step still names it.
        raise ZeroDivisionError("bias correction at step 0")
    c1, c2 = (1 - beta1 ** used_t, 1 - beta2 ** used_t) if bias_correction else (1.0, 1.0)
    m = beta1 * _zeros_or(config, "exp_avg", w) + (1 - beta1) * dw
    v = beta2 * _zeros_or(config, "exp_avg_sq", w) + (1 - beta2) * dw * dw
    m_hat, v_hat = m / c1, v / c2
    state = {"step": t, "exp_avg": m_hat if store_corrected else m, "exp_avg_sq": v_hat if store_corrected else v}
    if config["amsgrad"] and amsgrad_rule != "ignored":
        old_max = _zeros_or(config, "max_exp_avg_sq", w)
        if amsgrad_rule == "corrected" or store_corrected:     # the max over v̂, stored that way
            v_hat = state["max_exp_avg_sq"] = np.maximum(old_max, v_hat)
        else:
            state["max_exp_avg_sq"] = np.maximum(old_max, v)
            v_hat = state["max_exp_avg_sq"] / c2
    if eps_rule == "inside":
        denom = np.sqrt(v_hat + eps)
    elif eps_rule == "keras":                       # lr·√c2/c1 · m / (√v + ε̂)
        denom = np.sqrt(v_hat) + eps / np.sqrt(c2)
    else:
        denom = np.sqrt(v_hat) + eps
    if store:
        config.update(state)
    return w - lr * m_hat / denom, config


def _minimize_variant(grad_fn, w0, update, config, steps, *, keep_w0=True, carry_config=True):
    path, w, start = [w0] if keep_w0 else [], w0, config
    for _ in range(steps):
        w, returned = update(w, grad_fn(w), config)
        config = returned if carry_config else start
        path.append(w)
    return np.array(path, dtype=w0.dtype).reshape((len(path),) + w0.shape)


_NOT_STORED = ("Store the new state in config and return it with config: {keys}. Otherwise the next step "
               "starts again from the old state (or from none).")
_EPS_OUTSIDE = ("Add eps after the square root, g / (√{acc} + eps), not inside it (√({acc} + eps), as "
                "Keras does): with tiny gradients eps inside the root swamps them and the step nearly vanishes.")



def _default_hint(key: str, ours: float, theirs: float, whose: str) -> str:
    """The hint for another library's default of one hyper-parameter."""
    return (f"Your default {key} looks like {theirs:g}, {whose}. When config has no {key}, use torch's "
            f"default, {key} = {ours:g}, and store it in config.")


MISTAKES = {
    "sgd": [
        Mistake("cs231n_default_lr", "The default learning rate is torch's, 1e-3 (CS231n uses 1e-2): when config "
                "has no lr, use 1e-3 and store it.", _with_default(sgd, lr=1e-2)),
        Mistake("gradient_ascent", "Step against the gradient: w − lr·dw.",
                lambda w, dw, config=None: _sgd_uphill(w, dw, _config(config, SGD_DEFAULTS))),
    ],
    "sgd_momentum": [
        Mistake("cs231n_default_lr", _default_hint("lr", 1e-3, 1e-2, "the default of CS231n and Keras"),
                _with_default(sgd_momentum, lr=1e-2)),
        Mistake("dampening_ignored", "The buffer update is b = μ·b + (1 − dampening)·dw: your buffer adds the "
                "whole gradient, as if dampening were 0. Read dampening from config (default 0) and scale dw by "
                "1 − dampening from the second step on.",
                partial(_momentum_variant, dampening_ignored=True)),
        Mistake("velocity_convention", "Your momentum_buffer follows the CS231n/Keras convention v = μ·v − lr·dw, "
                "w + v. Here the buffer is torch's: b = μ·b + (1 − dampening)·dw (b = dw on the first step), "
                "then w − lr·b. The two differ in sign and by a factor lr.",
                partial(_momentum_variant, velocity=True)),
        Mistake("w_before_buffer", "Update the buffer first, then step with the new buffer: w − lr·b_new. "
                "Stepping with the old buffer lags one step behind.",
                partial(_momentum_variant, lag=True)),
        Mistake("dampening_on_first_step", "On the first step (no momentum_buffer yet) the buffer is the gradient "
                "itself, b = dw: dampening applies only from the second step. Starting from a zero buffer "
                "scales the first step by (1 − dampening).",
                partial(_momentum_variant, zero_start=True)),
        Mistake("state_not_stored", _NOT_STORED.format(keys="config['momentum_buffer']") +
                " (Without the buffer this is plain SGD.)",
                partial(_momentum_variant, store=False)),
    ],
    "nesterov": [
        Mistake("cs231n_default_lr", _default_hint("lr", 1e-3, 1e-2, "the default of CS231n and Keras"),
                _with_default(nesterov, lr=1e-2)),
        Mistake("aliased_buffer", "Your Nesterov step equals plain momentum, w − lr·b. If you keep the previous "
                "buffer (b_prev = b) and then update b in place (b *= momentum), both names are the same array "
                "and the look-ahead cancels: copy it (b.copy()), or step with w − lr·(dw + momentum·b).",
                partial(_momentum_variant, nesterov=True, aliased=True)),
    ],
    "adagrad": [
        Mistake("keras_learning_rate", _default_hint("lr", 1e-2, 1e-3, "Keras's default"),
                _with_default(adagrad, lr=1e-3)),
        Mistake("keras_initial_accumulator", "The accumulator sum starts at initial_accumulator_value, whose "
                "default is 0 (torch). Keras starts it at 0.1, which damps the first steps.",
                _with_default(adagrad, initial_accumulator_value=0.1)),
        Mistake("eps_inside_sqrt", _EPS_OUTSIDE.format(acc="sum"),
                partial(_adaptive_variant, rule="adagrad", eps_inside=True)),
    ],
    "rmsprop": [
        Mistake("keras_learning_rate", _default_hint("lr", 1e-2, 1e-3, "Keras's default"),
                _with_default(rmsprop, lr=1e-3)),
        Mistake("keras_epsilon", _default_hint("eps", 1e-8, 1e-7, "Keras's default"),
                _with_default(rmsprop, eps=1e-7)),
        Mistake("no_square_root", "Divide by the root mean square, √square_avg + eps: your step divides by "
                "square_avg itself, so its size depends on the gradient's scale (tiny gradients take huge steps).",
                partial(_adaptive_variant, rule="rmsprop", no_sqrt=True)),
        Mistake("keras_alpha", "The default decay alpha is 0.99 (torch and CS231n). 0.9 is Keras's rho: the "
                "average forgets faster and the first step is √10 ≈ 3.16 times smaller.",
                _with_default(rmsprop, alpha=0.9)),
        Mistake("eps_inside_sqrt", _EPS_OUTSIDE.format(acc="square_avg"),
                partial(_adaptive_variant, rule="rmsprop", eps_inside=True)),
    ],
    "adadelta": [
        Mistake("keras_epsilon", _default_hint("eps", 1e-6, 1e-7, "Keras's default"),
                _with_default(adadelta, eps=1e-7)),
        Mistake("keras_learning_rate", "Adadelta's step is delta itself: the default lr is 1.0 (torch; the paper "
                "has no learning rate). Keras multiplies by learning_rate = 0.001, 1000 times smaller steps.",
                _with_default(adadelta, lr=1e-3)),
        Mistake("delta_with_old_square_avg", "Update square_avg with the current gradient first and compute "
                "delta with the new square_avg (and the old acc_delta): delta = √(acc_delta + eps) / "
                "√(square_avg + eps) · dw.",
                partial(_adaptive_variant, rule="adadelta", old_square_avg=True)),
    ],
    "adam": [
        Mistake("keras_epsilon", _default_hint("eps", 1e-8, 1e-7, "Keras's default"),
                _with_default(adam, eps=1e-7)),
        Mistake("no_bias_correction", "Divide by the bias corrections: m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ). "
                "Without them the first step from zero is (1 − β₁)/√(1 − β₂) ≈ 3.16 times too large.",
                partial(_adam_variant, bias_correction=False)),
        Mistake("step_not_incremented_first", "Increment step before using it: t = step + 1, then the corrections "
                "1 − βᵗ use the new t (with the old one the first step divides by zero).",
                partial(_adam_variant, increment_first=False)),
        Mistake("stores_corrected_moments", "Store the raw moving averages m and v in exp_avg and exp_avg_sq, "
                "not the bias-corrected m̂ and v̂: the corrections are recomputed from step every time.",
                partial(_adam_variant, store_corrected=True)),
        Mistake("eps_inside_sqrt", _EPS_OUTSIDE.format(acc="v̂"),
                partial(_adam_variant, eps_rule="inside")),
        Mistake("keras_epsilon_hat", "This is Keras's form, lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε): its ε is "
                "added to √v, not to √v̂. Use torch's: lr · m̂ / (√v̂ + eps). They differ for tiny gradients.",
                partial(_adam_variant, eps_rule="keras")),
        Mistake("amsgrad_ignored", "With amsgrad true, keep max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq) and "
                "use it in place of exp_avg_sq. It differs from Adam once the squared gradients shrink.",
                partial(_adam_variant, amsgrad_rule="ignored")),
        Mistake("amsgrad_max_of_corrected", "Take the maximum over the raw exp_avg_sq and store that, then "
                "bias-correct it: v̂ = max_exp_avg_sq / (1 − β₂ᵗ). A maximum over the corrected v̂ keeps the early, "
                "inflated values.",
                partial(_adam_variant, amsgrad_rule="corrected")),
        Mistake("state_not_stored", _NOT_STORED.format(keys="step, exp_avg and exp_avg_sq"),
                partial(_adam_variant, store=False)),
    ],
    "minimize": [
        Mistake("trajectory_without_w0", "The trajectory starts with w0: steps + 1 rows, row k the point after k steps.",
                lambda grad_fn, w0, update, config, steps: _minimize_variant(grad_fn, w0, update, config, steps,
                                                                             keep_w0=False)),
        Mistake("config_not_carried", "This trajectory loses the update's state between steps (the test's update "
                "counts its steps in config): pass on the config that update returns, "
                "w, config = update(w, grad_fn(w), config), not the one minimize was given.",
                lambda grad_fn, w0, update, config, steps: _minimize_variant(grad_fn, w0, update, config, steps,
                                                                             carry_config=False)),
    ],
}
# Two of these at once (no bias correction and eps inside the root...) are named too, when no
# single mistake fits (grader.authoring.with_pairs).
MISTAKES = with_pairs(MISTAKES, ["sgd_momentum", "nesterov", "rmsprop", "adam"])
