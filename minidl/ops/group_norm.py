"""Group normalization: layer norm over groups of channels, then a per-channel affine map.

x (N, C, *) is cut into G groups of C / G channels; each (sample, group) is normalised by its
own mean and variance, then channel c is scaled and shifted::

    xhat = (x - mean_(n, g)) / sqrt(var_(n, g) + eps),     y = xhat * weight_c + bias_c

Unlike batch norm, no statistic crosses samples, so it behaves the same for any batch size and
in training and evaluation. Each (sample, group) is a row of the layer-norm kernels.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor


class GroupNorm(ArrayFunction):
    """Rows of layer norm (no affine) then y = xhat * w_c + b_c;  dxhat = dy * w_c through
    layer_norm_backward, dweight = sum(dy * xhat), dbias = sum(dy) over samples and positions."""

    @staticmethod
    def forward(ctx, x, weight, bias, num_groups, eps):
        batch, channels = x.shape[:2]
        rows = x.reshape(batch * num_groups, -1)
        xhat, ctx.mean, ctx.rstd = ctx.kernels.layer_norm_forward(rows, None, None, eps)
        xhat = xhat.reshape(batch, channels, -1)
        y = xhat
        if weight is not None:
            y = y * weight[:, None]
        if bias is not None:
            y = y + bias[:, None]
        ctx.rows, ctx.xhat, ctx.weight = rows, xhat, weight
        ctx.num_groups, ctx.eps = num_groups, eps  # (read by the ONNX exporter)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        grad3 = grad.reshape(ctx.xhat.shape)
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            grad_xhat = grad3 if ctx.weight is None else grad3 * ctx.weight[:, None]
            grad_rows, _, _ = ctx.kernels.layer_norm_backward(
                grad_xhat.reshape(ctx.rows.shape), ctx.rows, None, ctx.mean, ctx.rstd)
            grad_x = grad_rows.reshape(grad.shape)
        if needs_weight:
            grad_weight = (grad3 * ctx.xhat).sum(axis=(0, 2))
        if needs_bias:
            grad_bias = grad3.sum(axis=(0, 2))
        return grad_x, grad_weight, grad_bias


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """PyTorch's F.group_norm for input (N, C, *); weight and bias (C,) or None."""
    if not isinstance(input, Tensor) or input.ndim < 2:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *), got {shape}")
    channels = input.shape[1]
    if num_groups < 1 or channels % num_groups:
        raise RuntimeError(f"group_norm: {channels} channels (input shape {input.shape}) are not "
                           f"divisible by num_groups={num_groups}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.shape != (channels,):
            raise RuntimeError(f"group_norm: expected {name} of shape ({channels},), got "
                               f"{tensor.shape}")
    return GroupNorm.apply(input, weight, bias, num_groups=num_groups, eps=eps)
