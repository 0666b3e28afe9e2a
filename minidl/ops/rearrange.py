"""Rearranging elements without arithmetic: split/chunk/unbind/narrow, contiguous, t/mT,
swapaxes/movedim, flip, roll, repeat/tile/repeat_interleave, unflatten, tril/triu, diag.

A piece cut out with narrow is plain indexing (``ops.getitem``), whose backward writes the
gradient back where the piece came from. split/chunk/unbind cut a tensor into all its pieces
at once, one op with an output per piece, so that backward writes every piece's gradient into
one array. Ops that move or copy elements undo the move on the gradient: flip it again, roll it
back, sum the copies of each element.
"""
from ..autograd import ArrayFunction, MultiOutputFunction
from ..errors import reject_unsupported
from ..tensor import Tensor
from .gather import index_select
from .shape import _axis, _shape_arg, permute, reshape, transpose


def _dims_tuple(dims):
    return (dims,) if isinstance(dims, int) else tuple(dims)


# ---- cutting into pieces ---------------------------------------------------------------------
def narrow(input, dim, start, length):  # noqa: A002 (PyTorch's argument names)
    """input[..., start:start + length, ...] along dim."""
    axis = _axis(dim, input.ndim, "narrow")
    size = input.shape[axis]
    start = int(start) + (size if start < 0 else 0)
    if not (0 <= start and length >= 0 and start + length <= size):
        raise IndexError(f"narrow: start {start} + length {length} exceeds dimension size {size}")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


class Split(MultiOutputFunction):
    """outs = the pieces x[..., index, ...] for each index (slices or integers along one axis,
    which together cover it), as views;  grad: the pieces' gradients, each written where its
    piece came from, into one array (zeros where a piece got no gradient)"""

    @staticmethod
    def forward(ctx, x, indices):
        ctx.shape, ctx.dtype, ctx.indices = x.shape, x.dtype, indices
        return tuple(x[index] for index in indices)

    @staticmethod
    def backward(ctx, grads):
        grad_x = ctx.xp.empty(ctx.shape, dtype=ctx.dtype)  # every element is written below
        for index, grad in zip(ctx.indices, grads):
            grad_x[index] = 0 if grad is None else grad
        return grad_x, None


