"""Optimizers that fill the given config with setdefault."""
import numpy as np


def _start(config, **defaults):
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd(w, dw, config=None):
    config = _start(config, lr=1e-3)
    return w - config["lr"] * dw, config


def sgd_momentum(w, dw, config=None):
    config = _start(config, lr=1e-3, momentum=0.9, dampening=0.0)
    if "momentum_buffer" in config:
        buf = config["momentum"] * config["momentum_buffer"] + (1 - config["dampening"]) * dw
    else:
        buf = dw.copy()
    config["momentum_buffer"] = buf
    return w - config["lr"] * buf, config


def nesterov(w, dw, config=None):
    config = _start(config, lr=1e-3, momentum=0.9)
    mu = config["momentum"]
    buf = mu * config["momentum_buffer"] + dw if "momentum_buffer" in config else dw.copy()
    config["momentum_buffer"] = buf
    return w - config["lr"] * (dw + mu * buf), config


def adagrad(w, dw, config=None):
    config = _start(config, lr=1e-2, eps=1e-10, initial_accumulator_value=0.0)
    total = config.get("sum", np.full_like(w, config["initial_accumulator_value"])) + dw ** 2
    config["sum"] = total
    return w - config["lr"] * dw / (np.sqrt(total) + config["eps"]), config


def rmsprop(w, dw, config=None):
    config = _start(config, lr=1e-2, alpha=0.99, eps=1e-8)
    alpha = config["alpha"]
    avg = alpha * config.get("square_avg", np.zeros_like(w)) + (1 - alpha) * dw ** 2
    config["square_avg"] = avg
    return w - config["lr"] * dw / (np.sqrt(avg) + config["eps"]), config


def adadelta(w, dw, config=None):
    config = _start(config, lr=1.0, rho=0.9, eps=1e-6)
    rho, eps = config["rho"], config["eps"]
    avg = rho * config.get("square_avg", np.zeros_like(w)) + (1 - rho) * dw ** 2
    acc = config.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc + eps) / np.sqrt(avg + eps) * dw
    config["square_avg"] = avg
    config["acc_delta"] = rho * acc + (1 - rho) * delta ** 2
    return w - config["lr"] * delta, config


def adam(w, dw, config=None):
    config = _start(config, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, amsgrad=False)
    beta1, beta2 = config["betas"]
    t = config.get("step", 0) + 1
    m = beta1 * config.get("exp_avg", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("exp_avg_sq", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    config["step"], config["exp_avg"], config["exp_avg_sq"] = t, m, v
    if config["amsgrad"]:
        v = np.maximum(config.get("max_exp_avg_sq", np.zeros_like(w)), v)
        config["max_exp_avg_sq"] = v
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - config["lr"] * m_hat / (np.sqrt(v_hat) + config["eps"]), config


def minimize(grad_fn, w0, update, config, steps):
    path = [w0]
    w = w0
    for _ in range(steps):
        w, config = update(w, grad_fn(w), config)
        path.append(w)
    return np.array(path)
