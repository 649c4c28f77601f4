"""The references of assignment 07 (optimizers) against independent NumPy versions of torch's formulas.

The references decide every student's grade, so each optimizer is run here for many steps, next to
a second implementation written from torch.optim's documented algorithms (state kept in local
variables, not in a config), from empty and from non-zero states, with dampening, AMSGrad, tiny
gradients, other shapes and float32. Hand-computed first steps, PyTorch's own published numbers
for Adam/AMSGrad, the CS231n/Keras equivalences that the README states, the helper modules
(objectives, network), the generator and the property checks are checked too. A direct
cross-check against torch runs when torch is installed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.references import References, import_helper

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "07_optimizers"
ref = References((ROOT / "reference").resolve()).module("optimizers")
checks = References((ROOT / "reference").resolve()).module("properties")
objectives = import_helper(ASSIGNMENT / "objectives.py")
network = import_helper(ASSIGNMENT / "network.py")

OPTIMIZERS = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]
STATE_KEYS = {"sgd": [], "sgd_momentum": ["momentum_buffer"], "nesterov": ["momentum_buffer"], "adagrad": ["sum"],
              "rmsprop": ["square_avg"], "adadelta": ["square_avg", "acc_delta"],
              "adam": ["step", "exp_avg", "exp_avg_sq"]}


# --------------------------------------------------------------------------- torch's algorithms, in NumPy

def np_run(name: str, w, grads, hyper: dict, state: dict | None = None):
    """Weights after each step and the final state, for ``grads`` applied in turn (torch's algorithms)."""
    state = dict(state or {})
    lr = hyper["lr"]
    path = []
    for t_local, g in enumerate(grads, start=1):
        if name == "sgd":
            w = w - lr * g
        elif name in ("sgd_momentum", "nesterov"):
            mu, tau = hyper["momentum"], hyper.get("dampening", 0.0)
            b = state.get("momentum_buffer")
            b = np.array(g, copy=True) if b is None else mu * b + (1.0 - tau) * g
            state["momentum_buffer"] = b
            w = w - lr * (g + mu * b if name == "nesterov" else b)
        elif name == "adagrad":
            s = state.get("sum", hyper.get("initial_accumulator_value", 0.0) * np.ones_like(w)) + g ** 2
            state["sum"] = s
            w = w - lr * g / (np.sqrt(s) + hyper["eps"])
        elif name == "rmsprop":
            a = hyper["alpha"]
            v = a * state.get("square_avg", 0.0 * w) + (1.0 - a) * g ** 2
            state["square_avg"] = v
            w = w - lr * g / (np.sqrt(v) + hyper["eps"])
        elif name == "adadelta":
            rho, eps = hyper["rho"], hyper["eps"]
            v = rho * state.get("square_avg", 0.0 * w) + (1.0 - rho) * g ** 2
            u = state.get("acc_delta", 0.0 * w)
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            state["square_avg"], state["acc_delta"] = v, rho * u + (1.0 - rho) * delta ** 2
            w = w - lr * delta
        else:
            (b1, b2), eps = hyper["betas"], hyper["eps"]
            t = state.get("step", 0) + 1
            m = b1 * state.get("exp_avg", 0.0 * w) + (1.0 - b1) * g
            v = b2 * state.get("exp_avg_sq", 0.0 * w) + (1.0 - b2) * g ** 2
            state.update(step=t, exp_avg=m, exp_avg_sq=v)
            if hyper.get("amsgrad"):
                v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0.0 * w), v)
            w = w - lr * (m / (1.0 - b1 ** t)) / (np.sqrt(v / (1.0 - b2 ** t)) + eps)
        path.append(w)
    return path, state


