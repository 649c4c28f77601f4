"""Assigns (=) into dx window by window instead of accumulating (+=)."""
import numpy as np


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    span_h, span_w = dilation * (KH - 1) + 1, dilation * (KW - 1) + 1
    for n in range(N):
        for f in range(F):
            for i in range(out_h):
                for j in range(out_w):
                    r, c = i * stride, j * stride
                    window = xp[n, :, r:r + span_h:dilation, c:c + span_w:dilation]
                    dw[f] += window * dout[n, f, i, j]
                    dxp[n, :, r:r + span_h:dilation, c:c + span_w:dilation] = w[f] * dout[n, f, i, j]
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
