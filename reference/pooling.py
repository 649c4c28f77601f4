"""References for assignment 06 (pooling), with their mistake catalogue.

Conventions (PyTorch's ``MaxPool2d`` / ``AvgPool2d`` defaults, stated in
assignments/06_pooling/README.md):

- Layout NCHW: ``x`` (N, C, H, W) -> (N, C, H', W'); square windows of ``pool`` × ``pool``;
  ``stride`` defaults to ``pool``; ``pad`` rows and columns on *each* side, with
  ``0 <= pad <= pool // 2`` (PyTorch's rule: every window then holds at least one real input).
- Window (i, j) covers rows ``i·S − P … i·S − P + K − 1`` and the same columns of ``x``.
- Output size ``H' = ⌊(H + 2P − K) / S⌋ + 1``; with ``ceil_mode`` it is ``⌈(H + 2P − K) / S⌉ + 1``,
  less one when that last window would start in the right padding (``(H' − 1)·S >= H + P``).
- Max pooling pads with −∞ (padding never wins). Its gradient goes to the *first* maximum of each
  window in row-major order, and adds up where windows overlap.
- Average pooling pads with zeros that count in the divisor (``count_include_pad=True``); a
  ceil-mode window that hangs past the padded input divides only by its cells inside it:
  divisor(i, j) = ``min(K, H + 2P − i·S) · min(K, W + 2P − j·S)`` (K² except at such windows).
- ``global_avg_pool`` is average pooling with one window of the whole (H, W) plane -> (N, C).

Every reference computes in float64 and returns the inputs' floating dtype (float32 in, float32
out): one compiled specialisation per kernel, and an expected output that is the exact result
rounded once.

Device: the pooling functions run the CUDA kernels of :mod:`.pooling_cuda` when
:func:`.device.use_cuda` says so (``DLGRADE_DEVICE``), else the ``@njit`` kernels below; both
compute every sum in the same order, so they agree to the last bit. ``max_pool_forward_cpu``
always uses the CPU: performance tests time it, because the grader times a reference by its
thread's CPU time, which says nothing about a GPU. The CPU kernels are serial on purpose: a
``prange`` kernel's other threads escape that clock (and ``parallel=True`` compiles ~4x slower).
Flattening is a reshape and needs no kernel.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from grader.authoring import Mistake

from . import device

# ------------------------------------------------------------------ CPU kernels (float64 only)
# Window sizes and strides are given per axis (kh, kw, sh, sw, ph, pw) so that global average
# pooling is the same kernel with one (H, W) window.


@njit(cache=True)
def _max_forward_kernel(x, kh, kw, sh, sw, ph, pw, cols, out):
    """out (N, C, H', W') = the maximum of each window of x (N, C, H, W), padding −∞.

    Separable: the maximum of a window is the maximum of its columns' maxima. For each output
    row, the column maxima over the window's rows are taken along whole input rows (contiguous,
    it vectorises); then each output reads its kw column maxima. ``cols`` (scratch, length
    (W' − 1)·sw + kw) holds them at padded positions, its padding set to −∞.
    """
    n_batch, channels, height, width = x.shape
    out_h, out_w = out.shape[2], out.shape[3]
    for w in range(cols.shape[0]):
        cols[w] = -np.inf
    inside = cols[pw:pw + min(width, cols.shape[0] - pw)]     # the input columns windows reach
    for n in range(n_batch):
        for c in range(channels):
            plane = x[n, c]
            for i in range(out_h):
                top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, height)
                row = plane[top]
                for w in range(inside.shape[0]):
                    inside[w] = row[w]
                for h in range(top + 1, bottom):
                    row = plane[h]
                    for w in range(inside.shape[0]):
                        inside[w] = max(inside[w], row[w])
                out_row = out[n, c, i]
                for j in range(out_w):
                    best = cols[j * sw]
                    for q in range(1, kw):
                        best = max(best, cols[j * sw + q])
                    out_row[j] = best


@njit(cache=True, error_model="numpy")
def _avg_forward_kernel(x, kh, kw, sh, sw, ph, pw, cols, out):
    """out (N, C, H', W') = the sum of each window of x (zero padding) over its divisor.

    The same separable order as the max kernel: column sums over the window's rows, then the
    sum of the window's kw column sums (from its first column on, padding adds exact zeros).
    """
    n_batch, channels, height, width = x.shape
    out_h, out_w = out.shape[2], out.shape[3]
    for w in range(cols.shape[0]):
        cols[w] = 0.0
    inside = cols[pw:pw + min(width, cols.shape[0] - pw)]
    for n in range(n_batch):
        for c in range(channels):
            plane = x[n, c]
            for i in range(out_h):
                top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, height)
                rows = min(kh, height + 2 * ph - i * sh)          # the divisor's rows
                row = plane[top]
                for w in range(inside.shape[0]):
                    inside[w] = row[w]
                for h in range(top + 1, bottom):
                    row = plane[h]
                    for w in range(inside.shape[0]):
                        inside[w] += row[w]
                out_row = out[n, c, i]
                for j in range(out_w):
                    total = cols[j * sw]
                    for q in range(1, kw):
                        total += cols[j * sw + q]
                    out_row[j] = total / (rows * min(kw, width + 2 * pw - j * sw))


@njit(cache=True)
def _max_backward_kernel(dout, x, kh, kw, sh, sw, ph, pw, dx):
    """dx (like x, zeros on entry) += each window's dout at the window's first maximum.

    Windows are visited in row-major order and each scanned row by row with a strict ``>``, so
    the first maximum in row-major order wins a tie; ``+=`` sums the windows that share it.
    """
    n_batch, channels, height, width = x.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    for n in range(n_batch):
        for c in range(channels):
            for i in range(out_h):
                top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, height)
                for j in range(out_w):
                    left, right = max(j * sw - pw, 0), min(j * sw - pw + kw, width)
                    best_h, best_w = top, left
                    best = x[n, c, top, left]
                    for h in range(top, bottom):
                        for w in range(left, right):
                            if x[n, c, h, w] > best:
                                best, best_h, best_w = x[n, c, h, w], h, w
                    dx[n, c, best_h, best_w] += dout[n, c, i, j]


@njit(cache=True, error_model="numpy")
def _avg_backward_kernel(dout, kh, kw, sh, sw, ph, pw, dx):
    """dx (N, C, H, W, zeros on entry) += dout / divisor over every real input of each window."""
    n_batch, channels, height, width = dx.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    for n in range(n_batch):
        for c in range(channels):
            for i in range(out_h):
                top, bottom = max(i * sh - ph, 0), min(i * sh - ph + kh, height)
                rows = min(kh, height + 2 * ph - i * sh)
                for j in range(out_w):
                    left, right = max(j * sw - pw, 0), min(j * sw - pw + kw, width)
                    share = dout[n, c, i, j] / (rows * min(kw, width + 2 * pw - j * sw))
                    for h in range(top, bottom):
                        for w in range(left, right):
                            dx[n, c, h, w] += share


# ------------------------------------------------------------------ shapes and dispatch

def output_size(size: int, pool: int, stride: int, pad: int, ceil_mode: bool = False) -> int:
    """⌊(size + 2·pad − pool) / stride⌋ + 1, or in ceil mode ⌈…⌉ + 1 less a window starting in the right padding."""
    span = size + 2 * pad - pool
    if not ceil_mode:
        return span // stride + 1
    count = -(-span // stride) + 1
    return count - 1 if (count - 1) * stride >= size + pad else count


def _geometry(shape, pool, stride, pad, ceil_mode) -> tuple[int, int, int, int, int]:
    """Checked (pool, stride, pad, H', W') as Python ints; ValueError on a bad shape or setting."""
    if len(shape) != 4:
        raise ValueError(f"x must be (N, C, H, W); got shape {tuple(shape)}")
    pool = int(pool)
    stride = pool if stride is None else int(stride)
    pad = int(pad)
    if pool < 1 or stride < 1:
        raise ValueError(f"need pool >= 1 and stride >= 1; got pool={pool}, stride={stride}")
    if not 0 <= pad <= pool // 2:
        raise ValueError(f"pad must be between 0 and pool // 2 = {pool // 2} (as in PyTorch); got {pad}")
    height, width = shape[2], shape[3]
    if height + 2 * pad < pool or width + 2 * pad < pool:
        raise ValueError(f"a {pool}x{pool} window does not fit the padded input ({height}, {width}) + 2·{pad}")
    return (pool, stride, pad, output_size(height, pool, stride, pad, bool(ceil_mode)),
            output_size(width, pool, stride, pad, bool(ceil_mode)))


def _result_dtype(*arrays) -> np.dtype:
    """The floating dtype the result takes: float32 only when every input is float32 (or narrower)."""
    return np.result_type(*(a.dtype for a in arrays), np.float32)


def _f64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _forward(kind, x, pool, stride, pad, ceil_mode, use_cuda: bool) -> np.ndarray:
    x = np.asarray(x)
    pool, stride, pad, out_h, out_w = _geometry(x.shape, pool, stride, pad, ceil_mode)
    out = _pool_forward(kind, _f64(x), (pool, pool, stride, stride, pad, pad), out_h, out_w, use_cuda)
    return out.astype(_result_dtype(x), copy=False)


def _backward(kind, dout, x, pool, stride, pad, ceil_mode, use_cuda: bool) -> np.ndarray:
    dout, x = np.asarray(dout), np.asarray(x)
    pool, stride, pad, out_h, out_w = _geometry(x.shape, pool, stride, pad, ceil_mode)
    if dout.shape != (x.shape[0], x.shape[1], out_h, out_w):
        raise ValueError(f"dout must be {(x.shape[0], x.shape[1], out_h, out_w)}, got {dout.shape}")
    dx = _pool_backward(kind, _f64(dout), _f64(x), (pool, pool, stride, stride, pad, pad), use_cuda)
    return dx.astype(_result_dtype(dout, x), copy=False)


def _pool_forward(kind, x, window, out_h, out_w, use_cuda: bool) -> np.ndarray:
    """(N, C, out_h, out_w) float64: ``kind`` ('max' or 'avg') pooling of float64 x; window = (kh, kw, sh, sw, ph, pw)."""
    if use_cuda:
        from . import pooling_cuda
        return pooling_cuda.pool_forward(kind, x, window, out_h, out_w)
    out = np.empty((x.shape[0], x.shape[1], out_h, out_w))
    cols = np.empty((out_w - 1) * window[3] + window[1])       # the kernels' scratch row
    (_max_forward_kernel if kind == "max" else _avg_forward_kernel)(x, *window, cols, out)
    return out


def _pool_backward(kind, dout, x, window, use_cuda: bool) -> np.ndarray:
    """dx (like x) float64 of ``kind`` pooling, from float64 dout and x."""
    if use_cuda:
        from . import pooling_cuda
        return pooling_cuda.pool_backward(kind, dout, x, window)
    dx = np.zeros_like(x)
    if kind == "max":
        _max_backward_kernel(dout, x, *window, dx)
    else:
        _avg_backward_kernel(dout, *window, dx)
    return dx


# ------------------------------------------------------------------ the graded functions

def max_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False) -> np.ndarray:
    """Max pooling of x (N, C, H, W) -> (N, C, H', W') in x's float dtype, on the selected device."""
    return _forward("max", x, pool, stride, pad, ceil_mode, device.use_cuda())


def max_pool_forward_cpu(x, pool=2, stride=None, pad=0, ceil_mode=False) -> np.ndarray:
    """:func:`max_pool_forward` on the CPU whatever the device: the one performance tests time."""
    return _forward("max", x, pool, stride, pad, ceil_mode, False)


def max_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False) -> np.ndarray:
    """dx (N, C, H, W) of :func:`max_pool_forward` from dout (N, C, H', W'): each window's dout goes
    to its first maximum in row-major order, summed where windows overlap."""
    return _backward("max", dout, x, pool, stride, pad, ceil_mode, device.use_cuda())


def avg_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False) -> np.ndarray:
    """Average pooling of x (N, C, H, W) -> (N, C, H', W'), zero padding counted in the divisor."""
    return _forward("avg", x, pool, stride, pad, ceil_mode, device.use_cuda())


