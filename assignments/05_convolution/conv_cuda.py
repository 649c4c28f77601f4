"""Assignment 05, bonus: your own CUDA kernels with numba.cuda (optional).

Write the kernels (functions decorated with @cuda.jit, one GPU thread per output element) and
the Python functions that launch them. Without a GPU the grader runs them in Numba's CUDA
simulator, which is slow: the bonus tests use tiny arrays. To try it yourself without a GPU:

    NUMBA_ENABLE_CUDASIM=1 python -c "import conv_cuda; ..."

(the variable must be set before numba is first imported). See README.md, "Bonus".
Do not give @cuda.jit a signature: kernels compile on their first launch.
"""
import numpy as np
from numba import cuda

THREADS_PER_BLOCK = 128


@cuda.jit
def relu_kernel(x, out):
    """out[i] = max(x[i], 0) for the one element i of this thread (x and out are 1-D)."""
    i = cuda.grid(1)
    if i < x.size:
        pass   # your code here


def relu_cuda(x):
    """ReLU of x (any shape) computed by relu_kernel; returns a new array like x.

    Flatten x, copy it to the GPU (cuda.to_device), allocate the output
    (cuda.device_array), launch relu_kernel[blocks, THREADS_PER_BLOCK](...) with enough blocks
    for every element, copy the result back (.copy_to_host()) and reshape it.
    """
    raise NotImplementedError


@cuda.jit
def conv2d_forward_kernel(xp, w, b, stride, out):
    """One thread per output element out[n, f, i, j]; xp is the already padded input.

    out[n, f, i, j] = b[f] + sum over c, p, q of w[f, c, p, q] * xp[n, c, i*stride + p, j*stride + q]
    """
    index = cuda.grid(1)
    # your code here: turn index into (n, f, i, j), skip indices past the end, sum, write out


def conv2d_forward_cuda(x, w, b, stride=1, pad=0):
    """conv2d_forward (dilation 1) computed by conv2d_forward_kernel.

    Pad x with NumPy on the host, move the arrays to the GPU, launch one thread per output
    element and return the result (N, F, H', W') as a NumPy array of x's dtype.
    """
    raise NotImplementedError
