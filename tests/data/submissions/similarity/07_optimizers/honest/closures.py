import numpy as np


def _optimizer(defaults, rule):
    """Build name(w, dw, config=None) from a rule(w, dw, config) -> next_w that updates config."""
    def step(w, dw, config=None):
        config = {} if config is None else config
        for key, value in defaults.items():
            config.setdefault(key, value)
        return rule(w, dw, config), config
    return step


def _state(config, key, like, value=0.0):
    return config.get(key, np.full_like(like, value))


def _plain(w, dw, c):
    return w - c["lr"] * dw


def _momentum(w, dw, c):
    c["momentum_buffer"] = (c["momentum"] * c["momentum_buffer"] + (1 - c["dampening"]) * dw
                            if "momentum_buffer" in c else dw.copy())
    return w - c["lr"] * c["momentum_buffer"]


def _nesterov(w, dw, c):
    c["momentum_buffer"] = c["momentum"] * c["momentum_buffer"] + dw if "momentum_buffer" in c else dw.copy()
    return w - c["lr"] * (dw + c["momentum"] * c["momentum_buffer"])


def _adagrad(w, dw, c):
    c["sum"] = _state(c, "sum", w, c["initial_accumulator_value"]) + dw ** 2
    return w - c["lr"] * dw / (c["sum"] ** 0.5 + c["eps"])


def _rmsprop(w, dw, c):
    c["square_avg"] = c["alpha"] * _state(c, "square_avg", w) + (1 - c["alpha"]) * dw ** 2
    return w - c["lr"] * dw / (c["square_avg"] ** 0.5 + c["eps"])


def _adadelta(w, dw, c):
    c["square_avg"] = c["rho"] * _state(c, "square_avg", w) + (1 - c["rho"]) * dw ** 2
    acc = _state(c, "acc_delta", w)
    delta = ((acc + c["eps"]) / (c["square_avg"] + c["eps"])) ** 0.5 * dw
    c["acc_delta"] = c["rho"] * acc + (1 - c["rho"]) * delta ** 2
    return w - c["lr"] * delta


def _adam(w, dw, c):
    (b1, b2), t = c["betas"], c.get("step", 0) + 1
    c["step"] = t
    c["exp_avg"] = b1 * _state(c, "exp_avg", w) + (1 - b1) * dw
    c["exp_avg_sq"] = b2 * _state(c, "exp_avg_sq", w) + (1 - b2) * dw ** 2
    v = c["exp_avg_sq"]
    if c["amsgrad"]:
        v = c["max_exp_avg_sq"] = np.maximum(_state(c, "max_exp_avg_sq", w), v)
    return w - c["lr"] * (c["exp_avg"] / (1 - b1 ** t)) / ((v / (1 - b2 ** t)) ** 0.5 + c["eps"])


sgd = _optimizer({"lr": 1e-3}, _plain)
sgd_momentum = _optimizer({"lr": 1e-3, "momentum": 0.9, "dampening": 0.0}, _momentum)
nesterov = _optimizer({"lr": 1e-3, "momentum": 0.9}, _nesterov)
adagrad = _optimizer({"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0}, _adagrad)
rmsprop = _optimizer({"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}, _rmsprop)
adadelta = _optimizer({"lr": 1.0, "rho": 0.9, "eps": 1e-6}, _adadelta)
adam = _optimizer({"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}, _adam)


def minimize(grad_fn, w0, update, config, steps):
    def walk(w, config, left):
        while left:
            yield w
            w, config = update(w, grad_fn(w), config)
            left -= 1
        yield w
    return np.vstack(list(walk(w0, config, steps)))
