"""The Numba references of assignment 03 against independent plain-NumPy formulations.

The references decide every student's grade, so each loss is checked against a second,
differently written formula, each gradient against that and against centred finite differences
(grader.grading.gradcheck) away from kinks, and both against the exact values the conventions fix:
probabilities of exactly 0 and 1 (log clamped at −100, divisions guarded by 1e-12), logits of
±1000, kinks (sign(0) = 0, hinge margin → 0), KL terms with target 0. When PyTorch is installed
the references are compared with it directly; otherwise that test is skipped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.gradcheck import numerical_gradient, relative_error
from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
ref = References((ROOT / "reference").resolve()).module("losses")
checks = References((ROOT / "reference").resolve()).module("properties")

SEEDS = [0, 1, 2]
ELEMENTWISE_SHAPES = [(1,), (1, 1), (7,), (1, 6), (4, 3), (2, 3, 5)]
ROW_SHAPES = [(1, 2), (1, 7), (3, 4), (10, 3)]


# --------------------------------------------------------------------------- independent formulations

def np_huber(p, t, delta):
    """Huber as a quadratic part up to delta plus a linear rest: ½·min(|d|, δ)² + δ·(|d| − min(|d|, δ))."""
    a = np.abs(p - t)
    q = np.minimum(a, delta)
    return np.mean(0.5 * q ** 2 + delta * (a - q))


def np_bce(p, t):
    """Term by term, with the clamp written as a floor on each log."""
    total = 0.0
    for pi, ti in zip(np.ravel(p), np.ravel(t)):
        log_p = np.log(pi) if pi > 0 else -np.inf
        log_q = np.log1p(-pi) if pi < 1 else -np.inf
        total += -(ti * max(log_p, -100.0) + (1 - ti) * max(log_q, -100.0))
    return total / np.size(p)


def np_bce_logits(z, t):
    """−t·log σ(z) − (1 − t)·log(1 − σ(z)), with log σ(z) = −logaddexp(0, −z)."""
    return np.mean(t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z))


def np_sparse_cce(z, y):
    """logsumexp(z_i) − z_i[y_i], through np.logaddexp.reduce."""
    lse = np.logaddexp.reduce(z, axis=1)
    return np.mean(lse - z[np.arange(len(y)), y])


def np_sparse_cce_grad(z, y):
    s = np.exp(z - np.logaddexp.reduce(z, axis=1, keepdims=True))
    return (s - np.eye(z.shape[1])[y]) / len(y)


def np_kl(q, p):
    """Σ over the entries with p > 0 only, divided by the number of rows."""
    keep = p > 0
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])) / q.shape[0])


def np_cce(p, t):
    keep = t != 0
    logs = np.full(p.shape, -100.0)
    np.log(p, out=logs, where=p > 0)
    return float(-np.sum(t[keep] * np.maximum(logs[keep], -100.0)) / p.shape[0])


FORMULAS = {
    # name: (loss, gradient, draw(rng, shape) -> (pred, target))
    "mse": (lambda p, t: np.sum((p - t) ** 2) / p.size, lambda p, t: 2 * (p - t) / p.size,
            lambda rng, s: (rng.normal(size=s), rng.normal(size=s))),
    "mae": (lambda p, t: np.sum(np.abs(p - t)) / p.size, lambda p, t: np.sign(p - t) / p.size,
            lambda rng, s: (rng.normal(size=s), rng.normal(size=s))),
    "msle": (lambda p, t: np.mean(np.log((1 + p) / (1 + t)) ** 2),
             lambda p, t: 2 * np.log((1 + p) / (1 + t)) / (1 + p) / p.size,
             lambda rng, s: (rng.uniform(0, 5, size=s), rng.uniform(0, 5, size=s))),
    "huber": (lambda p, t: np_huber(p, t, 1.0), lambda p, t: np.clip(p - t, -1, 1) / p.size,
              lambda rng, s: (rng.normal(size=s) * 2, rng.normal(size=s))),
    "binary_cross_entropy": (np_bce, lambda p, t: (p / (1 - p) * (1 - t) - t) / p / p.size,
                             lambda rng, s: (rng.uniform(0.01, 0.99, size=s), rng.uniform(size=s))),
    "binary_cross_entropy_with_logits": (np_bce_logits, lambda z, t: (0.5 + 0.5 * np.tanh(z / 2) - t) / z.size,
                                         lambda rng, s: (rng.normal(size=s) * 4, rng.uniform(size=s))),
    "hinge": (lambda p, t: np.mean(np.clip(1 - t * p, 0, None)),
              lambda p, t: -t * (t * p < 1) / p.size,
              lambda rng, s: (rng.normal(size=s), rng.choice([-1.0, 1.0], size=s))),
    "squared_hinge": (lambda p, t: np.mean(np.clip(1 - t * p, 0, None) ** 2),
                      lambda p, t: 2 * (p - t) * (t * p < 1) / p.size,    # t² = 1
                      lambda rng, s: (rng.normal(size=s), rng.choice([-1.0, 1.0], size=s))),
}
ROW_FORMULAS = {
    "categorical_cross_entropy": (np_cce, lambda p, t: -t / p / p.shape[0],
                                  lambda rng, s: (ref.simplex(rng, s), ref.one_hot_rows(rng, s))),
    "kl_divergence": (np_kl, lambda q, p: np.where(p > 0, -p / q, 0.0) / q.shape[0],
                      lambda rng, s: (ref.simplex(rng, s), ref.simplex(rng, s, zeros=0.3))),
}


def fd_grad(loss, pred, *rest, **kwargs):
    return numerical_gradient(lambda v: loss(v, *rest, **kwargs), pred.copy())


def assert_matches_finite_differences(name, got, **args):
    """The graded property check on a reference gradient (it forgives the differences' rounding noise)."""
    ok, message = checks.grad_matches_finite_differences(args, got, loss=name)
    assert ok, message


# --------------------------------------------------------------------------- elementwise losses

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_elementwise_loss_and_gradient(name, shape, seed):
    loss, grad, draw = FORMULAS[name]
    pred, target = draw(np.random.default_rng(seed), shape)
    pred0, target0 = pred.copy(), target.copy()
    got = getattr(ref, name)(pred, target)
    assert isinstance(got, float)
    assert got == pytest.approx(loss(pred, target), rel=1e-12, abs=1e-14)
    got_grad = getattr(ref, name + "_grad")(pred, target)
    assert got_grad.shape == pred.shape and got_grad.dtype == np.float64
    np.testing.assert_allclose(got_grad, grad(pred, target), rtol=1e-10, atol=1e-15)
    assert relative_error(got_grad, fd_grad(getattr(ref, name), pred, target)) < 1e-6
    np.testing.assert_array_equal(pred, pred0)
    np.testing.assert_array_equal(target, target0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ROW_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(ROW_FORMULAS))
def test_row_loss_and_gradient(name, shape, seed):
    loss, grad, draw = ROW_FORMULAS[name]
    pred, target = draw(np.random.default_rng(seed), shape)
    pred0, target0 = pred.copy(), target.copy()
    assert getattr(ref, name)(pred, target) == pytest.approx(loss(pred, target), rel=1e-12, abs=1e-14)
    got_grad = getattr(ref, name + "_grad")(pred, target)
    assert got_grad.shape == shape and got_grad.dtype == np.float64
    np.testing.assert_allclose(got_grad, grad(pred, target), rtol=1e-12, atol=1e-15)
    assert relative_error(got_grad, fd_grad(getattr(ref, name), pred, target)) < 1e-6
    np.testing.assert_array_equal(pred, pred0)
    np.testing.assert_array_equal(target, target0)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.0])
