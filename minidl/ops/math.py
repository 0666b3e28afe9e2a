"""Elementwise math: exp, log, sqrt, abs, clamp."""
from ..autograd import ArrayFunction
from ._promotion import float_input


class Exp(ArrayFunction):
    """out = e^x;  d/dx = e^x = out"""

    @staticmethod
    def forward(ctx, x):
        ctx.out = ctx.xp.exp(x)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.out


class Log(ArrayFunction):
    """out = ln(x);  d/dx = 1 / x"""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.x


class Sqrt(ArrayFunction):
    """out = sqrt(x);  d/dx = 1 / (2 sqrt(x))"""

    @staticmethod
    def forward(ctx, x):
        ctx.out = ctx.xp.sqrt(x)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.out)


class Abs(ArrayFunction):
    """out = |x|;  d/dx = sign(x)  (0 at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.xp.sign(ctx.x)


class Clamp(ArrayFunction):
    """out = min(max(x, lo), hi);  d/dx = 1 where lo <= x <= hi, else 0"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.x, ctx.lo, ctx.hi = x, lo, hi
        return ctx.xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        inside = True
        if ctx.lo is not None:
            inside = ctx.x >= ctx.lo
        if ctx.hi is not None:
            inside = inside & (ctx.x <= ctx.hi)
        return grad * inside, None, None


def exp(x):
    return Exp.apply(float_input(x))


def log(x):
    return Log.apply(float_input(x))


def sqrt(x):
    return Sqrt.apply(float_input(x))


def abs(x):  # noqa: A001 (PyTorch's name)
    return Abs.apply(x)


def clamp(x, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = float_input(x)
    return Clamp.apply(x, min, max)
