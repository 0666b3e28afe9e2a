"""Ordering: sort, argsort, topk, median, mode, unique.

Each finds indices first (no gradient: an index is a whole number) and then reads the values at
those indices with ``gather``, whose backward sends each value's gradient to the element it
came from.
"""
from collections import namedtuple

from ..errors import reject_unsupported
from ..tensor import Tensor
from .gather import gather
from .reductions import normalize_dims, values_and_indices

SortResult = namedtuple("sort", ["values", "indices"])
TopKResult = namedtuple("topk", ["values", "indices"])


def _axis(op, x, dim):
    (axis,) = normalize_dims(dim, max(x.ndim, 1), op)
    return axis


def _order(x, axis, descending):
    """Indices that sort x along axis; stable, so equal values keep their order."""
    xp, data = x._backend.xp, x._data
    if descending:
        data = -data.astype("int64") if data.dtype.kind in "bu" else -data
    return xp.argsort(data, axis=axis, kind="stable").astype("int64")


def argsort(input, dim=-1, descending=False, *, stable=False, **unsupported):  # noqa: A002
    reject_unsupported("argsort", unsupported)
    if input.ndim == 0:
        return Tensor._make(input._backend.xp.zeros((), dtype="int64"), input._backend)
    return Tensor._make(_order(input, _axis("argsort", input, dim), descending), input._backend)


def sort(input, dim=-1, descending=False, *, stable=False, **unsupported):  # noqa: A002
    """The named tuple (values, indices) of input sorted along dim (ties in their order)."""
    reject_unsupported("sort", unsupported)
    if input.ndim == 0:
        return SortResult(input, argsort(input))
    axis = _axis("sort", input, dim)
    index = Tensor._make(_order(input, axis, descending), input._backend)
    return SortResult(gather(input, axis, index), index)


def topk(input, k, dim=-1, largest=True, sorted=True, **unsupported):  # noqa: A002
    """The k largest (``largest=False``: smallest) elements along dim and their indices,
    largest first."""
    reject_unsupported("topk", unsupported)
    axis = _axis("topk", input, dim)
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {size}")
    if input.ndim == 0:
        return TopKResult(input, argsort(input))
    order = _order(input, axis, descending=largest)
    index = Tensor._make(order[(slice(None),) * axis + (slice(0, k),)], input._backend)
    return TopKResult(gather(input, axis, index), index)


def _lower_median_index(x, axis):
    """For each slice along axis, the index of its lower median ((n - 1) // 2-th smallest)."""
    order = _order(x, axis, descending=False)
    middle = (x.shape[axis] - 1) // 2
    return order[(slice(None),) * axis + (slice(middle, middle + 1),)]


def median(input, dim=None, keepdim=False, **unsupported):  # noqa: A002
    """``median(x)``: the lower median of all elements (a 0-d tensor); ``median(x, dim)``: the
    named tuple (values, indices) of the lower median along dim (as PyTorch, no averaging)."""
    reject_unsupported("median", unsupported)
    if input.numel() == 0:
        raise IndexError(f"median: cannot take the median of an empty tensor {input.shape}")
    if dim is None:
        flat = input.reshape(-1)
        index = Tensor._make(_lower_median_index(flat, 0), input._backend)
        return gather(flat, 0, index).reshape(())
    axis = _axis("median", input, dim)
    if input.ndim == 0:
        index = input._backend.xp.zeros((), dtype="int64")
        return values_and_indices("median", input, index, 0, keepdim)
    return values_and_indices("median", input, _lower_median_index(input, axis), axis, keepdim)


def mode(input, dim=-1, keepdim=False, **unsupported):  # noqa: A002
    """The named tuple (values, indices) of the most frequent value along dim (the smallest of
    equally frequent ones) and the index of its last occurrence."""
    reject_unsupported("mode", unsupported)
    xp = input._backend.xp
    if input.ndim == 0:
        return values_and_indices("mode", input, xp.zeros((), dtype="int64"), 0, keepdim)
    axis = _axis("mode", input, dim)
    moved = xp.moveaxis(input._data, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = xp.argsort(rows, axis=-1, kind="stable")
    ordered = xp.take_along_axis(rows, order, axis=-1)
    # number the runs of equal values in each sorted row 0, 1, 2, ... and count their lengths
    starts_run = ordered[:, 1:] != ordered[:, :-1]
    first = xp.zeros((len(rows), 1), dtype="int64")
    run = xp.concatenate([first, xp.cumsum(starts_run, axis=1)], axis=1)
    lengths = xp.zeros(rows.shape, dtype="int64")
    input._backend.scatter_add(lengths, (xp.arange(len(rows))[:, None], run), xp.ones_like(run))
    # the longest run (argmax takes the first, so the smallest value wins a tie), and the
    # position of its end in the sorted row: the last occurrence of that value in the input
    best = xp.argmax(lengths, axis=1)[:, None]
    end = xp.take_along_axis(xp.cumsum(lengths, axis=1), best, axis=1) - 1
    index = xp.take_along_axis(order, end, axis=1).reshape(moved.shape[:-1] + (1,))
    return values_and_indices("mode", input, xp.moveaxis(index, -1, axis).astype("int64"), axis,
                              keepdim)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values, sorted (and, on request, the inverse indices and the counts)."""
    xp = input._backend.xp
    by_axis = {} if dim is None else {"axis": dim}
    values, inverse, counts = xp.unique(
        input._data, return_inverse=True, return_counts=True, **by_axis
    )
    if dim is None:
        inverse = inverse.reshape(input.shape)
    wrap = [Tensor._make(values, input._backend)]
    if return_inverse:
        wrap.append(Tensor._make(inverse.astype("int64"), input._backend))
    if return_counts:
        wrap.append(Tensor._make(counts.astype("int64"), input._backend))
    return wrap[0] if len(wrap) == 1 else tuple(wrap)
