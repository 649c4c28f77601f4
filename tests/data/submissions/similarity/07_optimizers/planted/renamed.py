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


def _fill_defaults(name, config):
    if config is None:
        config = {}
    for k, v in DEFAULTS[name].items():
        if k not in config:
            config[k] = v
    return config


def _state_or_zeros(config, key, w):
    return config[key] if key in config else np.zeros_like(w)


def sgd(w, dw, config=None):
    cfg = _fill_defaults("sgd", config)
    return w - cfg["lr"] * dw, cfg


def sgd_momentum(w, dw, config=None):
    cfg = _fill_defaults("sgd_momentum", config)
    if "momentum_buffer" not in cfg:
        cfg["momentum_buffer"] = np.copy(dw)
    else:
        cfg["momentum_buffer"] = cfg["momentum"] * cfg["momentum_buffer"] + (1.0 - cfg["dampening"]) * dw
    return w - cfg["lr"] * cfg["momentum_buffer"], cfg


def nesterov(w, dw, config=None):
    cfg = _fill_defaults("nesterov", config)
    if "momentum_buffer" not in cfg:
        cfg["momentum_buffer"] = np.copy(dw)
    else:
        cfg["momentum_buffer"] = cfg["momentum"] * cfg["momentum_buffer"] + dw
    step = dw + cfg["momentum"] * cfg["momentum_buffer"]
    return w - cfg["lr"] * step, cfg


def adagrad(w, dw, config=None):
    cfg = _fill_defaults("adagrad", config)
    if "sum" not in cfg:
        cfg["sum"] = np.zeros_like(w) + cfg["initial_accumulator_value"]
    cfg["sum"] = cfg["sum"] + np.power(dw, 2)
    return w - cfg["lr"] * dw / (np.sqrt(cfg["sum"]) + cfg["eps"]), cfg


def rmsprop(w, dw, config=None):
    cfg = _fill_defaults("rmsprop", config)
    cfg["square_avg"] = cfg["alpha"] * _state_or_zeros(cfg, "square_avg", w) + (1.0 - cfg["alpha"]) * np.power(dw, 2)
    return w - cfg["lr"] * dw / (np.sqrt(cfg["square_avg"]) + cfg["eps"]), cfg


def adadelta(w, dw, config=None):
    cfg = _fill_defaults("adadelta", config)
    cfg["square_avg"] = cfg["rho"] * _state_or_zeros(cfg, "square_avg", w) + (1.0 - cfg["rho"]) * np.power(dw, 2)
    old_acc = _state_or_zeros(cfg, "acc_delta", w)
    upd = np.sqrt(old_acc + cfg["eps"]) / np.sqrt(cfg["square_avg"] + cfg["eps"]) * dw
    cfg["acc_delta"] = cfg["rho"] * old_acc + (1.0 - cfg["rho"]) * np.power(upd, 2)
    return w - cfg["lr"] * upd, cfg


def adam(w, dw, config=None):
    cfg = _fill_defaults("adam", config)
    b1, b2 = cfg["betas"]
    cfg["step"] = cfg.get("step", 0) + 1
    cfg["exp_avg"] = b1 * _state_or_zeros(cfg, "exp_avg", w) + (1.0 - b1) * dw
    cfg["exp_avg_sq"] = b2 * _state_or_zeros(cfg, "exp_avg_sq", w) + (1.0 - b2) * np.power(dw, 2)
    v_eff = cfg["exp_avg_sq"]
    if cfg["amsgrad"]:
        cfg["max_exp_avg_sq"] = np.maximum(_state_or_zeros(cfg, "max_exp_avg_sq", w), v_eff)
        v_eff = cfg["max_exp_avg_sq"]
    bc1 = 1.0 - b1 ** cfg["step"]
    bc2 = 1.0 - b2 ** cfg["step"]
    return w - cfg["lr"] * (cfg["exp_avg"] / bc1) / (np.sqrt(v_eff / bc2) + cfg["eps"]), cfg


def minimize(grad_fn, w0, update, config, steps):
    path = [w0]
    for _ in range(steps):
        here = path[-1]
        nxt, config = update(here, grad_fn(here), config)
        path.append(nxt)
    return np.asarray(path)
