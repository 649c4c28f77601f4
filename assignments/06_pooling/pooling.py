"""Assignment 06: pooling layers. Fill in each function; see README.md for the maths.

Conventions (PyTorch's): arrays are NCHW, x has shape (N, C, H, W); windows are pool × pool;
`stride` defaults to `pool`; `pad` cells are added on *each* side (0 <= pad <= pool // 2).
Output size H' = floor((H + 2·pad − pool) / stride) + 1, or with ceil_mode=True
ceil((H + 2·pad − pool) / stride) + 1, less one if that last window would start in the right
padding ((H' − 1)·stride >= H + pad). The same for W'.

Return arrays of the input's float dtype (float32 in, float32 out) and do not modify the
inputs. Check your work with

    grade check assignments/06_pooling
"""
import numpy as np


def max_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False):
    """Max pooling.

    Inputs:
    - x: array (N, C, H, W)
    - pool: int, the window is pool × pool
    - stride: int, or None for stride = pool
    - pad: int, cells of padding on each side; the padding is −∞ (it never wins a maximum)
    - ceil_mode: bool, round the output size up instead of down

    Returns out (N, C, H', W'): out[n, c, i, j] is the maximum of window (i, j), which covers
    rows i·stride − pad … i·stride − pad + pool − 1 (and the same for columns).
    """
    raise NotImplementedError


def max_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False):
    """Backward pass of max_pool_forward(x, pool, stride, pad, ceil_mode).

    Inputs:
    - dout: array (N, C, H', W'), the gradient of the loss with respect to the output
    - x and the settings: as given to the forward pass

    Returns dx (N, C, H, W): each window passes dout[n, c, i, j] to the position of its maximum;
    on a tie, to the first maximum in row-major order (np.argmax's choice). Where windows overlap
    an input can collect gradient from several windows: add it all up.
    """
    raise NotImplementedError


def avg_pool_forward(x, pool=2, stride=None, pad=0, ceil_mode=False):
    """Average pooling; the padding is zeros that count in the divisor (PyTorch's default).

    Returns out (N, C, H', W'): the sum of window (i, j) divided by its cells inside the padded
    input, min(pool, H + 2·pad − i·stride) · min(pool, W + 2·pad − j·stride), which is pool²
    except for a ceil-mode window that hangs past the padded input.
    """
    raise NotImplementedError


def avg_pool_backward(dout, x, pool=2, stride=None, pad=0, ceil_mode=False):
    """Backward pass of avg_pool_forward: every real input of window (i, j) receives
    dout[n, c, i, j] divided by that window's divisor, added up over the windows it belongs to.

    Returns dx (N, C, H, W).
    """
    raise NotImplementedError


def flatten_forward(x):
    """x (N, C, H, W) -> (N, C·H·W), each sample's values in (channel, row, column) order."""
    raise NotImplementedError


def flatten_backward(dout, x):
    """dout (N, C·H·W) -> dx with the shape of x (N, C, H, W)."""
    raise NotImplementedError


def global_avg_pool(x):
    """x (N, C, H, W) -> (N, C): the mean of each channel over its H × W positions."""
    raise NotImplementedError


def global_avg_pool_backward(dout, x):
    """dout (N, C) -> dx (N, C, H, W), the gradient of global_avg_pool(x)."""
    raise NotImplementedError
