"""Reductions over one, several or all axes: sum, mean, var/std, prod, logsumexp, amax/amin,
max/min (with a dim: values and indices), argmax/argmin, all/any, count_nonzero.

Backward of a reduction spreads the output gradient back over the reduced axes; with
``keepdim=False`` those axes are first restored as length-1 axes so that broadcasting lines up.

Each takes PyTorch's ``dim``/``keepdim`` and, as PyTorch does, NumPy's names ``axis``/``keepdims``.
"""
import builtins
from collections import namedtuple

from .. import dtypes
from ..autograd import ArrayFunction
from ..errors import reject_unsupported
from ..tensor import Tensor
from ._promotion import cast_plain, float_input
from .conversion import cast
from .gather import gather
from .math import sqrt
from .shape import squeeze


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



class Prod(ArrayFunction):
    """out = product of x along one axis;  d/dx_i = product of the other elements.

    The product of the others is (product of those before i) * (product of those after i), two
    running products, so a zero in x needs no special case (x_i / out would divide by it)."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.x, ctx.axis, ctx.keepdim = x, axis, keepdim
        return x.prod(axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        xp, x, axis = ctx.xp, ctx.x, ctx.axis
        n = x.shape[axis]
        ones = xp.ones_like(x[_along(axis, 0, 1)])
        before = xp.cumprod(xp.concatenate([ones, x[_along(axis, 0, n - 1)]], axis=axis), axis=axis)
        tail = xp.concatenate([x[_along(axis, 1, n)], ones], axis=axis)
        after = xp.flip(xp.cumprod(xp.flip(tail, axis), axis=axis), axis)
        grad = restore_reduced_axes(xp, grad, (axis,), ctx.keepdim)
        return grad * before * after, None, None


def _along(axis, start, stop):
    """The index of elements start..stop-1 along one axis."""
    return (slice(None),) * axis + (slice(start, stop),)


class LogSumExp(ArrayFunction):
    """out = m + log(sum(exp(x - m))), m = max(x) so exp never overflows;
    d/dx = exp(x - out) = softmax(x)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = ctx.xp
        m = x.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of -inf (or +inf) stay -inf (+inf), not NaN
        out = m + xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True))
        ctx.x, ctx.out, ctx.dims, ctx.keepdim = x, out, dims, keepdim
        return out if keepdim else out.squeeze(axis=dims)

    @staticmethod
    def backward(ctx, grad):
        grad = restore_reduced_axes(ctx.xp, grad, ctx.dims, ctx.keepdim)
        return grad * ctx.xp.exp(ctx.x - ctx.out), None, None


def _reduce_args(op, x, dim, keepdim, axis, keepdims):
    """PyTorch's dim/keepdim, or NumPy's axis/keepdims (PyTorch accepts both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and axis")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return normalize_dims(dim, x.ndim, op), builtins.bool(keepdim)


def _one_axis(op, x, dim, axis):
    """A single reduced axis, for the ops that take one dim."""
    if axis is not None:
        dim = axis
    if not isinstance(dim, int):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (d,) = normalize_dims(dim, builtins.max(x.ndim, 1), op)
    return d


def _as_dtype(x, dtype):
    """The ``dtype=`` of sum/mean/prod/cumsum: the input is cast first, as in PyTorch."""
    return x if dtype is None or x.dtype == dtype else cast(x, dtypes.as_dtype(dtype))


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None,  # noqa: A001,A002
        **unsupported):
    """Sum over dim (all axes when None); integer and bool tensors sum to int64, as PyTorch."""
    reject_unsupported("sum", unsupported)
    x = _as_dtype(input, dtype)
    if x.dtype.kind in "biu" and dtype is None:
        x = cast_plain(x, "int64")  # an op, so that the ONNX tracer records it
    dims, keepdim = _reduce_args("sum", x, dim, keepdim, axis, keepdims)
    return Sum.apply(x, dims, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None,  # noqa: A002
         **unsupported):
    reject_unsupported("mean", unsupported)
    dims, keepdim = _reduce_args("mean", input, dim, keepdim, axis, keepdims)
    return Mean.apply(float_input(_as_dtype(input, dtype)), dims, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,  # noqa: A002
        keepdims=None, **unsupported):
    """sum((x - mean)^2) / (n - correction); correction=1 (Bessel's, the default) unless
    ``correction=`` or ``unbiased=False`` (correction 0) says otherwise."""
    reject_unsupported("var", unsupported)
    if correction is not None and unbiased is not None:
        raise TypeError("var: give either correction or unbiased, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims, keepdim = _reduce_args("var", input, dim, keepdim, axis, keepdims)
    return Var.apply(float_input(input), dims, correction, keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,  # noqa: A002
        keepdims=None, **unsupported):
    """sqrt(var(...)), with var's arguments."""
    reject_unsupported("std", unsupported)
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims))


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None,  # noqa: A002
         **unsupported):
    """Product over one dim, or of every element when dim is None (integers give int64)."""
    reject_unsupported("prod", unsupported)
    x = _as_dtype(input, dtype)
    if x.dtype.kind in "biu" and dtype is None:
        x = Tensor._make(x._data.astype("int64"), x._backend)
    if keepdims is not None:
        keepdim = keepdims
    if dim is None and axis is None:
        return Prod.apply(x.reshape(-1), 0, False).reshape((1,) * x.ndim if keepdim else ())
    if x.ndim == 0:
        return x
    return Prod.apply(x, _one_axis("prod", x, dim, axis), builtins.bool(keepdim))


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None,  # noqa: A002
              **unsupported):
    """log(sum(exp(x))) over dim, computed without overflow."""
    reject_unsupported("logsumexp", unsupported)
    dims, keepdim = _reduce_args("logsumexp", input, dim, keepdim, axis, keepdims)
    return LogSumExp.apply(float_input(input), dims, keepdim)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **unsupported):  # noqa: A002
    reject_unsupported("amax", unsupported)
    dims, keepdim = _reduce_args("amax", input, dim, keepdim, axis, keepdims)
    return Amax.apply(input, dims, keepdim)


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **unsupported):  # noqa: A002
    reject_unsupported("amin", unsupported)
    dims, keepdim = _reduce_args("amin", input, dim, keepdim, axis, keepdims)
    return Amin.apply(input, dims, keepdim)


