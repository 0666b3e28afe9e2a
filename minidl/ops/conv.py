"""Convolutions: conv1d, conv2d and conv_transpose2d, as im2col plus one matrix product.

A 2-D convolution slides each of O filters (C/groups, kh, kw) over the input (N, C, H, W)::

    y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * x_padded[n, c, p*sh + i*dh, q*sw + j*dw]

``kernels.im2col`` copies every patch into a column of ``cols`` (C*kh*kw, N*OH*OW), so the sum
is the product ``W (O, C*kh*kw) @ cols``; with groups, each group of channels has its own block
of rows of W and of cols. The backward, with G = dL/dy laid out as (O, N*OH*OW)::

    dL/dW = G @ cols^T        dL/dcols = W^T @ G  ->  dL/dx = col2im(dL/dcols)     dL/db = sum G

A transposed convolution is the adjoint of a convolution (its forward is conv2d's input
gradient), so it runs the same three pieces in the other order. conv1d is conv2d with H = 1.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor


def _grouped(matrix, groups):
    """(rows, columns) -> (groups, rows / groups, columns): each group's block of rows."""
    return matrix.reshape(groups, matrix.shape[0] // groups, matrix.shape[1])


def _channels_first(y, xp):
    """(C, N, H, W) -> a contiguous (N, C, H, W)."""
    return xp.ascontiguousarray(y.transpose(1, 0, 2, 3))


class Conv2d(ArrayFunction):
    """y = W @ im2col(x) + b;  dW = G @ cols^T,  dx = col2im(W^T @ G),  db = sum G."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        out_channels, kernel_size = weight.shape[0], weight.shape[2:]
        cols = ctx.kernels.im2col(x, kernel_size, stride, padding, dilation)
        weight_rows = weight.reshape(groups, out_channels // groups, -1)
        y = weight_rows @ _grouped(cols, groups)  # (groups, O / groups, N * OH * OW)
        batch, (top, bottom), (left, right) = x.shape[0], *padding
        out_h = (x.shape[2] + top + bottom - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0] + 1
        y = _channels_first(y.reshape(out_channels, batch, out_h, -1), ctx.xp)
        if bias is not None:
            y += bias[:, None, None]
        ctx.geometry = (kernel_size, stride, padding, dilation)
        ctx.cols, ctx.weight, ctx.x_shape, ctx.groups = cols, weight, x.shape, groups
        return y

    @staticmethod
    def backward(ctx, grad):
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        weight, groups = ctx.weight, ctx.groups
        g = grad.transpose(1, 0, 2, 3).reshape(weight.shape[0], -1)  # (O, N * OH * OW)
        g = _grouped(g, groups)
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            weight_rows = weight.reshape(groups, weight.shape[0] // groups, -1)
            grad_cols = (weight_rows.transpose(0, 2, 1) @ g).reshape(-1, g.shape[2])
            grad_x = ctx.kernels.col2im(grad_cols, ctx.x_shape, *ctx.geometry)
        if needs_weight:
            cols = _grouped(ctx.cols, groups)
            grad_weight = (g @ cols.transpose(0, 2, 1)).reshape(weight.shape)
        if needs_bias:
            grad_bias = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_weight, grad_bias


class ConvTranspose2d(ArrayFunction):
    """y = col2im(W^T @ x) + b, the adjoint of Conv2d;  dx = W @ im2col(G),
    dW = x @ im2col(G)^T,  db = sum G. weight is (C_in, C_out / groups, kh, kw)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, output_shape):
        batch, in_channels = x.shape[:2]
        x_rows = _grouped(x.transpose(1, 0, 2, 3).reshape(in_channels, -1), groups)
        weight_rows = weight.reshape(groups, in_channels // groups, -1)
        cols = (weight_rows.transpose(0, 2, 1) @ x_rows).reshape(-1, x_rows.shape[2])
        geometry = (weight.shape[2:], stride, padding, dilation)
        y = ctx.kernels.col2im(cols, output_shape, *geometry)
        if bias is not None:
            y += bias[:, None, None]
        ctx.geometry, ctx.groups, ctx.x_rows, ctx.weight = geometry, groups, x_rows, weight
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, grad):
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        weight, groups = ctx.weight, ctx.groups
        grad_cols = _grouped(ctx.kernels.im2col(grad, *ctx.geometry), groups)
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            weight_rows = weight.reshape(groups, weight.shape[0] // groups, -1)
            batch, channels, height, width = ctx.x_shape
            grad_x = (weight_rows @ grad_cols).reshape(channels, batch, height, width)
            grad_x = _channels_first(grad_x, ctx.xp)
        if needs_weight:
            grad_weight = (ctx.x_rows @ grad_cols.transpose(0, 2, 1)).reshape(weight.shape)
        if needs_bias:
            grad_bias = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_weight, grad_bias


# ----------------------------------------------------------------------------- functions


def _pair(value, name, op):
    """An int or a pair of ints as a pair, as PyTorch's _pair."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return pair


def _check_conv_inputs(op, input, weight, bias, groups, spatial_dims, transposed=False):  # noqa: A002
    ndim = spatial_dims + 2
    layout = "(N, C, L)" if spatial_dims == 1 else "(N, C, H, W)"
    if not isinstance(input, Tensor) or input.ndim != ndim:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{op}: expected a {ndim}-D input {layout}, got shape {shape}"
                           + (" (add a batch axis with x.unsqueeze(0))" if
                              isinstance(input, Tensor) and input.ndim == ndim - 1 else ""))
    if weight.ndim != ndim:
        raise RuntimeError(f"{op}: expected a {ndim}-D weight, got shape {weight.shape}")
    if groups < 1 or input.shape[1] % groups:
        raise RuntimeError(f"{op}: {input.shape[1]} input channels (input shape {input.shape}) "
                           f"are not divisible by groups={groups}")
    expected_channels = weight.shape[0] if transposed else weight.shape[1] * groups
    if input.shape[1] != expected_channels:
        raise RuntimeError(
            f"{op}: input shape {input.shape} has {input.shape[1]} channels, but weight shape "
            f"{weight.shape} with groups={groups} expects {expected_channels}")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if not transposed and out_channels % groups:
        raise RuntimeError(f"{op}: weight shape {weight.shape}: {out_channels} output channels "
                           f"are not divisible by groups={groups}")
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(f"{op}: expected bias of shape ({out_channels},), got {bias.shape}")
    for role, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype != input.dtype:
            raise TypeError(f"{op}: input is {input.dtype} but {role} is {tensor.dtype}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")


def _conv_padding(padding, kernel_size, stride, dilation, op):
    """((top, bottom), (left, right)) from an int, a pair, "valid" or "same"."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        # the total padding d * (k - 1) keeps the size; an odd total puts the extra pixel last
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a pair, got {padding!r}")
    return tuple((p, p) for p in _pair(padding, "padding", op))


def _conv2d(op, input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    kernel_size = weight.shape[2:]
    stride, dilation = _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    padding = _conv_padding(padding, kernel_size, stride, dilation, op)
    for axis, size, k, (before, after), d in zip("HW", input.shape[2:], kernel_size, padding,
                                                 dilation):
        if size + before + after < d * (k - 1) + 1:
            raise RuntimeError(
                f"{op}: input shape {input.shape} padded to {size + before + after} along {axis} "
                f"is smaller than the kernel (weight shape {weight.shape}, dilation {d})")
    return Conv2d.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                        groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (PyTorch's F.conv2d): input (N, C, H, W), weight (O, C / groups, kh, kw).

    ``padding`` is an int, a pair, "valid" (none) or "same" (output size = input size, stride 1).
    """
    _check_conv_inputs("conv2d", input, weight, bias, groups, spatial_dims=2)
    return _conv2d("conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution (PyTorch's F.conv1d): input (N, C, L), weight (O, C / groups, k).

    Runs as conv2d on (N, C, 1, L) images with a (1, k) kernel.
    """
    _check_conv_inputs("conv1d", input, weight, bias, groups, spatial_dims=1)
    padding = padding if isinstance(padding, str) else (0, _single(padding))
    y = _conv2d("conv1d", input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride)),
                padding, (1, _single(dilation)), groups)
    return y.squeeze(2)


def _single(value):
    """An int, or a one-element sequence of one, as an int."""
    return value if isinstance(value, int) else tuple(value)[0]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """Transposed convolution (PyTorch's F.conv_transpose2d), weight (C_in, C_out / groups, kh, kw).

    Output size (H - 1) * s - 2 p + d (k - 1) + output_padding + 1 per axis: the input size of the
    conv2d (same stride, padding, dilation) whose input gradient this computes.
    """
    op = "conv_transpose2d"
    _check_conv_inputs(op, input, weight, bias, groups, spatial_dims=2, transposed=True)
    stride, dilation = _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    padding, output_padding = _pair(padding, "padding", op), _pair(output_padding, "output_padding", op)
    output_hw = []
    for size, k, s, p, extra, d in zip(input.shape[2:], weight.shape[2:], stride, padding,
                                       output_padding, dilation):
        if not 0 <= extra < s:  # PyTorch also allows extra < dilation; minidl does not
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than "
                             f"the stride {stride}")
        output_hw.append((size - 1) * s - 2 * p + d * (k - 1) + extra + 1)
    if min(output_hw) < 1:
        raise RuntimeError(f"{op}: input shape {input.shape} with weight shape {weight.shape} "
                           f"gives an empty output {tuple(output_hw)}")
    output_shape = (input.shape[0], weight.shape[1] * groups, *output_hw)
    return ConvTranspose2d.apply(input, weight, bias, stride=stride,
                                 padding=tuple((p, p) for p in padding), dilation=dilation,
                                 groups=groups, output_shape=output_shape)