def test_huber_other_deltas(delta):
    rng = np.random.default_rng(7)
    pred, target = rng.normal(size=(5, 4)) * 2, rng.normal(size=(5, 4))
    assert ref.huber(pred, target, delta) == pytest.approx(np_huber(pred, target, delta), rel=1e-12)
    assert ref.huber(pred, target, delta=delta) == ref.huber(pred, target, delta)
    got = ref.huber_grad(pred, target, delta)
    np.testing.assert_allclose(got, np.clip(pred - target, -delta, delta) / pred.size, rtol=1e-12)
    assert relative_error(got, fd_grad(ref.huber, pred, target, delta=delta)) < 1e-6


def test_huber_documented_values():
    """PyTorch's docs values: d = [0.5, 2.0] gives [0.125, 1.5] for δ = 1 and [0.125, 2.0] for δ = 2;
    SmoothL1 with β = 2 would give [0.0625, 1.0], half of Huber's."""
    pred, target = np.array([0.5, 2.0]), np.zeros(2)
    assert ref.huber(pred, target) == pytest.approx((0.125 + 1.5) / 2)
    assert ref.huber(pred, target, 2.0) == pytest.approx((0.125 + 2.0) / 2)
    # |d| = δ exactly: both branches agree, value ½δ², gradient δ
    assert ref.huber(np.array([2.0]), np.zeros(1), 2.0) == 2.0
    assert ref.huber_grad(np.array([-2.0]), np.zeros(1), 2.0).tolist() == [-2.0]


