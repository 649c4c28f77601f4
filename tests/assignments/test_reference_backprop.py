"""The references of assignment 04 (backpropagation), against independent NumPy and finite differences.

The references decide every student's grade, so each one is checked here against a second,
plain-NumPy formulation of the README's formulas and, for every backward pass, against centred
differences of its forward pass. Also checked: the dtype and no-modification rules, the
generators, the property checks (including the ReLU-kink case of the gradient check), that
training with the spec's hyper-parameters reaches the promised accuracy for many seeds, and that
the spec's inputs tell every catalogued mistake apart from the reference.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.engine import Grader
from grader.grading.gradcheck import numerical_gradient, relative_error
from grader.grading.references import References, import_helper
from grader.model.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "04_backprop"
ref = References((ROOT / "reference").resolve()).module("backprop")
checks = References((ROOT / "reference").resolve()).module("properties")
objectives = import_helper(ASSIGNMENT / "objectives.py")
course_activations = import_helper(ASSIGNMENT / "course" / "activations.py")
course_losses = import_helper(ASSIGNMENT / "course" / "losses.py")


@pytest.fixture()
def rng():
    return np.random.default_rng(20240611)


def call_unchanged(fn, *args, **kwargs):
    """fn(*args, **kwargs), checking that it leaves its array inputs as they were."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    before = [a.copy() for a in arrays]
    out = fn(*args, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(arrays, before)), f"{fn.__name__} modified an input"
    return out


# --------------------------------------------------------------------------- dense

def test_dense_forward_is_x_rows_times_w_plus_b(rng):
    x, W, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(8, 5)), rng.normal(size=5)
    out = call_unchanged(ref.dense_forward, x, W, b)
    np.testing.assert_allclose(out, x.reshape(3, 8) @ W + b, rtol=1e-13, atol=1e-14)


def test_dense_backward_matches_finite_differences_of_the_forward(rng):
    x, W, b = rng.normal(size=(4, 3, 2)), rng.normal(size=(6, 5)), rng.normal(size=5)
    dout = rng.normal(size=(4, 5))
    dx, dW, db = call_unchanged(ref.dense_backward, dout, x, W)
    assert dx.shape == x.shape and dW.shape == W.shape and db.shape == b.shape
    assert relative_error(dx, numerical_gradient(lambda v: np.sum(ref.dense_forward(v, W, b) * dout), x)) < 1e-8
    assert relative_error(dW, numerical_gradient(lambda v: np.sum(ref.dense_forward(x, v, b) * dout), W)) < 1e-8
    assert relative_error(db, numerical_gradient(lambda v: np.sum(ref.dense_forward(x, W, v) * dout), b)) < 1e-8


def test_dense_keeps_float32(rng):
    x, W, b = (rng.normal(size=s).astype(np.float32) for s in ((4, 2, 3), (6, 5), (5,)))
    assert ref.dense_forward(x, W, b).dtype == np.float32
    assert all(g.dtype == np.float32 for g in ref.dense_backward(np.ones((4, 5), np.float32), x, W))


# --------------------------------------------------------------------------- dropout

def test_dropout_keeps_where_u_is_at_least_p_and_rescales(rng):
    x, u = rng.normal(size=(3, 4)), np.array([[0.5, 0.49, 0.51, 0.0]] * 3)
    out = call_unchanged(ref.dropout_forward, x, 0.5, u)
    np.testing.assert_array_equal(out[:, [1, 3]], 0.0)                  # u < p: dropped
    np.testing.assert_allclose(out[:, [0, 2]], 2.0 * x[:, [0, 2]])        # u >= p (a tie included): kept, ×1/(1−p)
    np.testing.assert_allclose(call_unchanged(ref.dropout_backward, x, 0.5, u), out)      # the same mask and scale


def test_dropout_preserves_the_mean_in_expectation(rng):
    x = np.ones(200_000)
    assert abs(ref.dropout_forward(x, 0.3, rng.random(x.shape)).mean() - 1.0) < 0.01


