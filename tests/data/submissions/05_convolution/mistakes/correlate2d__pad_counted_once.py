"""Pads before the image only."""
import numpy as np


def correlate2d(image, kernel, stride=1, pad=0):
    H, W = image.shape
    KH, KW = kernel.shape
    padded = np.pad(image, ((pad, 0), (pad, 0)))
    out_h = (H + pad - KH) // stride + 1
    out_w = (W + pad - KW) // stride + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(image, kernel))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(padded[i * stride:i * stride + KH, j * stride:j * stride + KW] * kernel)
    return out