def test_kinks_follow_autograd():
    """mae: sign(0) = 0. hinge: 0 at the margin exactly (relu). squared hinge: 0 there anyway."""
    pred, target = np.array([1.0, 2.0, -0.5]), np.array([1.0, 1.0, 0.5])
    np.testing.assert_array_equal(ref.mae_grad(pred, target), [0.0, 1 / 3, -1 / 3])
    pred, labels = np.array([1.0, -1.0, 0.5, 2.0]), np.array([1.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(ref.hinge_grad(pred, labels), [0.0, 0.0, 0.25, 0.25])
    np.testing.assert_array_equal(ref.squared_hinge_grad(pred, labels), [0.0, 0.0, 0.75, 1.5])
    assert ref.hinge(pred, labels) == pytest.approx((0 + 0 + 1.5 + 3.0) / 4)


# --------------------------------------------------------------------------- exact 0 and 1, ±1000

def test_bce_clamps_logs_at_minus_100():
    pred = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    target = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    assert ref.binary_cross_entropy(pred, target) == pytest.approx((100 + 100 + 0 + 0 + 50) / 5)
    assert ref.binary_cross_entropy(pred, target) == pytest.approx(np_bce(pred, target))
    # past the clamp: log(1e-50) = -115 is clamped, log(1e-40) = -92 is not
    assert ref.binary_cross_entropy(np.array([1e-50]), np.array([1.0])) == 100.0
    assert ref.binary_cross_entropy(np.array([1e-40]), np.array([1.0])) == pytest.approx(-np.log(1e-40))
    # p = 1e-12: PyTorch gives 27.631 (Keras's ε clip would give 16.118)
    assert ref.binary_cross_entropy(np.array([1e-12]), np.array([1.0])) == pytest.approx(27.631021, rel=1e-6)


def test_bce_gradient_guards_its_denominator_with_1e12():
    pred = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 0.25])
    target = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0])
    expected = np.array([-1e12, 1e12, 0.0, 0.0, -0.5e12, -0.75 / 0.1875]) / 6
    np.testing.assert_allclose(ref.binary_cross_entropy_grad(pred, target), expected, rtol=1e-12)


def test_bce_with_logits_is_finite_at_1000():
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, -200.0, 0.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    assert ref.binary_cross_entropy_with_logits(z, t) == pytest.approx((1000 + 1000 + 0 + 0 + 200 + np.log(2)) / 6)
    assert ref.binary_cross_entropy_with_logits(z, t) == pytest.approx(np_bce_logits(z, t))
    np.testing.assert_allclose(ref.binary_cross_entropy_with_logits_grad(z, t),
                               np.array([1.0, -1.0, 0.0, 0.0, -1.0, -0.5]) / 6, atol=1e-300)


