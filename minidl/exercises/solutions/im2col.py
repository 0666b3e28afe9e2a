"""Exercise im2col: turn a convolution into one matrix product.

A convolution slides a kernel (kh, kw) over an image. im2col copies every patch the kernel
covers into one column of a matrix, so that applying F filters to every patch at once is one
product ``W (F, C*kh*kw) @ cols``. For x (N, C, H, W), stride s and zero padding p (the same on
every side, no dilation)::

    OH = (H + 2p - kh) // s + 1,   OW = (W + 2p - kw) // s + 1
    cols[(c, i, j), (n, oh, ow)] = x_padded[n, c, oh * s + i, ow * s + j]

Rows are ordered (channel, kernel row, kernel column), as ``weight.reshape(F, -1)`` orders a
(F, C, kh, kw) weight; columns (sample, output row, output column). Loops are fine; so is
``numpy.lib.stride_tricks.sliding_window_view``.

Check with:  python -m minidl.exercises check im2col
"""
import numpy as np


def im2col(x, kh, kw, stride=1, padding=0):
    """Return cols (C * kh * kw, N * OH * OW)."""
    # BEGIN SOLUTION
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    cols = np.empty((c, kh, kw, n, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            window = padded[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]
            cols[:, i, j] = window.transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)
    # END SOLUTION
