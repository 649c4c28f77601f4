"""A correct solution of the bonus (conv_cuda.py): ReLU and conv forward as numba.cuda kernels."""
import numpy as np
from numba import cuda

THREADS_PER_BLOCK = 128


@cuda.jit
def relu_kernel(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i] if x[i] > 0 else 0.0


def relu_cuda(x):
    flat = np.ascontiguousarray(x).reshape(-1)
    out = cuda.device_array_like(flat)
    blocks = (flat.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    relu_kernel[blocks, THREADS_PER_BLOCK](cuda.to_device(flat), out)
    return out.copy_to_host().reshape(x.shape)


@cuda.jit
def conv2d_forward_kernel(xp, w, b, stride, out):
    index = cuda.grid(1)
    n_batch, filters, out_h, out_w = out.shape
    if index >= out.size:
        return
    j = index % out_w
    i = (index // out_w) % out_h
    f = (index // (out_w * out_h)) % filters
    n = index // (out_w * out_h * filters)
    total = b[f]
    for c in range(xp.shape[1]):
        for p in range(w.shape[2]):
            for q in range(w.shape[3]):
                total += w[f, c, p, q] * xp[n, c, i * stride + p, j * stride + q]
    out[n, f, i, j] = total


def conv2d_forward_cuda(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out_h = (H + 2 * pad - KH) // stride + 1
    out_w = (W + 2 * pad - KW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = cuda.device_array((N, F, out_h, out_w), dtype=x.dtype)
    blocks = (out.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    conv2d_forward_kernel[blocks, THREADS_PER_BLOCK](cuda.to_device(xp), cuda.to_device(w),
                                                     cuda.to_device(b), stride, out)
    return out.copy_to_host()