HYPER = {
    "sgd": {"lr": 0.1},
    "sgd_momentum": {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    "nesterov": {"lr": 0.05, "momentum": 0.7},
    "adagrad": {"lr": 0.1, "eps": 1e-10, "initial_accumulator_value": 0.0},
    "rmsprop": {"lr": 0.01, "alpha": 0.95, "eps": 1e-8},
    "adadelta": {"lr": 0.5, "rho": 0.85, "eps": 1e-6},
    "adam": {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-8, "amsgrad": False},
}
DEFAULTS = {
    "sgd": {"lr": 1e-3},
    "sgd_momentum": {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0},
    "nesterov": {"lr": 1e-3, "momentum": 0.9},
    "adagrad": {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False},
}


def random_state(name: str, shape, rng) -> dict:
    """A non-zero state of the right kind (squared averages positive, Adam part-way through)."""
    state = {k: rng.normal(size=shape) for k in STATE_KEYS[name] if k != "step"}
    for k in ("sum", "square_avg", "acc_delta", "exp_avg_sq"):
        if k in state:
            state[k] = state[k] ** 2
    if name == "adam":
        state["step"] = 4
    return state


def run_reference(name: str, w, grads, config: dict):
    path = []
    for g in grads:
        w, config = getattr(ref, name)(w, g, config)
        path.append(w)
    return path, config


def assert_same_run(got, expected, rtol=1e-12, atol=1e-15):
    (path, config), (np_path, np_state) = got, expected
    for k, (a, b) in enumerate(zip(path, np_path)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"w after step {k + 1}")
    for key, value in np_state.items():
        np.testing.assert_allclose(np.asarray(config[key], dtype=np.float64), value, rtol=rtol, atol=atol, err_msg=key)


# --------------------------------------------------------------------------- runs against NumPy

@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("shape", [(1,), (6,), (3, 4)], ids=str)
@pytest.mark.parametrize("from_state", [False, True], ids=["empty", "given_state"])
def test_runs_match_torch_formulas(name, shape, from_state):
    rng = np.random.default_rng(hash((name, shape, from_state)) % 2**32)
    w = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(15)]
    state = random_state(name, shape, rng) if from_state else {}
    got = run_reference(name, w, grads, {**HYPER[name], **state})
    assert_same_run(got, np_run(name, w, grads, HYPER[name], state))
    assert set(got[1]) == set(HYPER[name]) | set(STATE_KEYS[name])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_defaults_are_filled_in_and_used(name):
    rng = np.random.default_rng(3)
    w, grads = rng.normal(size=4), [rng.normal(size=4) for _ in range(5)]
    path, config = run_reference(name, w, grads, {})
    for key, value in DEFAULTS[name].items():
        assert config[key] == value, key
    assert_same_run((path, config), np_run(name, w, grads, DEFAULTS[name]))
    # None means {}
    first, _ = getattr(ref, name)(w, grads[0], None)
    np.testing.assert_array_equal(first, path[0])


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam"])
def test_tiny_gradients(name):
    """Gradients of 1e-7, where eps's place decides the step."""
    rng = np.random.default_rng(5)
    w, grads = rng.normal(size=3), [1e-7 * rng.normal(size=3) for _ in range(10)]
    assert_same_run(run_reference(name, w, grads, {}), np_run(name, w, grads, DEFAULTS[name]), atol=0.0)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_in_float32_out(name):
    rng = np.random.default_rng(6)
    w = rng.normal(size=(2, 3)).astype(np.float32)
    grads = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(4)]
    path, config = run_reference(name, w, grads, dict(HYPER[name]))
    assert all(p.dtype == np.float32 and p.shape == (2, 3) for p in path)
    assert all(config[k].dtype == np.float32 for k in STATE_KEYS[name] if k != "step")
    np_path, _ = np_run(name, w.astype(np.float64), [g.astype(np.float64) for g in grads], HYPER[name])
    np.testing.assert_allclose(path[-1], np_path[-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_inputs_are_not_modified_and_config_is_new(name):
    rng = np.random.default_rng(7)
    w, g = rng.normal(size=5), rng.normal(size=5)
    config = {**HYPER[name], **random_state(name, (5,), rng)}
    before = {k: np.copy(v) for k, v in config.items()}
    w0, g0 = w.copy(), g.copy()
    next_w, new_config = getattr(ref, name)(w, g, config)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(g, g0)
    assert new_config is not config and set(config) == set(before)
    for k in before:
        np.testing.assert_array_equal(config[k], before[k])
    assert next_w is not w


def test_amsgrad_runs_and_keeps_its_maximum():
    rng = np.random.default_rng(8)
    w = rng.normal(size=5)
    grads = [rng.normal(size=5) * s for s in (3.0, 1.0, 0.3, 0.1, 0.03, 2.0, 0.01)]   # v falls, then rises
    hyper = {**HYPER["adam"], "amsgrad": True}
    got = run_reference("adam", w, grads, dict(hyper))
    assert_same_run(got, np_run("adam", w, grads, hyper))
    assert np.all(got[1]["max_exp_avg_sq"] >= got[1]["exp_avg_sq"])
    plain = run_reference("adam", w, grads, dict(HYPER["adam"]))
    assert "max_exp_avg_sq" not in plain[1]
    assert not np.allclose(plain[0][-1], got[0][-1])
    state = random_state("adam", (5,), rng)
    state["max_exp_avg_sq"] = state["exp_avg_sq"] + 1.0
    assert_same_run(run_reference("adam", w, grads, {**hyper, **state}), np_run("adam", w, grads, hyper, state))


# --------------------------------------------------------------------------- known values

def test_adam_and_amsgrad_match_pytorch_numbers():
    """PyTorch's Adam/AMSGrad on g = 1, 0.001, 0.001 from w = 0 with lr 0.1 (computed with torch 2.x)."""
    grads = [np.array([1.0]), np.array([0.001]), np.array([0.001])]
    adam_path, _ = run_reference("adam", np.zeros(1), grads, {"lr": 0.1})
    ams_path, _ = run_reference("adam", np.zeros(1), grads, {"lr": 0.1, "amsgrad": True})
    np.testing.assert_allclose(np.concatenate(adam_path), [-0.1, -0.16708024, -0.21899738], rtol=1e-7)
    np.testing.assert_allclose(np.concatenate(ams_path), [-0.1, -0.16704673, -0.218912], rtol=1e-6)


def test_first_steps_by_hand():
    w, g = np.array([0.5, -1.0, 2.0, 0.0]), np.array([0.3, -2.0, 0.0, 1.0])
    sign = np.sign(g)
    # Adam: bias correction makes the first step lr·g/(|g| + eps), i.e. lr per element
    next_w, config = ref.adam(w, g, {"lr": 0.01})
    np.testing.assert_allclose(next_w, w - 0.01 * sign, rtol=1e-6)
    assert config["step"] == 1
    np.testing.assert_allclose(config["exp_avg"], 0.1 * g)
    np.testing.assert_allclose(config["exp_avg_sq"], 0.001 * g ** 2)
    # ... and without the correction it would be (1 − β₁)/√(1 − β₂) ≈ 3.16 times larger
    wrong, _ = next(m for m in ref.MISTAKES["adam"] if m.name == "no_bias_correction").fn(w, g, {"lr": 0.01})
    np.testing.assert_allclose((w - wrong)[sign != 0] / (w - next_w)[sign != 0], 0.1 / np.sqrt(0.001), rtol=1e-5)
    # RMSprop from zero: lr·g/√((1 − α)g²) = 10·lr with α = 0.99
    np.testing.assert_allclose(ref.rmsprop(w, g, {"lr": 0.01})[0], w - 0.1 * sign, rtol=1e-6)
    # Adagrad from zero: lr per element
    np.testing.assert_allclose(ref.adagrad(w, g, {"lr": 0.1})[0], w - 0.1 * sign, rtol=1e-8)
    # Momentum: the first buffer is the gradient, dampening or not
    next_w, config = ref.sgd_momentum(w, g, {"lr": 0.1, "dampening": 0.5})
    np.testing.assert_array_equal(config["momentum_buffer"], g)
    np.testing.assert_allclose(next_w, w - 0.1 * g)
    # Nesterov's first step: (1 + μ)·g
    np.testing.assert_allclose(ref.nesterov(w, g, {"lr": 0.1})[0], w - 0.1 * 1.9 * g)
    # Adadelta from zero: √eps/√((1 − ρ)g² + eps)·g
    expected = w - np.sqrt(1e-6) / np.sqrt(0.1 * g ** 2 + 1e-6) * g
    np.testing.assert_allclose(ref.adadelta(w, g, {})[0], expected, rtol=1e-12)


def test_cs231n_momentum_gives_the_same_weights_with_a_constant_lr():
    """README: v = μv − lr·g, w + v from v = 0 equals torch's buffer with v = −lr·b."""
    rng = np.random.default_rng(9)
    w, grads, lr, mu = rng.normal(size=4), [rng.normal(size=4) for _ in range(10)], 0.05, 0.9
    for name in ("sgd_momentum", "nesterov"):
        path, config = run_reference(name, w, grads, {"lr": lr, "momentum": mu})
        x, v = w.copy(), np.zeros(4)
        for g in grads:
            v_prev = v.copy()
            v = mu * v - lr * g
            x = x + v if name == "sgd_momentum" else x - mu * v_prev + (1 + mu) * v
        np.testing.assert_allclose(path[-1], x, rtol=1e-10)
        np.testing.assert_allclose(config["momentum_buffer"], -v / lr, rtol=1e-10)


def test_keras_adam_is_torch_adam_with_a_rescaled_eps():
    """README: Keras's ε̂ equals torch's eps = ε̂ / √(1 − β₂ᵗ), so the two differ only for tiny gradients."""
    rng = np.random.default_rng(10)
    w, g = rng.normal(size=3), 1e-7 * rng.normal(size=3)
    keras = next(m for m in ref.MISTAKES["adam"] if m.name == "keras_epsilon_hat").fn
    state = {"step": 2, "exp_avg": 1e-7 * rng.normal(size=3), "exp_avg_sq": 1e-14 * rng.random(3)}
    got, _ = keras(w, g, {"lr": 0.01, **state})
    torch_form, _ = ref.adam(w, g, {"lr": 0.01, "eps": 1e-8 / np.sqrt(1 - 0.999 ** 3), **state})
    np.testing.assert_allclose(got, torch_form, rtol=1e-12)
    torch_step = w - ref.adam(w, g, {"lr": 0.01, **state})[0]
    assert not np.allclose(w - got, torch_step, rtol=0.05)          # the steps differ by more than 5%


@pytest.mark.parametrize("case", OPTIMIZERS + ["amsgrad"])
def test_against_torch(case):
    """The reference next to torch.optim itself, 12 steps in float64 (only where torch is installed)."""
    torch = pytest.importorskip("torch", reason="torch is not installed; the NumPy versions above stand in for it")
    name = "adam" if case == "amsgrad" else case
    hyper = {**HYPER[name], "amsgrad": case == "amsgrad"} if name == "adam" else HYPER[name]
    make = {
        "sgd": lambda p: torch.optim.SGD(p, lr=hyper["lr"]),
        "sgd_momentum": lambda p: torch.optim.SGD(p, lr=hyper["lr"], momentum=hyper["momentum"],
                                                  dampening=hyper["dampening"]),
        "nesterov": lambda p: torch.optim.SGD(p, lr=hyper["lr"], momentum=hyper["momentum"], nesterov=True),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=hyper["lr"], eps=hyper["eps"]),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=hyper["lr"], alpha=hyper["alpha"], eps=hyper["eps"]),
        "adadelta": lambda p: torch.optim.Adadelta(p, lr=hyper["lr"], rho=hyper["rho"], eps=hyper["eps"]),
        "adam": lambda p: torch.optim.Adam(p, lr=hyper["lr"], betas=hyper["betas"], eps=hyper["eps"],
                                           amsgrad=hyper["amsgrad"]),
    }[name]
    rng = np.random.default_rng(12)
    w, grads = rng.normal(size=(2, 3)), [rng.normal(size=(2, 3)) for _ in range(12)]
    param = torch.nn.Parameter(torch.tensor(w))
    optimizer = make([param])
    path, _ = run_reference(name, w, grads, dict(hyper))
    for k, g in enumerate(grads):
        param.grad = torch.tensor(g)
        optimizer.step()
        np.testing.assert_allclose(path[k], param.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"step {k + 1}")


