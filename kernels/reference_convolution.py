"""The reference kernels of convolution, pooling and batch norm: plain NumPy, written to be read.

Part of the reference set (``reference.py`` imports every name here); the interface is in the
package docstring. Images are (N, C, H, W) arrays: N samples of C channels of H x W pixels.

Convolution becomes one matrix product through **im2col**: every patch the kernel covers is
copied into one column of a matrix, so that a filter applied to all patches at once is a row of
filter weights times that matrix. Its adjoint, **col2im**, adds each column back onto the pixels
it came from (a pixel covered by several patches receives the sum), which is what the backward
of im2col, and the forward of a transposed convolution, need.

A kernel of size k with dilation d spans d * (k - 1) + 1 pixels; with stride s over an input of
H pixels padded by (top, bottom), the number of outputs is

    OH = (H + top + bottom - d * (k - 1) - 1) // s + 1
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# ----------------------------------------------------------------------------- im2col / col2im


def conv_output_size(size, kernel, stride, pad_before, pad_after, dilation):
    """Number of kernel positions along one axis (the formula of the module docstring)."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def _output_hw(input_shape, kernel_size, stride, padding, dilation):
    _, _, height, width = input_shape
    return (conv_output_size(height, kernel_size[0], stride[0], *padding[0], dilation[0]),
            conv_output_size(width, kernel_size[1], stride[1], *padding[1], dilation[1]))


def im2col(x, kernel_size, stride, padding, dilation):
    """Patches of x (N, C, H, W) as the columns of a (C * kh * kw, N * OH * OW) matrix.

    cols[(c, i, j), (n, oh, ow)] = padded_x[n, c, oh * sh + i * dh, ow * sw + j * dw], where
    padded_x is x with zeros added around it; ``padding`` is ((top, bottom), (left, right)).
    Rows are ordered (channel, kernel row, kernel column), as a (O, C, kh, kw) weight flattens.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    batch, channels = x.shape[:2]
    oh, ow = _output_hw(x.shape, kernel_size, stride, padding, dilation)
    padded = np.pad(x, ((0, 0), (0, 0), padding[0], padding[1]))
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)  # the dilated kernel's extent
    windows = sliding_window_view(padded, span, axis=(2, 3))  # (N, C, H', W', span_h, span_w)
    windows = windows[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, ::dh, ::dw]
    # windows is (N, C, OH, OW, kh, kw); put (C, kh, kw) first and (N, OH, OW) last
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(channels * kh * kw, batch * oh * ow)


def col2im(cols, input_shape, kernel_size, stride, padding, dilation):
    """The adjoint of im2col: add every column back onto the pixels of its patch.

    cols (C * kh * kw, N * OH * OW) -> x of ``input_shape`` (N, C, H, W), with
    x[n, c, h, w] = sum of cols[(c, i, j), (n, oh, ow)] over the (i, j, oh, ow) whose patch
    pixel (oh * sh + i * dh - top, ow * sw + j * dw - left) is (h, w). Padding drops out.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    batch, channels, height, width = input_shape
    oh, ow = _output_hw(input_shape, kernel_size, stride, padding, dilation)
    (top, bottom), (left, right) = padding
    padded = np.zeros((batch, channels, height + top + bottom, width + left + right), cols.dtype)
    rows = (np.arange(kh) * dh)[:, None] + (np.arange(oh) * sh)[None, :]  # (kh, OH)
    columns = (np.arange(kw) * dw)[:, None] + (np.arange(ow) * sw)[None, :]  # (kw, OW)
    patches = cols.reshape(channels, kh, kw, batch, oh, ow).transpose(3, 0, 1, 2, 4, 5)
    # scatter-add: np.add.at sums repeated indices, where padded[...] += would keep only one
    np.add.at(padded, (slice(None), slice(None), rows[:, None, :, None], columns[None, :, None, :]),
              patches)
    return padded[:, :, top : top + height, left : left + width]


# ----------------------------------------------------------------------------- pooling
# Pooling windows are clipped to the input: padding (symmetric, (ph, pw)) never wins a max, and
# ceil_mode's extra last window (the op passes the output size) may hang over the bottom/right.


