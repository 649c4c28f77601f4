"""CUDA references (``@cuda.jit``): the conv2d passes and the elementwise activations.

The reference modules call these when :func:`.device.use_cuda` says so; nothing here chooses a
device. Importing this module imports ``numba.cuda``, and nothing is compiled at import: the
kernels carry no signatures and compile on their first launch, so the module imports (and the
simulator runs it) on machines without a GPU. Tests run these kernels under
``NUMBA_ENABLE_CUDASIM=1`` on tiny shapes and compare them with the CPU references.

One thread per output element throughout. Every thread *gathers* what it needs and writes only
its own element: no atomics, so the results do not depend on the order in which threads run.

Conv launchers work on the padded float64 arrays that :mod:`.conv` prepares (one compiled
specialisation); the activation launchers take and return arrays like their CPU counterparts in
:mod:`.activations` (``cuda_relu(x)`` ≙ ``activations.relu(x)``, same conventions, same dtype).
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

THREADS_PER_BLOCK = 128


def _blocks(count: int) -> int:
    return (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK


# ------------------------------------------------------------------ conv2d

@cuda.jit
def _conv_forward_kernel(xp, w, b, stride, dilation, out):
    """out[n, f, i, j] = b[f] + Σ_c,p,q w[f, c, p, q] · xp[n, c, i·S + p·D, j·S + q·D]."""
    index = cuda.grid(1)
    n_batch, filters, out_h, out_w = out.shape
    if index >= n_batch * filters * out_h * out_w:
        return
    j = index % out_w
    i = (index // out_w) % out_h
    f = (index // (out_w * out_h)) % filters
    n = index // (out_w * out_h * filters)
    total = b[f]
    for c in range(xp.shape[1]):
        for p in range(w.shape[2]):
            row = i * stride + p * dilation
            for q in range(w.shape[3]):
                total += w[f, c, p, q] * xp[n, c, row, j * stride + q * dilation]
    out[n, f, i, j] = total


@cuda.jit
def _conv_backward_input_kernel(dout, w, stride, dilation, dxp):
    """dxp[n, c, r, s] = Σ w[f, c, p, q] · dout[n, f, i, j] over the taps with i·S + p·D = r, j·S + q·D = s."""
    index = cuda.grid(1)
    n_batch, channels, height, width = dxp.shape
    if index >= n_batch * channels * height * width:
        return
    s = index % width
    r = (index // width) % height
    c = (index // (width * height)) % channels
    n = index // (width * height * channels)
    out_h, out_w = dout.shape[2], dout.shape[3]
    total = 0.0
    for p in range(w.shape[2]):
        top = r - p * dilation
        if top < 0 or top % stride != 0 or top // stride >= out_h:
            continue
        i = top // stride
        for q in range(w.shape[3]):
            left = s - q * dilation
            if left < 0 or left % stride != 0 or left // stride >= out_w:
                continue
            j = left // stride
            for f in range(w.shape[0]):
                total += w[f, c, p, q] * dout[n, f, i, j]
    dxp[n, c, r, s] = total


@cuda.jit
def _conv_backward_weight_kernel(dout, xp, stride, dilation, dw):
    """dw[f, c, p, q] = Σ_n,i,j dout[n, f, i, j] · xp[n, c, i·S + p·D, j·S + q·D]."""
    index = cuda.grid(1)
    filters, channels, kh, kw = dw.shape
    if index >= filters * channels * kh * kw:
        return
    q = index % kw
    p = (index // kw) % kh
    c = (index // (kw * kh)) % channels
    f = index // (kw * kh * channels)
    total = 0.0
    for n in range(dout.shape[0]):
        for i in range(dout.shape[2]):
            row = i * stride + p * dilation
            for j in range(dout.shape[3]):
                total += dout[n, f, i, j] * xp[n, c, row, j * stride + q * dilation]
    dw[f, c, p, q] = total


def cuda_conv2d_forward(xp, w, b, stride: int, dilation: int, out_h: int, out_w: int) -> np.ndarray:
    """(N, F, out_h, out_w) float64 from the padded input xp (N, C, Hp, Wp), w (F, C, KH, KW), b (F,).

    All arrays float64 and C-contiguous; stride, dilation and sizes are Python ints.
    """
    out = cuda.device_array((xp.shape[0], w.shape[0], out_h, out_w), dtype=np.float64)
    _conv_forward_kernel[_blocks(out.size), THREADS_PER_BLOCK](
        cuda.to_device(xp), cuda.to_device(w), cuda.to_device(b), stride, dilation, out)
    return out.copy_to_host()


def cuda_conv2d_backward(dout, xp, w, stride: int, dilation: int) -> tuple[np.ndarray, np.ndarray]:
    """(dxp like xp, dw like w), float64, for dout (N, F, H', W'); db is dout's sum, left to the caller."""
    d_dout, d_xp, d_w = cuda.to_device(dout), cuda.to_device(xp), cuda.to_device(w)
    dxp = cuda.device_array(xp.shape, dtype=np.float64)
    dw = cuda.device_array(w.shape, dtype=np.float64)
    _conv_backward_input_kernel[_blocks(dxp.size), THREADS_PER_BLOCK](d_dout, d_w, stride, dilation, dxp)
    _conv_backward_weight_kernel[_blocks(dw.size), THREADS_PER_BLOCK](d_dout, d_xp, stride, dilation, dw)
    return dxp.copy_to_host(), dw.copy_to_host()


