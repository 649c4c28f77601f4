"""References for assignment 05 (convolution), with its mistake catalogue and the finite differences of its property check.

Conventions (PyTorch's, stated in assignments/05_convolution/README.md):

- Layout NCHW: ``x`` (N, C, H, W), weights ``w`` (F, C, KH, KW), bias ``b`` (F,), output
  (N, F, H', W').
- Cross-correlation, no kernel flip:
  ``out[n, f, i, j] = b[f] + Σ_c Σ_p Σ_q w[f, c, p, q] · xp[n, c, i·S + p·D, j·S + q·D]``,
  where ``xp`` is ``x`` with ``P`` zeros on *each* side of H and W.
- Output size ``H' = ⌊(H + 2P − D·(KH − 1) − 1) / S⌋ + 1``, which is ``⌊(H + 2P − KH) / S⌋ + 1``
  for the dense kernel ``D = 1`` (dilation 1 is dense, as in PyTorch).

Every reference computes in float64 and returns the inputs' floating dtype (float32 in, float32
out): one compiled specialisation per kernel, and an expected output that is the exact result
rounded once, so a student's float32 rounding is the only error the tolerance has to cover.

Device: the conv functions run the CUDA kernels of :mod:`.cuda_kernels` when
:func:`.device.use_cuda` says so (``DLGRADE_DEVICE``), else the ``@njit`` kernels below.
``conv2d_forward_cpu`` always uses the CPU; the performance test times it, because the grader
times a reference by its thread's CPU time, which says nothing about a GPU. The CPU kernels are serial on
purpose: a ``prange`` kernel's other threads escape that clock, which would make every speed
ratio depend on the grading machine's core count (and ``parallel=True`` compiles ~4x slower).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from grader.authoring import Mistake, numerical_gradient

from . import device

# ------------------------------------------------------------------ the sample image and kernels


def sample_image(rng=None, height: int = 32, width: int = 48) -> np.ndarray:
    """The assignment's grayscale test picture, float64 (height, width) in [0, 1].

    Drawn procedurally, so it is the same on every machine (``rng`` is ignored; it is there so
    that specs can use this as a generator). Grey levels are multiples of 1/255, like an 8-bit
    image: a dark background with a left-to-right ramp, a bright square, a mid-grey disc, a
    diagonal bar and a checkerboard patch, so that edges of every direction, flat regions and
    fine texture all occur. ``assignments/05_convolution/image.npy`` holds ``sample_image()``.
    """
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    img = 20.0 + 40.0 * cols / max(width - 1, 1)
    img = np.where((rows >= 4) & (rows < 14) & (cols >= 5) & (cols < 17), 230.0, img)
    disc = (rows - 0.6 * height) ** 2 + (cols - 0.65 * width) ** 2 <= (0.22 * height) ** 2
    img = np.where(disc, 140.0, img)
    bar = np.abs(rows - (height - 1) + 0.9 * cols) <= 1.0
    img = np.where(bar, 255.0, img)
    checker = (rows >= height - 8) & (cols < 8) & (((rows // 2) + (cols // 2)) % 2 == 0)
    img = np.where(checker, 200.0, img)
    return np.round(img) / 255.0


def classic_kernel(rng=None, name: str = "box", **params) -> np.ndarray:
    """One of the kernels below by name (box, gaussian, sharpen, edge), as a spec generator."""
    makers = {"box": box_blur_kernel, "gaussian": gaussian_kernel, "sharpen": sharpen_kernel, "edge": edge_kernel}
    return makers[name](**params)


def box_blur_kernel(size: int = 3) -> np.ndarray:
    """(size, size) float64 of 1/size²: each output pixel is the mean of its neighbourhood."""
    return np.full((size, size), 1.0 / (size * size))


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """(size, size) float64: exp(−((p − c)² + (q − c)²) / (2σ²)) with c = (size − 1)/2, summing to 1."""
    offsets = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2.0 * sigma * sigma))
    return g / g.sum()


def sharpen_kernel() -> np.ndarray:
    """(3, 3) float64: 5 at the centre, −1 at the 4 direct neighbours (sums to 1)."""
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def edge_kernel() -> np.ndarray:
    """(3, 3) float64: the Sobel x kernel (right minus left), large on vertical edges.

    Not symmetric under a flip (flipping negates it), so it also shows whether a correlation
    flips its kernel.
    """
    return np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


# ------------------------------------------------------------------ CPU kernels (float64 only)
#
# Layout trick: the padded input is split into stride phases, plane (a, e) holding rows a, a + S,
# a + 2S, ... and columns e, e + S, ... of the padded input. Kernel tap (p, q) of output (i, j)
# reads padded row i·S + p·D = (i + ⌊p·D/S⌋)·S + (p·D mod S): in plane (p·D mod S, q·D mod S) it
# is row i + ⌊p·D/S⌋, column j + ⌊q·D/S⌋, a stride-1 correlation for any S and D. Storing an output
# plane with the width of a phase plane (the extra columns are scratch) makes every tap one long
# contiguous loop over the flattened plane, at a fixed offset into the flattened phases: so the
# forward pass, and the input gradient (a correlation of dout with the taps mirrored), are both
#     out[n, j, k] = bias[j] + Σ_t weights[j, t] · X[n, offsets[t] + k],
# which _correlate computes, and the weight gradient is _correlate_weights's dot products.
#
# Speed (see docs/PERFORMANCE.md): each pass over k handles four outputs j and four taps t, so
# every loaded X value feeds four multiply-adds and every output is loaded and stored once per four
# taps instead of once per tap; this runs the loops near the core's multiply-add rate, 2-3x faster
# than one tap at a time. Indices come from range() and offsets are sliced off first, so Numba can
# prove them non-negative: its wraparound check for negative indices would otherwise block
# vectorisation (measured 4x slower). fastmath "contract" only fuses a·b + c into one rounding;
# "reassoc" (weight gradient only) lets the sums vectorise by reordering them. Rows j are padded
# to a multiple of four with zero weights (their outputs are scratch); taps are not padded, so that
# an inf in the input cannot turn a padded 0·x into a NaN.

ROWS = 4        # outputs j per pass of the kernels below; callers pad weight rows to a multiple of it


@njit(cache=True, fastmath={"contract"})
def _correlate(X, offsets, weights, bias, width, out):
    """out[n, j, i, c] = bias[j] + Σ_t weights[j, t] · X[n, offsets[t] + i·width + c].

    X (N, L) float64; offsets (T,) int64 with offsets[t] + (H' − 1)·width + W' <= L; weights
    (J4, T) and bias (J4,) float64, J4 the J rows of out rounded up to a multiple of 4 (the extra
    rows are ignored); out (N, J, H', W') float64. Four rows j are summed at a time over whole
    lines of ``width`` (the columns from W' on are scratch) in a small buffer that stays in
    cache, and their W' real columns are then copied out.
    """
    n_batch, rows, out_h, out_w = out.shape
    span = (out_h - 1) * width + out_w
    taps = offsets.shape[0]
    whole = taps - taps % 4
    acc = np.empty((4, span))
    o0, o1, o2, o3 = acc[0], acc[1], acc[2], acc[3]
    for n in range(n_batch):
        xn = X[n]
        for j in range(0, weights.shape[0], 4):
            w0, w1, w2, w3 = weights[j], weights[j + 1], weights[j + 2], weights[j + 3]
            for k in range(span):
                o0[k] = bias[j]
                o1[k] = bias[j + 1]
                o2[k] = bias[j + 2]
                o3[k] = bias[j + 3]
            for t in range(0, whole, 4):
                xa, xb = xn[offsets[t]:], xn[offsets[t + 1]:]
                xc, xd = xn[offsets[t + 2]:], xn[offsets[t + 3]:]
                a0, b0, c0, d0 = w0[t], w0[t + 1], w0[t + 2], w0[t + 3]
                a1, b1, c1, d1 = w1[t], w1[t + 1], w1[t + 2], w1[t + 3]
                a2, b2, c2, d2 = w2[t], w2[t + 1], w2[t + 2], w2[t + 3]
                a3, b3, c3, d3 = w3[t], w3[t + 1], w3[t + 2], w3[t + 3]
                for k in range(span):
                    va, vb, vc, vd = xa[k], xb[k], xc[k], xd[k]
                    o0[k] += a0 * va + b0 * vb + c0 * vc + d0 * vd
                    o1[k] += a1 * va + b1 * vb + c1 * vc + d1 * vd
                    o2[k] += a2 * va + b2 * vb + c2 * vc + d2 * vd
                    o3[k] += a3 * va + b3 * vb + c3 * vc + d3 * vd
            for t in range(whole, taps):
                xa = xn[offsets[t]:]
                a0, a1, a2, a3 = w0[t], w1[t], w2[t], w3[t]
                for k in range(span):
                    va = xa[k]
                    o0[k] += a0 * va
                    o1[k] += a1 * va
                    o2[k] += a2 * va
                    o3[k] += a3 * va
            for r in range(min(4, rows - j)):
                for i in range(out_h):
                    line, target = acc[r, i * width:], out[n, j + r, i]
                    for c in range(out_w):
                        target[c] = line[c]


@njit(cache=True, fastmath={"contract", "reassoc"})
def _correlate_weights(G, shift, X, offsets, span, dweights):
    """dweights[j, t] += Σ_n Σ_k G[n, j, shift + k] · X[n, offsets[t] + k], for k < span.

    G (N, J, >= shift + span), X (N, L), dweights (J, T) float64 with J a multiple of 4;
    offsets (T,) int64. Sixteen dot products (four rows j, four taps t) share every load.
    """
    taps = offsets.shape[0]
    whole = taps - taps % 4
    for n in range(X.shape[0]):
        xn = X[n]
        for j in range(0, dweights.shape[0], 4):
            g0, g1 = G[n, j, shift:], G[n, j + 1, shift:]
            g2, g3 = G[n, j + 2, shift:], G[n, j + 3, shift:]
            d0, d1, d2, d3 = dweights[j], dweights[j + 1], dweights[j + 2], dweights[j + 3]
            for t in range(0, whole, 4):
                xa, xb = xn[offsets[t]:], xn[offsets[t + 1]:]
                xc, xd = xn[offsets[t + 2]:], xn[offsets[t + 3]:]
                s0a = s0b = s0c = s0d = s1a = s1b = s1c = s1d = 0.0
                s2a = s2b = s2c = s2d = s3a = s3b = s3c = s3d = 0.0
                for k in range(span):
                    va, vb, vc, vd = xa[k], xb[k], xc[k], xd[k]
                    h0, h1, h2, h3 = g0[k], g1[k], g2[k], g3[k]
                    s0a += h0 * va
                    s0b += h0 * vb
                    s0c += h0 * vc
                    s0d += h0 * vd
                    s1a += h1 * va
                    s1b += h1 * vb
                    s1c += h1 * vc
                    s1d += h1 * vd
                    s2a += h2 * va
                    s2b += h2 * vb
                    s2c += h2 * vc
                    s2d += h2 * vd
                    s3a += h3 * va
                    s3b += h3 * vb
                    s3c += h3 * vc
                    s3d += h3 * vd
                d0[t] += s0a
                d0[t + 1] += s0b
                d0[t + 2] += s0c
                d0[t + 3] += s0d
                d1[t] += s1a
                d1[t + 1] += s1b
                d1[t + 2] += s1c
                d1[t + 3] += s1d
                d2[t] += s2a
                d2[t + 1] += s2b
                d2[t + 2] += s2c
                d2[t + 3] += s2d
                d3[t] += s3a
                d3[t + 1] += s3b
                d3[t + 2] += s3c
                d3[t + 3] += s3d
            for t in range(whole, taps):
                xa = xn[offsets[t]:]
                s0 = s1 = s2 = s3 = 0.0
                for k in range(span):
                    va = xa[k]
                    s0 += g0[k] * va
                    s1 += g1[k] * va
                    s2 += g2[k] * va
                    s3 += g3[k] * va
                d0[t] += s0
                d1[t] += s1
                d2[t] += s2
                d3[t] += s3


# ------------------------------------------------------------------ shapes, padding, dispatch

def output_size(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    """⌊(size + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def _geometry(x, w, b, stride, pad, dilation) -> tuple[int, int, int, int, int]:
    """Checked (stride, pad, dilation, H', W') as Python ints; ValueError on bad shapes."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W) and w (F, C, KH, KW); got {x.shape} and {w.shape}")
    if w.shape[1] != x.shape[1] or b.shape != (w.shape[0],):
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
    stride, pad, dilation = int(stride), int(pad), int(dilation)
    if stride < 1 or pad < 0 or dilation < 1:
        raise ValueError(f"need stride >= 1, pad >= 0, dilation >= 1; got {stride}, {pad}, {dilation}")
    out_h = output_size(x.shape[2], w.shape[2], stride, pad, dilation)
    out_w = output_size(x.shape[3], w.shape[3], stride, pad, dilation)
    if out_h < 1 or out_w < 1:
        raise ValueError(f"the kernel {w.shape[2:]} (dilation {dilation}) does not fit the padded input")
    return stride, pad, dilation, out_h, out_w


def _result_dtype(*arrays) -> np.dtype:
    """The floating dtype the result takes: float32 only when every input is float32 (or narrower)."""
    return np.result_type(*(a.dtype for a in arrays), np.float32)


def _f64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _padded(x, pad: int) -> np.ndarray:
    """x as float64 with ``pad`` zeros on each side of H and W (a new array)."""
    return np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _to_phases(xp: np.ndarray, stride: int) -> np.ndarray:
    """(N, C, Hp, Wp) -> (N, C, S, S, Hq·Wq): the stride phases, flattened (see the kernels' note).

    Hp and Wp are first rounded up to multiples of S with zeros, which no window reaches. For
    S = 1 the result is a view of xp.
    """
    n, c, hp, wp = xp.shape
    hq, wq = -(-hp // stride), -(-wp // stride)
    full = xp if (hq * stride, wq * stride) == (hp, wp) else np.pad(
        xp, ((0, 0), (0, 0), (0, hq * stride - hp), (0, wq * stride - wp)))
    return np.ascontiguousarray(full.reshape(n, c, hq, stride, wq, stride).transpose(0, 1, 3, 5, 2, 4)
                                ).reshape(n, c, stride, stride, hq * wq)


def _from_phases(phases: np.ndarray, stride: int, hp: int, wp: int) -> np.ndarray:
    """The inverse of :func:`_to_phases`: (N, C, S, S, Hq·Wq) -> (N, C, Hp, Wp)."""
    n, c = phases.shape[:2]
    hq, wq = -(-hp // stride), -(-wp // stride)
    full = phases.reshape(n, c, stride, stride, hq, wq).transpose(0, 1, 4, 2, 5, 3)
    return full.reshape(n, c, hq * stride, wq * stride)[:, :, :hp, :wp]


def _with_padded_rows(a: np.ndarray) -> np.ndarray:
    """``a`` (J, ...) with zero rows appended up to a multiple of ROWS (a new C-contiguous array)."""
    rows = -(-a.shape[0] // ROWS) * ROWS
    padded = np.zeros((rows,) + a.shape[1:])
    padded[:a.shape[0]] = a
    return padded


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` (N, ...) as (N, everything else), also for N = 0."""
    return a.reshape(a.shape[0], int(np.prod(a.shape[1:])))


def _taps(channels, kh, kw, stride, dilation, width, plane) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each kernel tap reads the flattened phases (N, C·S·S·plane) of a padded input.

    Returns offsets (C·KH·KW,) int64 in the order of ``w.reshape(F, -1)``, and per tap (p, q)
    (KH·KW,): the start ⌊p·D/S⌋·width + ⌊q·D/S⌋ inside its phase plane and that plane's index
    (p·D mod S)·S + (q·D mod S).
    """
    p, q = np.meshgrid(np.arange(kh) * dilation, np.arange(kw) * dilation, indexing="ij")
    starts = ((p // stride) * width + q // stride).reshape(-1)
    phase = ((p % stride) * stride + q % stride).reshape(-1)
    offsets = (np.arange(channels)[:, None] * stride * stride + phase[None, :]) * plane + starts[None, :]
    return offsets.reshape(-1).astype(np.int64), starts, phase


def _forward_cpu(x, w64, b64, stride, pad, dilation, out_h, out_w) -> np.ndarray:
    """(N, F, H', W') float64 by _correlate over the stride phases of the padded input."""
    xp = _padded(x, pad)
    phases = _to_phases(xp, stride)
    n_batch, channels, filters = x.shape[0], x.shape[1], w64.shape[0]
    width, plane = -(-xp.shape[3] // stride), phases.shape[-1]
    offsets, _, _ = _taps(channels, w64.shape[2], w64.shape[3], stride, dilation, width, plane)
    out = np.empty((n_batch, filters, out_h, out_w))
    _correlate(_rows(phases), offsets, _with_padded_rows(_rows(w64)), _with_padded_rows(b64), width, out)
    return out


def _backward_cpu(dout64, x, w64, stride, pad, dilation, out_h, out_w) -> tuple[np.ndarray, np.ndarray]:
    """(dxp like the padded x, dw like w), float64: dw by _correlate_weights; dx, per stride phase,
    by _correlate of dout with the taps that read that phase, mirrored."""
    xp = _padded(x, pad)
    phases = _to_phases(xp, stride)
    n_batch, channels = x.shape[0], x.shape[1]
    filters, kh, kw = w64.shape[0], w64.shape[2], w64.shape[3]
    width, plane = -(-xp.shape[3] // stride), phases.shape[-1]
    offsets, starts, phase = _taps(channels, kh, kw, stride, dilation, width, plane)
    # dout laid out like the forward pass's output planes (zeros in the scratch columns), after
    # `front` zeros: output k of a tap starting at s feeds phase position s + k, so position r
    # gathers G[front − s + r], and every index stays inside the row.
    front = int(starts.max())
    G = np.zeros((n_batch, -(-filters // ROWS) * ROWS, front + plane))
    # splitting the last axis of a view is always a view: this writes into G
    lines = G[:, :filters, front:front + out_h * width].reshape(n_batch, filters, out_h, width)
    lines[:, :, :, :out_w] = dout64
    dweights = np.zeros((G.shape[1], offsets.size))
    _correlate_weights(G, front, _rows(phases), offsets, (out_h - 1) * width + out_w, dweights)
    # with stride 1 the one phase plane is the padded input, and _correlate writes dx into it
    # directly; otherwise plane by plane (planes no tap reads get no gradient)
    dphases = np.empty_like(phases) if stride == 1 else np.zeros_like(phases)
    w_taps = w64.reshape(filters, channels, kh * kw)
    no_bias = np.zeros(-(-channels // ROWS) * ROWS)
    for plane_index in np.unique(phase):
        chosen = np.flatnonzero(phase == plane_index)
        dx_offsets = (np.arange(filters)[:, None] * G.shape[2] + front - starts[chosen][None, :]).reshape(-1)
        dx_weights = _with_padded_rows(
            w_taps[:, :, chosen].transpose(1, 0, 2).reshape(channels, filters * chosen.size))
        shape = (n_batch, channels, 1, plane)
        gathered = dphases.reshape(shape) if stride == 1 else np.empty(shape)
        _correlate(_rows(G), dx_offsets, dx_weights, no_bias, plane, gathered)
        if stride > 1:
            dphases[:, :, plane_index // stride, plane_index % stride] = gathered[:, :, 0]
    dxp = _from_phases(dphases, stride, xp.shape[2], xp.shape[3])
    return dxp, dweights[:filters].reshape(w64.shape)


def _forward(x, w, b, stride, pad, dilation, use_cuda: bool) -> np.ndarray:
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    stride, pad, dilation, out_h, out_w = _geometry(x, w, b, stride, pad, dilation)
    w64, b64 = _f64(w), _f64(b)
    if use_cuda:
        from . import cuda_kernels
        out = cuda_kernels.cuda_conv2d_forward(_padded(x, pad), w64, b64, stride, dilation, out_h, out_w)
    else:
        out = _forward_cpu(x, w64, b64, stride, pad, dilation, out_h, out_w)
    return out.astype(_result_dtype(x, w, b), copy=False)


def _backward(dout, x, w, stride, pad, dilation, use_cuda: bool):
    dout, x, w = np.asarray(dout), np.asarray(x), np.asarray(w)
    stride, pad, dilation, out_h, out_w = _geometry(x, w, np.zeros(w.shape[0]), stride, pad, dilation)
    if dout.shape != (x.shape[0], w.shape[0], out_h, out_w):
        raise ValueError(f"dout must be {(x.shape[0], w.shape[0], out_h, out_w)}, got {dout.shape}")
    w64, dout64 = _f64(w), _f64(dout)
    if use_cuda:
        from . import cuda_kernels
        dxp, dw = cuda_kernels.cuda_conv2d_backward(dout64, _padded(x, pad), w64, stride, dilation)
    else:
        dxp, dw = _backward_cpu(dout64, x, w64, stride, pad, dilation, out_h, out_w)
    height, width = x.shape[2], x.shape[3]
    dtype = _result_dtype(dout, x, w)
    return (dxp[:, :, pad:pad + height, pad:pad + width].astype(dtype), dw.astype(dtype),
            dout64.sum(axis=(0, 2, 3)).astype(dtype))


# ------------------------------------------------------------------ the graded functions

def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1) -> np.ndarray:
    """Forward pass of a 2-D convolution layer (cross-correlation), on the selected device.

    x (N, C, H, W), w (F, C, KH, KW), b (F,) -> out (N, F, H', W') in the inputs' float dtype.
    """
    return _forward(x, w, b, stride, pad, dilation, device.use_cuda())


def conv2d_forward_cpu(x, w, b, stride=1, pad=0, dilation=1) -> np.ndarray:
    """:func:`conv2d_forward` on the CPU whatever the device: the one performance tests time."""
    return _forward(x, w, b, stride, pad, dilation, False)


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1):
    """Backward pass of :func:`conv2d_forward`, on the selected device.

    dout (N, F, H', W') is ∂L/∂out; returns (dx (N, C, H, W), dw (F, C, KH, KW), db (F,)),
    each summed over the batch, in the inputs' float dtype.
    """
    return _backward(dout, x, w, stride, pad, dilation, device.use_cuda())


def correlate2d(image, kernel, stride=1, pad=0) -> np.ndarray:
    """Cross-correlation of one 2-D image (H, W) with one kernel (KH, KW) -> (H', W').

    The one-image, one-channel, one-filter, no-bias case of :func:`conv2d_forward`.
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"image and kernel must be 2-D; got {image.shape} and {kernel.shape}")
    bias = np.zeros(1, dtype=_result_dtype(image, kernel))
    return conv2d_forward(image[None, None], kernel[None, None], bias, stride, pad)[0, 0]


def apply_kernel(image, kernel) -> np.ndarray:
    """``image`` (H, W) filtered by an odd (K, K) ``kernel``, zero-padded so that the size stays (H, W)."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
        raise ValueError(f"apply_kernel needs an odd square kernel; got {kernel.shape}")
    return correlate2d(image, kernel, 1, (kernel.shape[0] - 1) // 2)


# ------------------------------------------------------------------ for the property check

STEP = 1e-3       # of the centred differences in finite_differences


def finite_differences(args: dict, **_) -> dict:
    """Centred differences (step STEP) of L(x, w, b) = Σ dout · conv2d_forward(x, w, b) at the
    test's inputs, ``{"dx", "dw", "db"}``: exactly what conv2d_backward must return, and what
    :func:`properties.gradients_match_numerical` compares it with. L is linear in each argument,
    so the differences have no truncation error whatever the step: a large step keeps their
    rounding error far below the check's tolerance, even for gradient elements near zero."""
    dout, geometry = _f64(args["dout"]), (args["stride"], args["pad"], args["dilation"])
    x, w = _f64(args["x"]).copy(), _f64(args["w"]).copy()
    b = np.zeros(w.shape[0])

    def loss(x_, w_, b_):
        return float(np.sum(dout * conv2d_forward_cpu(x_, w_, b_, *geometry)))

    return {"dx": numerical_gradient(lambda v: loss(v, w, b), x, STEP),
            "dw": numerical_gradient(lambda v: loss(x, v, b), w, STEP),
            "db": numerical_gradient(lambda v: loss(x, w, v), b, STEP)}


# ------------------------------------------------------------------ mistakes, as students write them

def _student_geometry(x, w, stride, pad, dilation, pad_before, pad_after, size_plus_one=True,
                      width_from_height=False):
    """(padded x, H', W') as a student computes them, padding ``pad_before``/``pad_after`` (default
    ``pad``); ``width_from_height``: W' by the height's formula (H and KH), as a copied line does."""
    before = pad if pad_before is None else pad_before
    after = pad if pad_after is None else pad_after
    xp = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (before, after), (before, after)))
    kh, kw = w.shape[2], w.shape[3]
    extra = 1 if size_plus_one else 0
    out_h = (xp.shape[2] - dilation * (kh - 1) - 1) // stride + extra
    out_w = out_h if width_from_height else (xp.shape[3] - dilation * (kw - 1) - 1) // stride + extra
    return xp, out_h, out_w


def _window_index(out_size, kernel, step, dilation):
    """rows[i, p] = i·step + p·dilation: where output i reads kernel row p."""
    return np.arange(out_size)[:, None] * step + np.arange(kernel)[None, :] * dilation


def _windows(xp, out_h, out_w, kh, kw, step, dilation):
    """(N, C, H', W', KH, KW): every window of xp, output (i, j) starting at (i·step, j·step)."""
    rows = _window_index(out_h, kh, step, dilation)
    cols = _window_index(out_w, kw, step, dilation)
    return xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]