def test_dropout_at_test_time_is_an_identity_copy(rng):
    x, u = rng.normal(size=(2, 3)), rng.random((2, 3))
    for fn in (ref.dropout_forward, ref.dropout_backward):
        out = fn(x, 0.4, u, train=False)
        np.testing.assert_array_equal(out, x)
        assert out is not x and not np.shares_memory(out, x)


# --------------------------------------------------------------------------- batch norm

def test_batchnorm_normalises_each_feature_with_the_biased_variance(rng):
    x = rng.normal(3.0, 2.0, size=(7, 4))
    out = call_unchanged(ref.batchnorm_forward, x, np.ones(4), np.zeros(4), eps=0.0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-12)          # ddof=0: exactly 1


def test_batchnorm_on_images_is_per_channel(rng):
    x, gamma, beta = rng.normal(size=(3, 2, 4, 5)), rng.normal(size=2), rng.normal(size=2)
    rows = x.transpose(0, 2, 3, 1).reshape(-1, 2)
    expected = ref.batchnorm_forward(rows, gamma, beta).reshape(3, 4, 5, 2).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(ref.batchnorm_forward(x, gamma, beta), expected, rtol=1e-13, atol=1e-14)
    axes = (0, 2, 3)
    by_numpy = gamma[None, :, None, None] * (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(
        x.var(axis=axes, keepdims=True) + 1e-5) + beta[None, :, None, None]
    np.testing.assert_allclose(ref.batchnorm_forward(x, gamma, beta), by_numpy, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("shape, eps", [((6, 3), 1e-5), ((3, 2, 2, 3), 1e-2)])
def test_batchnorm_backward_matches_finite_differences(rng, shape, eps):
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    dx, dgamma, dbeta = call_unchanged(ref.batchnorm_backward, dout, x, gamma, eps=eps)

    def loss(x=x, gamma=gamma, beta=beta):
        return np.sum(ref.batchnorm_forward(x, gamma, beta, eps=eps) * dout)

    assert relative_error(dx, numerical_gradient(lambda v: loss(x=v), x.copy())) < 1e-6
    assert relative_error(dgamma, numerical_gradient(lambda v: loss(gamma=v), gamma.copy())) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda v: loss(beta=v), beta.copy())) < 1e-7


def test_batchnorm_keeps_float32(rng):
    x = rng.normal(size=(4, 3)).astype(np.float32)
    g = np.ones(3, np.float32)
    assert ref.batchnorm_forward(x, g, g).dtype == np.float32
    assert all(a.dtype == np.float32 for a in ref.batchnorm_backward(x, x, g))


# --------------------------------------------------------------------------- numerical gradient and the helper

@pytest.mark.parametrize("name", ["half_sum_of_squares", "log_sum_exp", "weighted_cubes"])
def test_the_objectives_gradients_are_exact(rng, name):
    x = rng.normal(size=(2, 3, 4))
    f, grad = getattr(objectives, name), getattr(objectives, name + "_grad")
    assert isinstance(f(x), float)
    assert relative_error(ref.numerical_gradient(f, x.copy()), grad(x)) < 1e-7


def test_weighted_cubes_tells_positions_apart(rng):
    x = np.ones((2, 3))
    grad = objectives.weighted_cubes_grad(x)
    assert len(np.unique(grad)) == x.size and np.isclose(grad.min(), 3.0) and np.isclose(grad.max(), 6.0)


# --------------------------------------------------------------------------- the network

def test_init_params_is_he_from_one_generator_w1_first():
    params = ref.init_params(3, 5, 4, 7)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(params["W1"], rng.standard_normal((3, 5)) * np.sqrt(2 / 3))
    np.testing.assert_array_equal(params["W2"], rng.standard_normal((5, 4)) * np.sqrt(2 / 5))
    np.testing.assert_array_equal(params["b1"], np.zeros(5))
    np.testing.assert_array_equal(params["b2"], np.zeros(4))


def test_init_params_has_variance_two_over_fan_in():
    params = ref.init_params(400, 300, 200, 0)
    assert abs(params["W1"].var() * 400 / 2 - 1) < 0.02 and abs(params["W2"].var() * 300 / 2 - 1) < 0.02


