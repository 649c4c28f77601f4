"""Property checks: plain NumPy, so that a check from stored answers never imports Numba.

A property test (docs/spec.md) passes the student's output to one of these. Where a check needs the
references, it needs them on the test's inputs only, never on the student's output: that work is
a ``prepare`` function in the topic's module (``prepare: losses.finite_differences`` in the spec),
which the grader calls like any reference, so ``grade check`` and a bundle answer it from stored
answers. Its result arrives here as ``prepared``; without it (a check called by hand) the check
asks the reference itself.

Each check returns ``(passed, message)``: the message says what is wrong, or what was measured.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from grader.authoring import RELATIVE_FLOOR, import_helper, relative_error

FD_ROUNDING = 1e-14     # a generous relative rounding error of one evaluation of a loss (~50 ulp)
OBJECTIVES = Path(__file__).resolve().parents[1] / "assignments" / "07_optimizers" / "objectives.py"


def _reference(module: str):
    """A topic module of this package, imported only when a check is called without ``prepared``."""
    return importlib.import_module(f"{__package__}.{module}")


def _elementwise_relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a − b| / max(floor, |a| + |b|), element by element (grader.authoring.relative_error's terms)."""
    return np.abs(a - b) / np.maximum(RELATIVE_FLOOR, np.abs(a) + np.abs(b))


# --------------------------------------------------------------------------- 01 perceptron

def separates(args: dict, output, min_accuracy: float = 1.0) -> tuple[bool, str]:
    """`train` output (w, b, epochs) classifies its training data with at least min_accuracy."""
    w, b, epochs = output
    w = np.asarray(w, dtype=np.float64)
    X, y = np.asarray(args["X"], dtype=np.float64), args["y"]
    scores = np.full(X.shape[0], float(b))
    for j in range(X.shape[1]):          # b + Σ x_j w_j in the reference's order: the same ties
        scores += X[:, j] * w[j]
    accuracy = float(np.mean(np.where(scores >= 0.0, 1.0, -1.0) == y))
    if not 1 <= int(epochs) <= args["max_epochs"]:
        return False, f"epochs is {epochs}, but must be between 1 and max_epochs={args['max_epochs']}."
    if accuracy < min_accuracy:
        return False, (f"The returned w, b classify {accuracy:.1%} of the training data correctly; "
                       f"at least {min_accuracy:.0%} is required on this separable data set.")
    return True, f"accuracy {accuracy:.1%}"


# --------------------------------------------------------------------------- 03 losses

def grad_matches_finite_differences(args: dict, output, loss: str, tol: float = 1e-5, h: float = 1e-5,
                                    prepared: dict | None = None) -> tuple[bool, str]:
    """A `*_grad` output against centred differences of the reference ``loss`` at the same inputs.

    args: the test's inputs by name, the differentiated one first (pred or logits), then the
    others (target, labels, delta). output: what the student's gradient function returned,
    expected with the first input's shape. prepared: :func:`losses.finite_differences` on args
    (the differences and the loss at x). Passes when grader.authoring.relative_error of the two is
    at most ``tol``, after forgiving the rounding noise of the differences: an element within
    ``FD_ROUNDING·max(1, |loss|)/h`` (1e-9 for h = 1e-5) of the difference quotient counts as
    equal, since near-zero gradient elements are otherwise measured against pure noise. The test's
    inputs must stay away from kinks (|d| = 0 for mae, the margin for hinge) and from the ends of
    [0, 1] for probabilities, where centred differences are meaningless. The default ``tol`` leaves
    room for a jump in the second derivative within h of an input (Huber's at |d| = delta costs
    about h/8 per element); every catalogued mistake is off by far more.
    """
    if prepared is None:
        prepared = _reference("losses").finite_differences(args, loss=loss, h=h)
    name, x = next(iter(args.items()))
    numeric = np.asarray(prepared["numeric"], dtype=np.float64)
    got = np.asarray(output, dtype=np.float64)
    if got.shape != numeric.shape:
        return False, f"The gradient has shape {got.shape}; it must have the shape of {name}, {numeric.shape}."
    if not np.all(np.isfinite(got)):
        return False, "The gradient holds NaN or inf values where the loss is smooth."
    noise = FD_ROUNDING * max(1.0, abs(float(prepared["loss"]))) / h
    forgiven = np.where(np.abs(got - numeric) <= noise, numeric, got)
    error = relative_error(forgiven, numeric)
    if error <= tol:
        return True, f"relative error {error:.2g} (tolerance {tol:g})"
    worst = np.unravel_index(np.argmax(np.abs(forgiven - numeric)
                                       / np.maximum(1e-8, np.abs(forgiven) + np.abs(numeric))), numeric.shape)
    return False, (f"Your gradient disagrees with centred finite differences of the loss {loss} "
                   f"(h = {h:g}): relative error {error:.3g}, tolerance {tol:g}. Worst at {list(map(int, worst))}: "
                   f"yours {got[worst]:.6g}, finite differences {numeric[worst]:.6g}. "
                   f"Run this check yourself with gradcheck.check_gradient (see the README).")