def test_categorical_cross_entropy_exact_zeros_and_ones():
    pred = np.array([[0.7, 0.3, 0.0], [0.0, 1.0, 0.0], [0.0, 0.4, 0.6]])
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert ref.categorical_cross_entropy(pred, target) == pytest.approx((-np.log(0.7) + 0 + 100) / 3)
    np.testing.assert_allclose(ref.categorical_cross_entropy_grad(pred, target),
                               np.array([[-1 / 0.7, 0, 0], [0, -1, 0], [-1e12, 0, 0]]) / 3, rtol=1e-12)
    # Keras's docstring example (its rows already sum to 1, so its renormalisation changes nothing)
    y_true, y_pred = np.array([[0, 1, 0], [0, 0, 1.0]]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    assert ref.categorical_cross_entropy(y_pred, y_true) == pytest.approx(1.176939, rel=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ROW_SHAPES, ids=str)
def test_sparse_cross_entropy(shape, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) * 3
    y = rng.integers(0, shape[1], size=shape[0])
    z0, y0 = z.copy(), y.copy()
    assert ref.sparse_categorical_cross_entropy(z, y) == pytest.approx(np_sparse_cce(z, y), rel=1e-12)
    got = ref.sparse_categorical_cross_entropy_grad(z, y)
    np.testing.assert_allclose(got, np_sparse_cce_grad(z, y), rtol=1e-10, atol=1e-15)
    assert_matches_finite_differences("sparse_categorical_cross_entropy", got, logits=z, labels=y)
    np.testing.assert_allclose(got.sum(axis=1), 0.0, atol=1e-15)       # softmax rows sum to 1
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(y, y0)


def test_sparse_cross_entropy_at_1000():
    z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [1000.0, 1000.0, 1000.0]])
    y = np.array([0, 2, 1])
    assert ref.sparse_categorical_cross_entropy(z, y) == pytest.approx((0 + 1000 + np.log(3)) / 3)
    np.testing.assert_allclose(ref.sparse_categorical_cross_entropy_grad(z, y),
                               np.array([[0, 0, 0], [0, 1, -1], [1 / 3, -2 / 3, 1 / 3]]) / 3, atol=1e-15)
    for labels in (np.array([0, 3, 1]), np.array([0, -1, 1]), np.array([0.0, 1.0, 2.0]), np.array([0, 1])):
        with pytest.raises(ValueError):
            ref.sparse_categorical_cross_entropy(z, labels)


def test_kl_divergence_documented_values():
    """KL(p ‖ q) for p = [.2, .3, .5], q = [.1, .6, .3] is 0.186098 (batchmean; 'mean' would give a third)."""
    q, p = np.array([[0.1, 0.6, 0.3]]), np.array([[0.2, 0.3, 0.5]])
    assert ref.kl_divergence(q, p) == pytest.approx(0.186098, abs=1e-6)
    assert ref.kl_divergence(np.vstack([q, q]), np.vstack([p, p])) == pytest.approx(0.186098, abs=1e-6)
    assert ref.kl_divergence(p, p) == 0.0
    # target 0 contributes 0 even where pred is 0 too; a one-hot target gives -log pred[class]
    q, p = np.array([[0.0, 0.25, 0.75]]), np.array([[0.0, 0.0, 1.0]])
    assert ref.kl_divergence(q, p) == pytest.approx(-np.log(0.75))
    np.testing.assert_allclose(ref.kl_divergence_grad(q, p), [[0.0, 0.0, -1 / 0.75]])


