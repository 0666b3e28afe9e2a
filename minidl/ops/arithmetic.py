"""Arithmetic with broadcasting: + - * / ** and negation.

Each backward returns gradients in the broadcast shape of the output; the engine sums them back
to each input's shape (``autograd.reduce_broadcast_grad``).
"""
from ..autograd import ArrayFunction
from ._promotion import float_input, promote_operands


class Add(ArrayFunction):
    """out = a + b;  d/da = 1,  d/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(ArrayFunction):
    """out = a - b;  d/da = 1,  d/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(ArrayFunction):
    """out = a * b;  d/da = b,  d/db = a  (each saved only when the other's gradient is needed)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a = a if ctx.needs_grad(1) else None
        ctx.b = b if ctx.needs_grad(0) else None
        return a * b

    @staticmethod
    def backward(ctx, grad):
        grad_a = None if ctx.b is None else grad * ctx.b
        grad_b = None if ctx.a is None else grad * ctx.a
        return grad_a, grad_b


class Div(ArrayFunction):
    """out = a / b;  d/da = 1 / b,  d/db = -a / b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a = a if ctx.needs_grad(1) else None  # only d/db reads a
        ctx.b = b
        return a / b

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad / ctx.b
        return grad_a, None if ctx.a is None else -grad_a * ctx.a / ctx.b


class Pow(ArrayFunction):
    """out = a ** b;  d/da = b * a^(b-1),  d/db = a^b * ln(a)  (0 where a == 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, grad):
        xp, a, b = ctx.xp, ctx.a, ctx.b
        # b * a^(b-1) is 0 * inf at a = b = 0: PyTorch defines that gradient as 0
        grad_a = grad * xp.where(b == 0, 0, b * a ** (b - 1))
        if not hasattr(b, "dtype"):
            return grad_a, None  # a Python-number exponent needs no gradient
        grad_b = grad * ctx.out * xp.log(xp.where(a == 0, 1, a))
        return grad_a, grad_b


class Neg(ArrayFunction):
    """out = -a;  d/da = -1"""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


def add(a, b):
    return Add.apply(*promote_operands(a, b))


def sub(a, b):
    return Sub.apply(*promote_operands(a, b))


def mul(a, b):
    return Mul.apply(*promote_operands(a, b))


def div(a, b):
    """True division: integer tensors divide to float32, as in PyTorch."""
    a, b = promote_operands(a, b)
    if getattr(a, "dtype", None) is not None and a.dtype.kind != "f":
        a = float_input(a)
        a, b = promote_operands(a, b)
    elif getattr(b, "dtype", None) is not None and b.dtype.kind != "f":
        b = float_input(b)
    return Div.apply(a, b)


def pow(a, b):  # noqa: A001 (PyTorch's name)
    return Pow.apply(*promote_operands(a, b))


def neg(a):
    return Neg.apply(a)
