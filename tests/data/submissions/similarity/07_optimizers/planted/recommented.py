import numpy as np

def _cfg(config, **defaults):  # my own version of _cfg
    out = {} if config is None else config
    for key in defaults:
        out[key] = out.get(key, defaults[key])
    return out

def _ema(old, new, decay):  # my own version of _ema
    if old is None:
        return (1 - decay) * new
    return decay * old + (1 - decay) * new

def sgd(w, dw, config=None):  # my own version of sgd
    cfg = _cfg(config, lr=1e-3)
    return w - cfg["lr"] * dw, cfg

def sgd_momentum(w, dw, config=None):  # my own version of sgd_momentum
    cfg = _cfg(config, lr=1e-3, momentum=0.9, dampening=0.0)
    old = cfg.get("momentum_buffer")
    cfg["momentum_buffer"] = dw + 0.0 if old is None else cfg["momentum"] * old + (1 - cfg["dampening"]) * dw
    return w - cfg["lr"] * cfg["momentum_buffer"], cfg

def nesterov(w, dw, config=None):  # my own version of nesterov
    cfg = _cfg(config, lr=1e-3, momentum=0.9)
    old = cfg.get("momentum_buffer")
    cfg["momentum_buffer"] = dw + 0.0 if old is None else cfg["momentum"] * old + dw
    return w - cfg["lr"] * (dw + cfg["momentum"] * cfg["momentum_buffer"]), cfg

def adagrad(w, dw, config=None):  # my own version of adagrad
    cfg = _cfg(config, lr=1e-2, eps=1e-10, initial_accumulator_value=0.0)
    s = cfg.get("sum")
    s = (cfg["initial_accumulator_value"] if s is None else s) + dw * dw
    cfg["sum"] = np.broadcast_to(s, w.shape).copy()
    return w - cfg["lr"] * dw / (np.sqrt(cfg["sum"]) + cfg["eps"]), cfg

def rmsprop(w, dw, config=None):  # my own version of rmsprop
    cfg = _cfg(config, lr=1e-2, alpha=0.99, eps=1e-8)
    cfg["square_avg"] = _ema(cfg.get("square_avg"), dw * dw, cfg["alpha"])
    return w - cfg["lr"] * dw / (np.sqrt(cfg["square_avg"]) + cfg["eps"]), cfg

def adadelta(w, dw, config=None):  # my own version of adadelta
    cfg = _cfg(config, lr=1.0, rho=0.9, eps=1e-6)
    cfg["square_avg"] = _ema(cfg.get("square_avg"), dw * dw, cfg["rho"])
    acc = cfg.get("acc_delta")
    acc = np.zeros_like(w) if acc is None else acc
    d = np.sqrt(acc + cfg["eps"]) / np.sqrt(cfg["square_avg"] + cfg["eps"]) * dw
    cfg["acc_delta"] = _ema(acc, d * d, cfg["rho"])
    return w - cfg["lr"] * d, cfg

def adam(w, dw, config=None):  # my own version of adam
    cfg = _cfg(config, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, amsgrad=False)
    beta1, beta2 = cfg["betas"]
    cfg["step"] = cfg.get("step", 0) + 1
    cfg["exp_avg"] = _ema(cfg.get("exp_avg"), dw, beta1)
    cfg["exp_avg_sq"] = _ema(cfg.get("exp_avg_sq"), dw * dw, beta2)
    second = cfg["exp_avg_sq"]
    if cfg["amsgrad"]:
        prior = cfg.get("max_exp_avg_sq")
        second = second if prior is None else np.maximum(prior, second)
        cfg["max_exp_avg_sq"] = second
    t = cfg["step"]
    return w - cfg["lr"] / (1 - beta1 ** t) * cfg["exp_avg"] / (np.sqrt(second / (1 - beta2 ** t)) + cfg["eps"]), cfg

def minimize(grad_fn, w0, update, config, steps):  # my own version of minimize
    out = np.empty((steps + 1, len(w0)))
    out[0] = w = w0
    for i in range(steps):
        w, config = update(w, grad_fn(w), config)
        out[i + 1] = w
    return out
