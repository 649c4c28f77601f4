"""The Numba references of assignment 06 against independent plain-NumPy formulations.

The references decide every student's grade, so each is checked here against a second,
differently written implementation (windows from ``sliding_window_view``, gradients scattered one
window at a time with ``np.argmax``), against centred differences away from ties, and against
hand-computed cases whose values PyTorch gives (MaxPool2d / AvgPool2d defaults): ties, overlapping
windows, all-negative windows with padding, ceil mode with its dropped window and its shorter
divisor. The references must keep float32 and leave their inputs unchanged.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from grader.grading.gradcheck import numerical_gradient
from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
ref = References((ROOT / "reference").resolve()).module("pooling")

# (H, W, pool, stride, pad, ceil_mode): stride < pool, = pool and > pool; pad 0 and pool // 2;
# sizes where floor and ceil differ, and ceil windows that start in the right padding (dropped).
GEOMETRIES = [
    (6, 8, 2, 2, 0, False), (5, 7, 2, 2, 0, True), (7, 6, 3, 2, 1, False), (7, 6, 3, 2, 1, True),
    (5, 6, 2, 2, 1, True), (5, 6, 2, 1, 0, False), (4, 4, 3, 3, 1, True), (8, 5, 4, 3, 2, True),
    (3, 9, 3, 1, 1, False), (1, 4, 1, 1, 0, False), (2, 2, 2, 2, 1, True),
]
KINDS = ["max", "avg"]


def ids(geometry) -> str:
    h, w, k, s, p, ceil = geometry
    return f"{h}x{w}-k{k}s{s}p{p}{'-ceil' if ceil else ''}"


# --------------------------------------------------------------------------- independent formulations

def np_output_size(size, pool, stride, pad, ceil_mode):
    """Windows counted one by one: floor keeps those inside the padded input; ceil also keeps one
    that runs past it, as long as it starts before the right padding."""
    count = 0
    while True:
        start = count * stride - pad
        inside = start + pool <= size + pad
        if inside or (ceil_mode and start < size and start + pool - stride < size + pad):
            count += 1
        else:
            return count


def np_padded(x, pool, stride, pad, out_h, out_w, fill):
    """x padded with `fill`: pad before, and after as much as the windows need (np.pad)."""
    after_h = max(pad, (out_h - 1) * stride + pool - x.shape[2] - pad)
    after_w = max(pad, (out_w - 1) * stride + pool - x.shape[3] - pad)
    return np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, after_h), (pad, after_w)), constant_values=fill)


def np_windows(x, pool, stride, pad, ceil_mode, fill):
    """(N, C, H', W', pool, pool) float64 copy of every window."""
    out_h = np_output_size(x.shape[2], pool, stride, pad, ceil_mode)
    out_w = np_output_size(x.shape[3], pool, stride, pad, ceil_mode)
    xp = np_padded(x, pool, stride, pad, out_h, out_w, fill)
    return sliding_window_view(xp, (pool, pool), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :out_h, :out_w]


def np_divisor(size, pool, stride, pad, count):
    """Cells of each window inside [-pad, size + pad), counted cell by cell."""
    return np.array([sum(-pad <= i * stride - pad + p < size + pad for p in range(pool)) for i in range(count)])


def np_forward(kind, x, pool, stride, pad, ceil_mode):
    if kind == "max":
        return np_windows(x, pool, stride, pad, ceil_mode, -np.inf).max(axis=(4, 5))
    windows = np_windows(x, pool, stride, pad, ceil_mode, 0.0)
    out_h, out_w = windows.shape[2:4]
    divisor = np.outer(np_divisor(x.shape[2], pool, stride, pad, out_h), np_divisor(x.shape[3], pool, stride, pad, out_w))
    return windows.sum(axis=(4, 5)) / divisor


def np_backward(kind, dout, x, pool, stride, pad, ceil_mode):
    """Scatter window by window: max to np.argmax of the flattened window (its first maximum)."""
    out_h, out_w = dout.shape[2:]
    xp = np_padded(x, pool, stride, pad, out_h, out_w, -np.inf)
    dxp = np.zeros_like(xp)
    divisor = np.outer(np_divisor(x.shape[2], pool, stride, pad, out_h), np_divisor(x.shape[3], pool, stride, pad, out_w))
    for n, c, i, j in itertools.product(*(range(s) for s in dout.shape)):
        rows, cols = slice(i * stride, i * stride + pool), slice(j * stride, j * stride + pool)
        if kind == "max":
            p, q = divmod(int(np.argmax(xp[n, c, rows, cols])), pool)
            dxp[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
        else:
            dxp[n, c, rows, cols] += dout[n, c, i, j] / divisor[i, j]
    return dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]


def forward(kind):
    return getattr(ref, f"{kind}_pool_forward")


def backward(kind):
    return getattr(ref, f"{kind}_pool_backward")


def inputs(rng, shape, ties: bool):
    """Small integers (ties in most windows) or normal values (no ties)."""
    return rng.integers(-3, 3, size=shape).astype(np.float64) if ties else rng.normal(size=shape)


# --------------------------------------------------------------------------- output size

def test_output_size_against_counting_windows():
    settings = [(size, pool, stride, pad, ceil_mode)
                for size, pool, stride, pad, ceil_mode in itertools.product(range(1, 12), range(1, 6), range(1, 5),
                                                                            range(3), (False, True))
                if pad <= pool // 2 and size + 2 * pad >= pool]
    differ = [s for s in settings if ref.output_size(*s) != np_output_size(*s)]
    assert not differ
    floor_ne_ceil = {s[:4] for s in settings if ref.output_size(*s[:4], True) != ref.output_size(*s[:4], False)}
    assert len(settings) > 300 and len(floor_ne_ceil) > 50


def test_output_size_formulas_by_hand():
    assert ref.output_size(32, 2, 2, 0) == 16
    assert ref.output_size(7, 3, 2, 1) == 4                        # ⌊(7 + 2 − 3)/2⌋ + 1
    assert ref.output_size(5, 2, 2, 0, False) == 2
    assert ref.output_size(5, 2, 2, 0, True) == 3                  # ⌈3/2⌉ + 1
    assert ref.output_size(5, 2, 2, 1, True) == 3                  # ⌈5/2⌉ + 1 = 4, the 4th starts at row 5 = H
    assert ref.output_size(6, 3, 2, 1, True) == 4                  # ⌈5/2⌉ + 1 = 4, the 4th starts at row 5 < H + P


# --------------------------------------------------------------------------- forward and backward vs NumPy

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=ids)
@pytest.mark.parametrize("ties", [True, False], ids=["ties", "no_ties"])
def test_forward_and_backward_match_numpy(kind, geometry, ties):
    h, w, pool, stride, pad, ceil_mode = geometry
    rng = np.random.default_rng([GEOMETRIES.index(geometry), KINDS.index(kind), ties])
    x = inputs(rng, (3, 2, h, w), ties)
    x0 = x.copy()
    out = forward(kind)(x, pool, stride, pad, ceil_mode)
    expected = np_forward(kind, x, pool, stride, pad, ceil_mode)
    assert out.dtype == np.float64 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-14)
    dout = rng.normal(size=out.shape)
    dout0 = dout.copy()
    dx = backward(kind)(dout, x, pool, stride, pad, ceil_mode)
    assert dx.dtype == np.float64 and dx.shape == x.shape
    np.testing.assert_allclose(dx, np_backward(kind, dout, x, pool, stride, pad, ceil_mode), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)


@pytest.mark.parametrize("kind", KINDS)
def test_stride_defaults_to_the_pool_size(kind):
    x = np.random.default_rng(1).normal(size=(2, 3, 9, 7))
    out = forward(kind)(x, 3)
    np.testing.assert_array_equal(out, forward(kind)(x, 3, 3, 0, False))
    assert out.shape == (2, 3, 3, 2)
    dout = np.ones(out.shape)
    np.testing.assert_array_equal(backward(kind)(dout, x, 3), backward(kind)(dout, x, 3, 3))


@pytest.mark.parametrize("kind", KINDS)
def test_float32_in_float32_out_and_close_to_float64(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 7, 6)).astype(np.float32)
    x0 = x.copy()
    out = forward(kind)(x, 3, 2, 1, True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, forward(kind)(x.astype(np.float64), 3, 2, 1, True), rtol=1e-6, atol=1e-7)
    dout = rng.normal(size=out.shape).astype(np.float32)
    dx = backward(kind)(dout, x, 3, 2, 1, True)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, backward(kind)(dout.astype(np.float64), x.astype(np.float64), 3, 2, 1, True),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(x, x0)


def test_each_kernel_has_one_compiled_specialisation():
    """float32 and float64 inputs (and the global pool) share one float64 kernel: one compile each."""
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        x = rng.normal(size=(2, 2, 6, 6)).astype(dtype)
        for kind in KINDS:
            backward(kind)(forward(kind)(x, 2), x, 2)
        ref.global_avg_pool_backward(ref.global_avg_pool(x), x)
    for kernel in (ref._max_forward_kernel, ref._avg_forward_kernel, ref._max_backward_kernel, ref._avg_backward_kernel):
        assert len(kernel.signatures) == 1, kernel.signatures


# --------------------------------------------------------------------------- gradients by centred differences

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("geometry", GEOMETRIES[:6], ids=ids)
def test_backward_matches_centred_differences(kind, geometry):
    """Away from ties (distinct values, at least 1e-3 apart) max pooling is linear near x."""
    h, w, pool, stride, pad, ceil_mode = geometry
    rng = np.random.default_rng(4)
    x = rng.permutation(np.arange(2 * 2 * h * w, dtype=np.float64)).reshape(2, 2, h, w) * 1e-2 - 1.0
    out = forward(kind)(x, pool, stride, pad, ceil_mode)
    dout = rng.normal(size=out.shape)
    numeric = numerical_gradient(lambda v: float(np.sum(dout * forward(kind)(v, pool, stride, pad, ceil_mode))), x.copy())
    np.testing.assert_allclose(backward(kind)(dout, x, pool, stride, pad, ceil_mode), numeric, rtol=1e-7, atol=1e-8)


def test_global_avg_pool_backward_matches_centred_differences():
    rng = np.random.default_rng(5)
    x, dout = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3))
    numeric = numerical_gradient(lambda v: float(np.sum(dout * ref.global_avg_pool(v))), x.copy())
    np.testing.assert_allclose(ref.global_avg_pool_backward(dout, x), numeric, rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------- hand-computed (PyTorch's values)

def plane(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)[None, None]


def test_the_lectures_example_is_ceil_mode():
    fmap = plane([[0, 1, 0, 0, 0], [0, 1, 1, 1, 0], [1, 0, 1, 2, 1], [1, 4, 2, 1, 0], [0, 0, 1, 2, 1]])
    np.testing.assert_array_equal(ref.max_pool_forward(fmap, 2, ceil_mode=True)[0, 0], [[1, 1, 0], [4, 2, 1], [0, 2, 1]])
    np.testing.assert_array_equal(ref.max_pool_forward(fmap, 2)[0, 0], [[1, 1], [4, 2]])


def test_max_pool_floor_and_ceil_on_0_to_24():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    np.testing.assert_array_equal(ref.max_pool_forward(x, 2)[0, 0], [[6, 8], [16, 18]])
    np.testing.assert_array_equal(ref.max_pool_forward(x, 2, ceil_mode=True)[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])


def test_padding_never_wins_a_maximum():
    x = -np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(ref.max_pool_forward(x, 2, 2, 1), -np.ones((1, 1, 2, 2)))
    dx = ref.max_pool_backward(np.ones((1, 1, 2, 2)), x, 2, 2, 1)
    np.testing.assert_array_equal(dx, np.ones((1, 1, 2, 2)))            # every window's gradient arrives


def test_ties_go_to_the_first_maximum_in_row_major_order():
    one = np.ones((1, 1, 1, 1))
    np.testing.assert_array_equal(ref.max_pool_backward(one, np.ones((1, 1, 2, 2)), 2)[0, 0], [[1, 0], [0, 0]])
    np.testing.assert_array_equal(ref.max_pool_backward(one, plane([[1, 3], [3, 2]]), 2)[0, 0], [[0, 1], [0, 0]])
    np.testing.assert_array_equal(ref.max_pool_backward(one, plane([[0, 5], [5, 0]]), 2)[0, 0], [[0, 1], [0, 0]])
    np.testing.assert_array_equal(ref.max_pool_backward(2 * one, -np.ones((1, 1, 3, 3)), 3)[0, 0],
                                  [[2, 0, 0], [0, 0, 0], [0, 0, 0]])


def test_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0                            # the maximum of all four 2x2 windows (stride 1)
    dout = plane([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ref.max_pool_backward(dout, x, 2, 1)[0, 0], [[0, 0, 0], [0, 10, 0], [0, 0, 0]])
    np.testing.assert_allclose(ref.avg_pool_backward(dout, x, 2, 1)[0, 0],
                               np.array([[1, 3, 2], [4, 10, 6], [3, 7, 4]]) / 4.0)


def test_avg_pool_counts_padding_in_the_divisor():
    np.testing.assert_array_equal(ref.avg_pool_forward(np.ones((1, 1, 3, 3)), 2, 2, 1)[0, 0], [[0.25, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(ref.avg_pool_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), 2, 2, 1)[0, 0],
                                  np.full((3, 3), 0.25))


def test_avg_pool_ceil_windows_divide_by_their_cells_inside_the_padded_input():
    rows = plane([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]])
    np.testing.assert_array_equal(ref.avg_pool_forward(rows, 2, ceil_mode=True)[0, 0], [[1.5, 3.5, 5.0]])
    # 4x4 ones, 3x3 windows, stride 2, pad 1, ceil: windows start at -1, 1, 3; the last one's
    # third row and column lie past the padded input (rows -1..4), so its divisor is 2, not 3.
    out = ref.avg_pool_forward(np.ones((1, 1, 4, 4)), 3, 2, 1, True)[0, 0]
    np.testing.assert_allclose(out, [[4 / 9, 6 / 9, 2 / 6], [6 / 9, 1, 3 / 6], [2 / 6, 3 / 6, 1 / 4]], rtol=1e-15)


# --------------------------------------------------------------------------- flatten and global pooling

def test_flatten_round_trip_in_nchw_order():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 2, 4, 5))
    x0 = x.copy()
    flat = ref.flatten_forward(x)
    assert flat.shape == (3, 40)
    np.testing.assert_array_equal(flat[1, :20], x[1, 0].ravel())        # channel 0 first, row by row
    np.testing.assert_array_equal(flat[2, 20:25], x[2, 1, 0])
    np.testing.assert_array_equal(ref.flatten_backward(flat, x), x)
    dout = rng.normal(size=(3, 40)).astype(np.float32)
    assert ref.flatten_backward(dout, x).dtype == np.float32
    np.testing.assert_array_equal(x, x0)
    assert not np.shares_memory(flat, x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_global_avg_pool_is_the_plane_mean(dtype):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 4, 5, 6)).astype(dtype)
    out = ref.global_avg_pool(x)
    assert out.shape == (3, 4) and out.dtype == dtype
    np.testing.assert_allclose(out, x.astype(np.float64).mean(axis=(2, 3)), rtol=1e-6 if dtype == np.float32 else 1e-13)
    dout = rng.normal(size=(3, 4)).astype(dtype)
    dx = ref.global_avg_pool_backward(dout, x)
    assert dx.shape == x.shape and dx.dtype == dtype
    np.testing.assert_allclose(dx, np.broadcast_to(dout[:, :, None, None] / 30.0, x.shape), rtol=1e-6)


# --------------------------------------------------------------------------- bad settings

@pytest.mark.parametrize("call, message", [
    (lambda: ref.max_pool_forward(np.ones((1, 1, 4, 4)), 2, 2, 2), "pad must be between 0 and pool // 2"),
    (lambda: ref.avg_pool_forward(np.ones((1, 1, 4, 4)), 3, 1, -1), "pad must be between 0 and pool // 2"),
    (lambda: ref.max_pool_forward(np.ones((1, 1, 2, 5)), 4), "does not fit"),
    (lambda: ref.max_pool_forward(np.ones((4, 4)), 2), "x must be (N, C, H, W)"),
    (lambda: ref.max_pool_forward(np.ones((1, 1, 4, 4)), 2, 0), "stride >= 1"),
    (lambda: ref.max_pool_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), 2), "dout must be (1, 1, 2, 2)"),
    (lambda: ref.global_avg_pool_backward(np.ones((2, 1)), np.ones((1, 2, 3, 3))), "dout must be (1, 2)"),
])
def test_bad_settings_raise_value_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
