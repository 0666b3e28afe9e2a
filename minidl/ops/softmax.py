"""Softmax and log-softmax along any axis, computed by the device's kernels.

The kernels work on the last axis; for another ``dim`` the op moves that axis last and back.
softmax:      y_i = e^(x_i - max) / sum_j e^(x_j - max);   dx = y * (dy - sum(dy * y))
log_softmax:  y_i = x_i - logsumexp(x);                    dx = dy - e^y * sum(dy)
"""
from ..autograd import ArrayFunction
from .reductions import normalize_dims


class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.out = ctx.xp.moveaxis(ctx.kernels.softmax_forward(ctx.xp.moveaxis(x, dim, -1)), -1, dim)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        xp, dim = ctx.xp, ctx.dim
        last = ctx.kernels.softmax_backward(xp.moveaxis(ctx.out, dim, -1), xp.moveaxis(grad, dim, -1))
        return xp.moveaxis(last, -1, dim), None


class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        last = ctx.kernels.log_softmax_forward(ctx.xp.moveaxis(x, dim, -1))
        ctx.out = ctx.xp.moveaxis(last, -1, dim)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        xp, dim = ctx.xp, ctx.dim
        last = ctx.kernels.log_softmax_backward(
            xp.moveaxis(ctx.out, dim, -1), xp.moveaxis(grad, dim, -1)
        )
        return xp.moveaxis(last, -1, dim), None


def _softmax_axis(x, dim, op):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{op}: expected a tensor with at least one dimension")
    (axis,) = normalize_dims(dim, x.ndim, op)
    return axis


def softmax(x, dim):
    return Softmax.apply(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(x, dim):
    return LogSoftmax.apply(x, _softmax_axis(x, dim, "log_softmax"))