def _effective_weights(w, flip, flatten_mismatch):
    w = np.asarray(w, dtype=np.float64)
    if flip:
        w = w[:, :, ::-1, ::-1]
    if flatten_mismatch:
        # im2col columns flattened as (KH, KW, C) against w.reshape(F, -1) flattened as (C, KH, KW)
        f, c, kh, kw = w.shape
        w = w.reshape(f, kh, kw, c).transpose(0, 3, 1, 2)
    return w


def _student_forward(x, w, b, stride=1, pad=0, dilation=1, *, flip=False, window_stride=True,
                     pad_before=None, pad_after=None, size_plus_one=True, bias_times=1,
                     channels="all", flatten_mismatch=False, channels_last_output=False,
                     dilation_offset=0, width_from_height=False):
    """conv2d_forward in NumPy, with one mistake switched on by a keyword (defaults: correct)."""
    dilation = dilation + dilation_offset
    w_used = _effective_weights(w, flip, flatten_mismatch)
    xp, out_h, out_w = _student_geometry(x, w, stride, pad, dilation, pad_before, pad_after, size_plus_one,
                                         width_from_height)
    win = _windows(xp, out_h, out_w, w.shape[2], w.shape[3], stride if window_stride else 1, dilation)
    if channels == "all":
        out = np.einsum("nchwpq,fcpq->nfhw", win, w_used)
    else:        # 'last': the sum over c overwritten per channel; 'first': only channel 0
        c = -1 if channels == "last" else 0
        out = np.einsum("nhwpq,fpq->nfhw", win[:, c], w_used[:, c])
    out = out + bias_times * np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out.transpose(0, 2, 3, 1) if channels_last_output else out


