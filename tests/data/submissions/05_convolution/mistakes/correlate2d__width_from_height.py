"""Computes the output width with the height's formula (H and KH): right only when square."""
import numpy as np


def correlate2d(image, kernel, stride=1, pad=0):
    H, W = image.shape
    KH, KW = kernel.shape
    padded = np.pad(image, pad)
    out_h = (H + 2 * pad - KH) // stride + 1
    out_w = (H + 2 * pad - KH) // stride + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(image, kernel))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(padded[i * stride:i * stride + KH, j * stride:j * stride + KW] * kernel)
    return out