# --------------------------------------------------------------------------- minimize

@pytest.mark.parametrize("name", OPTIMIZERS)
def test_minimize_carries_the_state(name):
    w0 = np.array([3.0, -2.0, 1.0])
    path = ref.minimize(objectives.quadratic_bowl_grad, w0, getattr(ref, name), dict(HYPER[name]), 12)
    assert path.shape == (13, 3) and path.dtype == np.float64
    np.testing.assert_array_equal(path[0], w0)
    w, config = w0, dict(HYPER[name])
    for k in range(12):
        w, config = getattr(ref, name)(w, objectives.quadratic_bowl_grad(w), config)
        np.testing.assert_array_equal(path[k + 1], w)


def test_minimize_zero_steps_and_float32():
    w0 = np.array([1.0, 2.0], dtype=np.float32)
    path = ref.minimize(objectives.rosenbrock_grad, w0, ref.adam, {}, 0)
    assert path.shape == (1, 2) and path.dtype == np.float32
    assert ref.minimize(objectives.rosenbrock_grad, w0, ref.adam, {"lr": 0.01}, 3).dtype == np.float32


# --------------------------------------------------------------------------- objectives and network helpers

def central_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("d", [1, 2, 5])
def test_objective_gradients(d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=d)
    np.testing.assert_allclose(objectives.quadratic_bowl_grad(x), central_difference(objectives.quadratic_bowl, x),
                               rtol=1e-6, atol=1e-8)
    if d >= 2:
        np.testing.assert_allclose(objectives.rosenbrock_grad(x), central_difference(objectives.rosenbrock, x),
                                   rtol=1e-6, atol=1e-6)
        assert objectives.rosenbrock(np.ones(d)) == 0.0 and not np.any(objectives.rosenbrock_grad(np.ones(d)))
    assert objectives.quadratic_bowl(np.zeros(d)) == 0.0
    np.testing.assert_array_equal(objectives.bowl_curvatures(d)[[0, -1]], [1.0, 10.0] if d > 1 else [1.0, 1.0])