def numpy_loss(params, X, y, reg) -> float:
    """The README's loss, written again with NumPy."""
    scores = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    top = scores.max(axis=1)
    lse = top + np.log(np.exp(scores - top[:, None]).sum(axis=1))
    return float(np.mean(lse - scores[np.arange(len(y)), y])
                 + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))


def test_loss_and_grads_against_numpy_and_finite_differences(rng):
    params = ref.two_layer_params(rng, 5, 7, 4)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 4, size=6)
    before = {k: v.copy() for k, v in params.items()}
    loss, grads = call_unchanged(ref.loss_and_grads, params, X, y, 0.3)
    assert all(np.array_equal(params[k], before[k]) for k in params)
    assert isinstance(loss, float) and np.isclose(loss, numpy_loss(params, X, y, 0.3), rtol=1e-13)
    for name, value in params.items():
        numeric = numerical_gradient(lambda v: numpy_loss({**params, name: v}, X, y, 0.3), value.copy())
        assert grads[name].shape == value.shape
        assert relative_error(grads[name], numeric) < 1e-7, name


def test_loss_and_grads_uses_relu_prime_zero_at_zero():
    """A zero input row and a zero bias give a pre-activation of exactly 0: no gradient flows there."""
    params = {"W1": np.ones((2, 2)), "b1": np.array([0.0, 1.0]), "W2": np.eye(2), "b2": np.zeros(2)}
    X, y = np.zeros((1, 2)), np.array([1])
    grads = ref.loss_and_grads(params, X, y, 0.0)[1]
    assert grads["b1"][0] == 0.0 and grads["b1"][1] != 0.0


def test_the_course_modules_agree_with_the_references_of_02_and_03(rng):
    refs = References((ROOT / "reference").resolve())
    x, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    x[0, :2] = 0.0
    np.testing.assert_array_equal(course_activations.relu(x), refs.function("activations", "relu")(x))
    np.testing.assert_array_equal(course_activations.relu_backward(dout, x),
                                  refs.function("activations", "relu_backward")(dout, x))
    logits, labels = rng.normal(scale=30, size=(5, 3)), rng.integers(0, 3, size=5)
    assert np.isclose(course_losses.sparse_categorical_cross_entropy(logits, labels),
                      refs.function("losses", "sparse_categorical_cross_entropy")(logits, labels), rtol=1e-12)
    np.testing.assert_allclose(course_losses.sparse_categorical_cross_entropy_grad(logits, labels),
                               refs.function("losses", "sparse_categorical_cross_entropy_grad")(logits, labels),
                               rtol=1e-12, atol=1e-15)


def test_train_is_the_readmes_loop(rng):
    """The jitted training loop against the catalogue's plain-NumPy one with no mistake switched on."""
    data = ref.spirals(rng, n=12, classes=3)
    args = (data["X"], data["y"], 6, 0.4, 5, 7, 3)
    params, history = ref.train(*args)
    numpy_params, numpy_history = ref._train_variant(*args)
    np.testing.assert_allclose(history, numpy_history, rtol=1e-12)
    for name in params:
        np.testing.assert_allclose(params[name], numpy_params[name], rtol=1e-11, atol=1e-13)
    again = ref.train(*args)
    assert all(np.array_equal(params[k], again[0][k]) for k in params)     # deterministic given the seed


def test_train_history_is_the_sample_weighted_mean_of_batch_losses():
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0, 1, 0])
    params, history = ref.train(X, y, 3, 0.0, 1, 2, 0)          # lr = 0: every batch sees the initial params
    assert np.isclose(history[0], numpy_loss(params, X, y, 0.0), rtol=1e-13)


def spec_training_runs():
    spec = load_spec(ASSIGNMENT)
    runs = [t for t in spec.tests if t.property == ("properties", "trains")]
    assert runs, "04's spec has no training property test"       # never an empty parametrisation
    return runs


