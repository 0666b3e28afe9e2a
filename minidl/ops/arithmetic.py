"""Arithmetic with broadcasting: + - * / ** and negation.

Each backward returns gradients in the broadcast shape of the output; the engine sums them back
to each input's shape (``autograd.reduce_broadcast_grad``).
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor
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
        a_input, b_input = ctx.inputs  # (inline ctx.needs_grad(i): this is W4's hot path)
        ctx.a = a if isinstance(b_input, Tensor) and b_input._requires_grad else None
        ctx.b = b if isinstance(a_input, Tensor) and a_input._requires_grad else None
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
    """out = a ** b;  d/da = b * a^(b-1),  d/db = a^b * ln(a)  (at a == 0: 0, or -inf for b < 0)"""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, grad):
        xp, a, b = ctx.xp, ctx.a, ctx.b
        # b * a^(b-1) is 0 * inf at a = b = 0: PyTorch defines that gradient as 0. (Either side
        # may be a Python number: xp.asarray makes its comparison an array, which CuPy's where needs.)
        grad_a = grad * xp.where(xp.asarray(b == 0), 0, b * a ** (b - 1))
        if not hasattr(b, "dtype"):
            return grad_a, None  # a Python-number exponent needs no gradient
        # d/db at a = 0 is 0 for b >= 0, and -inf for b < 0 (0^b = inf times ln 0 = -inf), as
        # PyTorch; ln(a) is taken of a safe stand-in there so NumPy does not warn
        at_zero = xp.where(b >= 0, 0.0, -xp.inf)
        a_is_zero = xp.asarray(a == 0)
        grad_b = grad * xp.where(a_is_zero, at_zero, ctx.out * xp.log(xp.where(a_is_zero, 1, a)))
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
