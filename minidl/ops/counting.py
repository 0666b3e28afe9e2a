"""Counting: bincount, histc, histogram, one_hot. Counts are whole numbers: no gradient."""
from collections import namedtuple

from .. import dtypes
from ..tensor import Tensor

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _wrap(array, like):
    return Tensor._make(like._backend.xp.asarray(array), like._backend)


def bincount(input, weights=None, minlength=0):  # noqa: A002 (PyTorch's argument names)
    """out[v] = how many times v occurs in the 1-D non-negative integer tensor ``input`` (or the
    sum of the weights of its occurrences)."""
    if input.ndim != 1 or input.dtype.kind not in "iu":
        raise RuntimeError(
            f"bincount: expected a 1-D integer tensor, got {input.ndim}-D {input.dtype}"
        )
    if input.numel() and int(input._data.min()) < 0:
        raise RuntimeError("bincount: input must be non-negative")
    w = weights._data if weights is not None else None
    counts = input._backend.xp.bincount(input._data, weights=w, minlength=minlength)
    if weights is None:
        counts = counts.astype("int64")
    elif weights.dtype.kind == "f":
        counts = counts.astype(weights.dtype)
    return _wrap(counts, input)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts in ``bins`` equal bins between min and max (the data's range when both are 0);
    values outside are ignored. In the input's dtype, as PyTorch."""
    data = input._data
    lo, hi = float(min), float(max)
    if lo == hi == 0 and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = input._backend.xp.histogram(data, bins=bins, range=(lo, hi))
    return _wrap(counts.astype(input.dtype), input)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """The named tuple (hist, bin_edges); ``bins`` a count or a 1-D tensor of edges."""
    if input.dtype.kind != "f":
        raise RuntimeError(f"histogram: expected a floating-point tensor, got {input.dtype}")
    edges = bins._data if isinstance(bins, Tensor) else bins
    weights = weight._data if weight is not None else None
    if range is None and input.numel() and not isinstance(bins, Tensor):
        range = (float(input._data.min()), float(input._data.max()))  # noqa: A001
    hist, bin_edges = input._backend.xp.histogram(
        input._data, bins=edges, range=range, weights=weights, density=density
    )
    return HistogramResult(_wrap(hist.astype(input.dtype), input),
                           _wrap(bin_edges.astype(input.dtype), input))


def one_hot(tensor, num_classes=-1):
    """out[..., c] = 1 where tensor == c (int64, one more axis of num_classes; -1: max + 1)."""
    if tensor.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expected an integer (int64) tensor, got {tensor.dtype}")
    xp, data = tensor._backend.xp, tensor._data
    if num_classes == -1:
        num_classes = int(data.max()) + 1 if data.size else 0
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes})")
    result = data[..., None] == xp.arange(num_classes)
    return _wrap(result.astype(dtypes.int64.dtype), tensor)