def test_network_gradients():
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 3, size=7)
    params = network.init_params(2, 5, 3, rng)
    loss, grads = network.loss_and_grads(params, X, y)
    assert loss > 0 and set(grads) == set(params)
    for name in params:
        def f(p, name=name):
            return network.loss_and_grads({**params, name: p}, X, y)[0]
        np.testing.assert_allclose(grads[name], central_difference(f, params[name]), rtol=1e-5, atol=1e-8)


def test_training_with_the_reference_optimizers_reaches_the_spec_accuracy():
    data = ref.spirals(np.random.default_rng(3))
    for name, config in (("adam", {"lr": 0.01}), ("sgd_momentum", {"lr": 0.1, "momentum": 0.9})):
        accuracy, losses = network.train_with_optimizer(data["X"], data["y"], getattr(ref, name), config, 30, 32, 0)
        assert losses.shape == (30,) and losses[-1] < losses[0] / 3
        assert accuracy >= 0.95
        ok, message = checks.optimizer_trains({"epochs": 30}, (accuracy, losses), min_accuracy=0.93)
        assert ok, message
    # one epoch of plain SGD with a tiny lr learns nothing useful
    accuracy, losses = network.train_with_optimizer(data["X"], data["y"], ref.sgd, {"lr": 1e-4}, 1, 32, 0)
    ok, message = checks.optimizer_trains({"epochs": 1}, (accuracy, losses), min_accuracy=0.93)
    assert not ok