def avg_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False) -> np.ndarray:
    """dx (N, C, H, W) of :func:`avg_pool_forward`: each real input of a window gets dout / divisor."""
    return _backward("avg", dout, x, pool, stride, pad, ceil_mode, device.use_cuda())


def flatten_forward(x) -> np.ndarray:
    """x (N, ...) -> (N, D), each sample's values in C order (for NCHW: channel, row, column)."""
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1).copy()


def flatten_backward(dout, x) -> np.ndarray:
    """dout (N, D) reshaped back to x's shape: flattening only moves values."""
    return np.asarray(dout).reshape(np.shape(x)).copy()


def _global_window(x) -> tuple[tuple[int, int, int, int, int, int], np.ndarray]:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W); got shape {x.shape}")
    height, width = x.shape[2], x.shape[3]
    return (height, width, height, width, 0, 0), x


def global_avg_pool(x) -> np.ndarray:
    """x (N, C, H, W) -> (N, C): the mean of each channel's H × W plane."""
    window, x = _global_window(x)
    out = _pool_forward("avg", _f64(x), window, 1, 1, device.use_cuda())
    return out[:, :, 0, 0].astype(_result_dtype(x))


def global_avg_pool_backward(dout, x) -> np.ndarray:
    """dx (N, C, H, W) of :func:`global_avg_pool` from dout (N, C): every cell gets dout / (H·W)."""
    window, x = _global_window(x)
    dout = np.asarray(dout)
    if dout.shape != x.shape[:2]:
        raise ValueError(f"dout must be {x.shape[:2]}, got {dout.shape}")
    dx = _pool_backward("avg", _f64(dout[:, :, None, None]), _f64(x), window, device.use_cuda())
    return dx.astype(_result_dtype(dout, x), copy=False)


