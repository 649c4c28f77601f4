"""Right answers, too slow: conv2d_forward loops over every output pixel in Python.

Each output pixel costs one NumPy call on its window; the performance test must fail it.
Only conv2d_forward is here: the tests grade this file on the performance test alone.
"""
import numpy as np



def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h = (H + 2 * pad - dilation * (KH - 1) - 1) // stride + 1
    out_w = (W + 2 * pad - dilation * (KW - 1) - 1) // stride + 1
    out = np.empty((N, F, out_h, out_w), dtype=np.result_type(x, w))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * stride, j * stride
            window = xp[:, :, r:r + dilation * (KH - 1) + 1:dilation, c:c + dilation * (KW - 1) + 1:dilation]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
