"""Elementwise functions of one tensor: trigonometric and hyperbolic functions and their
inverses, erf/erfc, expm1/log1p/log2/log10, rounding, sign, reciprocal/rsqrt/square, logit,
nan_to_num.

Each op is a ``Unary``: ``f`` computes out = f(x) and ``df`` the derivative f'(x) (from x or
from out, whichever is simpler); the backward multiplies the gradient by it, the chain rule for
an elementwise function. Rounding and sign are flat almost everywhere: their gradient is 0.
"""
import math

from ..autograd import ArrayFunction
from ..tensor import Tensor
from ._promotion import float_input


class Unary(ArrayFunction):
    """out = f(x) elementwise;  d/dx = df(x, out)"""

    @classmethod
    def forward(cls, ctx, x):
        out = cls.f(ctx, x)
        ctx.x, ctx.out = x, out
        return out

    @classmethod
    def backward(cls, ctx, grad):
        return grad * cls.df(ctx, ctx.x, ctx.out)


class Sin(Unary):
    """d/dx sin x = cos x"""
    def f(ctx, x): return ctx.xp.sin(x)  # noqa: E704 (one line per formula reads as a table)
    def df(ctx, x, out): return ctx.xp.cos(x)  # noqa: E704


class Cos(Unary):
    """d/dx cos x = -sin x"""
    def f(ctx, x): return ctx.xp.cos(x)  # noqa: E704
    def df(ctx, x, out): return -ctx.xp.sin(x)  # noqa: E704


class Tan(Unary):
    """d/dx tan x = 1 + tan^2 x"""
    def f(ctx, x): return ctx.xp.tan(x)  # noqa: E704
    def df(ctx, x, out): return 1 + out * out  # noqa: E704


class Asin(Unary):
    """d/dx asin x = 1 / sqrt(1 - x^2)"""
    def f(ctx, x): return ctx.xp.arcsin(x)  # noqa: E704
    def df(ctx, x, out): return 1 / ctx.xp.sqrt(1 - x * x)  # noqa: E704


class Acos(Unary):
    """d/dx acos x = -1 / sqrt(1 - x^2)"""
    def f(ctx, x): return ctx.xp.arccos(x)  # noqa: E704
    def df(ctx, x, out): return -1 / ctx.xp.sqrt(1 - x * x)  # noqa: E704


class Atan(Unary):
    """d/dx atan x = 1 / (1 + x^2)"""
    def f(ctx, x): return ctx.xp.arctan(x)  # noqa: E704
    def df(ctx, x, out): return 1 / (1 + x * x)  # noqa: E704


class Sinh(Unary):
    """d/dx sinh x = cosh x"""
    def f(ctx, x): return ctx.xp.sinh(x)  # noqa: E704
    def df(ctx, x, out): return ctx.xp.cosh(x)  # noqa: E704


class Cosh(Unary):
    """d/dx cosh x = sinh x"""
    def f(ctx, x): return ctx.xp.cosh(x)  # noqa: E704
    def df(ctx, x, out): return ctx.xp.sinh(x)  # noqa: E704


class Asinh(Unary):
    """d/dx asinh x = 1 / sqrt(x^2 + 1)"""
    def f(ctx, x): return ctx.xp.arcsinh(x)  # noqa: E704
    def df(ctx, x, out): return 1 / ctx.xp.sqrt(x * x + 1)  # noqa: E704


class Acosh(Unary):
    """d/dx acosh x = 1 / sqrt(x^2 - 1)"""
    def f(ctx, x): return ctx.xp.arccosh(x)  # noqa: E704
    def df(ctx, x, out): return 1 / ctx.xp.sqrt(x * x - 1)  # noqa: E704


class Atanh(Unary):
    """d/dx atanh x = 1 / (1 - x^2)"""
    def f(ctx, x): return ctx.xp.arctanh(x)  # noqa: E704
    def df(ctx, x, out): return 1 / (1 - x * x)  # noqa: E704


class Erf(Unary):
    """d/dx erf x = 2 / sqrt(pi) * exp(-x^2)"""
    def f(ctx, x): return ctx.backend.erf(x)  # noqa: E704
    def df(ctx, x, out): return (2 / math.sqrt(math.pi)) * ctx.xp.exp(-x * x)  # noqa: E704


class Erfc(Unary):
    """erfc x = 1 - erf x;  d/dx = -2 / sqrt(pi) * exp(-x^2)"""
    def f(ctx, x): return 1 - ctx.backend.erf(x)  # noqa: E704
    def df(ctx, x, out): return (-2 / math.sqrt(math.pi)) * ctx.xp.exp(-x * x)  # noqa: E704


class Expm1(Unary):
    """expm1 x = e^x - 1, exact for small x;  d/dx = e^x = out + 1"""
    def f(ctx, x): return ctx.xp.expm1(x)  # noqa: E704
    def df(ctx, x, out): return out + 1  # noqa: E704


class Log1p(Unary):
    """log1p x = ln(1 + x), exact for small x;  d/dx = 1 / (1 + x)"""
    def f(ctx, x): return ctx.xp.log1p(x)  # noqa: E704
    def df(ctx, x, out): return 1 / (1 + x)  # noqa: E704