# ------------------------------------------------------------------ mistakes, as students write them
# One NumPy implementation in the way students write it (pad, then loop over the output positions
# with the batch and channels vectorised), with one mistake switched on by a keyword.

def _student_size(size, pool, stride, pad, ceil_mode, rounding, drop_last):
    """Output size; rounding 'mode' (floor, or ceil in ceil mode), 'floor' or 'ceil' always, or
    'round': Python's round() in ceil mode (half to even: 2.5 -> 2), floor otherwise."""
    span = size + 2 * pad - pool
    if rounding == "round" and ceil_mode:
        return round(span / stride) + 1
    use_ceil = ceil_mode if rounding in ("mode", "round") else rounding == "ceil"
    count = (-(-span // stride) if use_ceil else span // stride) + 1
    if use_ceil and drop_last and (count - 1) * stride >= size + pad:
        count -= 1
    return count


def _student_padded(x, pool, stride, pad, out_h, out_w, fill):
    """x with ``pad`` cells of ``fill`` before, and after it as many as the last window needs."""
    n, c, height, width = x.shape
    xp = np.full((n, c, max(height + 2 * pad, (out_h - 1) * stride + pool),
                  max(width + 2 * pad, (out_w - 1) * stride + pool)), fill)
    xp[:, :, pad:pad + height, pad:pad + width] = x
    return xp


def _student_divisor(size, pool, stride, pad, count, divisor):
    """Divisor per output row (or column): 'include' (PyTorch), 'exclude' padding, or 'full' pool."""
    starts = np.arange(count) * stride - pad
    if divisor == "include":
        return np.minimum(starts + pool, size + pad) - starts
    if divisor == "exclude":
        return np.minimum(starts + pool, size) - np.maximum(starts, 0)
    return np.full(count, pool)


def _student_forward(x, pool=2, stride=None, pad=0, ceil_mode=False, *, kind="max", fill=None,
                     default_stride=None, rounding="mode", drop_last=True, divisor="include",
                     channels_last=False):
    """max_pool_forward / avg_pool_forward in NumPy, one mistake switched on by a keyword."""
    dtype = _result_dtype(np.asarray(x))
    x = np.asarray(x, dtype=np.float64)
    if channels_last:            # x read as (N, H, W, C): pooled over axes 1 and 2
        x = x.transpose(0, 3, 1, 2)
    stride = (default_stride or pool) if stride is None else stride
    height, width = x.shape[2], x.shape[3]
    out_h = _student_size(height, pool, stride, pad, ceil_mode, rounding, drop_last)
    out_w = _student_size(width, pool, stride, pad, ceil_mode, rounding, drop_last)
    if fill is None:
        fill = -np.inf if kind == "max" else 0.0
    xp = _student_padded(x, pool, stride, pad, out_h, out_w, fill)
    out = np.empty(x.shape[:2] + (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool]
            out[:, :, i, j] = window.max(axis=(2, 3)) if kind == "max" else window.sum(axis=(2, 3))
    if kind == "avg":
        out /= np.outer(_student_divisor(height, pool, stride, pad, out_h, divisor),
                        _student_divisor(width, pool, stride, pad, out_w, divisor))
    return (out.transpose(0, 2, 3, 1) if channels_last else out).astype(dtype)


def _student_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False, *, kind="max", fill=None,
                      default_stride=None, ties="first", accumulate=True, divisor="include", divide=True):
    """max_pool_backward / avg_pool_backward in NumPy over dout's positions, one mistake switched on."""
    dtype = _result_dtype(np.asarray(dout), np.asarray(x))
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x, dtype=np.float64)
    stride = (default_stride or pool) if stride is None else stride
    (n, c, height, width), (out_h, out_w) = x.shape, dout.shape[2:]
    if fill is None:
        fill = -np.inf if kind == "max" else 0.0
    xp = _student_padded(x, pool, stride, pad, out_h, out_w, fill)
    dxp = np.zeros_like(xp)
    scale = np.ones((out_h, out_w))
    if kind == "avg" and divide:
        scale = np.outer(_student_divisor(height, pool, stride, pad, out_h, divisor),
                         _student_divisor(width, pool, stride, pad, out_w, divisor))
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * stride, i * stride + pool), slice(j * stride, j * stride + pool)
            if kind == "avg":
                share = np.ones((n, c, pool, pool))
            else:
                window = xp[:, :, rows, cols].reshape(n, c, pool * pool)
                share = (window == window.max(axis=2, keepdims=True)).astype(np.float64)
                if ties == "split":
                    share /= share.sum(axis=2, keepdims=True)
                elif ties in ("first", "last"):
                    at = window.argmax(axis=2) if ties == "first" else pool * pool - 1 - window[:, :, ::-1].argmax(axis=2)
                    share = (np.arange(pool * pool) == at[:, :, None]).astype(np.float64)
                share = share.reshape(n, c, pool, pool)
            grad = share * (dout[:, :, i, j] / scale[i, j])[:, :, None, None]
            if accumulate:
                dxp[:, :, rows, cols] += grad
            else:        # dx[...] = ... : a later window overwrites where it reaches
                np.copyto(dxp[:, :, rows, cols], grad, where=share > 0)
    return dxp[:, :, pad:pad + height, pad:pad + width].astype(dtype)


