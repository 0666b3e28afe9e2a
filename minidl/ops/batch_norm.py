"""Batch normalization: normalise each channel by statistics over the batch (and positions).

For x (N, C, *) seen as (N, C, L), in training mode each channel c uses the mean and (biased)
variance of its N * L values::

    y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c

and the running statistics, when given, move towards them in place (PyTorch's rule, with the
unbiased variance)::

    running_mean = (1 - momentum) * running_mean + momentum * mean_c
    running_var  = (1 - momentum) * running_var  + momentum * var_c * M / (M - 1),   M = N * L

In evaluation mode the running statistics replace the batch's, so y is an affine map of x,
and each sample's output no longer depends on the others in its batch.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor


def _as_ncl(array):
    return array.reshape(array.shape[0], array.shape[1], -1)


class BatchNormTraining(ArrayFunction):
    """Batch statistics; dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight
    (the kernels' docstrings derive it), dweight = sum(dy * xhat), dbias = sum(dy)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps, momentum, running_mean, running_var):
        x3 = _as_ncl(x)
        y, mean, var = ctx.kernels.batch_norm_forward(x3, weight, bias, eps)
        if running_mean is not None:
            count = x3.shape[0] * x3.shape[2]
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += momentum * var * (count / max(count - 1, 1))
        ctx.x3, ctx.weight, ctx.mean, ctx.var, ctx.eps = x3, weight, mean, var, eps
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        gx, gweight, gbias = ctx.kernels.batch_norm_backward(
            _as_ncl(grad), ctx.x3, ctx.weight, ctx.mean, ctx.var, ctx.eps)
        return gx.reshape(grad.shape), gweight, gbias


class BatchNormEvaluation(ArrayFunction):
    """y = x * scale_c + shift_c, scale = weight / sqrt(running_var + eps),
    shift = bias - running_mean * scale;  dx = dy * scale, dweight = sum(dy * xhat),
    dbias = sum(dy)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps):
        xp = ctx.xp
        rstd = 1 / xp.sqrt(running_var + eps)
        scale = rstd if weight is None else weight * rstd
        shift = -running_mean * scale
        if bias is not None:
            shift = shift + bias
        ctx.x3, ctx.scale, ctx.rstd, ctx.running_mean = _as_ncl(x), scale, rstd, running_mean
        ctx.eps = eps  # (read by the ONNX exporter)
        return (ctx.x3 * scale[:, None] + shift[:, None]).astype(x.dtype, copy=False).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        grad3 = _as_ncl(grad)
        grad_x = (grad3 * ctx.scale[:, None]).reshape(grad.shape) if needs_x else None
        grad_weight = grad_bias = None
        if needs_weight:
            xhat = (ctx.x3 - ctx.running_mean[:, None]) * ctx.rstd[:, None]
            grad_weight = (grad3 * xhat).sum(axis=(0, 2))
        if needs_bias:
            grad_bias = grad3.sum(axis=(0, 2))
        return grad_x, grad_weight, grad_bias, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    """PyTorch's F.batch_norm for input (N, C, *): batch statistics when ``training`` (updating
    ``running_mean``/``running_var`` in place when given), else the running statistics."""
    if not isinstance(input, Tensor) or input.ndim < 2:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"batch_norm: expected a floating-point input, got {input.dtype}")
    channels = input.shape[1]
    for name, tensor in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                         ("running_var", running_var)):
        if tensor is not None and tensor.shape != (channels,):
            raise RuntimeError(f"batch_norm: input shape {input.shape} has {channels} channels "
                               f"but {name} has shape {tensor.shape}")
    if training:
        values_per_channel = input.numel() // channels if channels else 0
        if values_per_channel <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input shape {input.shape}")
        stats = (None, None) if running_mean is None else (running_mean._data, running_var._data)
        return BatchNormTraining.apply(input, weight, bias, eps=eps, momentum=momentum,
                                       running_mean=stats[0], running_var=stats[1])
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
    return BatchNormEvaluation.apply(input, weight, bias, running_mean._data.astype(input.dtype),
                                     running_var._data.astype(input.dtype), eps=eps)