class Log2(Unary):
    """d/dx log2 x = 1 / (x ln 2)"""
    def f(ctx, x): return ctx.xp.log2(x)  # noqa: E704
    def df(ctx, x, out): return 1 / (x * math.log(2))  # noqa: E704


class Log10(Unary):
    """d/dx log10 x = 1 / (x ln 10)"""
    def f(ctx, x): return ctx.xp.log10(x)  # noqa: E704
    def df(ctx, x, out): return 1 / (x * math.log(10))  # noqa: E704


class Reciprocal(Unary):
    """d/dx 1/x = -1/x^2 = -out^2"""
    def f(ctx, x): return 1 / x  # noqa: E704
    def df(ctx, x, out): return -out * out  # noqa: E704


class Rsqrt(Unary):
    """rsqrt x = x^(-1/2);  d/dx = -x^(-3/2) / 2 = -out^3 / 2"""
    def f(ctx, x): return 1 / ctx.xp.sqrt(x)  # noqa: E704
    def df(ctx, x, out): return -0.5 * out * out * out  # noqa: E704


class Square(Unary):
    """d/dx x^2 = 2x"""
    def f(ctx, x): return x * x  # noqa: E704
    def df(ctx, x, out): return 2 * x  # noqa: E704


class Frac(Unary):
    """frac x = x - trunc(x) (keeps x's sign);  d/dx = 1"""
    def f(ctx, x): return x - ctx.xp.trunc(x)  # noqa: E704
    def df(ctx, x, out): return 1  # noqa: E704


class Logit(Unary):
    """logit x = ln(x / (1 - x)), the inverse of sigmoid;  d/dx = 1 / (x (1 - x))"""
    def f(ctx, x): return ctx.xp.log(x / (1 - x))  # noqa: E704
    def df(ctx, x, out): return 1 / (x * (1 - x))  # noqa: E704


class _Flat(ArrayFunction):
    """A step function (floor, sign, ...): its derivative is 0 wherever it exists."""

    @classmethod
    def forward(cls, ctx, x):
        return cls.f(ctx, x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)


class Floor(_Flat):
    def f(ctx, x): return ctx.xp.floor(x)  # noqa: E704


class Ceil(_Flat):
    def f(ctx, x): return ctx.xp.ceil(x)  # noqa: E704


class Trunc(_Flat):
    def f(ctx, x): return ctx.xp.trunc(x)  # noqa: E704


class Sign(_Flat):
    def f(ctx, x): return ctx.xp.sign(x)  # noqa: E704


class Round(ArrayFunction):
    """Round half to even (as PyTorch and NumPy), to ``decimals`` places;  d/dx = 0"""

    @staticmethod
    def forward(ctx, x, decimals):
        return ctx.xp.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad), None


class NanToNum(ArrayFunction):
    """NaN, +inf and -inf replaced by numbers;  the gradient passes where x was finite"""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = ctx.xp.isfinite(x)
        return ctx.xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.finite, None, None, None


def _float_op(function):
    """dl.NAME(x) for a Unary that computes in floating point (integers become float32)."""
    def op(input):  # noqa: A002 (PyTorch's argument name)
        return function.apply(float_input(input))
    op.__name__ = function.__name__.lower()
    op.__doc__ = function.__doc__
    return op


def _dtype_keeping_op(function):
    """dl.NAME(x) for an op that keeps integer dtypes (floor, sign, square...)."""
    def op(input):  # noqa: A002
        if input.dtype.kind in "iub":
            return Tensor._make(function.f(input._backend, input._data), input._backend)
        return function.apply(input)
    op.__name__ = function.__name__.lower()
    op.__doc__ = function.__doc__
    return op


sin, cos, tan = _float_op(Sin), _float_op(Cos), _float_op(Tan)
asin, acos, atan = _float_op(Asin), _float_op(Acos), _float_op(Atan)
sinh, cosh = _float_op(Sinh), _float_op(Cosh)
asinh, acosh, atanh = _float_op(Asinh), _float_op(Acosh), _float_op(Atanh)
erf, erfc, expm1, log1p = _float_op(Erf), _float_op(Erfc), _float_op(Expm1), _float_op(Log1p)
log2, log10 = _float_op(Log2), _float_op(Log10)
reciprocal, rsqrt, frac = _float_op(Reciprocal), _float_op(Rsqrt), _float_op(Frac)
floor, ceil, trunc = _dtype_keeping_op(Floor), _dtype_keeping_op(Ceil), _dtype_keeping_op(Trunc)
sign, square = _dtype_keeping_op(Sign), _dtype_keeping_op(Square)
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
fix = trunc


def round(input, *, decimals=0):  # noqa: A001,A002 (PyTorch's names)
    if input.dtype.kind in "iub":
        return Tensor._make(input._data.copy(), input._backend)  # integers are already round
    return Round.apply(input, int(decimals))


def logit(input, eps=None):  # noqa: A002
    """ln(x / (1 - x)); with ``eps``, x is first clamped to [eps, 1 - eps] (as PyTorch)."""
    x = float_input(input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return Logit.apply(x)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """NaN -> ``nan``, inf -> ``posinf`` (the dtype's largest number by default), -inf ->
    ``neginf`` (the most negative)."""
    if input.dtype.kind != "f":
        return input * 1
    return NanToNum.apply(input, nan, posinf, neginf)