ValuesIndices = {
    name: namedtuple(name, ["values", "indices"]) for name in ("max", "min", "median", "mode")
}


def values_and_indices(op, x, index, axis, keepdim):
    """The (values, indices) pair of max/min/median/mode over a dim; the values are gathered
    at the indices, so their gradient reaches exactly the element that was picked."""
    if x.ndim == 0:
        return ValuesIndices[op](x, Tensor._make(index.reshape(()), x._backend))
    index = Tensor._make(index, x._backend)
    values = gather(x, axis, index)
    if not keepdim:
        values, index = squeeze(values, axis), squeeze(index, axis)
    return ValuesIndices[op](values, index)


def _max_or_min(op, input, dim, keepdim, axis, keepdims, other):
    if isinstance(dim, Tensor) or other is not None:
        from .selection import maximum, minimum

        return (maximum if op == "max" else minimum)(input, dim if other is None else other)
    if dim is None and axis is None:
        extreme = Amax if op == "max" else Amin
        return extreme.apply(input, normalize_dims(None, input.ndim, op), False)
    if input.numel() == 0:
        raise IndexError(f"{op}: cannot reduce an empty tensor {input.shape} over a dim")
    d = _one_axis(op, input, dim, axis)
    keepdim = keepdim if keepdims is None else keepdims
    find = input._data.argmax if op == "max" else input._data.argmin
    index = input._backend.xp.expand_dims(find(axis=d), d) if input.ndim else find()
    return values_and_indices(op, input, index.astype("int64"), d, keepdim)


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None, other=None,  # noqa: A001,A002
        **unsupported):
    """``max(x)``: the largest element (ties share the gradient evenly); ``max(x, dim)``: the
    named tuple (values, indices) over dim; ``max(x, y)``: elementwise, as ``maximum``."""
    reject_unsupported("max", unsupported)
    return _max_or_min("max", input, dim, keepdim, axis, keepdims, other)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None, other=None,  # noqa: A001,A002
        **unsupported):
    """As ``max``, for the smallest."""
    reject_unsupported("min", unsupported)
    return _max_or_min("min", input, dim, keepdim, axis, keepdims, other)


def _arg_extreme(op, x, dim, keepdim, axis):
    xp = x._backend.xp
    find = x._data.argmax if op == "argmax" else x._data.argmin
    if dim is None and axis is None:
        index = xp.asarray(find())
        if keepdim:
            index = index.reshape((1,) * x.ndim)
    else:
        d = _one_axis(op, x, dim, axis)
        index = find(axis=d) if x.ndim else xp.asarray(0)
        if keepdim and x.ndim:
            index = xp.expand_dims(index, d)
    return Tensor._make(index.astype("int64"), x._backend)


def argmax(input, dim=None, keepdim=False, *, axis=None, **unsupported):  # noqa: A002
    """Index of the largest element (of the flattened tensor when dim is None); no gradient."""
    reject_unsupported("argmax", unsupported)
    return _arg_extreme("argmax", input, dim, keepdim, axis)


def argmin(input, dim=None, keepdim=False, *, axis=None, **unsupported):  # noqa: A002
    """Index of the smallest element (of the flattened tensor when dim is None); no gradient."""
    reject_unsupported("argmin", unsupported)
    return _arg_extreme("argmin", input, dim, keepdim, axis)


def _logical_reduction(op, input, dim, keepdim, axis, keepdims):
    dims, keepdim = _reduce_args(op, input, dim, keepdim, axis, keepdims)
    result = getattr(input._data.astype(builtins.bool), op)(axis=dims, keepdims=keepdim)
    return Tensor._make(input._backend.xp.asarray(result), input._backend)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None,  # noqa: A001,A002
        **unsupported):
    """True where every element over dim is non-zero (a bool tensor, no gradient)."""
    reject_unsupported("all", unsupported)
    return _logical_reduction("all", input, dim, keepdim, axis, keepdims)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None,  # noqa: A001,A002
        **unsupported):
    """True where some element over dim is non-zero (a bool tensor, no gradient)."""
    reject_unsupported("any", unsupported)
    return _logical_reduction("any", input, dim, keepdim, axis, keepdims)


def count_nonzero(input, dim=None):  # noqa: A002
    """The number of non-zero elements over dim (int64, no gradient)."""
    dims = normalize_dims(dim, input.ndim, "count_nonzero")
    counts = (input._data != 0).sum(axis=dims)
    return Tensor._make(input._backend.xp.asarray(counts, dtype="int64"), input._backend)
