import numpy as np


def sgd(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("lr", 1e-3)
    return w - config["lr"] * dw, config


def sgd_momentum(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1e-3)
    mom = config.setdefault("momentum", 0.9)
    damp = config.setdefault("dampening", 0.0)
    old = config.get("momentum_buffer")
    new = dw.copy() if old is None else mom * old + (1 - damp) * dw
    config["momentum_buffer"] = new
    return w - lr * new, config


def nesterov(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1e-3)
    mom = config.setdefault("momentum", 0.9)
    old = config.get("momentum_buffer")
    new = dw.copy() if old is None else mom * old + dw
    config["momentum_buffer"] = new
    return w - lr * (dw + mom * new), config


def adagrad(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1e-2)
    eps = config.setdefault("eps", 1e-10)
    start = config.setdefault("initial_accumulator_value", 0.0)
    acc = config["sum"] if "sum" in config else np.full_like(w, start)
    acc = acc + dw * dw
    config["sum"] = acc
    return w - lr * dw / (np.sqrt(acc) + eps), config


def rmsprop(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1e-2)
    alpha = config.setdefault("alpha", 0.99)
    eps = config.setdefault("eps", 1e-8)
    sq = config["square_avg"] if "square_avg" in config else np.zeros_like(w)
    sq = alpha * sq + (1 - alpha) * dw * dw
    config["square_avg"] = sq
    return w - lr * dw / (np.sqrt(sq) + eps), config


def adadelta(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1.0)
    rho = config.setdefault("rho", 0.9)
    eps = config.setdefault("eps", 1e-6)
    sq = config["square_avg"] if "square_avg" in config else np.zeros_like(w)
    acc = config["acc_delta"] if "acc_delta" in config else np.zeros_like(w)
    sq = rho * sq + (1 - rho) * dw * dw
    update = np.sqrt(acc + eps) / np.sqrt(sq + eps) * dw
    config["square_avg"] = sq
    config["acc_delta"] = rho * acc + (1 - rho) * update * update
    return w - lr * update, config


def adam(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("lr", 1e-3)
    b1, b2 = config.setdefault("betas", (0.9, 0.999))
    eps = config.setdefault("eps", 1e-8)
    ams = config.setdefault("amsgrad", False)
    step = config.get("step", 0) + 1
    m = b1 * config.get("exp_avg", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("exp_avg_sq", np.zeros_like(w)) + (1 - b2) * dw * dw
    config.update(step=step, exp_avg=m, exp_avg_sq=v)
    if ams:
        v = np.maximum(v, config.get("max_exp_avg_sq", np.zeros_like(w)))
        config["max_exp_avg_sq"] = v
    mhat = m / (1 - b1 ** step)
    vhat = v / (1 - b2 ** step)
    return w - lr * mhat / (np.sqrt(vhat) + eps), config


def minimize(grad_fn, w0, update, config, steps):
    traj = np.zeros((steps + 1,) + np.shape(w0), dtype=np.result_type(w0, float))
    traj[0] = w0
    w = w0
    for k in range(1, steps + 1):
        w, config = update(w, grad_fn(w), config)
        traj[k] = w
    return traj
