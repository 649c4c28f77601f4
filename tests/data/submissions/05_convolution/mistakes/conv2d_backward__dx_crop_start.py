"""Crops dx at the start of the padded gradient: shifted by pad."""
import numpy as np


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for p in range(KH):
        for q in range(KW):
            rows = slice(p * dilation, p * dilation + stride * (out_h - 1) + 1, stride)
            cols = slice(q * dilation, q * dilation + stride * (out_w - 1) + 1, stride)
            dw[:, :, p, q] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, p, q])
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, :H, :W], dw, db
