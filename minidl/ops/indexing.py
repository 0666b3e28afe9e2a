"""Indexing ``t[...]`` with ints, slices, None, ..., integer index tensors and bool masks.

The backward writes the gradient back to the positions it was read from. With integer index
arrays a position can be read several times (``t[[0, 0, 1]]``), so the gradient there is the
sum of all its reads: a scatter-add, not an assignment.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor


def backend_index(index):
    """Replace Tensors inside an index by their arrays (the form NumPy and CuPy understand)."""
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return _list_index(index)
    return index


def _list_index(index):
    """A Python list index ``t[[0, 2]]`` is an integer array index, as in PyTorch."""
    import numpy as np

    return np.asarray(index)


def owned_index(index):
    """A copy of the arrays inside an index, so that changing the index tensor after the op
    cannot change what backward reads (nor push a scatter out of bounds)."""
    parts = index if isinstance(index, tuple) else (index,)
    owned = tuple(p.copy() if hasattr(p, "dtype") and hasattr(p, "shape") else p for p in parts)
    return owned if isinstance(index, tuple) else owned[0]


def _has_integer_array(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "dtype") and p.dtype.kind in "iu" for p in parts)


class GetItem(ArrayFunction):
    """out = x[index];  grad: zeros of x's shape with the output gradient added at index"""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        grad_x = ctx.xp.zeros(ctx.shape, dtype=ctx.dtype)
        if _has_integer_array(ctx.index):
            ctx.backend.scatter_add(grad_x, ctx.index, grad)
        else:
            grad_x[ctx.index] = grad
        return grad_x, None


def getitem(x, index):
    index = backend_index(index)
    if hasattr(index, "dtype") and x._backend.name != "cpu":
        index = x._backend.asarray(index)
    if x._requires_grad:
        index = owned_index(index)
    return GetItem.apply(x, index)
