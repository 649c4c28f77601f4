# I wrote the updates one weight at a time first; the state arrays are filled element by element.
import numpy as np


def _defaults(config, pairs):
    config = config if config is not None else {}
    for k, v in pairs:
        if k not in config:
            config[k] = v
    return config


def sgd(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-3)])
    out = np.empty_like(w)
    for i in range(w.size):
        out.flat[i] = w.flat[i] - config["lr"] * dw.flat[i]
    return out, config


def sgd_momentum(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-3), ("momentum", 0.9), ("dampening", 0.0)])
    first = "momentum_buffer" not in config
    buf = np.empty_like(dw)
    out = np.empty_like(w)
    for i in range(w.size):
        if first:
            buf.flat[i] = dw.flat[i]
        else:
            buf.flat[i] = config["momentum"] * config["momentum_buffer"].flat[i] + (1 - config["dampening"]) * dw.flat[i]
        out.flat[i] = w.flat[i] - config["lr"] * buf.flat[i]
    config["momentum_buffer"] = buf
    return out, config


def nesterov(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-3), ("momentum", 0.9)])
    mu = config["momentum"]
    first = "momentum_buffer" not in config
    buf = np.empty_like(dw)
    out = np.empty_like(w)
    for i in range(w.size):
        buf.flat[i] = dw.flat[i] if first else mu * config["momentum_buffer"].flat[i] + dw.flat[i]
        out.flat[i] = w.flat[i] - config["lr"] * (dw.flat[i] + mu * buf.flat[i])
    config["momentum_buffer"] = buf
    return out, config


def adagrad(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-2), ("eps", 1e-10), ("initial_accumulator_value", 0.0)])
    old = config.get("sum")
    total = np.empty_like(w)
    out = np.empty_like(w)
    for i in range(w.size):
        prev = config["initial_accumulator_value"] if old is None else old.flat[i]
        total.flat[i] = prev + dw.flat[i] ** 2
        out.flat[i] = w.flat[i] - config["lr"] * dw.flat[i] / (np.sqrt(total.flat[i]) + config["eps"])
    config["sum"] = total
    return out, config


def rmsprop(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-2), ("alpha", 0.99), ("eps", 1e-8)])
    old = config.get("square_avg")
    avg = np.empty_like(w)
    out = np.empty_like(w)
    a = config["alpha"]
    for i in range(w.size):
        prev = 0.0 if old is None else old.flat[i]
        avg.flat[i] = a * prev + (1 - a) * dw.flat[i] ** 2
        out.flat[i] = w.flat[i] - config["lr"] * dw.flat[i] / (np.sqrt(avg.flat[i]) + config["eps"])
    config["square_avg"] = avg
    return out, config


def adadelta(w, dw, config=None):
    config = _defaults(config, [("lr", 1.0), ("rho", 0.9), ("eps", 1e-6)])
    old_sq, old_acc = config.get("square_avg"), config.get("acc_delta")
    rho, eps = config["rho"], config["eps"]
    sq, acc, out = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    for i in range(w.size):
        s = rho * (0.0 if old_sq is None else old_sq.flat[i]) + (1 - rho) * dw.flat[i] ** 2
        a = 0.0 if old_acc is None else old_acc.flat[i]
        step = np.sqrt(a + eps) / np.sqrt(s + eps) * dw.flat[i]
        sq.flat[i], acc.flat[i] = s, rho * a + (1 - rho) * step ** 2
        out.flat[i] = w.flat[i] - config["lr"] * step
    config["square_avg"], config["acc_delta"] = sq, acc
    return out, config


def adam(w, dw, config=None):
    config = _defaults(config, [("lr", 1e-3), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("amsgrad", False)])
    b1, b2 = config["betas"]
    t = config.get("step", 0) + 1
    m_old, v_old, vmax_old = config.get("exp_avg"), config.get("exp_avg_sq"), config.get("max_exp_avg_sq")
    m, v, vmax, out = np.empty_like(w), np.empty_like(w), np.empty_like(w), np.empty_like(w)
    for i in range(w.size):
        m.flat[i] = b1 * (0.0 if m_old is None else m_old.flat[i]) + (1 - b1) * dw.flat[i]
        v.flat[i] = b2 * (0.0 if v_old is None else v_old.flat[i]) + (1 - b2) * dw.flat[i] ** 2
        second = v.flat[i]
        if config["amsgrad"]:
            second = max(0.0 if vmax_old is None else vmax_old.flat[i], second)
            vmax.flat[i] = second
        out.flat[i] = w.flat[i] - config["lr"] * (m.flat[i] / (1 - b1 ** t)) / (np.sqrt(second / (1 - b2 ** t)) + config["eps"])
    config["step"], config["exp_avg"], config["exp_avg_sq"] = t, m, v
    if config["amsgrad"]:
        config["max_exp_avg_sq"] = vmax
    return out, config


def minimize(grad_fn, w0, update, config, steps):
    rows = [w0.copy()]
    for _ in range(steps):
        w, config = update(rows[-1], grad_fn(rows[-1]), config)
        rows.append(w)
    return np.array(rows)