def test_one_hot():
    got = ref.one_hot(np.array([2, 0, 2, 1]), 5)
    assert got.dtype == np.float64 and got.shape == (4, 5)
    np.testing.assert_array_equal(got, np.eye(5)[[2, 0, 2, 1]])
    assert ref.one_hot(np.array([], dtype=np.int64), 3).shape == (0, 3)
    np.testing.assert_array_equal(ref.one_hot(np.array([1], dtype=np.int32), 2), [[0.0, 1.0]])
    for bad in (np.array([0, 5]), np.array([-1]), np.array([0.0, 1.0]), np.array([[0, 1]])):
        with pytest.raises(ValueError):
            ref.one_hot(bad, 5)


# --------------------------------------------------------------------------- dtypes and shapes

LOSS_NAMES = sorted(FORMULAS) + sorted(ROW_FORMULAS)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_float32_in_float32_out(name):
    loss, _, draw = {**FORMULAS, **ROW_FORMULAS}[name]
    pred, target = (a.astype(np.float32) for a in draw(np.random.default_rng(5), (3, 4)))
    value = getattr(ref, name)(pred, target)
    assert type(value) is np.float32
    assert value == pytest.approx(loss(pred.astype(np.float64), target.astype(np.float64)), rel=1e-6)
    grad = getattr(ref, name + "_grad")(pred, target)
    assert grad.dtype == np.float32 and grad.shape == (3, 4)
    # one float64 input makes the result float64, as NumPy's own arithmetic would
    assert isinstance(getattr(ref, name)(pred, target.astype(np.float64)), float)


def test_sparse_float32():
    z = np.random.default_rng(6).normal(size=(3, 4)).astype(np.float32)
    y = np.array([0, 3, 1], dtype=np.int32)
    assert type(ref.sparse_categorical_cross_entropy(z, y)) is np.float32
    assert ref.sparse_categorical_cross_entropy_grad(z, y).dtype == np.float32


