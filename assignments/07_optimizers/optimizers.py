"""Assignment 07: optimizers. Fill in each function; see README.md for the formulas and defaults.

Every optimizer is ``name(w, dw, config=None) -> (next_w, config)``:

- ``w``, ``dw``: arrays of the same shape and dtype, the weights and their gradient.
- ``config``: a dict of hyper-parameters (named as in torch.optim) and the optimizer's state
  (named as torch.optim's state). Fill in a missing hyper-parameter with its default and store
  it (``config.setdefault("lr", 1e-3)``). A missing state key means no step has been taken yet.
  ``config`` may be None, which means ``{}``.
- Return the next weights as a new array, and the config with the new state stored in it.
  Do not modify ``w`` or ``dw``; compute new state arrays rather than updating them in place.

Check your work with

    grade check assignments/07_optimizers
"""
import numpy as np


def sgd(w, dw, config=None):
    """Plain SGD: next_w = w - lr * dw.

    config: lr (default 1e-3). No state.
    """
    raise NotImplementedError


def sgd_momentum(w, dw, config=None):
    """SGD with momentum, as torch.optim.SGD.

    config: lr (1e-3), momentum (0.9), dampening (0); state momentum_buffer.
    buf = dw on the first step (no buffer yet), else momentum * buf + (1 - dampening) * dw;
    next_w = w - lr * buf.
    """
    raise NotImplementedError


def nesterov(w, dw, config=None):
    """Nesterov momentum, as torch.optim.SGD(nesterov=True).

    config: lr (1e-3), momentum (0.9); state momentum_buffer.
    buf = dw on the first step, else momentum * buf + dw; next_w = w - lr * (dw + momentum * buf).
    """
    raise NotImplementedError


def adagrad(w, dw, config=None):
    """Adagrad, as torch.optim.Adagrad.

    config: lr (1e-2), eps (1e-10), initial_accumulator_value (0); state sum.
    sum = sum + dw**2; next_w = w - lr * dw / (sqrt(sum) + eps).
    """
    raise NotImplementedError


def rmsprop(w, dw, config=None):
    """RMSprop, as torch.optim.RMSprop.

    config: lr (1e-2), alpha (0.99), eps (1e-8); state square_avg.
    square_avg = alpha * square_avg + (1 - alpha) * dw**2;
    next_w = w - lr * dw / (sqrt(square_avg) + eps).
    """
    raise NotImplementedError


def adadelta(w, dw, config=None):
    """Adadelta, as torch.optim.Adadelta.

    config: lr (1.0), rho (0.9), eps (1e-6); state square_avg, acc_delta.
    square_avg = rho * square_avg + (1 - rho) * dw**2
    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * dw     (the old acc_delta)
    acc_delta = rho * acc_delta + (1 - rho) * delta**2
    next_w = w - lr * delta
    """
    raise NotImplementedError


def adam(w, dw, config=None):
    """Adam with bias correction and optional AMSGrad, as torch.optim.Adam.

    config: lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), amsgrad (False);
    state step (int), exp_avg, exp_avg_sq, and max_exp_avg_sq when amsgrad is true.
    step += 1 first; then the moving averages, their bias corrections, and
    next_w = w - lr * m_hat / (sqrt(v_hat) + eps). See README.md.
    """
    raise NotImplementedError


def minimize(grad_fn, w0, update, config, steps):
    """Run `steps` steps of the optimizer `update` from w0.

    Inputs:
    - grad_fn: function, grad_fn(w) -> the gradient at w (an array like w)
    - w0: array (D,), the starting point
    - update: an optimizer, update(w, dw, config) -> (next_w, config)
    - config: dict, the optimizer's starting config
    - steps: int

    Each step: w, config = update(w, grad_fn(w), config), with the config returned last time.
    Returns the trajectory, an array (steps + 1, D): row 0 is w0, row k the point after k steps.
    """
    raise NotImplementedError
