import numpy as np

# torch.optim's defaults, one line per optimizer
DEFAULTS = {
    "sgd": dict(lr=1e-3),
    "sgd_momentum": dict(lr=1e-3, momentum=0.9, dampening=0.0),
    "nesterov": dict(lr=1e-3, momentum=0.9),
    "adagrad": dict(lr=1e-2, eps=1e-10, initial_accumulator_value=0.0),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8),
    "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6),
    "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, amsgrad=False),
}


def _with_defaults(name, config):
    if config is None:
        config = {}
    for k, v in DEFAULTS[name].items():
        if k not in config:
            config[k] = v
    return config


def _zeros_unless(config, key, w):
    return config[key] if key in config else np.zeros_like(w)


def sgd(w, dw, config=None):
    c = _with_defaults("sgd", config)
    return w - c["lr"] * dw, c


def sgd_momentum(w, dw, config=None):
    c = _with_defaults("sgd_momentum", config)
    if "momentum_buffer" not in c:
        c["momentum_buffer"] = np.copy(dw)
    else:
        c["momentum_buffer"] = c["momentum"] * c["momentum_buffer"] + (1.0 - c["dampening"]) * dw
    return w - c["lr"] * c["momentum_buffer"], c


def nesterov(w, dw, config=None):
    c = _with_defaults("nesterov", config)
    if "momentum_buffer" not in c:
        c["momentum_buffer"] = np.copy(dw)
    else:
        c["momentum_buffer"] = c["momentum"] * c["momentum_buffer"] + dw
    step = dw + c["momentum"] * c["momentum_buffer"]
    return w - c["lr"] * step, c


def adagrad(w, dw, config=None):
    c = _with_defaults("adagrad", config)
    if "sum" not in c:
        c["sum"] = np.zeros_like(w) + c["initial_accumulator_value"]
    c["sum"] = c["sum"] + np.power(dw, 2)
    return w - c["lr"] * dw / (np.sqrt(c["sum"]) + c["eps"]), c


def rmsprop(w, dw, config=None):
    c = _with_defaults("rmsprop", config)
    c["square_avg"] = c["alpha"] * _zeros_unless(c, "square_avg", w) + (1.0 - c["alpha"]) * np.power(dw, 2)
    return w - c["lr"] * dw / (np.sqrt(c["square_avg"]) + c["eps"]), c


def adadelta(w, dw, config=None):
    c = _with_defaults("adadelta", config)
    c["square_avg"] = c["rho"] * _zeros_unless(c, "square_avg", w) + (1.0 - c["rho"]) * np.power(dw, 2)
    previous = _zeros_unless(c, "acc_delta", w)
    change = np.sqrt(previous + c["eps"]) / np.sqrt(c["square_avg"] + c["eps"]) * dw
    c["acc_delta"] = c["rho"] * previous + (1.0 - c["rho"]) * np.power(change, 2)
    return w - c["lr"] * change, c


def adam(w, dw, config=None):
    c = _with_defaults("adam", config)
    b1, b2 = c["betas"]
    c["step"] = c.get("step", 0) + 1
    c["exp_avg"] = b1 * _zeros_unless(c, "exp_avg", w) + (1.0 - b1) * dw
    c["exp_avg_sq"] = b2 * _zeros_unless(c, "exp_avg_sq", w) + (1.0 - b2) * np.power(dw, 2)
    second = c["exp_avg_sq"]
    if c["amsgrad"]:
        c["max_exp_avg_sq"] = np.maximum(_zeros_unless(c, "max_exp_avg_sq", w), second)
        second = c["max_exp_avg_sq"]
    corr1 = 1.0 - b1 ** c["step"]
    corr2 = 1.0 - b2 ** c["step"]
    return w - c["lr"] * (c["exp_avg"] / corr1) / (np.sqrt(second / corr2) + c["eps"]), c


def minimize(grad_fn, w0, update, config, steps):
    trajectory = [w0]
    for _ in range(steps):
        current = trajectory[-1]
        new, config = update(current, grad_fn(current), config)
        trajectory.append(new)
    return np.asarray(trajectory)
