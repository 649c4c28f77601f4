"""Assignment 05: convolution. Fill in each function; see README.md for the maths.

Conventions: layout NCHW, x (N, C, H, W); weights w (F, C, KH, KW); bias b (F,).
"Convolution" means cross-correlation: the kernel is NOT flipped. Padding `pad` adds that many
zeros on EACH side of H and W. Output size: H' = (H + 2*pad - KH) // stride + 1 (same for W).
Return arrays of the inputs' dtype (float32 in, float32 out) and do not modify the inputs.
Check your work with

    grade check assignments/05_convolution
"""
import numpy as np

# ---------------------------------------------------------------- warm-up: one image, one kernel

def correlate2d(image, kernel, stride=1, pad=0):
    """Cross-correlate one 2-D image with one 2-D kernel.

    Inputs:
    - image: array (H, W)
    - kernel: array (KH, KW)
    - stride: int, the step between windows; pad: int, zeros added on each side

    Returns an array (H', W') with
        out[i, j] = sum over p, q of kernel[p, q] * padded[i*stride + p, j*stride + q]
    """
    raise NotImplementedError


def box_blur_kernel(size=3):
    """The (size, size) mean filter: every weight 1 / size**2."""
    raise NotImplementedError


def gaussian_kernel(size=5, sigma=1.0):
    """The (size, size) Gaussian blur, normalised to sum to 1.

    With c = (size - 1) / 2, the weight at (p, q) is proportional to
        exp(-((p - c)**2 + (q - c)**2) / (2 * sigma**2))
    """
    raise NotImplementedError


def sharpen_kernel():
    """The 3x3 sharpen kernel: 5 in the centre, -1 above, below, left and right, 0 in the corners."""
    raise NotImplementedError


def edge_kernel():
    """The 3x3 Sobel x kernel (right column minus left column): [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]."""
    raise NotImplementedError


def apply_kernel(image, kernel):
    """Filter image (H, W) with an odd square kernel (K, K); the result keeps the size (H, W).

    Use correlate2d with stride 1 and the padding that keeps the size.
    Try it on the picture in image.npy: np.load("image.npy").
    """
    raise NotImplementedError


# ---------------------------------------------------------------- a convolution layer

def conv2d_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Forward pass of a convolution layer.

    Inputs:
    - x: array (N, C, H, W), a batch of N images with C channels
    - w: array (F, C, KH, KW), F filters
    - b: array (F,), one bias per filter
    - stride, pad: ints; dilation: int, the distance between kernel taps (1: a dense kernel)

    Returns out, an array (N, F, H', W') with
        H' = (H + 2*pad - dilation*(KH - 1) - 1) // stride + 1   (the same for W')
        out[n, f, i, j] = b[f] + sum over c, p, q of
                          w[f, c, p, q] * padded_x[n, c, i*stride + p*dilation, j*stride + q*dilation]
    Vectorise: a Python loop over every output pixel is too slow for the performance test.
    """
    raise NotImplementedError


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1):
    """Backward pass of conv2d_forward.

    Inputs:
    - dout: array (N, F, H', W'), the gradient of the loss with respect to out
    - x, w, stride, pad, dilation: as given to conv2d_forward

    Returns (dx, dw, db): the gradients with respect to x (N, C, H, W), w (F, C, KH, KW) and
    b (F,), each summed over the whole batch.
    """
    raise NotImplementedError