@pytest.mark.parametrize("test", spec_training_runs(), ids=lambda t: t.name)
def test_the_specs_training_runs_reach_95_percent_for_other_seeds_too(test):
    """The property tests' hyper-parameters have margin: other data and init seeds pass as well."""
    inputs = {k: v for k, v in test.inputs.items() if k not in ("X", "y", "seed")}
    data_set = load_spec(ASSIGNMENT).data[test.inputs["X"]["from"].split(".")[0]]
    generator = {k: v for k, v in data_set.items() if k not in ("generate", "seed")}
    for data_seed in range(4):
        data = ref.spirals(np.random.default_rng(data_seed), **generator)
        for seed in range(2):
            output = ref.train(data["X"], data["y"], seed=seed, **inputs)
            ok, message = checks.trains({**data, **inputs}, output, **test.params)
            assert ok, (data_seed, seed, message)


@pytest.mark.slow
@pytest.mark.parametrize("test", spec_training_runs(), ids=lambda t: t.name)
def test_the_specs_training_runs_reach_95_percent_for_many_seeds(test):
    inputs = {k: v for k, v in test.inputs.items() if k not in ("X", "y", "seed")}
    data_set = load_spec(ASSIGNMENT).data[test.inputs["X"]["from"].split(".")[0]]
    generator = {k: v for k, v in data_set.items() if k not in ("generate", "seed")}
    accuracies = []
    for data_seed in range(100, 125):
        data = ref.spirals(np.random.default_rng(data_seed), **generator)
        for seed in range(3):
            params, history = ref.train(data["X"], data["y"], seed=seed, **inputs)
            assert checks.trains({**data, **inputs}, (params, history), **test.params)[0], (data_seed, seed)
            accuracies.append(checks.two_layer_accuracy(params, data["X"], data["y"]))
    assert min(accuracies) >= 0.96                 # a margin over the 95% the test asks for


def test_early_stopping_by_hand():
    assert ref.early_stopping(np.array([1.0, 0.8, 0.9, 0.8, 0.85]), 3) == 5       # README's example: a tie waits
    assert ref.early_stopping(np.array([1.0, 0.9, 0.8]), 1) == 3                  # never stops: the last epoch
    assert ref.early_stopping(np.array([1.0, 1.0, 0.5]), 1) == 2                  # patience 1: the first non-improvement
    assert ref.early_stopping(np.array([0.5]), 2) == 1


def test_early_stopping_is_the_best_epoch_plus_patience(rng):
    """Equivalently: the first minimum of each prefix, plus patience, if the run gets that far."""
    for _ in range(200):
        losses = np.round(rng.normal(size=rng.integers(1, 15)), 1)
        patience = int(rng.integers(1, 5))
        expected = len(losses)
        for epoch in range(1, len(losses) + 1):
            best_at = int(np.argmin(losses[:epoch])) + 1
            if epoch - best_at >= patience:
                expected = epoch
                break
        assert ref.early_stopping(losses, patience) == expected


# --------------------------------------------------------------------------- generators and property checks

def test_spirals_are_labelled_arms_away_from_the_centre(rng):
    data = ref.spirals(rng, n=50, classes=4, inner=0.2)
    assert data["X"].shape == (200, 2) and data["y"].dtype == np.int64
    assert np.bincount(data["y"]).tolist() == [50] * 4
    radius = np.hypot(*data["X"].T)
    assert radius.min() >= 0.2 - 1e-12 and radius.max() <= 1.0 + 1e-12
    again = ref.spirals(np.random.default_rng(1), n=50, classes=4)
    assert np.array_equal(again["X"], ref.spirals(np.random.default_rng(1), n=50, classes=4)["X"])


@pytest.mark.parametrize("seed", range(20))
def test_validation_curve_falls_then_rises_with_the_traps_early_stopping_must_get_right(seed):
    curve = ref.validation_curve(np.random.default_rng(seed), (30,))
    best = int(np.argmin(curve))                      # the first minimum
    assert 2 <= best < 8 and np.all(np.diff(curve[:best + 1]) < 0)
    after = curve[best + 1:]
    assert after[0] == curve[best]                    # a tie with the best is no improvement
    assert after[2] < after[1] and after[2] > curve[best]    # better than the epoch before, not than the best
    assert np.all(after >= curve[best]) and np.all(np.diff(curve[best + 5:]) > 0)


