"""The references of assignment 05 against independent plain-Python formulations.

The conv references decide every grade, so they are checked here against a brute-force loop
over every output value (bounds-checked taps, no padding array, no layout tricks) on geometries
that exercise every index path: strides 1 to 3 that do and do not divide H + 2P − K, pad 0 to 2,
dilation 1 to 3, non-square inputs and kernels, and kernels larger than the stride. Gradients are
checked against the brute-force adjoint and against centred differences. Also: dtypes, inputs
left unchanged, the image kernels, the sample image, the device switch and the property check.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from grader.grading.gradcheck import numerical_gradient, relative_error
from grader.grading.references import References

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = References((ROOT / "reference").resolve())   # the grader's import path: one Numba cache
conv = REFERENCES.module("conv")
checks = REFERENCES.module("properties")
device = REFERENCES.module("device")

# (N, C, H, W, F, KH, KW, stride, pad, dilation)
GEOMETRIES = [
    (1, 1, 1, 1, 1, 1, 1, 1, 0, 1),
    (3, 2, 5, 6, 4, 3, 2, 1, 0, 1),
    (2, 3, 8, 10, 3, 3, 3, 2, 1, 1),
    (2, 2, 7, 9, 2, 2, 3, 3, 2, 1),
    (1, 2, 9, 8, 3, 3, 2, 1, 1, 2),
    (2, 1, 11, 7, 2, 3, 3, 2, 2, 3),
    (1, 3, 4, 5, 2, 5, 4, 1, 2, 1),
    (2, 2, 6, 6, 2, 1, 1, 2, 0, 1),
]


def brute_forward(x, w, b, stride, pad, dilation):
    """out[n, f, i, j] summed tap by tap; taps outside the input read zero (implicit padding)."""
    n_batch, channels, height, width = x.shape
    filters, _, kh, kw = w.shape
    out_h = (height + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    out_w = (width + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n_batch, filters, out_h, out_w))
    for n, f, i, j in itertools.product(range(n_batch), range(filters), range(out_h), range(out_w)):
        total = float(b[f])
        for c, p, q in itertools.product(range(channels), range(kh), range(kw)):
            r, s = i * stride + p * dilation - pad, j * stride + q * dilation - pad
            if 0 <= r < height and 0 <= s < width:
                total += w[f, c, p, q] * x[n, c, r, s]
        out[n, f, i, j] = total
    return out


def brute_backward(dout, x, w, stride, pad, dilation):
    """The adjoint of brute_forward: every tap sends dout back to the x and w it read."""
    n_batch, channels, height, width = x.shape
    filters, _, kh, kw = w.shape
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n, f, i, j in itertools.product(*(range(k) for k in dout.shape)):
        for c, p, q in itertools.product(range(channels), range(kh), range(kw)):
            r, s = i * stride + p * dilation - pad, j * stride + q * dilation - pad
            if 0 <= r < height and 0 <= s < width:
                dx[n, c, r, s] += w[f, c, p, q] * dout[n, f, i, j]
                dw[f, c, p, q] += x[n, c, r, s] * dout[n, f, i, j]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def draw(geometry, seed):
    n, c, h, w_, f, kh, kw, stride, pad, dilation = geometry
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, c, h, w_)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out_shape = (n, f, conv.output_size(h, kh, stride, pad, dilation), conv.output_size(w_, kw, stride, pad, dilation))
    return x, w, b, rng.normal(size=out_shape), (stride, pad, dilation)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[str(g) for g in GEOMETRIES])
def test_forward_matches_brute_force(geometry):
    x, w, b, _, args = draw(geometry, 0)
    np.testing.assert_allclose(conv.conv2d_forward(x, w, b, *args), brute_forward(x, w, b, *args),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[str(g) for g in GEOMETRIES])
def test_backward_matches_the_brute_force_adjoint(geometry):
    x, w, _, dout, args = draw(geometry, 1)
    for got, expected in zip(conv.conv2d_backward(dout, x, w, *args), brute_backward(dout, x, w, *args)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES[1:4], ids=[str(g) for g in GEOMETRIES[1:4]])
def test_backward_matches_centred_differences(geometry):
    x, w, b, dout, args = draw(geometry, 2)
    dx, dw, db = conv.conv2d_backward(dout, x, w, *args)

    def loss(x_, w_, b_):
        return float(np.sum(dout * conv.conv2d_forward(x_, w_, b_, *args)))

    # the loss is linear in each argument: a large step has no truncation error, less rounding
    assert relative_error(dx, numerical_gradient(lambda v: loss(v, w, b), x.copy(), conv.STEP)) < 1e-8
    assert relative_error(dw, numerical_gradient(lambda v: loss(x, v, b), w.copy(), conv.STEP)) < 1e-8
    assert relative_error(db, numerical_gradient(lambda v: loss(x, w, v), b.copy(), conv.STEP)) < 1e-8


def test_output_size_counts_the_windows_that_fit():
    for size, kernel, stride, pad, dilation in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(3), range(1, 3)):
        span = dilation * (kernel - 1) + 1
        fitting = len(range(0, size + 2 * pad - span + 1, stride))
        if fitting:
            assert conv.output_size(size, kernel, stride, pad, dilation) == fitting


def test_float32_in_float32_out_and_float64_otherwise():
    x, w, b, dout, args = draw(GEOMETRIES[2], 3)
    f32 = [a.astype(np.float32) for a in (x, w, b, dout)]
    assert conv.conv2d_forward(*f32[:3], *args).dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv.conv2d_backward(f32[3], *f32[:2], *args))
    assert conv.conv2d_forward(f32[0], w, b, *args).dtype == np.float64          # mixed: float64
    assert conv.conv2d_forward(x.astype(np.int64), w, b, *args).dtype == np.float64
    # float32 results are the float64 ones, rounded once
    np.testing.assert_allclose(conv.conv2d_forward(*f32[:3], *args),
                               brute_forward(*(a.astype(np.float64) for a in f32[:3]), *args), rtol=1e-6, atol=1e-6)


def test_inputs_are_left_unchanged():
    x, w, b, dout, args = draw(GEOMETRIES[3], 4)
    copies = [a.copy() for a in (x, w, b, dout)]
    conv.conv2d_forward(x, w, b, *args)
    conv.conv2d_backward(dout, x, w, *args)
    for before, after in zip(copies, (x, w, b, dout)):
        assert np.array_equal(before, after)


def test_non_contiguous_inputs():
    x, w, b, dout, args = draw(GEOMETRIES[1], 5)
    xt = np.asfortranarray(x)
    wt = w[:, :, ::-1, :].copy()[:, :, ::-1, :]           # a negative-stride view of w
    assert np.array_equal(conv.conv2d_forward(xt, wt, b, *args), conv.conv2d_forward(x, w, b, *args))


@pytest.mark.parametrize("bad", [
    dict(x=np.zeros((2, 3, 5)), w=np.zeros((1, 3, 2, 2)), b=np.zeros(1)),           # x not 4-D
    dict(x=np.zeros((2, 3, 5, 5)), w=np.zeros((1, 2, 2, 2)), b=np.zeros(1)),        # channels differ
    dict(x=np.zeros((2, 3, 5, 5)), w=np.zeros((2, 3, 2, 2)), b=np.zeros(3)),        # one bias per filter
    dict(x=np.zeros((1, 1, 2, 2)), w=np.zeros((1, 1, 3, 3)), b=np.zeros(1)),        # kernel too large
])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(ValueError):
        conv.conv2d_forward(bad["x"], bad["w"], bad["b"])


def test_correlate2d_is_the_lectures_example():
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], float)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], float)
    assert np.array_equal(conv.correlate2d(image, kernel), [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_correlate2d_does_not_flip_and_apply_kernel_keeps_the_size():
    image = np.zeros((5, 6))
    image[2, 3] = 1.0                                       # an impulse: correlation shows the flipped kernel
    kernel = np.arange(9.0).reshape(3, 3)
    filtered = conv.apply_kernel(image, kernel)
    assert filtered.shape == image.shape
    assert np.array_equal(filtered[1:4, 2:5], kernel[::-1, ::-1])
    strided = conv.correlate2d(np.arange(42.0).reshape(6, 7), np.ones((2, 2)), stride=2, pad=1)
    assert strided.shape == (4, 4) and strided[0, 1] == 1 + 2 and strided[1, 1] == 8 + 9 + 15 + 16


def test_classic_kernels():
    for size in (3, 5):
        box = conv.box_blur_kernel(size)
        assert box.shape == (size, size) and np.allclose(box, box[0, 0]) and np.isclose(box.sum(), 1.0)
    g = conv.gaussian_kernel(5, 1.5)
    assert g.shape == (5, 5) and np.isclose(g.sum(), 1.0)
    assert np.allclose(g, g.T) and np.allclose(g, g[::-1, ::-1]) and g.argmax() == 12
    assert np.isclose(g[2, 3] / g[2, 2], np.exp(-1 / (2 * 1.5 ** 2)))
    assert conv.sharpen_kernel().sum() == 1.0 and conv.sharpen_kernel()[1, 1] == 5.0
    edge = conv.edge_kernel()
    assert edge.sum() == 0.0 and np.array_equal(edge[:, ::-1], -edge) and edge[1, 2] == 2.0
    ramp = np.tile(np.arange(8.0), (6, 1))                  # brighter to the right: positive response
    assert np.all(conv.correlate2d(ramp, edge) == 8.0)
    for name in ("box", "gaussian", "sharpen", "edge"):
        assert conv.classic_kernel(None, name).ndim == 2


def test_sample_image_is_fixed_and_8_bit():
    image = conv.sample_image(np.random.default_rng(0))
    assert image.shape == (32, 48) and image.dtype == np.float64
    assert np.array_equal(image, conv.sample_image(np.random.default_rng(1)))
    assert 0.0 <= image.min() < image.max() <= 1.0
    assert np.allclose(image * 255, np.round(image * 255))
    assert len(np.unique(image)) > 20                       # gradient, shapes and texture


def test_gradient_property_check_accepts_the_reference_and_rejects_wrong_gradients():
    x, w, _, dout, (stride, pad, dilation) = draw(GEOMETRIES[2], 6)
    args = dict(dout=dout, x=x, w=w, stride=stride, pad=pad, dilation=dilation)
    dx, dw, db = conv.conv2d_backward(dout, x, w, stride, pad, dilation)
    assert checks.gradients_match_numerical(args, (dx, dw, db))[0]
    ok, message = checks.gradients_match_numerical(args, (dx, dw * 1.001, db))
    assert not ok and "dw" in message and "dx" not in message.split(".")[0]
    ok, message = checks.gradients_match_numerical(args, (dx, dw, db[:-1]))
    assert not ok and "db has shape" in message
    assert not checks.gradients_match_numerical(args, dx)[0]


def test_mutant_helpers_with_no_mistake_switched_on_are_the_reference():
    """The catalogue's conv mutants are the reference with one switch on: with none on, they agree."""
    x, w, b, dout, args = draw(GEOMETRIES[5], 7)
    np.testing.assert_allclose(conv._student_forward(x, w, b, *args), conv.conv2d_forward(x, w, b, *args), atol=1e-12)
    for got, expected in zip(conv._student_backward(dout, x, w, *args), conv.conv2d_backward(dout, x, w, *args)):
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_device_switch(monkeypatch):
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    assert not device.use_cuda() and device.device_name() == "cpu"
    monkeypatch.setenv(device.DEVICE_ENV, "GPU")
    with pytest.raises(device.DeviceError, match="cpu, cuda, auto"):
        device.use_cuda()
    monkeypatch.setenv(device.DEVICE_ENV, "")
    assert device.requested_device() == "auto"
    monkeypatch.setenv(device.DEVICE_ENV, "auto")
    assert device.use_cuda() == device.cuda_available()
    monkeypatch.setenv(device.DEVICE_ENV, "cuda")
    if device.cuda_available():
        assert device.use_cuda() and device.device_name().startswith("cuda")
    else:
        with pytest.raises(device.DeviceError, match="NUMBA_ENABLE_CUDASIM"):
            device.use_cuda()


def test_cuda_kernels_import_without_a_gpu():
    """No eager signatures: importing the CUDA module compiles nothing, GPU or not."""
    kernels = REFERENCES.module("cuda_kernels")
    assert callable(kernels.cuda_conv2d_forward) and callable(kernels.cuda_relu)
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1" and not device.cuda_available():
        with pytest.raises(Exception):                          # a launch needs a GPU
            kernels.cuda_relu(np.ones(3))