class Unbind(Split):
    """Split into the slices along one axis, each without that axis (integer indices)."""


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along dim (the last may be smaller), or of the given sizes."""
    axis = _axis(dim, tensor.ndim, "split")
    size = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and size != 0):
            raise RuntimeError(
                f"split: split_size must be positive (0 only for an empty dimension), got "
                f"{step} for dimension {dim} of shape {tensor.shape}"
            )
        sections = [min(step, size - start) for start in range(0, size, step or 1)] or [0]
    else:
        sections = [int(n) for n in split_size_or_sections]
        if any(n < 0 for n in sections):
            raise RuntimeError(
                f"split: sizes {sections} must not be negative (dimension {dim} of shape "
                f"{tensor.shape})"
            )
        if sum(sections) != size:
            raise RuntimeError(
                f"split: sizes {sections} sum to {sum(sections)}, but dimension {dim} of "
                f"shape {tensor.shape} has {size}"
            )
    lead, indices, start = (slice(None),) * axis, [], 0
    for n in sections:
        indices.append(lead + (slice(start, start + n),))
        start += n
    return Split.apply(tensor, tuple(indices))


def chunk(input, chunks, dim=0):  # noqa: A002
    """``chunks`` pieces of ceil(size / chunks) along dim (fewer if they run out, as PyTorch)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    size = input.shape[_axis(dim, input.ndim, "chunk")]
    return split(input, max(-(-size // chunks), 1), dim)


def unbind(input, dim=0):  # noqa: A002
    """The slices along dim, each without that axis."""
    axis = _axis(dim, input.ndim, "unbind")
    lead = (slice(None),) * axis
    # (the Ellipsis keeps a slice of a 1-D array a 0-d view: NumPy's x[i] is a copied scalar)
    return Unbind.apply(input, tuple(lead + (i, ...) for i in range(input.shape[axis])))


def unflatten(input, dim, sizes):  # noqa: A002
    """Split axis dim into ``sizes`` (one entry may be -1)."""
    axis = _axis(dim, input.ndim, "unflatten")
    return reshape(input, input.shape[:axis] + tuple(sizes) + input.shape[axis + 1 :])


# ---- memory layout -------------------------------------------------------------------------
class Contiguous(ArrayFunction):
    """out = a C-ordered copy of x;  grad passes through unchanged"""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def contiguous(input, **unsupported):  # noqa: A002
    """input itself when its memory is in C order already, else a C-ordered copy."""
    reject_unsupported("contiguous", unsupported)
    return input if input._data.flags.c_contiguous else Contiguous.apply(input)


# ---- moving axes ------------------------------------------------------------------------------
def t(input):  # noqa: A002
    """Transpose a 2-D tensor; 0-d and 1-d tensors come back as they are."""
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {input.ndim}-D (use mT)")
    return input if input.ndim < 2 else transpose(input, 0, 1)


def matrix_transpose(input):  # noqa: A002
    """``mT``: swap the last two axes (a batch of matrices, each transposed)."""
    if input.ndim < 2:
        raise RuntimeError(f"mT: expects a tensor with >= 2 dimensions, got {input.ndim}-D")
    return transpose(input, -2, -1)


def movedim(input, source, destination):  # noqa: A002
    """Move the axes ``source`` to the positions ``destination``; the rest keep their order."""
    source, destination = _dims_tuple(source), _dims_tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(
            f"movedim: {len(source)} source dims but {len(destination)} destinations"
        )
    source = [_axis(d, input.ndim, "movedim") for d in source]
    destination = [_axis(d, input.ndim, "movedim") for d in destination]
    order = [None] * input.ndim
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(a for a in range(input.ndim) if a not in source)
    return permute(input, *(s if s is not None else next(rest) for s in order))


# ---- moving elements ---------------------------------------------------------------------
class Flip(ArrayFunction):
    """out = x reversed along dims;  grad: reversed back"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.flip(grad, axis=ctx.dims), None


class Roll(ArrayFunction):
    """out = x shifted cyclically along dims;  grad: shifted back"""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return ctx.xp.roll(x, shifts)
        return ctx.xp.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        if ctx.dims is None:
            return ctx.xp.roll(grad, back), None, None
        return ctx.xp.roll(grad, back, axis=ctx.dims), None, None


class Tile(ArrayFunction):
    """out = x copied reps[i] times along axis i;  grad: the sum of the copies of each element"""

    @staticmethod
    def forward(ctx, x, reps):
        ctx.shape, ctx.reps = x.shape, reps
        return ctx.xp.tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        # view the gradient as (r0, n0, r1, n1, ...) and sum the copy axes r0, r1, ...
        split = []
        for r, n in zip(ctx.reps, ctx.shape):
            split += [r, n]
        copies = tuple(range(0, 2 * len(ctx.shape), 2))
        return grad.reshape(split).sum(axis=copies), None


def flip(input, *dims):  # noqa: A002
    """Reverse the order of the elements along dims: flip(x, (0, 2)) or x.flip(0, 2)."""
    dims = tuple(_axis(d, input.ndim, "flip") for d in _shape_arg(dims))
    return Flip.apply(input, dims)


def roll(input, shifts, dims=None):  # noqa: A002
    """Cyclic shift; with dims=None the flattened tensor is shifted, keeping the shape."""
    if dims is not None:
        dims = _dims_tuple(dims)
        shifts = _dims_tuple(shifts)
        if len(shifts) != len(dims):
            raise RuntimeError(f"roll: {len(shifts)} shifts but {len(dims)} dims")
        dims = tuple(_axis(d, input.ndim, "roll") for d in dims)
    elif not isinstance(shifts, int):
        shifts = tuple(shifts)
    return Roll.apply(input, shifts, dims)


def repeat(input, *sizes):  # noqa: A002
    """Tensor.repeat: copy the tensor sizes[i] times along axis i (new leading axes allowed)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"repeat: the number of repeats ({len(sizes)}) cannot be smaller than the number of "
            f"dimensions of the tensor ({input.ndim})"
        )
    x = reshape(input, (1,) * (len(sizes) - input.ndim) + input.shape)
    return Tile.apply(x, tuple(sizes))


def tile(input, *dims):  # noqa: A002
    """As ``repeat``, except that fewer reps than axes count from the last axis."""
    dims = _shape_arg(dims)
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Repeat each element (or each slice along dim) ``repeats`` times, in place:
    [a, b] -> [a, a, b, b]. With a tensor ``repeats``, element i is repeated repeats[i] times;
    ``repeat_interleave(counts)`` alone repeats the indices 0, 1, 2, ..."""
    if repeats is None:
        counts = input
        index = Tensor._make(counts._backend.xp.arange(counts.shape[0]), counts._backend)
        return repeat_interleave(index, counts, 0)
    if dim is None:
        input, dim = reshape(input, -1), 0
    axis = _axis(dim, input.ndim, "repeat_interleave")
    xp, n = input._backend.xp, input.shape[axis]
    counts = repeats.tolist() if isinstance(repeats, Tensor) else repeats  # CuPy takes lists
    source = xp.repeat(xp.arange(n), counts)  # for each output slice, the input slice it copies
    return index_select(input, axis, Tensor._make(source, input._backend))


# ---- triangles and diagonals -----------------------------------------------------------------
class _Triangle(ArrayFunction):
    """out = x with the elements outside a triangle set to 0;  grad: the same triangle of grad"""

    keep = None  # "tril" or "triu"

    @classmethod
    def forward(cls, ctx, x, diagonal):
        ctx.diagonal = diagonal
        return getattr(ctx.xp, cls.keep)(x, diagonal)

    @classmethod
    def backward(cls, ctx, grad):
        return getattr(ctx.xp, cls.keep)(grad, ctx.diagonal), None


class Tril(_Triangle):
    keep = "tril"


class Triu(_Triangle):
    keep = "triu"


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle (on and below the ``diagonal``-th diagonal) of the last two axes."""
    if input.ndim < 2:
        raise RuntimeError(f"tril: expects a tensor with >= 2 dimensions, got {input.ndim}-D")
    return Tril.apply(input, int(diagonal))


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle (on and above the ``diagonal``-th diagonal) of the last two axes."""
    if input.ndim < 2:
        raise RuntimeError(f"triu: expects a tensor with >= 2 dimensions, got {input.ndim}-D")
    return Triu.apply(input, int(diagonal))


class Diag(ArrayFunction):
    """1-D x: a square matrix with x on its k-th diagonal; 2-D x: its k-th diagonal.
    Either way the backward reads (or writes) the same diagonal positions of the gradient."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.shape, ctx.k = x.shape, k
        return ctx.xp.diag(x, k)

    @staticmethod
    def backward(ctx, grad):
        xp, k = ctx.xp, ctx.k
        if len(ctx.shape) == 1:
            return xp.diag(grad, k), None
        grad_x = xp.zeros(ctx.shape, dtype=grad.dtype)
        rows = xp.arange(grad.shape[0]) + max(-k, 0)
        grad_x[rows, rows + k] = grad
        return grad_x, None


def diag(input, diagonal=0):  # noqa: A002
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got {input.ndim}-D")
    return Diag.apply(input, int(diagonal))
