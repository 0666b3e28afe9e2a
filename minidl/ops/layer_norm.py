"""Layer normalization over the trailing ``normalized_shape`` axes, computed by the kernels.

For each row x of D features (D = the product of ``normalized_shape``)::

    mean = sum(x) / D,   rstd = 1 / sqrt(sum((x - mean)^2) / D + eps),   xhat = (x - mean) * rstd
    y = xhat * weight + bias

and, with g = dy * weight, the backward (the kernels' docstrings derive it)::

    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dweight = sum_rows(dy * xhat),
    dbias = sum_rows(dy)

The kernels work on a 2-D (N, D) array, so the op flattens the leading axes into N rows and the
normalized axes into D features, and reshapes the gradients back.
"""
import math

from ..autograd import ArrayFunction


class LayerNorm(ArrayFunction):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over each row of D features."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps, normalized_ndim):
        ctx.x_shape = x.shape
        leading = x.ndim - normalized_ndim
        num_rows, num_features = math.prod(x.shape[:leading]), math.prod(x.shape[leading:])
        ctx.weight_shape = None if weight is None else weight.shape
        ctx.bias_shape = None if bias is None else bias.shape
        rows = x.reshape(num_rows, num_features)  # not (-1, D): D may be 0
        flat_weight = None if weight is None else weight.reshape(num_features)
        flat_bias = None if bias is None else bias.reshape(num_features)
        y, ctx.mean, ctx.rstd = ctx.kernels.layer_norm_forward(rows, flat_weight, flat_bias, eps)
        ctx.rows, ctx.flat_weight = rows, flat_weight
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        grad_rows = grad.reshape(ctx.rows.shape)
        gx, gweight, gbias = ctx.kernels.layer_norm_backward(
            grad_rows, ctx.rows, ctx.flat_weight, ctx.mean, ctx.rstd
        )
        if ctx.weight_shape is not None:
            gweight = gweight.reshape(ctx.weight_shape)
        if ctx.bias_shape is None:
            gbias = None
        else:
            if gbias is None:  # the kernels sum dy only alongside a weight
                gbias = grad_rows.sum(axis=0)
            gbias = gbias.reshape(ctx.bias_shape)
        return gx.reshape(ctx.x_shape), gweight, gbias, None, None


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalize ``input`` over its last ``len(normalized_shape)`` axes (PyTorch's F.layer_norm).

    ``weight`` and ``bias``, when given, have shape ``normalized_shape``.
    """
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    if input.dtype.kind != "f":
        raise TypeError(f"layer_norm: expected a floating-point tensor, got {input.dtype}")
    if not normalized_shape or input.shape[-len(normalized_shape):] != normalized_shape:
        raise ValueError(
            f"layer_norm: normalized_shape {normalized_shape} must match the trailing axes of "
            f"the input, got input shape {input.shape}"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is None:
            continue
        if param.shape != normalized_shape:
            raise ValueError(
                f"layer_norm: {name} has shape {param.shape}, expected {normalized_shape}"
            )
        if param.dtype != input.dtype:
            raise TypeError(
                f"layer_norm: {name} is {param.dtype} but the input is {input.dtype}"
            )
    return LayerNorm.apply(input, weight, bias, eps, len(normalized_shape))
