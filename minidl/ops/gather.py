"""Reading and writing along one axis by index: gather, scatter, scatter_add, index_select,
take_along_dim, masked_select, nonzero.

``gather`` reads ``out[i][j] = x[index[i][j]][j]`` (for dim 0); its backward is the mirror
image, a scatter-add of the gradient to the positions read (a position read twice gets both
gradients). ``scatter`` writes ``src`` to those positions; its backward sends the gradient of the
overwritten positions to ``src`` (a gather) and the rest to ``x``.
"""
import numpy as np

from ..autograd import ArrayFunction
from ..tensor import Tensor
from .shape import _axis, expand


def _positions(xp, index, axis):
    """The full index tuple of ``index`` along ``axis``: position (i, j, ...) of ``index`` names
    the element whose coordinate on ``axis`` is index[i, j, ...] and elsewhere i, j, ..."""
    ndim = index.ndim
    grid = [
        xp.arange(n).reshape(tuple(-1 if k == d else 1 for k in range(ndim)))
        for d, n in enumerate(index.shape)
    ]
    grid[axis] = index
    return tuple(grid)


class Gather(ArrayFunction):
    """out[pos] = x[pos, its `dim` coordinate replaced by index[pos]];  grad: scatter-add back"""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.positions = x.shape, _positions(ctx.xp, index, axis)
        return x[ctx.positions]

    @staticmethod
    def backward(ctx, grad):
        grad_x = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        ctx.backend.scatter_add(grad_x, ctx.positions, grad)
        return grad_x, None, None


class Scatter(ArrayFunction):
    """out = x with src written at the indexed positions (added there when ``add``);
    grad_x = grad (zero where overwritten), grad_src = grad read back at those positions"""

    @staticmethod
    def forward(ctx, x, index, src, axis, add):
        ctx.positions, ctx.add = _positions(ctx.xp, index, axis), add
        out = x.copy()
        if add:
            ctx.backend.scatter_add(out, ctx.positions, src)
        else:
            out[ctx.positions] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad
        if not ctx.add:
            grad_x = grad.copy()
            grad_x[ctx.positions] = 0
        grad_src = grad[ctx.positions] if ctx.needs_input_grad[2] else None
        return grad_x, None, grad_src, None, None


class IndexSelect(ArrayFunction):
    """out = x's slices number index[0], index[1], ... along dim;  grad: scatter-add back"""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.where = x.shape, (slice(None),) * axis + (index,)
        return x[ctx.where]

    @staticmethod
    def backward(ctx, grad):
        grad_x = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        ctx.backend.scatter_add(grad_x, ctx.where, grad)
        return grad_x, None, None


def _check_index(op, index, x, axis):
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        got = getattr(index, "dtype", type(index).__name__)
        raise RuntimeError(f"{op}: expected an int64 index tensor, got {got}")
    if index.ndim != x.ndim:
        raise RuntimeError(
            f"{op}: index {index.shape} and input {x.shape} must have the same number of dimensions"
        )
    for d, (m, n) in enumerate(zip(index.shape, x.shape)):
        if d != axis and m > n:
            raise RuntimeError(
                f"{op}: index {index.shape} is larger than input {x.shape} on dimension {d}"
            )
    size = x.shape[axis] if x.ndim else 1
    if index.numel() and not (-size <= int(index._data.min()) and int(index._data.max()) < size):
        raise IndexError(f"{op}: index out of range for dimension {axis} of size {size}")


def _crop(x, shape, keep_axis):
    """x[:shape[0], :shape[1], ...], except along keep_axis (PyTorch reads only that part)."""
    if all(m == n or d == keep_axis for d, (m, n) in enumerate(zip(shape, x.shape))):
        return x
    return x[tuple(slice(None) if d == keep_axis else slice(0, n) for d, n in enumerate(shape))]


def gather(input, dim, index, *, sparse_grad=False):  # noqa: A002 (PyTorch's argument names)
    if sparse_grad:
        raise NotImplementedError("gather: sparse_grad=True is not supported")
    axis = _axis(dim, max(input.ndim, 1), "gather")
    _check_index("gather", index, input, axis)
    return Gather.apply(_crop(input, index.shape, axis), index._data, axis)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """gather with broadcasting; dim=None reads from the flattened input."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    axis = _axis(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(
            f"take_along_dim: input {input.shape} and indices {indices.shape} must have the same "
            "number of dimensions"
        )
    shape = [max(m, n) for m, n in zip(input.shape, indices.shape)]
    input = expand(input, *(n if d != axis else -1 for d, n in enumerate(shape)))
    indices = expand(indices, *(n if d != axis else -1 for d, n in enumerate(shape)))
    return gather(input, axis, indices)


def _scatter(op, input, dim, index, src, add, value=None, reduce=None):
    if reduce is not None:
        raise NotImplementedError(f"{op}: reduce={reduce!r} is not supported (use scatter_add)")
    axis = _axis(dim, max(input.ndim, 1), op)
    _check_index(op, index, input, axis)
    if src is None:
        src = value
    if isinstance(src, Tensor):
        if src.ndim != index.ndim or any(m > n for m, n in zip(index.shape, src.shape)):
            raise RuntimeError(
                f"{op}: src {src.shape} must be at least as large as index {index.shape}"
            )
        src = _crop(src, index.shape, None)
        if src.dtype != input.dtype:
            raise RuntimeError(
                f"{op}: src ({src.dtype}) and input ({input.dtype}) must have the same dtype"
            )
    return Scatter.apply(input, index._data, src, axis, add)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """out = input with src (a tensor, or ``value=`` a number) written at index along dim."""
    if src is None and value is None:
        raise TypeError("scatter: expected src or value")
    return _scatter("scatter", input, dim, index, src, False, value, reduce)


def scatter_add(input, dim, index, src):  # noqa: A002
    """out = input, with src added at index along dim (repeated indices add up)."""
    return _scatter("scatter_add", input, dim, index, src, True)


def index_select(input, dim, index):  # noqa: A002
    axis = _axis(dim, max(input.ndim, 1), "index_select")
    if not isinstance(index, Tensor) or index.ndim > 1 or index.dtype.kind not in "iu":
        raise RuntimeError("index_select: index must be a 0-d or 1-d integer tensor")
    if input.ndim == 0:
        return input.reshape(1)[index]
    return IndexSelect.apply(input, index._data.reshape(-1), axis)


def masked_select(input, mask):  # noqa: A002
    """The elements of input where the (broadcast) bool mask is True, as a 1-D tensor."""
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_select: expected a bool mask, got {mask.dtype}")
    shape = np.broadcast_shapes(input.shape, mask.shape)
    return expand(input, *shape)[expand(mask, *shape)]


def nonzero(input, *, as_tuple=False):  # noqa: A002
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per axis."""
    xp, found = input._backend.xp, input._backend.xp.nonzero(input._data)
    if input.ndim == 0:
        found = (xp.zeros(int(bool(input._data)), dtype="int64"),)
    if as_tuple:
        return tuple(Tensor._make(i.astype("int64"), input._backend) for i in found)
    stacked = xp.stack(found, axis=1) if input.ndim else xp.zeros((len(found[0]), 0), dtype="int64")
    return Tensor._make(stacked.astype("int64"), input._backend)


def argwhere(input):  # noqa: A002
    return nonzero(input)