def _pooling_windows(x, fill, kernel_size, stride, padding, dilation, output_size):
    """(N, C, OH, OW, kh * kw) windows of x padded with ``fill``, enough for ``output_size``."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    (ph, pw), (oh, ow) = padding, output_size
    height, width = x.shape[2:]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    bottom = max(ph, (oh - 1) * sh + span_h - height - ph)  # ceil_mode may need more than ph
    right = max(pw, (ow - 1) * sw + span_w - width - pw)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, bottom), (pw, right)), constant_values=fill)
    windows = sliding_window_view(padded, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, ::dh, ::dw]
    return windows.reshape(*windows.shape[:4], kh * kw)


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size):
    """y[n, c, oh, ow] = max of the window; indices = where it is, as h * W + w (PyTorch's).

    x (N, C, H, W); y and indices (int64) (N, C, OH, OW). The first maximum wins a tie.
    """
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = kernel_size, stride, dilation, padding
    width = x.shape[3]
    windows = _pooling_windows(x, -np.inf, kernel_size, stride, padding, dilation, output_size)
    best = windows.argmax(axis=-1)  # position inside the window, (i, j) flattened
    y = np.take_along_axis(windows, best[..., None], axis=-1)[..., 0]
    oh, ow = output_size
    rows = (np.arange(oh) * sh - ph)[:, None] + (best // kw) * dh
    columns = (np.arange(ow) * sw - pw)[None, :] + (best % kw) * dw
    return y, (rows * width + columns).astype(np.int64)


def max_pool2d_backward(gy, indices, input_shape):
    """gx[n, c].flat[indices[n, c, oh, ow]] += gy[n, c, oh, ow]: the gradient goes to the max."""
    batch, channels, height, width = input_shape
    gx = np.zeros((batch * channels, height * width), gy.dtype)
    planes = np.arange(batch * channels)[:, None]
    np.add.at(gx, (planes, indices.reshape(batch * channels, -1)), gy.reshape(batch * channels, -1))
    return gx.reshape(input_shape)


def avg_pool2d_divisors(input_hw, kernel_size, stride, padding, output_size, count_include_pad):
    """(OH, OW) array of the number each window's sum is divided by, PyTorch's rule.

    A window is clipped to the padded input, and then, unless ``count_include_pad``, to the
    input itself; the divisor is the clipped window's area (ceil_mode's overhang never counts).
    """
    divisors = []
    for size, k, s, p, out in zip(input_hw, kernel_size, stride, padding, output_size):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        divisors.append(end - start)
    return np.outer(*divisors)


def avg_pool2d_forward(x, kernel_size, stride, padding, output_size, count_include_pad):
    """y[n, c, oh, ow] = sum of the window / its divisor (``avg_pool2d_divisors``)."""
    windows = _pooling_windows(x, 0, kernel_size, stride, padding, (1, 1), output_size)
    divisors = avg_pool2d_divisors(x.shape[2:], kernel_size, stride, padding, output_size,
                                   count_include_pad)
    return (windows.sum(axis=-1) / divisors).astype(x.dtype, copy=False)


def avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, output_size,
                        count_include_pad):
    """Every pixel of a window gets gy / divisor: col2im of those values, one row per channel."""
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel_size, stride, padding, output_size
    batch, channels, height, width = input_shape
    divisors = avg_pool2d_divisors((height, width), kernel_size, stride, padding, output_size,
                                   count_include_pad)
    share = (gy / divisors).astype(gy.dtype, copy=False)  # (N, C, OH, OW)
    cols = np.broadcast_to(share.transpose(1, 0, 2, 3).reshape(channels, 1, batch * oh * ow),
                           (channels, kh * kw, batch * oh * ow)).reshape(-1, batch * oh * ow)
    bottom = max(ph, (oh - 1) * sh + kh - height - ph)
    right = max(pw, (ow - 1) * sw + kw - width - pw)
    return col2im(cols, input_shape, kernel_size, stride, ((ph, bottom), (pw, right)), (1, 1))


# ----------------------------------------------------------------------------- batch norm


def batch_norm_forward(x, weight, bias, eps):
    """Training-mode batch norm of x (N, C, L) over N and L, per channel c:

    mean_c, var_c (biased) over x[:, c, :];  y = (x - mean_c) / sqrt(var_c + eps) * w_c + b_c.
    weight, bias (C,) or None. Returns (y, mean, var), mean and var (C,).
    """
    mean = x.mean(axis=(0, 2))
    var = ((x - mean[:, None]) ** 2).mean(axis=(0, 2))
    y = (x - mean[:, None]) / np.sqrt(var[:, None] + eps)
    if weight is not None:
        y = y * weight[:, None]
    if bias is not None:
        y = y + bias[:, None]
    return y.astype(x.dtype, copy=False), mean, var


def batch_norm_backward(gy, x, weight, mean, var, eps):
    """The training-mode backward, per channel over its M = N * L values, with g = gy * w:

    xhat = (x - mean) * rstd,  gx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
    gweight = sum(gy * xhat),  gbias = sum(gy)   (all three (C,)-shaped or (N, C, L)).
    Layer norm's backward (reference.layer_norm_backward) with rows and columns exchanged.
    """
    rstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean[:, None]) * rstd[:, None]
    g = gy if weight is None else gy * weight[:, None]
    g_mean = g.mean(axis=(0, 2))
    g_xhat_mean = (g * xhat).mean(axis=(0, 2))
    gx = rstd[:, None] * (g - g_mean[:, None] - xhat * g_xhat_mean[:, None])
    gweight = (gy * xhat).sum(axis=(0, 2))
    gbias = gy.sum(axis=(0, 2))
    return gx.astype(x.dtype, copy=False), gweight.astype(x.dtype), gbias.astype(x.dtype)
