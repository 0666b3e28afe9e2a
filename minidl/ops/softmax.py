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
    (axis,) = normalize_dims(dim, max(x.ndim, 1), op)
    return axis


def softmax(x, dim):
    """A 0-d tensor is a row of one element (softmax 1, log_softmax 0), as in PyTorch."""
    if x.ndim == 0:
        return Softmax.apply(x.reshape(1), _softmax_axis(x, dim, "softmax")).reshape(())
    return Softmax.apply(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(x, dim):
    if x.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), _softmax_axis(x, dim, "log_softmax")).reshape(())
    return LogSoftmax.apply(x, _softmax_axis(x, dim, "log_softmax"))
