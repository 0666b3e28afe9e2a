"""Vector norms: ``linalg.vector_norm`` and ``norm``.

||x||_p = (sum |x_i|^p)^(1/p);  d/dx_i = sign(x_i) |x_i|^(p-1) / ||x||^(p-1), taken as 0 where
the norm is 0 (as PyTorch). p = inf is the largest |x_i| (its gradient shared by the ties),
p = -inf the smallest, p = 0 the count of non-zero elements (no gradient).
"""
import math

from ..autograd import ArrayFunction
from ._promotion import float_input
from .reductions import _reduce_args, restore_reduced_axes


class VectorNorm(ArrayFunction):
    """out = (sum |x|^p)^(1/p) over dims (max |x| for p = inf, min for -inf, count for 0)"""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp, magnitude = ctx.xp, ctx.xp.abs(x)
        if p == math.inf:
            out = magnitude.max(axis=dims, keepdims=True)
        elif p == -math.inf:
            out = magnitude.min(axis=dims, keepdims=True)
        elif p == 0:
            out = (magnitude != 0).sum(axis=dims, keepdims=True).astype(x.dtype)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=dims, keepdims=True))
        else:
            out = (magnitude**p).sum(axis=dims, keepdims=True) ** (1 / p)
        ctx.x, ctx.out, ctx.p, ctx.dims, ctx.keepdim = x, out, p, dims, keepdim
        return out if keepdim else out.reshape(tuple(
            n for i, n in enumerate(out.shape) if i not in dims
        ))

    @staticmethod
    def backward(ctx, grad):
        xp, x, out, p = ctx.xp, ctx.x, ctx.out, ctx.p
        grad = restore_reduced_axes(xp, grad, ctx.dims, ctx.keepdim)
        if p == 0:
            return xp.zeros_like(x), None, None, None
        if p in (math.inf, -math.inf):
            is_extreme = xp.abs(x) == out
            ties = is_extreme.sum(axis=ctx.dims, keepdims=True)
            return grad * xp.sign(x) * is_extreme / ties, None, None, None
        safe_out = xp.where(out == 0, 1, out)
        if p == 2:
            local = x / safe_out
        else:
            local = xp.sign(x) * xp.abs(x) ** (p - 1) / safe_out ** (p - 1)
        return grad * xp.where(out == 0, 0, local), None, None, None


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ord-norm of x over dim (of all elements when dim is None)."""
    if dtype is not None:
        x = x.to(dtype)
    dims, keepdim = _reduce_args("vector_norm", x, dim, keepdim, None, None)
    return VectorNorm.apply(float_input(x), float(ord), dims, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    """``torch.norm``: the 2-norm ("fro" over any dims is the same) or a p-norm of a vector."""
    if p in ("fro", None):
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} is not supported (only vector norms)")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)
