"""CUDA references (``@cuda.jit``) for the pooling passes of :mod:`.pooling`.

:mod:`.pooling` calls these when :func:`.device.use_cuda` says so; nothing here chooses a device.
Importing this module imports ``numba.cuda``; the kernels carry no signatures and compile on their
first launch, so the module imports (and the simulator runs it) on machines without a GPU. Tests
run these kernels under ``NUMBA_ENABLE_CUDASIM=1`` on tiny shapes and compare them with the CPU.

One thread per output element, and every thread *gathers* what it needs and writes only its own
element: no atomics. A backward thread owns one input element and visits the windows that contain
it in row-major order, which is the order in which the CPU kernels scatter into it; the forward
sums go column by column like the CPU's. So both devices add the same numbers in the same order
and agree to the last bit. Arrays are float64 (as :mod:`.pooling` prepares them); a window is
``(kh, kw, sh, sw, ph, pw)``: its size, stride and padding per axis.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

THREADS_PER_BLOCK = 128


def _blocks(count: int) -> int:
    return (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK


@cuda.jit(device=True)
def _unravel(index, shape):
    """(n, c, i, j) of a flat index into an array of ``shape`` (N, C, A, B)."""
    j = index % shape[3]
    i = (index // shape[3]) % shape[2]
    c = (index // (shape[3] * shape[2])) % shape[1]
    return index // (shape[3] * shape[2] * shape[1]), c, i, j


@cuda.jit(device=True)
def _windows_over(position, kernel, stride, pad, count):
    """First and one-past-last window (along one axis) whose cells include input ``position``."""
    reach = position + pad - kernel + 1          # windows that start before this end too early
    first = 0 if reach <= 0 else (reach + stride - 1) // stride
    return first, min(count, (position + pad) // stride + 1)


@cuda.jit
def _max_forward_kernel(x, kh, kw, sh, sw, ph, pw, out):
    """out[n, c, i, j] = the maximum of window (i, j) of x (padding −∞ never wins)."""
    index = cuda.grid(1)
    if index >= out.size:
        return
    n, c, i, j = _unravel(index, out.shape)
    top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, x.shape[2])
    left, right = max(j * sw - pw, 0), min(j * sw - pw + kw, x.shape[3])
    best = x[n, c, top, left]
    for h in range(top, bottom):
        for w in range(left, right):
            best = max(best, x[n, c, h, w])
    out[n, c, i, j] = best


@cuda.jit
def _avg_forward_kernel(x, kh, kw, sh, sw, ph, pw, out):
    """out[n, c, i, j] = the sum of window (i, j) of x (zero padding) over its divisor."""
    index = cuda.grid(1)
    if index >= out.size:
        return
    n, c, i, j = _unravel(index, out.shape)
    height, width = x.shape[2], x.shape[3]
    top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, height)
    left, right = max(j * sw - pw, 0), min(j * sw - pw + kw, width)
    total = 0.0
    for w in range(left, right):
        column = x[n, c, top, w]
        for h in range(top + 1, bottom):
            column += x[n, c, h, w]
        total = column if w == left else total + column
    out[n, c, i, j] = total / (min(kh, height + 2 * ph - i * sh) * min(kw, width + 2 * pw - j * sw))


@cuda.jit
def _first_max_kernel(x, kh, kw, sh, sw, ph, pw, at):
    """at[n, c, i, j] = h·W + w of the first maximum of window (i, j) in row-major order."""
    index = cuda.grid(1)
    if index >= at.size:
        return
    n, c, i, j = _unravel(index, at.shape)
    top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, x.shape[2])
    left, right = max(j * sw - pw, 0), min(j * sw - pw + kw, x.shape[3])
    best, best_at = x[n, c, top, left], top * x.shape[3] + left
    for h in range(top, bottom):
        for w in range(left, right):
            if x[n, c, h, w] > best:
                best, best_at = x[n, c, h, w], h * x.shape[3] + w
    at[n, c, i, j] = best_at


@cuda.jit
def _max_backward_kernel(dout, at, kh, kw, sh, sw, ph, pw, dx):
    """dx[n, c, h, w] = Σ dout[n, c, i, j] over the windows whose first maximum is (h, w)."""
    index = cuda.grid(1)
    if index >= dx.size:
        return
    n, c, h, w = _unravel(index, dx.shape)
    first_i, end_i = _windows_over(h, kh, sh, ph, dout.shape[2])
    first_j, end_j = _windows_over(w, kw, sw, pw, dout.shape[3])
    mine = h * dx.shape[3] + w
    total = 0.0
    for i in range(first_i, end_i):
        for j in range(first_j, end_j):
            if at[n, c, i, j] == mine:
                total += dout[n, c, i, j]
    dx[n, c, h, w] = total


@cuda.jit
def _avg_backward_kernel(dout, kh, kw, sh, sw, ph, pw, dx):
    """dx[n, c, h, w] = Σ dout[n, c, i, j] / divisor(i, j) over the windows that contain (h, w)."""
    index = cuda.grid(1)
    if index >= dx.size:
        return
    n, c, h, w = _unravel(index, dx.shape)
    height, width = dx.shape[2], dx.shape[3]
    first_i, end_i = _windows_over(h, kh, sh, ph, dout.shape[2])
    first_j, end_j = _windows_over(w, kw, sw, pw, dout.shape[3])
    total = 0.0
    for i in range(first_i, end_i):
        rows = min(kh, height + 2 * ph - i * sh)
        for j in range(first_j, end_j):
            total += dout[n, c, i, j] / (rows * min(kw, width + 2 * pw - j * sw))
    dx[n, c, h, w] = total


def pool_forward(kind: str, x: np.ndarray, window: tuple, out_h: int, out_w: int) -> np.ndarray:
    """(N, C, out_h, out_w) float64: 'max' or 'avg' pooling of float64 x (N, C, H, W)."""
    out = cuda.device_array((x.shape[0], x.shape[1], out_h, out_w), dtype=np.float64)
    kernel = _max_forward_kernel if kind == "max" else _avg_forward_kernel
    kernel[_blocks(out.size), THREADS_PER_BLOCK](cuda.to_device(x), *window, out)
    return out.copy_to_host()


def pool_backward(kind: str, dout: np.ndarray, x: np.ndarray, window: tuple) -> np.ndarray:
    """dx (like x) float64 of 'max' or 'avg' pooling, from float64 dout (N, C, H', W') and x."""
    dout_d, dx = cuda.to_device(dout), cuda.device_array(x.shape, dtype=np.float64)
    if kind == "max":
        x_d = cuda.to_device(x)
        at = cuda.device_array(dout.shape, dtype=np.int64)
        _first_max_kernel[_blocks(at.size), THREADS_PER_BLOCK](x_d, *window, at)
        _max_backward_kernel[_blocks(dx.size), THREADS_PER_BLOCK](dout_d, at, *window, dx)
    else:
        _avg_backward_kernel[_blocks(dx.size), THREADS_PER_BLOCK](dout_d, *window, dx)
    return dx.copy_to_host()