def test_gradient_check_property_accepts_right_and_rejects_wrong_gradients(rng):
    params = ref.two_layer_params(rng, 4, 5, 3)
    args = {"params": params, "X": rng.normal(size=(6, 4)), "y": rng.integers(0, 3, size=6), "reg": 0.1}
    loss, grads = ref.loss_and_grads(params, args["X"], args["y"], 0.1)
    assert checks.grads_match_finite_differences(args, (loss, grads))[0]
    nudged = {**grads, "W2": grads["W2"] * (1 + 1e-4)}
    ok, message = checks.grads_match_finite_differences(args, (loss, nudged))
    assert not ok and "grads['W2']" in message
    assert not checks.grads_match_finite_differences(args, (loss, {k: v for k, v in grads.items() if k != "b1"}))[0]
    assert not checks.grads_match_finite_differences(args, (loss, {**grads, "b2": grads["b2"][None]}))[0]
    assert not checks.grads_match_finite_differences(args, loss)[0]


def test_gradient_check_property_skips_elements_at_a_relu_kink(rng):
    """A pre-activation of exactly 0: finite differences there straddle the kink, the exact gradient is right."""
    params = ref.two_layer_params(rng, 3, 4, 3)
    params["b1"][0] = 0.0
    X = rng.normal(size=(5, 3))
    X[1] = 0.0
    args = {"params": params, "X": X, "y": np.array([0, 1, 2, 1, 0]), "reg": 0.0}
    loss, grads = ref.loss_and_grads(params, X, args["y"], 0.0)
    numeric = numerical_gradient(lambda v: ref.loss_and_grads({**params, "b1": v}, X, args["y"], 0.0)[0],
                                 params["b1"].copy())
    assert relative_error(grads["b1"], numeric) > 1e-6                 # the kink is really there
    assert checks.grads_match_finite_differences(args, (loss, grads))[0]
    wrong = {**grads, "W1": grads["W1"] + 1e-3}
    assert not checks.grads_match_finite_differences(args, (loss, wrong))[0]


def test_trains_property(rng):
    data = ref.spirals(rng, n=40, classes=3)
    args = {**data, "hidden": 32, "lr": 0.5, "epochs": 60, "batch_size": 16}
    params, history = ref.train(data["X"], data["y"], 32, 0.5, 60, 16, 0)
    assert checks.trains(args, (params, history))[0]
    assert not checks.trains(args, (params, history[:-1]))[0]                         # one loss per epoch
    assert "does not fall" in checks.trains(args, (params, history[::-1]))[1]
    untrained = ref.init_params(2, 32, 3, 0)
    assert "classifies" in checks.trains(args, (untrained, history))[1]
    assert "shape" in checks.trains(args, ({**params, "W1": params["W1"].T}, history))[1]
    assert not checks.trains(args, (params, np.full(60, np.nan)))[0]


# --------------------------------------------------------------------------- the mistakes against the spec's inputs

def differs(got, expected) -> bool:
    if isinstance(expected, tuple):
        return any(differs(g, e) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return any(differs(got[k], expected[k]) for k in expected)
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_every_mistake_differs_from_the_reference_on_some_public_test():
    """Else a student who makes it on every public input would never be told which mistake it is."""
    spec = load_spec(ASSIGNMENT)
    grader = Grader(spec, secret="")
    separated = {(fn, m.name): False for fn, ms in ref.MISTAKES.items() for m in ms}
    for test in spec.select(None):
        if not test.reference:
            continue
        args, kwargs = grader.inputs.for_test(test)
        expected = ref.__dict__[test.function](*grader.bind(list(args.values())), **grader.bind(kwargs))
        for mistake in ref.MISTAKES[test.function]:
            try:
                with np.errstate(all="ignore"):
                    got = mistake.fn(*grader.bind(list(args.values())), **grader.bind(kwargs))
            except (ValueError, IndexError):        # e.g. dout @ W with a non-square W
                continue
            separated[test.function, mistake.name] |= differs(got, expected)
    assert [key for key, ok in separated.items() if not ok] == []
