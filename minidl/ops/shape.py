"""Shape ops: reshape/view, permute/transpose, expand, (un)squeeze, flatten, cat, stack.

They move no numbers, so their backward moves the gradient back the same way: reshape it to
the input's shape, apply the inverse permutation, split it along the joined axis.
"""
from ..autograd import ArrayFunction


def _shape_arg(shape):
    """Accept t.reshape(2, 3) and t.reshape((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _axis(dim, ndim, op):
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for {ndim} dimension(s)")
    return dim % ndim


class Reshape(ArrayFunction):
    """out = x with a new shape (same elements in C order);  grad: reshape back"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"shape {tuple(shape)} is invalid for input of size {x.size}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Permute(ArrayFunction):
    """out = x with its axes reordered;  grad: the inverse reordering"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse), None


class Expand(ArrayFunction):
    """out = x broadcast to a larger shape (a view);  grad: summed back by the engine"""

    @staticmethod
    def forward(ctx, x, shape):
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Cat(ArrayFunction):
    """out = the inputs joined along one axis;  grad: split at the same places"""

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.boundaries = []
        end = 0
        for a in arrays[:-1]:
            end += a.shape[dim]
            ctx.boundaries.append(end)
        return ctx.xp.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(ctx.xp.split(grad, ctx.boundaries, axis=ctx.dim))


class Stack(ArrayFunction):
    """out = the inputs stacked along a new axis;  grad: one slice of it per input"""

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return ctx.xp.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(ctx.xp.moveaxis(grad, ctx.dim, 0))


def reshape(x, *shape):
    return Reshape.apply(x, _shape_arg(shape))


def permute(x, *dims):
    given = _shape_arg(dims)
    dims = tuple(d % x.ndim if -x.ndim <= d < x.ndim else d for d in given)
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {given} are not a permutation of the {x.ndim} axes")
    return Permute.apply(x, dims)


def transpose(x, dim0, dim1):
    dims = list(range(x.ndim))
    a, b = _axis(dim0, x.ndim, "transpose"), _axis(dim1, x.ndim, "transpose")
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(x, tuple(dims))


def unsqueeze(x, dim):
    axis = _axis(dim, x.ndim + 1, "unsqueeze")
    return Reshape.apply(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = {_axis(d, x.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return Reshape.apply(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return Reshape.apply(x, (1,))
    start, end = _axis(start_dim, x.ndim, "flatten"), _axis(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = 1
    for n in x.shape[start : end + 1]:
        merged *= n
    return Reshape.apply(x, x.shape[:start] + (merged,) + x.shape[end + 1 :])


def expand(x, *sizes):
    """Broadcast to ``sizes``; -1 keeps an axis; new axes may be added in front (as PyTorch)."""
    sizes = _shape_arg(sizes)
    new = len(sizes) - x.ndim
    if new < 0:
        raise ValueError(f"expand: cannot expand shape {x.shape} to fewer dimensions {sizes}")
    shape = []
    for i, size in enumerate(sizes):
        old = x.shape[i - new] if i >= new else None
        if size == -1:
            if old is None:
                raise ValueError(f"expand: -1 is not allowed for the new leading axis {i}")
            size = old
        if old is not None and old != 1 and old != size:
            raise ValueError(
                f"expand: the size of axis {i - new} ({old}) must match {size} or be 1 "
                f"(shape {x.shape} to {sizes})"
            )
        shape.append(size)
    return Expand.apply(x, tuple(shape))


def _check_join(op, tensors, dim, shape_rule):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise TypeError(f"{op}: all tensors must have the same dtype, got {first.dtype} and {t.dtype}")
        if not shape_rule(first.shape, t.shape):
            raise ValueError(f"{op}: shapes {first.shape} and {t.shape} cannot be joined along dim {dim}")
    return tensors


def cat(tensors, dim=0):
    tensors = list(tensors)
    ndim = tensors[0].ndim if tensors else 0
    axis = _axis(dim, ndim, "cat")
    same_but_axis = lambda a, b: len(a) == len(b) and all(  # noqa: E731
        m == n for i, (m, n) in enumerate(zip(a, b)) if i != axis
    )
    return Cat.apply(*_check_join("cat", tensors, dim, same_but_axis), dim=axis)


def stack(tensors, dim=0):
    tensors = list(tensors)
    ndim = tensors[0].ndim if tensors else 0
    axis = _axis(dim, ndim + 1, "stack")
    return Stack.apply(*_check_join("stack", tensors, dim, lambda a, b: a == b), dim=axis)
