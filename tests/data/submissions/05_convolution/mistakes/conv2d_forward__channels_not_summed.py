"""Overwrites the sum for every input channel: only the last channel counts."""
import numpy as np


def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h = (H + 2 * pad - dilation * (KH - 1) - 1) // stride + 1
    out_w = (W + 2 * pad - dilation * (KW - 1) - 1) // stride + 1
    out = np.zeros((N, F, out_h, out_w))
    for n in range(N):
        for f in range(F):
            for i in range(out_h):
                for j in range(out_w):
                    for c in range(C):
                        window = xp[n, c, i * stride:i * stride + dilation * (KH - 1) + 1:dilation,
                                    j * stride:j * stride + dilation * (KW - 1) + 1:dilation]
                        out[n, f, i, j] = np.sum(window * w[f, c]) + b[f]
    return out.astype(np.result_type(x, w))