def _student_backward(dout, x, w, stride=1, pad=0, dilation=1, *, flip=False, window_stride=True,
                      dx_crop="centre", dx_assign=False, dw_last_sample=False, db_per_sample=False,
                      db_times=1):
    """conv2d_backward in NumPy, with one mistake switched on by a keyword (defaults: correct)."""
    dout = np.asarray(dout, dtype=np.float64)
    w_used = _effective_weights(w, flip, False)
    xp, out_h, out_w = _student_geometry(x, w, stride, pad, dilation, None, None)
    if dout.shape[2:] != (out_h, out_w):
        raise ValueError("this mistake gives another output size: its backward cannot take this dout")
    kh, kw = w.shape[2], w.shape[3]
    step = stride if window_stride else 1
    win = _windows(xp, out_h, out_w, kh, kw, step, dilation)
    batch = slice(-1, None) if dw_last_sample else slice(None)     # the last sample's share only
    dw = np.einsum("nfhw,nchwpq->fcpq", dout[batch], win[batch])
    if flip:
        dw = dw[:, :, ::-1, ::-1]
    db = db_times * (dout.sum(axis=(2, 3)) if db_per_sample else dout[batch].sum(axis=(0, 2, 3)))
    dxp = np.zeros_like(xp)
    rows, cols = _window_index(out_h, kh, step, dilation), _window_index(out_w, kw, step, dilation)
    if dx_assign:            # dxp[window] = ... in a loop over (n, f, i, j): the last write wins
        for n, f, i, j in np.ndindex(dout.shape):
            dxp[n][:, rows[i][:, None], cols[j][None, :]] = w_used[f] * dout[n, f, i, j]
    else:
        for p in range(kh):
            for q in range(kw):
                # for one tap (p, q) the rows i·step + p·D are distinct: no index repeats
                dxp[:, :, rows[:, p][:, None], cols[:, q][None, :]] += np.einsum(
                    "nfhw,fc->nchw", dout, w_used[:, :, p, q])
    height, width = np.shape(x)[2], np.shape(x)[3]
    crops = {
        "centre": dxp[:, :, pad:pad + height, pad:pad + width],
        "start": dxp[:, :, :height, :width],                 # the leading padding kept
        "zero_slice": dxp[:, :, pad:-pad, pad:-pad],         # empty when pad == 0
        "keep_end": dxp[:, :, pad:, pad:],                   # the trailing padding kept
    }
    return crops[dx_crop], dw, db


