import numpy as np


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-3)
    next_weights = w - learning_rate * dw
    return next_weights, config


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-3)
    momentum = config.setdefault("momentum", 0.9)
    dampening = config.setdefault("dampening", 0.0)
    if "momentum_buffer" not in config:
        velocity = np.array(dw, copy=True)
    else:
        velocity = momentum * config["momentum_buffer"] + (1.0 - dampening) * dw
    config["momentum_buffer"] = velocity
    next_weights = w - learning_rate * velocity
    return next_weights, config


def nesterov(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-3)
    momentum = config.setdefault("momentum", 0.9)
    if "momentum_buffer" not in config:
        velocity = np.array(dw, copy=True)
    else:
        velocity = momentum * config["momentum_buffer"] + dw
    config["momentum_buffer"] = velocity
    look_ahead_gradient = dw + momentum * velocity
    next_weights = w - learning_rate * look_ahead_gradient
    return next_weights, config


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-2)
    epsilon = config.setdefault("eps", 1e-10)
    initial_value = config.setdefault("initial_accumulator_value", 0.0)
    if "sum" in config:
        squared_gradient_sum = config["sum"] + dw ** 2
    else:
        squared_gradient_sum = initial_value * np.ones_like(w) + dw ** 2
    config["sum"] = squared_gradient_sum
    adapted_step = dw / (np.sqrt(squared_gradient_sum) + epsilon)
    next_weights = w - learning_rate * adapted_step
    return next_weights, config


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-2)
    smoothing = config.setdefault("alpha", 0.99)
    epsilon = config.setdefault("eps", 1e-8)
    previous_average = config["square_avg"] if "square_avg" in config else np.zeros_like(w)
    running_average = smoothing * previous_average + (1.0 - smoothing) * dw ** 2
    config["square_avg"] = running_average
    next_weights = w - learning_rate * dw / (np.sqrt(running_average) + epsilon)
    return next_weights, config


def adadelta(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1.0)
    decay = config.setdefault("rho", 0.9)
    epsilon = config.setdefault("eps", 1e-6)
    gradient_average = config["square_avg"] if "square_avg" in config else np.zeros_like(w)
    update_average = config["acc_delta"] if "acc_delta" in config else np.zeros_like(w)
    gradient_average = decay * gradient_average + (1.0 - decay) * dw ** 2
    scaled_update = np.sqrt(update_average + epsilon) / np.sqrt(gradient_average + epsilon) * dw
    update_average = decay * update_average + (1.0 - decay) * scaled_update ** 2
    config["square_avg"] = gradient_average
    config["acc_delta"] = update_average
    next_weights = w - learning_rate * scaled_update
    return next_weights, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.setdefault("lr", 1e-3)
    first_decay, second_decay = config.setdefault("betas", (0.9, 0.999))
    epsilon = config.setdefault("eps", 1e-8)
    use_amsgrad = config.setdefault("amsgrad", False)
    step_number = config.get("step", 0) + 1
    first_moment = config["exp_avg"] if "exp_avg" in config else np.zeros_like(w)
    second_moment = config["exp_avg_sq"] if "exp_avg_sq" in config else np.zeros_like(w)
    first_moment = first_decay * first_moment + (1.0 - first_decay) * dw
    second_moment = second_decay * second_moment + (1.0 - second_decay) * dw
    config["step"] = step_number
    config["exp_avg"] = first_moment
    config["exp_avg_sq"] = second_moment
    if use_amsgrad:
        largest_so_far = config["max_exp_avg_sq"] if "max_exp_avg_sq" in config else np.zeros_like(w)
        second_moment = np.maximum(largest_so_far, second_moment)
        config["max_exp_avg_sq"] = second_moment
    corrected_first = first_moment / (1.0 - first_decay ** step_number)
    corrected_second = second_moment / (1.0 - second_decay ** step_number)
    next_weights = w - learning_rate * corrected_first / (np.sqrt(corrected_second) + epsilon)
    return next_weights, config


def minimize(grad_fn, w0, update, config, steps):
    trajectory = np.zeros((steps + 1, w0.shape[0]), dtype=float)
    trajectory[0] = w0
    weights = w0
    for step_index in range(steps):
        gradient = grad_fn(weights)
        weights, config = update(weights, gradient, config)
        trajectory[step_index + 1] = weights
    return trajectory