# --------------------------------------------------------------------------- generator and property checks

def test_spirals():
    data = ref.spirals(np.random.default_rng(0), n=50, classes=4)
    X, y = data["X"], data["y"]
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)
    again = ref.spirals(np.random.default_rng(0), n=50, classes=4)
    np.testing.assert_array_equal(again["X"], X)


def test_reaches_property_check():
    w0 = np.array([3.0, -2.0, 1.0, -0.5])
    args = {"w0": w0, "steps": 100}
    path = ref.minimize(objectives.quadratic_bowl_grad, w0, ref.sgd, {"lr": 0.15}, 100)
    assert checks.reaches(args, path, "quadratic_bowl", 1e-10)[0]
    ok, message = checks.reaches(args, path, "quadratic_bowl", 1e-20)
    assert not ok and "quadratic_bowl" in message
    ok, message = checks.reaches(args, path[1:], "quadratic_bowl", 1e-10)
    assert not ok and "shape" in message
    ok, message = checks.reaches(args, np.vstack([path[1:2], path[1:]]), "quadratic_bowl", 1e-10)
    assert not ok and "w0" in message
    diverged = path.copy()
    diverged[40:] = np.inf
    ok, message = checks.reaches(args, diverged, "quadratic_bowl", 1e-10)
    assert not ok and "step 40" in message