def _reduced(reduce, x, axes, keepdims=False):
    """``reduce`` (np.sum, np.mean) of x over ``axes``, in float64, returned in x's float dtype."""
    x = np.asarray(x)
    return reduce(x.astype(np.float64), axis=axes, keepdims=keepdims).astype(_result_dtype(x))


def _forward_mistake(kind, **variant):
    return lambda x, pool=2, stride=None, pad=0, ceil_mode=False: _student_forward(
        x, pool, stride, pad, ceil_mode, kind=kind, **variant)


def _backward_mistake(kind, **variant):
    return lambda dout, x, pool=2, stride=None, pad=0, ceil_mode=False: _student_backward(
        dout, x, pool, stride, pad, ceil_mode, kind=kind, **variant)


_HINTS = {
    "stride_default_1": "stride=None means the stride equals the pool size (windows side by side, "
                        "as in PyTorch), not 1.",
    "ceil_mode_ignored": "With ceil_mode=True the output size rounds up: H' = ⌈(H + 2P − K)/S⌉ + 1 "
                         "(less one if that last window would start in the right padding). Yours "
                         "has the floor size.",
    "always_ceil": "With ceil_mode=False the output size rounds down: H' = ⌊(H + 2P − K)/S⌋ + 1; a "
                   "window that would run past the padded input is left out.",
    "round_size": "In ceil mode the output size rounds up, H' = ⌈(H + 2P − K)/S⌉ + 1 (then less one "
                  "if that last window would start in the right padding): round() is not ceil, it goes "
                  "down below .5 and, in Python and NumPy, to the even number at .5 (round(2.5) = 2). "
                  "Use -(-a // b) or math.ceil.",
    "ceil_window_in_padding": "In ceil mode the last window must start inside the input or the left "
                              "padding: when (H' − 1)·S >= H + P it would start in the right padding, "
                              "and it is dropped (as in PyTorch).",
    "accumulate": "Where windows overlap (stride smaller than the pool), an input can receive gradient "
                  "from several windows: add it up with +=, do not assign with =.",
    "exclude_padding": "The zero padding counts in the divisor (count_include_pad=True, PyTorch's "
                       "default): a border window that reaches into the padding still divides by "
                       "K², not by the number of real inputs it covers.",
}


