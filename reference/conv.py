"""References for assignment 05 (convolution), with its mistake catalogue and property checks.

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

from grader.gradcheck import numerical_gradient, relative_error
from grader.mistakes import Mistake

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
# contiguous loop over the flattened plane, which LLVM vectorises. Indices come from range() and
# offsets are sliced off first, so Numba can prove them non-negative: its wraparound check for
# negative indices would otherwise block vectorisation (measured 4x slower).


@njit(cache=True)
def _forward_kernel(phases, w, b, stride, dilation, out_h, out_w, width, wide):
    """wide (N, F, H'·width) = b + correlation of phases (N, C, S, S, Hq·width) with w (F, C, KH, KW).

    Output (i, j) lands at wide[n, f, i·width + j]; columns j >= W' are scratch.
    """
    n_batch, channels = phases.shape[0], phases.shape[1]
    filters, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    span = (out_h - 1) * width + out_w
    for n in range(n_batch):
        for f in range(filters):
            o = wide[n, f]
            bias = b[f]
            for k in range(span):
                o[k] = bias
            for c in range(channels):
                for p in range(kh):
                    for q in range(kw):
                        weight = w[f, c, p, q]
                        start = (p * dilation // stride) * width + q * dilation // stride
                        x = phases[n, c, p * dilation % stride, q * dilation % stride, start:]
                        for k in range(span):
                            o[k] += weight * x[k]


@njit(cache=True, fastmath={"reassoc", "contract"})
def _backward_kernel(wide_dout, phases, w, stride, dilation, out_h, out_w, width, dphases, dw):
    """Adds into dphases (like phases) and dw (F, C, KH, KW) the gradients for wide_dout (N, F, H'·width).

    wide_dout holds dout[n, f, i, j] at i·width + j and zeros in the scratch columns.
    ``reassoc`` lets the dot product for dw vectorise (it only reorders a float64 sum).
    """
    n_batch, channels = phases.shape[0], phases.shape[1]
    filters, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    span = (out_h - 1) * width + out_w
    for n in range(n_batch):
        for f in range(filters):
            g = wide_dout[n, f]
            for c in range(channels):
                for p in range(kh):
                    for q in range(kw):
                        weight = w[f, c, p, q]
                        start = (p * dilation // stride) * width + q * dilation // stride
                        a, e = p * dilation % stride, q * dilation % stride
                        x = phases[n, c, a, e, start:]
                        dx = dphases[n, c, a, e, start:]
                        acc = 0.0
                        for k in range(span):
                            acc += g[k] * x[k]
                            dx[k] += weight * g[k]
                        dw[f, c, p, q] += acc


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

    Hp and Wp are first rounded up to multiples of S with zeros, which no window reaches.
    """
    n, c, hp, wp = xp.shape
    hq, wq = -(-hp // stride), -(-wp // stride)
    full = np.pad(xp, ((0, 0), (0, 0), (0, hq * stride - hp), (0, wq * stride - wp)))
    return np.ascontiguousarray(full.reshape(n, c, hq, stride, wq, stride).transpose(0, 1, 3, 5, 2, 4)
                                ).reshape(n, c, stride, stride, hq * wq)


def _from_phases(phases: np.ndarray, stride: int, hp: int, wp: int) -> np.ndarray:
    """The inverse of :func:`_to_phases`: (N, C, S, S, Hq·Wq) -> (N, C, Hp, Wp)."""
    n, c = phases.shape[:2]
    hq, wq = -(-hp // stride), -(-wp // stride)
    full = phases.reshape(n, c, stride, stride, hq, wq).transpose(0, 1, 4, 2, 5, 3)
    return full.reshape(n, c, hq * stride, wq * stride)[:, :, :hp, :wp]


def _forward(x, w, b, stride, pad, dilation, use_cuda: bool) -> np.ndarray:
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    stride, pad, dilation, out_h, out_w = _geometry(x, w, b, stride, pad, dilation)
    xp, w64, b64 = _padded(x, pad), _f64(w), _f64(b)
    if use_cuda:
        from . import cuda_kernels
        out = cuda_kernels.cuda_conv2d_forward(xp, w64, b64, stride, dilation, out_h, out_w)
    else:
        plane_width = -(-xp.shape[3] // stride)
        wide = np.empty((x.shape[0], w.shape[0], out_h * plane_width))
        _forward_kernel(_to_phases(xp, stride), w64, b64, stride, dilation, out_h, out_w, plane_width, wide)
        out = wide.reshape(x.shape[0], w.shape[0], out_h, plane_width)[:, :, :, :out_w]
    return out.astype(_result_dtype(x, w, b))


def _backward(dout, x, w, stride, pad, dilation, use_cuda: bool):
    dout, x, w = np.asarray(dout), np.asarray(x), np.asarray(w)
    stride, pad, dilation, out_h, out_w = _geometry(x, w, np.zeros(w.shape[0]), stride, pad, dilation)
    if dout.shape != (x.shape[0], w.shape[0], out_h, out_w):
        raise ValueError(f"dout must be {(x.shape[0], w.shape[0], out_h, out_w)}, got {dout.shape}")
    xp, w64, dout64 = _padded(x, pad), _f64(w), _f64(dout)
    if use_cuda:
        from . import cuda_kernels
        dxp, dw = cuda_kernels.cuda_conv2d_backward(dout64, xp, w64, stride, dilation)
    else:
        plane_width = -(-xp.shape[3] // stride)
        wide_dout = np.zeros((x.shape[0], w.shape[0], out_h, plane_width))
        wide_dout[:, :, :, :out_w] = dout64
        phases = _to_phases(xp, stride)
        dphases, dw = np.zeros_like(phases), np.zeros_like(w64)
        _backward_kernel(wide_dout.reshape(x.shape[0], w.shape[0], -1), phases, w64, stride, dilation,
                         out_h, out_w, plane_width, dphases, dw)
        dxp = _from_phases(dphases, stride, xp.shape[2], xp.shape[3])
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


# ------------------------------------------------------------------ property checks

STEP = 1e-3       # of the centred differences in gradients_match_numerical


def gradients_match_numerical(args: dict, output, tolerance: float = 1e-6) -> tuple[bool, str]:
    """`conv2d_backward` output (dx, dw, db) agrees with centred differences of the forward pass.

    The loss is L(x, w, b) = Σ dout · conv2d_forward(x, w, b), so ∂L/∂x, ∂L/∂w, ∂L/∂b are exactly
    what conv2d_backward must return. The error of each gradient is the elementwise maximum of
    |got − numeric| / max(1e-8, |got| + |numeric|). L is linear in each argument, so the
    differences have no truncation error whatever the step: a large step (1e-3) keeps their
    rounding error far below the tolerance, even for gradient elements near zero.
    """
    dout, geometry = _f64(args["dout"]), (args["stride"], args["pad"], args["dilation"])
    x, w = _f64(args["x"]).copy(), _f64(args["w"]).copy()
    b = np.zeros(w.shape[0])

    def loss(x_, w_, b_):
        return float(np.sum(dout * conv2d_forward_cpu(x_, w_, b_, *geometry)))

    numeric = {"dx": numerical_gradient(lambda v: loss(v, w, b), x, STEP),
               "dw": numerical_gradient(lambda v: loss(x, v, b), w, STEP),
               "db": numerical_gradient(lambda v: loss(x, w, v), b, STEP)}
    if not isinstance(output, (tuple, list)) or len(output) != 3:
        return False, "conv2d_backward must return a tuple (dx, dw, db)."
    problems = []
    for (name, expected), got in zip(numeric.items(), output):
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


# ------------------------------------------------------------------ mistakes, as students write them

def _student_geometry(x, w, stride, pad, dilation, pad_before, pad_after, size_plus_one=True):
    """(padded x, H', W') as a student computes them, padding ``pad_before``/``pad_after`` (default ``pad``)."""
    before = pad if pad_before is None else pad_before
    after = pad if pad_after is None else pad_after
    xp = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (before, after), (before, after)))
    kh, kw = w.shape[2], w.shape[3]
    extra = 1 if size_plus_one else 0
    out_h = (xp.shape[2] - dilation * (kh - 1) - 1) // stride + extra
    out_w = (xp.shape[3] - dilation * (kw - 1) - 1) // stride + extra
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
                     dilation_offset=0):
    """conv2d_forward in NumPy, with one mistake switched on by a keyword (defaults: correct)."""
    dilation = dilation + dilation_offset
    w_used = _effective_weights(w, flip, flatten_mismatch)
    xp, out_h, out_w = _student_geometry(x, w, stride, pad, dilation, pad_before, pad_after, size_plus_one)
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