def test_non_contiguous_inputs():
    rng = np.random.default_rng(8)
    big_p, big_t = rng.normal(size=(6, 8)), rng.normal(size=(6, 8))
    p, t = big_p[::2, ::3], big_t[::2, ::3]
    assert ref.mse(p, t) == pytest.approx(np.mean((p - t) ** 2), rel=1e-12)
    np.testing.assert_allclose(ref.mse_grad(p.T, t.T), 2 * (p.T - t.T) / p.size, rtol=1e-12)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        ref.mse(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        ref.kl_divergence(np.ones(3) / 3, np.ones(3) / 3)


# --------------------------------------------------------------------------- property check, generators

def test_finite_difference_property_check():
    rng = np.random.default_rng(9)
    pred, target = rng.uniform(0.1, 0.9, size=(3, 4)), rng.choice([0.0, 1.0], size=(3, 4))
    args = {"pred": pred, "target": target}
    check = checks.grad_matches_finite_differences
    ok, message = check(args, ref.binary_cross_entropy_grad(pred, target), loss="binary_cross_entropy")
    assert ok, message
    ok, message = check(args, 2 * ref.binary_cross_entropy_grad(pred, target), loss="binary_cross_entropy")
    assert not ok and "finite differences" in message and "relative error" in message
    ok, message = check(args, ref.binary_cross_entropy_grad(pred, target).T, loss="binary_cross_entropy")
    assert not ok and "shape" in message
    ok, message = check(args, np.full((3, 4), np.nan), loss="binary_cross_entropy")
    assert not ok and "NaN" in message
    # keyword inputs (delta) and integer labels reach the reference loss by name
    d_args = {"pred": pred, "target": target, "delta": 0.3}
    assert check(d_args, ref.huber_grad(pred, target, 0.3), loss="huber")[0]
    assert not check(d_args, ref.huber_grad(pred, target), loss="huber")[0]
    z, y = rng.normal(size=(3, 5)), np.array([4, 0, 2])
    assert check({"logits": z, "labels": y}, ref.sparse_categorical_cross_entropy_grad(z, y),
                 loss="sparse_categorical_cross_entropy")[0]
    np.testing.assert_array_equal(args["pred"], pred)


def test_generators():
    rng = np.random.default_rng(10)
    p = ref.simplex(rng, (50, 6), zeros=0.4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert (p >= 0).all() and (p.max(axis=1) > 0).all()
    assert 0.2 < np.mean(p == 0) < 0.5
    assert (ref.simplex(rng, (20, 3)) > 0).all()
    h = ref.one_hot_rows(rng, (30, 4))
    assert h.dtype == np.float64 and (h.sum(axis=1) == 1).all() and set(np.unique(h)) == {0.0, 1.0}


def test_choice_with_edges_puts_the_edges_first_on_every_draw():
    """The hidden tests' edge cases (a confident wrong probability, a margin of exactly 1) sit in
    the same cells of two inputs drawn apart, whatever the draw."""
    for seed in range(50):
        out = ref.choice_with_edges(np.random.default_rng(seed), (4, 5), [0.05, 0.5, 0.95], [0.0, 1.0])
        assert out.shape == (4, 5) and list(out.flat[:2]) == [0.0, 1.0]
        assert set(out.flat[2:]) <= {0.05, 0.5, 0.95}


# --------------------------------------------------------------------------- PyTorch, when installed

def test_against_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; the references are checked "
                                "against NumPy formulations and finite differences instead")
    F = torch.nn.functional
    rng = np.random.default_rng(11)
    t64 = torch.float64

    def with_grad(a):
        return torch.tensor(a, dtype=t64, requires_grad=True)

    def check(ours, ours_grad, theirs, pred, *rest):
        x = with_grad(pred)
        value = theirs(x, *[torch.tensor(r) for r in rest])
        value.backward()
        assert ours(pred, *rest) == pytest.approx(value.item(), rel=1e-10, abs=1e-12)
        np.testing.assert_allclose(ours_grad(pred, *rest), x.grad.numpy(), rtol=1e-8, atol=1e-12)

    p, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    check(ref.mse, ref.mse_grad, F.mse_loss, p, t)
    check(ref.mae, ref.mae_grad, F.l1_loss, np.round(p), np.round(t))        # ties: sign(0) = 0
    check(lambda a, b: ref.huber(a, b, 0.7), lambda a, b: ref.huber_grad(a, b, 0.7),
          lambda a, b: F.huber_loss(a, b, delta=0.7), p, t)
    probs = np.array([[0.0, 1.0, 0.3], [0.5, 0.0, 1.0]])
    targets = np.array([[1.0, 0.0, 0.2], [1.0, 0.0, 1.0]])
    check(ref.binary_cross_entropy, ref.binary_cross_entropy_grad, F.binary_cross_entropy, probs, targets)
    z = np.array([[1000.0, -1000.0, 0.5], [-3.0, 2.0, 1000.0]])
    check(ref.binary_cross_entropy_with_logits, ref.binary_cross_entropy_with_logits_grad,
          F.binary_cross_entropy_with_logits, z, targets)
    labels = np.array([1, 2])
    check(ref.sparse_categorical_cross_entropy, ref.sparse_categorical_cross_entropy_grad,
          lambda a, b: F.cross_entropy(a, b), z, labels)
    margins = np.array([[1.0, -1.0, 0.5], [2.0, -0.25, 0.0]])
    signs = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, 1.0]])
    check(ref.hinge, ref.hinge_grad, lambda a, b: torch.relu(1 - b * a).mean(), margins, signs)
    q, target = ref.simplex(rng, (3, 4)), ref.simplex(rng, (3, 4), zeros=0.3)
    check(ref.kl_divergence, ref.kl_divergence_grad,
          lambda a, b: F.kl_div(torch.log(a), b, reduction="batchmean"), q, target)
    np.testing.assert_array_equal(ref.one_hot(labels, 4), F.one_hot(torch.tensor(labels), 4).numpy())
