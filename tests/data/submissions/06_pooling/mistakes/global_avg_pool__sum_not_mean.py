"""A student mistake in global_avg_pool: sum_not_mean.

global_avg_pool sums each channel instead of averaging it.

The other functions are correct; the grader should name
MISTAKES['global_avg_pool'] 'sum_not_mean' of reference/pooling.py.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size, pool, stride, pad, ceil_mode):
    span = size + 2 * pad - pool
    if not ceil_mode:
        return span // stride + 1
    count = -(-span // stride) + 1
    if (count - 1) * stride >= size + pad:      # the last window would start in the right padding
        count -= 1
    return count


def _sizes(x, pool, stride, pad, ceil_mode):
    return (output_size(x.shape[2], pool, stride, pad, ceil_mode),
            output_size(x.shape[3], pool, stride, pad, ceil_mode))


def _padded(x, pool, stride, pad, out_h, out_w, fill, dtype=None):
    """x inside a border of `fill`: pad cells before, and after as many as the last window needs."""
    n, c, h, w = x.shape
    shape = (n, c, max(h + 2 * pad, (out_h - 1) * stride + pool), max(w + 2 * pad, (out_w - 1) * stride + pool))
    xp = np.full(shape, fill, dtype=dtype or x.dtype)
    xp[:, :, pad:pad + h, pad:pad + w] = x
    return xp


def _windows(xp, pool, stride, out_h, out_w):
    """A read-only view (N, C, H', W', pool, pool) of every window of xp."""
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, xp.shape[:2] + (out_h, out_w, pool, pool),
                      (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def _divisor(size, pool, stride, pad, count):
    """Cells of each window (along one axis) inside the padded input: pool, less any overhang."""
    return np.minimum(pool, size + 2 * pad - stride * np.arange(count))


def max_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool
    out_h, out_w = _sizes(x, pool, stride, pad, ceil_mode)
    xp = _padded(x, pool, stride, pad, out_h, out_w, -np.inf)
    return _windows(xp, pool, stride, out_h, out_w).max(axis=(4, 5))


def max_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool
    n, c, h, w = x.shape
    out_h, out_w = dout.shape[2:]
    xp = _padded(x, pool, stride, pad, out_h, out_w, -np.inf)
    dxp = np.zeros(xp.shape, dtype=dout.dtype)
    batch, channel = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool].reshape(n, c, -1)
            k = window.argmax(axis=2)                  # the first maximum in row-major order
            dxp[batch, channel, i * stride + k // pool, j * stride + k % pool] += dout[:, :, i, j]
    return dxp[:, :, pad:pad + h, pad:pad + w]


def avg_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool
    out_h, out_w = _sizes(x, pool, stride, pad, ceil_mode)
    xp = _padded(x, pool, stride, pad, out_h, out_w, 0.0)
    sums = _windows(xp, pool, stride, out_h, out_w).sum(axis=(4, 5))
    divisor = np.outer(_divisor(x.shape[2], pool, stride, pad, out_h), _divisor(x.shape[3], pool, stride, pad, out_w))
    return (sums / divisor).astype(x.dtype)


def avg_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool
    n, c, h, w = x.shape
    out_h, out_w = dout.shape[2:]
    divisor = np.outer(_divisor(h, pool, stride, pad, out_h), _divisor(w, pool, stride, pad, out_w))
    dxp = _padded(np.zeros(x.shape), pool, stride, pad, out_h, out_w, 0.0, dout.dtype)
    for i in range(out_h):
        for j in range(out_w):
            share = dout[:, :, i, j] / divisor[i, j]
            dxp[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool] += share[:, :, None, None]
    return dxp[:, :, pad:pad + h, pad:pad + w]


def flatten_forward(x):
    return x.reshape(x.shape[0], -1)


def flatten_backward(dout, x):
    return dout.reshape(x.shape)


def global_avg_pool(x):
    return x.sum(axis=(2, 3))


def global_avg_pool_backward(dout, x):
    h, w = x.shape[2:]
    return np.broadcast_to(dout[:, :, None, None] / (h * w), x.shape).copy()