# ------------------------------------------------------------------ activations (flat arrays)

@cuda.jit
def _relu_kernel(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i] if x[i] > 0 else 0.0


@cuda.jit
def _relu_backward_kernel(dout, x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = dout[i] if x[i] > 0 else 0.0


@cuda.jit
def _leaky_relu_kernel(x, negative_slope, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i] if x[i] > 0 else negative_slope * x[i]


@cuda.jit
def _leaky_relu_backward_kernel(dout, x, negative_slope, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = dout[i] if x[i] > 0 else negative_slope * dout[i]


@cuda.jit
def _elu_kernel(x, alpha, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i] if x[i] > 0 else alpha * math.expm1(x[i])


@cuda.jit
def _elu_backward_kernel(dout, x, alpha, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = dout[i] if x[i] > 0 else dout[i] * alpha * math.exp(x[i])


@cuda.jit(device=True)
def _sigmoid(v):
    # Only ever exponentiate a non-positive number: no overflow.
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


@cuda.jit
def _sigmoid_kernel(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = _sigmoid(x[i])


@cuda.jit
def _sigmoid_backward_kernel(dout, x, out):
    i = cuda.grid(1)
    if i < x.size:
        s = _sigmoid(x[i])
        out[i] = dout[i] * s * (1.0 - s)


@cuda.jit
def _tanh_kernel(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = math.tanh(x[i])


@cuda.jit
def _tanh_backward_kernel(dout, x, out):
    i = cuda.grid(1)
    if i < x.size:
        t = math.tanh(x[i])
        out[i] = dout[i] * (1.0 - t * t)


def _as_float(a) -> np.ndarray:
    """``a`` as float32 or float64 (anything else becomes float64), like :mod:`.activations`."""
    a = np.asarray(a)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def _launch(kernel, arrays: list[np.ndarray], params: tuple = ()) -> np.ndarray:
    """Run an elementwise kernel on flat copies of ``arrays`` (same shape and dtype) -> a new array."""
    shape = arrays[0].shape
    out = cuda.device_array(arrays[0].size, dtype=arrays[0].dtype)
    if out.size:
        flat = [cuda.to_device(np.ascontiguousarray(a).reshape(-1)) for a in arrays]
        kernel[_blocks(out.size), THREADS_PER_BLOCK](*flat, *params, out)
    return out.copy_to_host().reshape(shape)


def _forward(kernel, x, *params) -> np.ndarray:
    return _launch(kernel, [_as_float(x)], params)


def _backward(kernel, dout, x, *params) -> np.ndarray:
    dtype = np.result_type(_as_float(dout), _as_float(x))
    x, dout = np.asarray(x, dtype=dtype), np.asarray(dout, dtype=dtype)
    return _launch(kernel, [dout.reshape(x.shape), x], params)


def cuda_relu(x):
    """max(0, x), like ``activations.relu``."""
    return _forward(_relu_kernel, x)


def cuda_relu_backward(dout, x):
    """dout where x > 0, else 0 (ReLU′(0) = 0)."""
    return _backward(_relu_backward_kernel, dout, x)


def cuda_leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return _forward(_leaky_relu_kernel, x, float(negative_slope))


def cuda_leaky_relu_backward(dout, x, negative_slope=0.01):
    """dout where x > 0, else negative_slope · dout."""
    return _backward(_leaky_relu_backward_kernel, dout, x, float(negative_slope))


def cuda_elu(x, alpha=1.0):
    """x where x > 0, else alpha · (e^x − 1)."""
    return _forward(_elu_kernel, x, float(alpha))


def cuda_elu_backward(dout, x, alpha=1.0):
    """dout where x > 0, else dout · alpha · e^x."""
    return _backward(_elu_backward_kernel, dout, x, float(alpha))


def cuda_sigmoid(x):
    """1 / (1 + e^(−x)), without overflow."""
    return _forward(_sigmoid_kernel, x)


def cuda_sigmoid_backward(dout, x):
    """dout · σ(x) · (1 − σ(x))."""
    return _backward(_sigmoid_backward_kernel, dout, x)


def cuda_tanh(x):
    """tanh(x)."""
    return _forward(_tanh_kernel, x)


def cuda_tanh_backward(dout, x):
    """dout · (1 − tanh²(x))."""
    return _backward(_tanh_backward_kernel, dout, x)
