"""A correct, vectorised solution of assignment 05 (the grading tests expect full marks).

Forward: im2col with sliding_window_view and one tensordot. Backward: one vectorised step per
kernel tap (p, q), so only KH·KW Python iterations. Every function keeps the inputs' dtype.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate2d(image, kernel, stride=1, pad=0):
    out = conv2d_forward(image[None, None], kernel[None, None], np.zeros(1, dtype=image.dtype), stride, pad)
    return out[0, 0]


def box_blur_kernel(size=3):
    return np.full((size, size), 1.0 / (size * size))


def gaussian_kernel(size=5, sigma=1.0):
    d = np.arange(size) - (size - 1) / 2
    g = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def sharpen_kernel():
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def edge_kernel():
    return np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def apply_kernel(image, kernel):
    return correlate2d(image, kernel, 1, (kernel.shape[0] - 1) // 2)


def _padded(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1):
    F, C, KH, KW = w.shape
    xp = _padded(x, pad)
    span_h, span_w = dilation * (KH - 1) + 1, dilation * (KW - 1) + 1
    # (N, C, H'', W'', span_h, span_w) -> taps every `dilation`, windows every `stride`
    windows = sliding_window_view(xp, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride, ::dilation, ::dilation]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))   # (N, H', W', F)
    return out.transpose(0, 3, 1, 2) + b[None, :, None, None]


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    xp = _padded(x, pad)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for p in range(KH):
        for q in range(KW):
            rows = slice(p * dilation, p * dilation + stride * (out_h - 1) + 1, stride)
            cols = slice(q * dilation, q * dilation + stride * (out_w - 1) + 1, stride)
            dw[:, :, p, q] = np.einsum("nfij,ncij->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, p, q])
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
