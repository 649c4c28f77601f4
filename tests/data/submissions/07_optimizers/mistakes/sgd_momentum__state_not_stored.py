"""A student mistake in sgd_momentum: state_not_stored.

sgd_momentum never stores its buffer in config, so every step is a first step.

The other functions are correct (they return a new config dict each call, unlike
correct.py, which stores into the given one); the grader should name
MISTAKES['sgd_momentum'] 'state_not_stored' of reference/optimizers.py.
"""
import numpy as np


def sgd(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-3)
    return w - config["lr"] * dw, config


def sgd_momentum(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-3)
    config.setdefault("momentum", 0.9)
    config.setdefault("dampening", 0.0)
    buf = config.get("momentum_buffer")
    if buf is None:
        buf = dw.copy()
    else:
        buf = config["momentum"] * buf + (1 - config["dampening"]) * dw
    return w - config["lr"] * buf, config


def nesterov(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-3)
    config.setdefault("momentum", 0.9)
    buf = config.get("momentum_buffer")
    buf = dw.copy() if buf is None else config["momentum"] * buf + dw
    config["momentum_buffer"] = buf
    return w - config["lr"] * (dw + config["momentum"] * buf), config


def adagrad(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-2)
    config.setdefault("eps", 1e-10)
    config.setdefault("initial_accumulator_value", 0.0)
    acc = config.get("sum")
    if acc is None:
        acc = np.full_like(w, config["initial_accumulator_value"])
    acc = acc + dw * dw
    config["sum"] = acc
    return w - config["lr"] * dw / (np.sqrt(acc) + config["eps"]), config


def rmsprop(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-2)
    config.setdefault("alpha", 0.99)
    config.setdefault("eps", 1e-8)
    avg = config.get("square_avg", np.zeros_like(w))
    avg = config["alpha"] * avg + (1 - config["alpha"]) * dw * dw
    config["square_avg"] = avg
    return w - config["lr"] * dw / (np.sqrt(avg) + config["eps"]), config


def adadelta(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1.0)
    config.setdefault("rho", 0.9)
    config.setdefault("eps", 1e-6)
    rho, eps = config["rho"], config["eps"]
    avg = rho * config.get("square_avg", np.zeros_like(w)) + (1 - rho) * dw * dw
    acc = config.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc + eps) / np.sqrt(avg + eps) * dw
    config["square_avg"] = avg
    config["acc_delta"] = rho * acc + (1 - rho) * delta * delta
    return w - config["lr"] * delta, config


def adam(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-3)
    config.setdefault("betas", (0.9, 0.999))
    config.setdefault("eps", 1e-8)
    config.setdefault("amsgrad", False)
    beta1, beta2 = config["betas"]
    t = config.get("step", 0) + 1
    m = beta1 * config.get("exp_avg", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("exp_avg_sq", np.zeros_like(w)) + (1 - beta2) * dw * dw
    config["step"] = t
    config["exp_avg"] = m
    config["exp_avg_sq"] = v
    if config["amsgrad"]:
        v = np.maximum(config.get("max_exp_avg_sq", np.zeros_like(w)), v)
        config["max_exp_avg_sq"] = v
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - config["lr"] * m_hat / (np.sqrt(v_hat) + config["eps"]), config


def minimize(grad_fn, w0, update, config, steps):
    path = np.empty((steps + 1,) + w0.shape, dtype=w0.dtype)
    path[0] = w0
    w = w0
    for k in range(steps):
        w, config = update(w, grad_fn(w), config)
        path[k + 1] = w
    return path
