"""Max and average pooling compiled with Numba: twins of ``reference_convolution.py``'s.

One loop nest per kernel, in parallel over the (sample, channel) planes, with each window
clipped to the input instead of padding it. The backward passes scatter into their own plane
only, so no two threads write the same pixel.
"""

import numpy as np
from numba import njit, prange

from .parallel import serial_and_parallel


@serial_and_parallel(cost=4)
def _max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, y, indices):
    """y = max over the window's pixels inside the image; indices = its h * W + w (first wins)."""
    batch, channels, height, width = x.shape
    oh, ow = y.shape[2], y.shape[3]
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        for p in range(oh):
            for q in range(ow):
                best = -np.inf
                where = -1
                for i in range(kh):
                    h = p * sh - ph + i * dh
                    if h < 0 or h >= height:
                        continue
                    for j in range(kw):
                        w = q * sw - pw + j * dw
                        if 0 <= w < width and (x[n, c, h, w] > best or where < 0):
                            best = x[n, c, h, w]
                            where = h * width + w
                y[n, c, p, q] = best
                indices[n, c, p, q] = where


@serial_and_parallel(cost=1)
def _max_pool2d_backward(gy, indices, gx):
    """gx[n, c].flat[indices] += gy, plane by plane."""
    batch, channels, oh, ow = gy.shape
    width = gx.shape[3]
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        gx[n, c] = 0
        for p in range(oh):
            for q in range(ow):
                where = indices[n, c, p, q]
                gx[n, c, where // width, where % width] += gy[n, c, p, q]


@njit(cache=True)
def _avg_window(p, q, sh, sw, ph, pw, kh, kw, height, width, count_include_pad):
    """The window of output (p, q) clipped to the image, (h0, h1, w0, w1), and its divisor:
    the area of the window clipped to the padded image, or to the image itself."""
    h_start, w_start = p * sh - ph, q * sw - pw
    h_end, w_end = min(h_start + kh, height + ph), min(w_start + kw, width + pw)
    h0, h1, w0, w1 = max(h_start, 0), min(h_end, height), max(w_start, 0), min(w_end, width)
    if count_include_pad:
        return h0, h1, w0, w1, (h_end - h_start) * (w_end - w_start)
    return h0, h1, w0, w1, (h1 - h0) * (w1 - w0)


@serial_and_parallel(cost=4)
def _avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, count_include_pad, y):
    """y = sum of the window's pixels inside the image / the window's divisor."""
    batch, channels, height, width = x.shape
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        for p in range(y.shape[2]):
            for q in range(y.shape[3]):
                h0, h1, w0, w1, divisor = _avg_window(p, q, sh, sw, ph, pw, kh, kw, height,
                                                      width, count_include_pad)
                total = 0.0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        total += x[n, c, h, w]
                y[n, c, p, q] = total / divisor


@serial_and_parallel(cost=4)
def _avg_pool2d_backward(gy, kh, kw, sh, sw, ph, pw, count_include_pad, gx):
    """gx[window] += gy / divisor, plane by plane."""
    batch, channels, height, width = gx.shape
    for plane in prange(batch * channels):
        n, c = plane // channels, plane % channels
        gx[n, c] = 0
        for p in range(gy.shape[2]):
            for q in range(gy.shape[3]):
                h0, h1, w0, w1, divisor = _avg_window(p, q, sh, sw, ph, pw, kh, kw, height,
                                                      width, count_include_pad)
                share = gy[n, c, p, q] / divisor
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[n, c, h, w] += share


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size):
    x = np.ascontiguousarray(x)
    y = np.empty(x.shape[:2] + tuple(output_size), x.dtype)
    indices = np.empty(y.shape, np.int64)
    _max_pool2d_forward.pick(x.size)(x, *kernel_size, *stride, *padding, *dilation, y, indices)
    return y, indices


def max_pool2d_backward(gy, indices, input_shape):
    gx = np.empty(input_shape, gy.dtype)
    _max_pool2d_backward.pick(gx.size)(np.ascontiguousarray(gy), np.ascontiguousarray(indices), gx)
    return gx


def avg_pool2d_forward(x, kernel_size, stride, padding, output_size, count_include_pad):
    x = np.ascontiguousarray(x)
    y = np.empty(x.shape[:2] + tuple(output_size), x.dtype)
    _avg_pool2d_forward.pick(x.size)(x, *kernel_size, *stride, *padding, count_include_pad, y)
    return y


def avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, output_size,
                        count_include_pad):
    gy = np.ascontiguousarray(gy)
    gx = np.empty(input_shape, gy.dtype)
    _avg_pool2d_backward.pick(gx.size)(gy, *kernel_size, *stride, *padding, count_include_pad, gx)
    return gx
