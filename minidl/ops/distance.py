"""F.normalize and F.cosine_similarity: vectors scaled to unit length, and the cosine of the
angle between two vectors.

    normalize(x) = x / max(||x||_p, eps)          (along ``dim``)
    cosine_similarity(a, b) = sum(normalize(a) * normalize(b))   (p = 2)

The eps keeps a zero vector at zero instead of dividing by zero.
"""
from ..autograd import ArrayFunction
from .reductions import normalize_dims
from .shape import expand


class Normalize(ArrayFunction):
    """y = x / d with d = max(n, eps), n = ||x||_p along ``dim``;
    dy -> dx = g / d - [n > eps] * sum(g x) / d^2 * sign(x) |x|^(p-1) / n^(p-1)"""

    @staticmethod
    def forward(ctx, x, p, dim, eps):
        xp = ctx.xp
        norm = (xp.abs(x) ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
        ctx.x, ctx.p, ctx.dim, ctx.norm = x, p, dim, norm
        ctx.denominator = xp.maximum(norm, eps)
        ctx.above_eps = norm > eps
        return x / ctx.denominator

    @staticmethod
    def backward(ctx, grad):
        xp, x, p, d = ctx.xp, ctx.x, ctx.p, ctx.denominator
        projection = (grad * x).sum(axis=ctx.dim, keepdims=True) / (d * d)
        safe_norm = xp.where(ctx.above_eps, ctx.norm, 1)
        dnorm = xp.sign(x) * xp.abs(x) ** (p - 1) / safe_norm ** (p - 1)  # d||x||_p / dx
        return grad / d - xp.where(ctx.above_eps, projection, 0) * dnorm, None, None, None


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002 (PyTorch's names)
    """``input`` divided by its p-norm along ``dim`` (at least ``eps``)."""
    if out is not None:
        raise NotImplementedError("normalize: the out= argument is not supported")
    if input.dtype.kind != "f":
        raise TypeError(f"normalize: expected a floating-point tensor, got {input.dtype}")
    if p <= 0:
        raise NotImplementedError(f"normalize: only p > 0 is supported, got p={p}")
    (axis,) = normalize_dims(dim, input.ndim, "normalize")
    return Normalize.apply(input, float(p), axis, float(eps))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along ``dim`` (they broadcast together):
    each is divided by max(its norm, eps) first."""
    shape = _broadcast_shape(x1.shape, x2.shape)
    x1, x2 = expand(x1, *shape), expand(x2, *shape)
    return (normalize(x1, 2.0, dim, eps) * normalize(x2, 2.0, dim, eps)).sum(dim)


def _broadcast_shape(a, b):
    import numpy as np

    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(f"cosine_similarity: shapes {a} and {b} do not broadcast") from None


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last axis (the eps keeps the gradient finite when
    x1 == x2)."""
    from .math import abs

    difference = abs(x1 - x2 + eps)
    if x1.ndim == 0 and x2.ndim == 0:
        raise RuntimeError("pairwise_distance: expected inputs with at least one dimension")
    return ((difference ** p).sum(-1, keepdim=keepdim)) ** (1.0 / p)