def test_reaches_takes_descends_last_point_too():
    w0 = np.array([3.0, -2.0, 1.0, -0.5])
    args = {"w0": w0, "steps": 100}
    last = objectives.descend(objectives.quadratic_bowl_grad, w0, ref.sgd, {"lr": 0.15}, 100)
    assert checks.reaches(args, last, "quadratic_bowl", 1e-10)[0]
    ok, message = checks.reaches(args, last, "quadratic_bowl", 1e-20)
    assert not ok and "After 100 steps" in message
    ok, message = checks.reaches(args, np.full(4, np.nan), "quadratic_bowl", 1e-10)
    assert not ok and "diverged" in message
    assert objectives.descend(objectives.quadratic_bowl_grad, w0, lambda w, dw, config: w - dw, {}, 3) is None
    ok, message = checks.reaches(args, None, "quadratic_bowl", 1e-10)
    assert not ok and "(next_w, config)" in message


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_descend_is_minimizes_last_point_and_never_changes_w0(name):
    w0 = np.array([-1.5, 2.0])

    def in_place(w, dw, config):         # CS231n allows an update to change w in place
        next_w, config = getattr(ref, name)(w, dw, config)
        w[...] = next_w
        return w, config

    last = objectives.descend(objectives.rosenbrock_grad, w0, in_place, {"lr": 1e-3}, 25)
    np.testing.assert_array_equal(w0, [-1.5, 2.0])
    path = ref.minimize(objectives.rosenbrock_grad, w0, getattr(ref, name), {"lr": 1e-3}, 25)
    np.testing.assert_allclose(last, path[-1], rtol=1e-12)


def test_decaying_step_counts_its_steps_in_a_new_config():
    w, dw, config = np.array([1.0, -2.0]), np.array([0.5, 1.0]), {"lr": 0.1}
    w1, c1 = objectives.decaying_step(w, dw, config)
    w2, c2 = objectives.decaying_step(w1, dw, c1)
    assert config == {"lr": 0.1} and c1 == {"lr": 0.1, "t": 1} and c2 == {"lr": 0.1, "t": 2}
    np.testing.assert_allclose(w2, w - 0.1 * dw - 0.1 / np.sqrt(2) * dw)
    np.testing.assert_array_equal(w, [1.0, -2.0])
    assert objectives.decaying_step(w.astype(np.float32), dw, config)[0].dtype == np.float32
