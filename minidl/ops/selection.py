"""Choosing between values elementwise: where, maximum, minimum, masked_fill."""
from ..autograd import ArrayFunction
from ._promotion import promote_operands


class Where(ArrayFunction):
    """out = cond ? a : b;  the gradient goes to a where cond holds, to b elsewhere"""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return ctx.xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        xp, cond = ctx.xp, ctx.cond
        return None, xp.where(cond, grad, 0), xp.where(cond, 0, grad)


class Maximum(ArrayFunction):
    """out = max(a, b);  the larger input gets the gradient, ties split it in half (as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        share_a = (ctx.a > ctx.b) + 0.5 * (ctx.a == ctx.b)
        return grad * share_a, grad * (1 - share_a)


class Minimum(ArrayFunction):
    """out = min(a, b);  the smaller input gets the gradient, ties split it in half"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return ctx.xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        share_a = (ctx.a < ctx.b) + 0.5 * (ctx.a == ctx.b)
        return grad * share_a, grad * (1 - share_a)


class MaskedFill(ArrayFunction):
    """out = mask ? value : x;  the gradient reaches x where the mask is False"""

    @staticmethod
    def forward(ctx, x, mask, value):
        if mask.dtype.kind != "b":
            raise TypeError(f"masked_fill: the mask must be a bool tensor, got {mask.dtype}")
        ctx.mask = mask
        return ctx.xp.where(mask, ctx.xp.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.where(ctx.mask, 0, grad), None, None


def where(condition, input, other):  # noqa: A002 (PyTorch's argument names)
    if condition.dtype.kind != "b":
        raise TypeError(f"where: the condition must be a bool tensor, got {condition.dtype}")
    return Where.apply(condition, *promote_operands(input, other))


def maximum(a, b):
    return Maximum.apply(*promote_operands(a, b))


def minimum(a, b):
    return Minimum.apply(*promote_operands(a, b))


def masked_fill(x, mask, value):
    if hasattr(value, "item"):
        value = value.item()
    return MaskedFill.apply(x, mask, value)
