"""Reductions over one, several or all axes: sum, mean, var, amax/amin, max/min, argmax.

Backward of a reduction spreads the output gradient back over the reduced axes; with
``keepdim=False`` those axes are first restored as length-1 axes so that broadcasting lines up.
"""
import builtins

from ..autograd import ArrayFunction
from ..tensor import Tensor
from ._promotion import float_input


def normalize_dims(dim, ndim, op):
    """None -> every axis; an int or a sequence -> a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    normalized = []
    for d in dims:
        bound = builtins.max(ndim, 1)
        if not -bound <= d < bound:
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s)"
            )
        if ndim:  # a 0-d tensor accepts dim 0 or -1 and has no axis to reduce
            normalized.append(d % ndim)
    return tuple(sorted(set(normalized)))


def restore_reduced_axes(xp, grad, dims, keepdim):
    """Put back the reduced axes as length-1 axes (a no-op when keepdim=True)."""
    return grad if keepdim or not dims else xp.expand_dims(grad, dims)


class Sum(ArrayFunction):
    """out = sum over dims of x;  d/dx = 1 for every element that was summed"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        grad = restore_reduced_axes(ctx.xp, grad, ctx.dims, ctx.keepdim)
        return ctx.xp.broadcast_to(grad, ctx.shape), None, None


class Mean(ArrayFunction):
    """out = sum(x) / n;  d/dx = 1 / n"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = _count(x.shape, dims)
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        grad = restore_reduced_axes(ctx.xp, grad, ctx.dims, ctx.keepdim) / ctx.count
        return ctx.xp.broadcast_to(grad, ctx.shape), None, None


class Var(ArrayFunction):
    """out = sum((x - mean)^2) / (n - ddof);  d/dx = 2 (x - mean) / (n - ddof)"""

    @staticmethod
    def forward(ctx, x, dims, ddof, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.centered = x - x.mean(axis=dims, keepdims=True)
        ctx.divisor = _count(x.shape, dims) - ddof
        return (ctx.centered**2).sum(axis=dims, keepdims=keepdim) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):
        grad = restore_reduced_axes(ctx.xp, grad, ctx.dims, ctx.keepdim)
        return grad * 2 * ctx.centered / ctx.divisor, None, None, None


class _Extreme(ArrayFunction):
    """out = max (or min) over dims;  the gradient is shared evenly among tied extremes"""

    reduce = None  # "max" or "min"

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        if x.size == 0:
            raise ValueError("cannot reduce an empty tensor")
        out = getattr(x, cls.reduce)(axis=dims, keepdims=True)
        ctx.is_extreme = x == out
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else out.squeeze(axis=dims)

    @staticmethod
    def backward(ctx, grad):
        grad = restore_reduced_axes(ctx.xp, grad, ctx.dims, ctx.keepdim)
        ties = ctx.is_extreme.sum(axis=ctx.dims, keepdims=True)
        return ctx.is_extreme * (grad / ties), None, None


class Amax(_Extreme):
    reduce = "max"


class Amin(_Extreme):
    reduce = "min"


def _count(shape, dims):
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def sum(x, dim=None, keepdim=False):  # noqa: A001 (PyTorch's name)
    if x.dtype.kind == "b":
        x = Tensor._make(x._data.astype("int64"), x._backend)
    return Sum.apply(x, normalize_dims(dim, x.ndim, "sum"), keepdim)


def mean(x, dim=None, keepdim=False):
    return Mean.apply(float_input(x), normalize_dims(dim, x.ndim, "mean"), keepdim)


def var(x, dim=None, unbiased=True, keepdim=False):
    return Var.apply(float_input(x), normalize_dims(dim, x.ndim, "var"), int(unbiased), keepdim)


def amax(x, dim=None, keepdim=False):
    return Amax.apply(x, normalize_dims(dim, x.ndim, "amax"), keepdim)


def amin(x, dim=None, keepdim=False):
    return Amin.apply(x, normalize_dims(dim, x.ndim, "amin"), keepdim)


def max(x):  # noqa: A001 (PyTorch's name)
    """The largest element (a 0-d tensor); ties share the gradient evenly, as PyTorch's."""
    return amax(x)


def min(x):  # noqa: A001 (PyTorch's name)
    return amin(x)


def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (of the flattened tensor when dim is None); no gradient."""
    xp = x._backend.xp
    if dim is None:
        index = xp.asarray(x._data.argmax())
        if keepdim:
            index = index.reshape((1,) * x.ndim)
    else:
        (axis,) = normalize_dims(dim, x.ndim, "argmax")
        index = x._data.argmax(axis=axis)
        if keepdim:
            index = xp.expand_dims(index, axis)
    return Tensor._make(index.astype("int64"), x._backend)
