"""Test functions for optimizers (given, not graded): a quadratic bowl and the Rosenbrock function,
and what the tests run them with.

Each objective takes a point ``w`` (array (D,), float) and returns a float; its ``*_grad`` twin
returns the gradient, an array of the same shape and dtype as ``w``. Use them with ``minimize``:

    from objectives import quadratic_bowl, quadratic_bowl_grad
    path = minimize(quadratic_bowl_grad, np.array([3.0, -2.0]), adam, {"lr": 0.1}, 100)
    print(quadratic_bowl(path[-1]))

Each test judges one of your functions. ``minimize``'s tests pass it ``decaying_step``, an update
rule of the course's that is none of the optimizers you write, so a mistake in an optimizer never
fails them. The convergence tests of your optimizers run them with ``descend``, not with your
``minimize``, so a mistake in ``minimize`` never fails those.

The grader ships this file with the assignment and uses the same file in its tests.
"""
import numpy as np


def bowl_curvatures(d):
    """The curvatures c (d,) of the bowl: evenly spaced from 1 to 10 (only 1 when d = 1)."""
    return np.linspace(1.0, 10.0, d) if d > 1 else np.ones(1)


def quadratic_bowl(w):
    """f(w) = ½ Σ_i c_i w_i², an elongated bowl with its minimum f = 0 at w = 0.

    The curvatures c_i run from 1 to 10, so plain gradient descent must use lr < 2/10 = 0.2 to
    converge, and then creeps along the flattest axis: the case momentum and per-coordinate
    step sizes are made for.
    """
    c = bowl_curvatures(w.shape[0])
    return float(0.5 * np.sum(c * w * w))


def quadratic_bowl_grad(w):
    """∇f(w) = c ⊙ w, the gradient of quadratic_bowl."""
    return (bowl_curvatures(w.shape[0]) * w).astype(w.dtype)


def rosenbrock(w):
    """f(w) = Σ_{i<D-1} 100 (w_{i+1} − w_i²)² + (1 − w_i)², D ≥ 2; minimum f = 0 at w = (1, ..., 1).

    The minimum lies at the end of a long, curved, nearly flat valley: easy to find the valley,
    hard to follow it.
    """
    a, b = w[:-1], w[1:]
    return float(np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2))


def rosenbrock_grad(w):
    """∇f(w) of rosenbrock, an array like w."""
    a, b = w[:-1], w[1:]
    inner = b - a * a
    grad = np.zeros_like(w)
    grad[:-1] += -400.0 * a * inner - 2.0 * (1.0 - a)
    grad[1:] += 200.0 * inner
    return grad


def decaying_step(w, dw, config):
    """An update rule with state (given; not one of the assignment's optimizers): w − lr/√t · dw,
    where t counts the steps taken with this config (``config["t"]``, 0 before the first).

    Returns ``(next_w, config)``: a new array like w and a new dict, the given one with t + 1.
    Nothing passed in is modified. A config that is not passed on restarts the count at 1.
    """
    t = int(config.get("t", 0)) + 1
    return (w - config["lr"] / np.sqrt(t) * dw).astype(w.dtype), {**config, "t": t}


def descend(grad_fn, w0, update, config, steps):
    """The point reached after ``steps`` updates from w0 (array (D,)), with the config each update
    returns passed on to the next: how the convergence tests run your optimizers. The updates get
    a copy of w0, so an update that changes its w in place cannot change w0. None when an update
    returns anything but a pair (next_w, config).
    """
    w = np.array(w0, copy=True)
    for _ in range(steps):
        out = update(w, grad_fn(w), config)
        if not (isinstance(out, tuple) and len(out) == 2):
            return None
        w, config = out
    return w