# --------------------------------------------------------------------------- 04 backprop

def grads_match_finite_differences(args: dict, output, tol: float = 1e-6, h: float = 1e-5,
                                   prepared: dict | None = None) -> tuple[bool, str]:
    """`loss_and_grads` output: each gradient within ``tol`` (relative) of centred differences of the loss.

    The differences are those of the *reference* loss at the student's inputs
    (:func:`backprop.finite_differences`, with the reference's exact gradients). An element whose
    difference quotient straddles a ReLU kink (where even the reference's exact gradient disagrees
    with it) is left out: finite differences say nothing there.
    """
    if prepared is None:
        prepared = _reference("backprop").finite_differences(args, h=h)
    if not (isinstance(output, tuple) and len(output) == 2 and isinstance(output[1], dict)):
        return False, "loss_and_grads must return a tuple (loss, grads) with grads a dict."
    for name, numeric in prepared["numeric"].items():
        if name not in output[1]:
            return False, f"grads has no key {name!r}: return one gradient per parameter."
        got = np.asarray(output[1][name], dtype=np.float64)
        if got.shape != numeric.shape:
            return False, f"grads[{name!r}] has shape {got.shape}; it must have the shape of {name}, {numeric.shape}."
        reliable = _elementwise_relative_error(prepared["exact"][name], numeric) <= tol
        error = np.where(reliable, _elementwise_relative_error(got, numeric), 0.0)
        if not error.max() <= tol:
            at = np.unravel_index(np.argmax(np.nan_to_num(error, nan=np.inf)), error.shape)
            return False, (f"grads[{name!r}] disagrees with centred finite differences of the loss (h={h:g}): "
                           f"relative error {error[at]:.3g} at {list(map(int, at))} (got {got[at]:.6g}, numerical "
                           f"{numeric[at]:.6g}); at most {tol:g} is accepted.")
    return True, "gradients agree with finite differences"


