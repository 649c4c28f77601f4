"""One class per optimizer, torch.optim style; the functions wrap a fresh instance around config."""
import numpy as np


def minimize(grad_fn, w0, update, config, steps):
    points = [np.array(w0)]
    for _ in range(steps):
        nxt, config = update(points[-1], grad_fn(points[-1]), config)
        points.append(nxt)
    return np.stack(points)


def adam(w, dw, config=None):
    return Adam(config)(w, dw)


def adadelta(w, dw, config=None):
    return Adadelta(config)(w, dw)


def rmsprop(w, dw, config=None):
    return RMSprop(config)(w, dw)


def adagrad(w, dw, config=None):
    return Adagrad(config)(w, dw)


def nesterov(w, dw, config=None):
    return Nesterov(config)(w, dw)


def sgd_momentum(w, dw, config=None):
    return Momentum(config)(w, dw)


def sgd(w, dw, config=None):
    return SGD(config)(w, dw)


class Adam(Optimizer):
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}

    def step(self, w, dw):
        beta1, beta2 = self.betas
        t = self.config.get("step", 0) + 1
        m = beta1 * self.state("exp_avg", w) + (1 - beta1) * dw
        v = beta2 * self.state("exp_avg_sq", w) + (1 - beta2) * np.square(dw)
        self.config.update({"step": t, "exp_avg": m, "exp_avg_sq": v})
        if self.amsgrad:
            v = np.maximum(self.state("max_exp_avg_sq", w), v)
            self.config["max_exp_avg_sq"] = v
        return w - self.lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + self.eps)


class Adadelta(Optimizer):
    defaults = {"lr": 1.0, "rho": 0.9, "eps": 1e-6}

    def step(self, w, dw):
        avg = self.rho * self.state("square_avg", w) + (1 - self.rho) * np.square(dw)
        acc = self.state("acc_delta", w)
        delta = np.sqrt(acc + self.eps) / np.sqrt(avg + self.eps) * dw
        self.config["square_avg"] = avg
        self.config["acc_delta"] = self.rho * acc + (1 - self.rho) * np.square(delta)
        return w - self.lr * delta


class RMSprop(Optimizer):
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}

    def step(self, w, dw):
        avg = self.alpha * self.state("square_avg", w) + (1 - self.alpha) * np.square(dw)
        self.config["square_avg"] = avg
        return w - self.lr * dw / (np.sqrt(avg) + self.eps)


class Adagrad(Optimizer):
    defaults = {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0}

    def step(self, w, dw):
        total = self.state("sum", w, self.initial_accumulator_value) + np.square(dw)
        self.config["sum"] = total
        return w - self.lr * dw / (np.sqrt(total) + self.eps)


class Nesterov(Optimizer):
    defaults = {"lr": 1e-3, "momentum": 0.9}

    def step(self, w, dw):
        if "momentum_buffer" in self.config:
            buf = self.momentum * self.momentum_buffer + dw
        else:
            buf = np.array(dw)
        self.config["momentum_buffer"] = buf
        return w - self.lr * (dw + self.momentum * buf)


class Momentum(Optimizer):
    defaults = {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0}

    def step(self, w, dw):
        if "momentum_buffer" in self.config:
            buf = self.momentum * self.momentum_buffer + (1 - self.dampening) * dw
        else:
            buf = np.array(dw)
        self.config["momentum_buffer"] = buf
        return w - self.lr * buf


class SGD(Optimizer):
    defaults = {"lr": 1e-3}

    def step(self, w, dw):
        return w - self.lr * dw


class Optimizer:
    defaults = {}

    def __init__(self, config):
        self.config = {} if config is None else config
        for name, value in self.defaults.items():
            self.config.setdefault(name, value)

    def __getattr__(self, name):
        try:
            return self.__dict__["config"][name]
        except KeyError:
            raise AttributeError(name) from None

    def state(self, key, w, fill=0.0):
        return self.config[key] if key in self.config else np.full_like(w, fill)

    def step(self, w, dw):
        raise AttributeError("no rule")

    def __call__(self, w, dw):
        return self.step(w, dw), self.config