def _forward_mistake(**variant):
    return lambda x, w, b, stride=1, pad=0, dilation=1: _student_forward(x, w, b, stride, pad, dilation, **variant)


def _backward_mistake(**variant):
    return lambda dout, x, w, stride=1, pad=0, dilation=1: _student_backward(dout, x, w, stride, pad, dilation, **variant)


def _image_mistake(**variant):
    """A conv2d_forward mistake seen through correlate2d (one image, one kernel, no bias)."""
    def correlate(image, kernel, stride=1, pad=0):
        return _student_forward(np.asarray(image)[None, None], np.asarray(kernel)[None, None],
                                np.zeros(1), stride, pad, **variant)[0, 0]
    return correlate


def _gaussian_variant(size, sigma, normalise=True, two=2.0, centre=None):
    """gaussian_kernel with one mistake: no normalisation, another factor than 2, another centre."""
    c = (size - 1) / 2.0 if centre is None else centre
    d = np.arange(size) - c
    g = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (two * sigma * sigma))
    return g / g.sum() if normalise else g


#: Hints shared by the forward pass and the one-image warm-up.
_HINTS = {
    "flipped_kernel": "Your output is a true convolution: the kernel is flipped. In deep learning "
                      "'convolution' is cross-correlation: out[i, j] = Σ w[p, q]·x[i + p, j + q], "
                      "kernel not flipped.",
    "window_start": "Output (i, j) must read the window that starts at row i·stride and column "
                    "j·stride of the padded input; your windows start at (i, j).",
    "width_from_height": "The output width comes from the input's width and the kernel's: W' = "
                         "⌊(W + 2P − KW)/S⌋ + 1. Yours has the height's size, H' (a copied line that "
                         "still says H or KH?), which shows only when the input or the kernel is not square.",
    "size_off_by_one": "One row and column too few: the output has H' = ⌊(H + 2P − KH)/S⌋ + 1 rows "
                       "(count the first window too).",
    "pad_counted_once": "The padding P goes on each side: the padded input has H + 2P rows, with P "
                        "rows of zeros above and P below (and the same for columns).",
    "pad_one_side": "The padding goes on both sides: P zero rows above and P below (and P zero "
                    "columns left and right), not only after the input.",
}