def two_layer_accuracy(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """The share of rows of X (N, D) whose largest score under the two-layer ReLU network
    (W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)) is their label y (N,)."""
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
    scores = np.maximum(np.asarray(X, dtype=np.float64) @ W1 + b1, 0.0) @ W2 + b2
    return float(np.mean(np.argmax(scores, axis=1) == y))


def trains(args: dict, output, min_accuracy: float = 0.95) -> tuple[bool, str]:
    """`train` output (params, loss_history): right shapes, a falling loss, training accuracy ≥ min_accuracy."""
    X, y, hidden, epochs = args["X"], args["y"], int(args["hidden"]), int(args["epochs"])
    if not (isinstance(output, tuple) and len(output) == 2 and isinstance(output[0], dict)):
        return False, "train must return a tuple (params, loss_history) with params a dict."
    params, history = output
    shapes = {"W1": (X.shape[1], hidden), "b1": (hidden,), "W2": (hidden, int(y.max()) + 1), "b2": (int(y.max()) + 1,)}
    for name, shape in shapes.items():
        if np.shape(params.get(name)) != shape:
            return False, f"params[{name!r}] has shape {np.shape(params.get(name))}, expected {shape}."
    history = np.asarray(history, dtype=np.float64)
    if history.shape != (epochs,):
        return False, f"loss_history has shape {history.shape}: expected one mean loss per epoch, ({epochs},)."
    if not np.all(np.isfinite(history)):
        return False, "The training loss became NaN or inf."
    quarter = max(1, epochs // 4)
    if not (history[-1] < history[0] and history[-quarter:].mean() < history[:quarter].mean()):
        return False, (f"The training loss does not fall: {history[0]:.4g} in the first epoch, {history[-1]:.4g} in "
                       f"the last (means of the first and last quarter: {history[:quarter].mean():.4g}, "
                       f"{history[-quarter:].mean():.4g}).")
    accuracy = two_layer_accuracy(params, X, y)
    if accuracy < min_accuracy:
        return False, (f"The trained network classifies {accuracy:.1%} of the training set correctly; at least "
                       f"{min_accuracy:.0%} is required (loss {history[0]:.4g} -> {history[-1]:.4g}).")
    return True, f"accuracy {accuracy:.1%}"


# --------------------------------------------------------------------------- 05 convolution

def gradients_match_numerical(args: dict, output, tolerance: float = 1e-6,
                              prepared: dict | None = None) -> tuple[bool, str]:
    """`conv2d_backward` output (dx, dw, db) agrees with centred differences of the forward pass.

    The loss is L(x, w, b) = Σ dout · conv2d_forward(x, w, b), so ∂L/∂x, ∂L/∂w, ∂L/∂b are exactly
    what conv2d_backward must return; :func:`conv.finite_differences` takes them. The error of each
    gradient is grader.authoring.relative_error of the student's and the numerical one.
    """
    if prepared is None:
        prepared = _reference("conv").finite_differences(args)
    if not isinstance(output, (tuple, list)) or len(output) != 3:
        return False, "conv2d_backward must return a tuple (dx, dw, db)."
    problems = []
    for (name, expected), got in zip(prepared.items(), output):
        got = np.asarray(got, dtype=np.float64)
        if got.shape != expected.shape:
            problems.append(f"{name} has shape {got.shape}, the gradient has shape {expected.shape}")
            continue
        error = relative_error(got, expected)
        if not error <= tolerance:
            problems.append(f"{name} differs from the centred-difference gradient (relative error {error:.3g})")
    if problems:
        return False, ("; ".join(problems) + ". The gradients must be those of "
                       "L = Σ dout · conv2d_forward(x, w, b) (centred differences).")
    return True, "dx, dw and db agree with centred differences"


# --------------------------------------------------------------------------- 07 optimizers

def _objective(name: str):
    """A function of the assignment's helper module objectives.py (the file students get)."""
    return getattr(import_helper(OBJECTIVES), name)


def reaches(args: dict, output, objective: str, below: float) -> tuple[bool, str]:
    """`minimize` output, a trajectory (steps + 1, D) from w0, or `descend` output, the last point
    (D,): objective(last point) < below."""
    w0, steps = args["w0"], int(args["steps"])
    if output is None:                      # descend: an update did not return (next_w, config)
        return False, "The optimizer did not return a pair (next_w, config): see its own tests."
    path = np.asarray(output, dtype=np.float64)
    if path.shape == w0.shape:              # descend: the last point only
        if not np.all(np.isfinite(path)):
            return False, f"After {steps} steps the point is NaN or inf: the optimizer diverged."
    elif path.shape != (steps + 1,) + w0.shape:
        return False, (f"The trajectory has shape {path.shape}, expected {(steps + 1,) + w0.shape}: "
                       f"w0 first, then one row per step.")
    elif not np.array_equal(path[0], w0):
        return False, "Row 0 of the trajectory must be w0, the starting point."
    elif not np.all(np.isfinite(path)):
        step = int(np.argmax(~np.all(np.isfinite(path), axis=1)))
        return False, f"The trajectory reaches NaN or inf at step {step}: the optimizer diverged."
    f = _objective(objective)
    start, end = f(w0), f(path if path.ndim == w0.ndim else path[-1])
    if not end < below:
        return False, (f"After {steps} steps {objective} is {end:.4g} (it started at {start:.4g}); "
                       f"it must get below {below:g}. The hyper-parameters are the test's: check the "
                       f"optimizer's update rule and the state it carries from step to step.")
    return True, f"{objective} went from {start:.4g} to {end:.4g} in {steps} steps"


def optimizer_trains(args: dict, output: Any, min_accuracy: float) -> tuple[bool, str]:
    """`train_with_optimizer` output (accuracy, losses): finite losses that fall, accuracy ≥ min_accuracy."""
    accuracy, losses = output
    accuracy, losses = float(accuracy), np.asarray(losses, dtype=np.float64)
    if losses.shape != (int(args["epochs"]),) or not np.all(np.isfinite(losses)):
        return False, "The training loss became NaN or inf: the optimizer's steps blew up."
    if not losses[-1] < losses[0]:
        return False, (f"The training loss did not fall: {losses[0]:.4g} in the first epoch, "
                       f"{losses[-1]:.4g} in the last.")
    if accuracy < min_accuracy:
        return False, (f"Trained with your optimizer, the network classifies {accuracy:.1%} of the training "
                       f"set correctly; at least {min_accuracy:.0%} is required (loss {losses[0]:.4g} -> "
                       f"{losses[-1]:.4g}).")
    return True, f"accuracy {accuracy:.1%}"
