"""Running sums and products along one axis: cumsum, cumprod.

out_j = x_0 + ... + x_j, so x_i reaches every out_j with j >= i: the gradient of x_i is the sum
of grad_j over j >= i, a running sum taken from the end.
"""
from ..autograd import ArrayFunction
from ..errors import reject_unsupported
from .reductions import _as_dtype, _one_axis


def _reverse_cumsum(xp, a, axis):
    """out_i = a_i + a_{i+1} + ... (the running sum from the end)."""
    return xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis)


class CumSum(ArrayFunction):
    """out_j = sum_{i <= j} x_i;  d(loss)/dx_i = sum_{j >= i} grad_j"""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(ctx.xp, grad, ctx.axis), None


class CumProd(ArrayFunction):
    """out_j = prod_{i <= j} x_i;  d(loss)/dx_i = sum_{j >= i} grad_j * out_j / x_i.

    Where x holds a zero that division is 0/0, so those slices take the direct route: for each
    i, the running product with x_i replaced by 1 gives d(out_j)/dx_i for every j >= i."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.x, ctx.axis = x, axis
        ctx.out = ctx.xp.cumprod(x, axis=axis)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        xp, x, axis = ctx.xp, ctx.x, ctx.axis
        if not (x == 0).any():
            return _reverse_cumsum(xp, grad * ctx.out, axis) / x, None
        grad_x = xp.empty_like(grad)
        for i in range(x.shape[axis]):
            at_i = (slice(None),) * axis + (slice(i, i + 1),)
            without_i = x.copy()
            without_i[at_i] = 1
            later = (slice(None),) * axis + (slice(i, None),)
            partial = xp.cumprod(without_i, axis=axis)[later]
            grad_x[at_i] = (grad[later] * partial).sum(axis=axis, keepdims=True)
        return grad_x, None


def cumsum(input, dim, *, dtype=None, axis=None, **unsupported):  # noqa: A002 (PyTorch's names)
    """Running sum along dim (integers and bools give int64, as in PyTorch)."""
    reject_unsupported("cumsum", unsupported)
    x = _as_dtype(input, dtype)
    if x.dtype.kind in "biu" and dtype is None:
        x = x.long()
    if x.ndim == 0:
        return x * 1
    return CumSum.apply(x, _one_axis("cumsum", x, dim, axis))


def cumprod(input, dim, *, dtype=None, axis=None, **unsupported):  # noqa: A002
    """Running product along dim (integers and bools give int64, as in PyTorch)."""
    reject_unsupported("cumprod", unsupported)
    x = _as_dtype(input, dtype)
    if x.dtype.kind in "biu" and dtype is None:
        x = x.long()
    if x.ndim == 0:
        return x * 1
    return CumProd.apply(x, _one_axis("cumprod", x, dim, axis))
