"""im2col and col2im compiled with Numba: twins of ``reference_convolution.py``'s.

The reference builds im2col from a strided view and col2im from ``np.add.at``; here each is one
loop nest over a zero-padded image, so that no pixel needs a bounds test. im2col copies from a
padded copy of x, in parallel over the rows of cols (each thread writes its own rows); col2im
adds into a padded gx, in parallel over the (sample, channel) planes (a plane receives only its
own columns' values, so the threads never add into the same pixel), then drops the padding.
The matrix product of a convolution runs in BLAS (the op's ``xp.matmul``), not here.
"""

import numpy as np
from numba import prange

from ..reference_convolution import conv_output_size
from .parallel import serial_and_parallel


@serial_and_parallel(cost=1)
def _im2col(padded, kh, kw, sh, sw, dh, dw, oh, ow, cols):
    """cols[(c, i, j), (n, p, q)] = padded[n, c, p * sh + i * dh, q * sw + j * dw]."""
    batch, channels = padded.shape[0], padded.shape[1]
    for row in prange(channels * kh * kw):
        c, i, j = row // (kh * kw), (row // kw) % kh, row % kw
        for n in range(batch):
            for p in range(oh):
                h = p * sh + i * dh
                start = (n * oh + p) * ow
                for q in range(ow):
                    cols[row, start + q] = padded[n, c, h, q * sw + j * dw]


@serial_and_parallel(cost=1)
def _col2im(cols, kh, kw, sh, sw, dh, dw, oh, ow, padded):
    """padded[n, c, p * sh + i * dh, q * sw + j * dw] += cols[(c, i, j), (n, p, q)]."""
    batch, channels = padded.shape[0], padded.shape[1]
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                for p in range(oh):
                    h = p * sh + i * dh
                    start = (n * oh + p) * ow
                    for q in range(ow):
                        padded[n, c, h, q * sw + j * dw] += cols[row, start + q]


def _geometry(shape, kernel_size, stride, padding, dilation):
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    oh = conv_output_size(shape[2], kh, sh, *padding[0], dh)
    ow = conv_output_size(shape[3], kw, sw, *padding[1], dw)
    return kh, kw, sh, sw, padding[0][0], padding[1][0], dh, dw, oh, ow


def im2col(x, kernel_size, stride, padding, dilation):
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = _geometry(x.shape, kernel_size, stride, padding,
                                                    dilation)
    # one padded copy of x (cheap next to cols, kh * kw times larger) spares a bounds test per
    # element, and lets each row of cols be one loop of plain copies
    padded = np.pad(x, ((0, 0), (0, 0), padding[0], padding[1]))
    cols = np.empty((x.shape[1] * kh * kw, x.shape[0] * oh * ow), x.dtype)
    _im2col.pick(cols.size)(padded, kh, kw, sh, sw, dh, dw, oh, ow, cols)
    return cols


def col2im(cols, input_shape, kernel_size, stride, padding, dilation):
    kh, kw, sh, sw, top, left, dh, dw, oh, ow = _geometry(input_shape, kernel_size, stride,
                                                          padding, dilation)
    batch, channels, height, width = input_shape
    (_, bottom), (_, right) = padding
    padded = np.zeros((batch, channels, height + top + bottom, width + left + right), cols.dtype)
    _col2im.pick(cols.size)(np.ascontiguousarray(cols), kh, kw, sh, sw, dh, dw, oh, ow, padded)
    if top == bottom == left == right == 0:
        return padded
    return np.ascontiguousarray(padded[:, :, top : top + height, left : left + width])
