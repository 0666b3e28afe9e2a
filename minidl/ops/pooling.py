"""Max and average pooling over windows of (N, C, H, W) images, computed by the kernels.

    max:  y[n, c, p, q] = max of x[n, c] over the window of (p, q)
    avg:  y[n, c, p, q] = sum of x[n, c] over the window / the window's divisor

Windows start at (p * sh - ph, q * sw - pw), span d * (k - 1) + 1 pixels per axis (max pooling
may dilate them) and are clipped to the input. The output has (floor, or with ``ceil_mode``
ceil) (H + 2 ph - d (kh - 1) - 1) / sh + 1 rows, and so on for columns; in ceil mode a last
window that would start in the bottom/right padding is dropped, as in PyTorch.

The gradient of a max goes to the pixel that won (``indices``, as h * W + w within its plane);
that of an average is shared equally by the pixels of the window.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor
from .conv import _pair, _single


class MaxPool2d(ArrayFunction):
    """y = x at the window maxima (found by the kernel);  dx[argmax] += dy"""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, output_size):
        y, ctx.indices = ctx.kernels.max_pool2d_forward(x, kernel_size, stride, padding, dilation,
                                                        output_size)
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, grad):
        gx = ctx.kernels.max_pool2d_backward(grad, ctx.indices, ctx.x_shape)
        return gx, None, None, None, None, None  # the window geometry has no gradient


class AvgPool2d(ArrayFunction):
    """y = window sum / divisor;  dx[window] += dy / divisor"""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, output_size, count_include_pad):
        ctx.geometry = (kernel_size, stride, padding, output_size, count_include_pad)
        ctx.x_shape = x.shape
        return ctx.kernels.avg_pool2d_forward(x, *ctx.geometry)

    @staticmethod
    def backward(ctx, grad):
        gx = ctx.kernels.avg_pool2d_backward(grad, ctx.x_shape, *ctx.geometry)
        return gx, None, None, None, None, None  # the window geometry has no gradient


def _pooling_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    span = dilation * (kernel - 1) + 1
    rounding = stride - 1 if ceil_mode else 0
    out = (size + 2 * padding - span + rounding) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window would start in the padding
    return out


def _pooling_geometry(op, input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    """Checked (kernel_size, stride, padding, dilation, output_size) pairs of a 4-D input."""
    if not isinstance(input, Tensor) or input.ndim != 4:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    kernel_size = _pair(kernel_size, "kernel_size", op)
    stride = kernel_size if stride is None else _pair(stride, "stride", op)
    padding, dilation = _pair(padding, "padding", op), _pair(dilation, "dilation", op)
    if min(kernel_size) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: kernel_size {kernel_size}, stride {stride} and dilation "
                         f"{dilation} must be positive")
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel_size "
                         f"{kernel_size}")
    output_size = tuple(
        _pooling_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(input.shape[2:], kernel_size, stride, padding, dilation))
    if min(output_size) < 1:
        raise RuntimeError(f"{op}: input shape {input.shape} padded by {padding} is smaller than "
                           f"the kernel {kernel_size} (dilation {dilation}): output size "
                           f"{output_size} is too small")
    for size, k, s, p, d, out in zip(input.shape[2:], kernel_size, stride, padding, dilation,
                                     output_size):
        if not all(any(0 <= o * s - p + i * d < size for i in range(k)) for o in range(out)):
            raise RuntimeError(f"{op}: with input shape {input.shape}, kernel_size {kernel_size}, "
                               f"padding {padding} and dilation {dilation}, a window falls "
                               "entirely in the padding (it would have no input pixel)")
    return kernel_size, stride, padding, dilation, output_size


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over each window (PyTorch's F.max_pool2d); ``stride`` defaults to ``kernel_size``.

    With ``return_indices``, also the int64 positions of the maxima (h * W + w in each plane).
    """
    geometry = _pooling_geometry("max_pool2d", input, kernel_size, stride, padding, dilation,
                                 ceil_mode)
    y = MaxPool2d.apply(input, *geometry)
    if not return_indices:
        return y
    # the node keeps the kernel's indices for backward; without a graph, ask the kernel again
    indices = (y.grad_fn.indices if y.grad_fn is not None else
               input._backend.kernels.max_pool2d_forward(input._data, *geometry)[1])
    return y, Tensor._make(indices, input._backend)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over windows of (N, C, L) (PyTorch's F.max_pool1d): max_pool2d on (N, C, 1, L)."""
    if not isinstance(input, Tensor) or input.ndim != 3:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"max_pool1d: expected a 3-D input (N, C, L), got shape {shape}")
    stride = None if stride is None else (1, _single(stride))
    result = max_pool2d(input.unsqueeze(2), (1, _single(kernel_size)), stride,
                        (0, _single(padding)), (1, _single(dilation)), ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(2), result[1].squeeze(2)
    return result.squeeze(2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """Mean over each window (PyTorch's F.avg_pool2d); ``stride`` defaults to ``kernel_size``.

    ``count_include_pad``: divide by the window's area including the zero padding (PyTorch's
    default) or only by the number of input pixels in it.
    """
    kernel_size, stride, padding, _, output_size = _pooling_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    return AvgPool2d.apply(input, kernel_size, stride, padding, output_size,
                           bool(count_include_pad))
