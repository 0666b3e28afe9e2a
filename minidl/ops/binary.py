"""Elementwise functions of two tensors (with broadcasting): atan2, fmod, remainder,
floor_divide, and lerp/addcmul/addcdiv, which are sums of products built from the arithmetic ops.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor
from ._promotion import float_input, promote_operands
from .arithmetic import add, div, mul, sub


class Atan2(ArrayFunction):
    """out = the angle of the point (x, y);  d/dy = x / (x^2 + y^2),  d/dx = -y / (x^2 + y^2)"""

    @staticmethod
    def forward(ctx, y, x):
        ctx.y, ctx.x = y, x
        return ctx.xp.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        scale = grad / (ctx.x * ctx.x + ctx.y * ctx.y)
        return scale * ctx.x, -scale * ctx.y


class Fmod(ArrayFunction):
    """out = a - trunc(a / b) * b (the sign of a, as C's fmod);  d/da = 1,  d/db = -trunc(a / b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad * ctx.xp.trunc(ctx.a / ctx.b)


class Remainder(ArrayFunction):
    """out = a - floor(a / b) * b (the sign of b, as Python's %);
    d/da = 1,  d/db = -floor(a / b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return ctx.xp.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad * ctx.xp.floor(ctx.a / ctx.b)


def atan2(input, other):  # noqa: A002 (PyTorch's argument names)
    input, other = promote_operands(input, other)
    return Atan2.apply(_float(input), _float(other))


def _float(x):
    return float_input(x) if isinstance(x, Tensor) else x


def fmod(input, other):  # noqa: A002
    return Fmod.apply(*promote_operands(input, other))


def remainder(input, other):  # noqa: A002
    return Remainder.apply(*promote_operands(input, other))


def floor_divide(input, other):  # noqa: A002
    """floor(a / b), in the operands' dtype; a step function, so it carries no gradient."""
    a, b = promote_operands(input, other)
    backend = a._backend if isinstance(a, Tensor) else b._backend
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    return Tensor._make(backend.xp.asarray(backend.xp.floor_divide(x, y)), backend)


def lerp(input, end, weight):  # noqa: A002
    """input + weight * (end - input): the straight line from input to end."""
    return add(input, mul(weight, sub(end, input)))


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """input + value * tensor1 * tensor2."""
    return add(input, mul(mul(tensor1, tensor2), value))


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """input + value * tensor1 / tensor2."""
    return add(input, mul(div(tensor1, tensor2), value))
