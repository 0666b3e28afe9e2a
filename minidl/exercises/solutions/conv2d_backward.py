"""Exercise conv2d_backward: the gradients of a convolution, through im2col.

With cols = im2col(x) (C*kh*kw, N*L), L = OH * OW, and the weight as a matrix W (F, C*kh*kw),
the forward is y = W @ cols, reshaped to (N, F, OH, OW). Given gy = dL/dy, lay it out as a
matrix G (F, N*L) (the same column order as cols), then::

    dW    = G @ cols^T                      reshaped to the weight's (F, C, kh, kw)
    dcols = W^T @ G                         (C*kh*kw, N*L)
    dx    = col2im(dcols)                   every column added back onto its patch's pixels

col2im is the adjoint of im2col: a pixel that appears in several patches receives the sum of
their gradients. ``im2col`` and ``col2im`` are given (stride 1, zero padding p).

Check with:  python -m minidl.exercises check conv2d_backward
"""
import numpy as np

from minidl.kernels.reference import col2im as _col2im
from minidl.kernels.reference import im2col as _im2col


def im2col(x, kh, kw, padding):
    return _im2col(x, (kh, kw), (1, 1), ((padding, padding),) * 2, (1, 1))


def col2im(cols, x_shape, kh, kw, padding):
    return _col2im(cols, x_shape, (kh, kw), (1, 1), ((padding, padding),) * 2, (1, 1))


def conv2d_forward(x, weight, padding):
    """y (N, F, OH, OW) and cols, what the backward needs."""
    f, _, kh, kw = weight.shape
    cols = im2col(x, kh, kw, padding)
    n = x.shape[0]
    y = (weight.reshape(f, -1) @ cols).reshape(f, n, -1).transpose(1, 0, 2)
    oh = x.shape[2] + 2 * padding - kh + 1
    return y.reshape(n, f, oh, -1), cols


def conv2d_backward(gy, x_shape, weight, cols, padding):
    """Return (dx, dweight)."""
    # BEGIN SOLUTION
    f, _, kh, kw = weight.shape
    g = gy.transpose(1, 0, 2, 3).reshape(f, -1)
    dweight = (g @ cols.T).reshape(weight.shape)
    dx = col2im(weight.reshape(f, -1).T @ g, x_shape, kh, kw, padding)
    return dx, dweight
    # END SOLUTION