MISTAKES = {
    "max_pool_forward": [
        Mistake("zero_padding", "Max pooling pads with −∞, so padding never wins; with zero padding a "
                "window of negative numbers that reaches into the padding returns 0.",
                _forward_mistake("max", fill=0.0)),
        Mistake("stride_default_1", _HINTS["stride_default_1"], _forward_mistake("max", default_stride=1)),
        Mistake("ceil_mode_ignored", _HINTS["ceil_mode_ignored"], _forward_mistake("max", rounding="floor")),
        Mistake("always_ceil", _HINTS["always_ceil"], _forward_mistake("max", rounding="ceil")),
        Mistake("round_size", _HINTS["round_size"], _forward_mistake("max", rounding="round")),
        Mistake("ceil_window_in_padding", _HINTS["ceil_window_in_padding"],
                _forward_mistake("max", drop_last=False)),
        Mistake("channels_last", "The layout is NCHW: pool over the last two axes (H, W) of each "
                "channel; yours pools axes 1 and 2, as if x were (N, H, W, C).",
                _forward_mistake("max", channels_last=True)),
    ],
    "max_pool_backward": [
        Mistake("all_ties", "When several inputs tie for a window's maximum, only the first one (in "
                "row-major order) receives the gradient, as in PyTorch; yours gives the full "
                "gradient to every tie (a mask x == max).", _backward_mistake("max", ties="all")),
        Mistake("split_ties", "When several inputs tie for a window's maximum, only the first one (in "
                "row-major order) receives the gradient; yours splits it among the ties.",
                _backward_mistake("max", ties="split")),
        Mistake("last_tie", "When several inputs tie for a window's maximum, the gradient goes to the "
                "first one in row-major order (np.argmax's choice); yours picks the last.",
                _backward_mistake("max", ties="last")),
        Mistake("assign_not_accumulate", _HINTS["accumulate"], _backward_mistake("max", accumulate=False)),
        Mistake("zero_padding", "Pad with −∞ to find each window's maximum: with zero padding, a window "
                "of negative numbers finds its maximum in the padding and its gradient is lost.",
                _backward_mistake("max", fill=0.0)),
        Mistake("stride_default_1", _HINTS["stride_default_1"], _backward_mistake("max", default_stride=1)),
    ],
    "avg_pool_forward": [
        Mistake("exclude_padding", _HINTS["exclude_padding"], _forward_mistake("avg", divisor="exclude")),
        Mistake("ceil_full_divisor", "In ceil mode, a window that hangs past the padded input divides "
                "only by its cells inside the padded input (as PyTorch does), not by K².",
                _forward_mistake("avg", divisor="full")),
        Mistake("stride_default_1", _HINTS["stride_default_1"], _forward_mistake("avg", default_stride=1)),
        Mistake("ceil_mode_ignored", _HINTS["ceil_mode_ignored"], _forward_mistake("avg", rounding="floor")),
        Mistake("round_size", _HINTS["round_size"], _forward_mistake("avg", rounding="round")),
    ],
    "avg_pool_backward": [
        Mistake("not_divided", "Each input of a window receives dout divided by the window's divisor "
                "(K² away from a ceil-mode edge), because the forward pass divides the sum by it.",
                _backward_mistake("avg", divide=False)),
        Mistake("assign_not_accumulate", _HINTS["accumulate"], _backward_mistake("avg", accumulate=False)),
        Mistake("exclude_padding", _HINTS["exclude_padding"] + " The backward pass divides by the same.",
                _backward_mistake("avg", divisor="exclude")),
        Mistake("stride_default_1", _HINTS["stride_default_1"], _backward_mistake("avg", default_stride=1)),
    ],
    "flatten_forward": [
        Mistake("channels_last", "Flatten each sample in NCHW order (channel, then row, then column), "
                "as x.reshape(N, -1) does; yours puts the channels last, as for (N, H, W, C).",
                lambda x: np.asarray(x).transpose(0, 2, 3, 1).reshape(np.shape(x)[0], -1)),
        Mistake("batch_flattened", "Keep the batch axis: the result is (N, C·H·W), one row per sample.",
                lambda x: np.asarray(x).reshape(-1)),
    ],
    "flatten_backward": [
        Mistake("channels_last", "Undo the forward reshape: dout (N, C·H·W) holds each sample in "
                "(channel, row, column) order, so dout.reshape(x.shape) puts every value back.",
                lambda dout, x: np.asarray(dout).reshape(np.shape(x)[0], np.shape(x)[2], np.shape(x)[3],
                                                         np.shape(x)[1]).transpose(0, 3, 1, 2)),
        Mistake("not_reshaped", "dx must have x's shape (N, C, H, W): reshape dout back.",
                lambda dout, x: np.asarray(dout).copy()),
    ],
    "global_avg_pool": [
        Mistake("sum_not_mean", "Average over H and W: divide each channel's sum by H·W.",
                lambda x: _reduced(np.sum, x, (2, 3))),
        Mistake("keepdims", "Return (N, C): average over H and W and drop those two axes.",
                lambda x: _reduced(np.mean, x, (2, 3), keepdims=True)),
        Mistake("channels_last", "The layout is NCHW: average over axes 2 and 3 (H and W); yours "
                "averages axes 1 and 2, as if x were (N, H, W, C).",
                lambda x: _reduced(np.mean, x, (1, 2))),
    ],
    "global_avg_pool_backward": [
        Mistake("not_divided", "The forward pass divides by H·W, so each of the H·W inputs of a "
                "channel receives dout / (H·W).",
                lambda dout, x: np.broadcast_to(np.asarray(dout)[:, :, None, None], np.shape(x)).astype(
                    _result_dtype(np.asarray(dout), np.asarray(x)))),
    ],
}
MISTAKES["max_pool_forward_cpu"] = MISTAKES["max_pool_forward"]      # the performance test's reference