MISTAKES = {
    "conv2d_forward": [
        Mistake("flipped_kernel", _HINTS["flipped_kernel"], _forward_mistake(flip=True)),
        Mistake("window_start", _HINTS["window_start"], _forward_mistake(window_stride=False)),
        Mistake("size_off_by_one", _HINTS["size_off_by_one"], _forward_mistake(size_plus_one=False)),
        Mistake("width_from_height", _HINTS["width_from_height"], _forward_mistake(width_from_height=True)),
        Mistake("pad_counted_once", _HINTS["pad_counted_once"], _forward_mistake(pad_after=0)),
        Mistake("pad_one_side", _HINTS["pad_one_side"], _forward_mistake(pad_before=0)),
        Mistake("channels_not_summed", "Each output sums over all C input channels; this looks like "
                "the last channel only, as when the sum is overwritten (=) instead of accumulated (+=).",
                _forward_mistake(channels="last")),
        Mistake("first_channel_only", "Each output sums over all C input channels; this looks like "
                "channel 0 only.", _forward_mistake(channels="first")),
        Mistake("flatten_order", "The im2col columns and w.reshape(F, -1) must flatten (C, KH, KW) in "
                "the same order; here the window is flattened as (KH, KW, C).",
                _forward_mistake(flatten_mismatch=True)),
        Mistake("channels_last", "The output layout is NCHW, (N, F, H', W'); yours is (N, H', W', F).",
                _forward_mistake(channels_last_output=True)),
        Mistake("dilation_off_by_one", "Dilation D means the kernel taps are D apart (D = 1 is a dense "
                "kernel, as in PyTorch): tap p reads row i·S + p·D.", _forward_mistake(dilation_offset=1)),
        Mistake("bias_per_channel", "The bias b[f] is added once per output value, not once per input "
                "channel: add it after summing over the channels.",
                lambda x, w, b, stride=1, pad=0, dilation=1:
                    _student_forward(x, w, b, stride, pad, dilation, bias_times=np.shape(x)[1])),
        Mistake("dilation_ignored", "Dilation D spreads the kernel taps D apart: tap p reads row "
                "i·S + p·D, and H' = ⌊(H + 2P − D·(KH − 1) − 1)/S⌋ + 1.",
                lambda x, w, b, stride=1, pad=0, dilation=1: _student_forward(x, w, b, stride, pad, 1)),
    ],
    "conv2d_backward": [
        Mistake("flipped_kernel", _HINTS["flipped_kernel"], _backward_mistake(flip=True)),
        Mistake("window_start", _HINTS["window_start"], _backward_mistake(window_stride=False)),
        Mistake("pad_zero_slice", "dx comes out empty: with pad = 0, the slice pad:-pad is 0:-0, "
                "which selects nothing. Crop the padding with pad:pad + H and pad:pad + W.",
                _backward_mistake(dx_crop="zero_slice")),
        Mistake("dx_crop_start", "dx is shifted: crop the padded gradient to rows pad:pad + H and "
                "columns pad:pad + W, dropping P rows and columns on each side.",
                _backward_mistake(dx_crop="start")),
        Mistake("dx_crop_end", "dx keeps the bottom and right padding: crop the padded gradient to "
                "rows pad:pad + H and columns pad:pad + W.", _backward_mistake(dx_crop="keep_end")),
        Mistake("dx_overwritten", "Where windows overlap (stride smaller than the kernel), an input "
                "pixel gets gradient from several outputs: accumulate into dx with +=, do not assign.",
                _backward_mistake(dx_assign=True)),
        Mistake("dw_db_overwritten_per_sample", "dw and db look like the last sample's contribution "
                "only: accumulate (+=) over the whole batch, do not overwrite per sample.",
                _backward_mistake(dw_last_sample=True)),
        Mistake("db_per_sample", "db has one entry per filter, (F,): sum dout over the batch and the "
                "output positions, axes (0, 2, 3).", _backward_mistake(db_per_sample=True)),
        Mistake("bias_per_channel", "db is C times too large, as when the forward pass adds b[f] once "
                "per input channel: the bias is added once per output value, so db[f] = Σ dout[:, f].",
                lambda dout, x, w, stride=1, pad=0, dilation=1:
                    _student_backward(dout, x, w, stride, pad, dilation, db_times=np.shape(x)[1])),
    ],
    "correlate2d": [
        Mistake("flipped_kernel", _HINTS["flipped_kernel"], _image_mistake(flip=True)),
        Mistake("window_start", _HINTS["window_start"], _image_mistake(window_stride=False)),
        Mistake("size_off_by_one", _HINTS["size_off_by_one"], _image_mistake(size_plus_one=False)),
        Mistake("width_from_height", _HINTS["width_from_height"], _image_mistake(width_from_height=True)),
        Mistake("pad_counted_once", _HINTS["pad_counted_once"], _image_mistake(pad_after=0)),
        Mistake("pad_one_side", _HINTS["pad_one_side"], _image_mistake(pad_before=0)),
    ],
    "apply_kernel": [
        Mistake("no_padding", "The filtered image must keep the size (H, W): pad (K − 1)/2 zeros on "
                "each side before correlating.", lambda image, kernel: _image_mistake()(image, kernel)),
        Mistake("flipped_kernel", _HINTS["flipped_kernel"],
                lambda image, kernel: _image_mistake(flip=True)(image, kernel, 1, (np.shape(kernel)[0] - 1) // 2)),
        Mistake("pad_too_wide", "Pad (K − 1)/2 zeros on each side, not K − 1: the output keeps the "
                "size (H, W).", lambda image, kernel: _image_mistake()(image, kernel, 1, np.shape(kernel)[0] - 1)),
    ],
    "box_blur_kernel": [
        Mistake("not_normalised", "A blur averages: every weight is 1/size², so they sum to 1.",
                lambda size=3: np.ones((size, size))),
        Mistake("divided_by_size", "There are size² weights, so each is 1/size², not 1/size.",
                lambda size=3: np.full((size, size), 1.0 / size)),
    ],
    "gaussian_kernel": [
        Mistake("not_normalised", "Divide by the sum of the weights, so that they add up to 1 and the "
                "blur keeps the brightness.", lambda size=5, sigma=1.0: _gaussian_variant(size, sigma, normalise=False)),
        Mistake("missing_factor_2", "The exponent is −d²/(2σ²): keep the factor 2.",
                lambda size=5, sigma=1.0: _gaussian_variant(size, sigma, two=1.0)),
        Mistake("not_centred", "Measure distances from the centre c = (size − 1)/2, not from the corner.",
                lambda size=5, sigma=1.0: _gaussian_variant(size, sigma, centre=0.0)),
        Mistake("centre_half_size", "The centre of a kernel of odd size is the middle cell, c = (size − 1)/2 "
                "(2 for size 5): size/2 = 2.5 puts it half a cell off, so the kernel is not symmetric.",
                lambda size=5, sigma=1.0: _gaussian_variant(size, sigma, centre=size / 2)),
        Mistake("sigma_not_squared", "The exponent divides by 2σ², sigma squared.",
                lambda size=5, sigma=1.0: _gaussian_variant(size, np.sqrt(sigma))),
    ],
    "sharpen_kernel": [
        Mistake("eight_neighbours", "This sharpen kernel uses the 4 direct neighbours only: −1 above, "
                "below, left and right, 5 in the centre, 0 in the corners.",
                lambda: np.array([[-1.0, -1.0, -1.0], [-1.0, 9.0, -1.0], [-1.0, -1.0, -1.0]])),
        Mistake("centre_4", "The weights of a sharpen kernel sum to 1 (the image keeps its "
                "brightness): the centre is 5, not 4.",
                lambda: np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])),
    ],
    "edge_kernel": [
        Mistake("sobel_y", "That is Sobel y (bottom minus top, for horizontal edges); the task asks "
                "for Sobel x: right column minus left column.", lambda: edge_kernel().T),
        Mistake("left_minus_right", "Sobel x is right minus left: −1, −2, −1 in the left column.",
                lambda: -edge_kernel()),
        Mistake("laplacian", "The task asks for the Sobel x kernel, not a Laplacian.",
                lambda: np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])),
    ],
}


MISTAKES["conv2d_forward_cpu"] = MISTAKES["conv2d_forward"]     # the performance test's reference


def conv2d_forward_undilated(x, w, b, stride=1, pad=0) -> np.ndarray:
    """conv2d_forward with dilation 1: the reference of the CUDA bonus, which has no dilation."""
    return conv2d_forward(x, w, b, stride, pad)


# The CUDA bonus cannot ignore a dilation it does not take: no test of it could catch that mistake.
MISTAKES["conv2d_forward_undilated"] = [m for m in MISTAKES["conv2d_forward"] if m.name != "dilation_ignored"]
