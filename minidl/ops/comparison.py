"""Comparisons: bool tensors that carry no gradient.

Each is an op (an ``ArrayFunction``) even though nothing flows back through it, so that a tracer
that records every op (the ONNX exporter) sees a mask built from the inputs, e.g. ``ids == pad``.
"""
import operator

from ..autograd import ArrayFunction
from ..tensor import Tensor
from ._promotion import promote_operands


class _Comparison(ArrayFunction):
    """out = compare(a, b) elementwise, a bool array;  no gradient"""

    compare = None

    @classmethod
    def forward(cls, ctx, a, b):
        return cls.compare(a, b)

    @staticmethod
    def backward(ctx, grad):
        return None, None


class Eq(_Comparison):
    compare = staticmethod(operator.eq)


class Ne(_Comparison):
    compare = staticmethod(operator.ne)


class Lt(_Comparison):
    compare = staticmethod(operator.lt)


class Le(_Comparison):
    compare = staticmethod(operator.le)


class Gt(_Comparison):
    compare = staticmethod(operator.gt)


class Ge(_Comparison):
    compare = staticmethod(operator.ge)


def _compare(comparison, a, b):
    a, b = promote_operands(a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._backend is not b._backend:
        raise RuntimeError(
            f"{comparison.op_name()}: expected both tensors on the same device, got {a.device} "
            f"and {b.device}"
        )
    return comparison.apply(a, b)


def eq(a, b):
    return _compare(Eq, a, b)


def ne(a, b):
    return _compare(Ne, a, b)


def lt(a, b):
    return _compare(Lt, a, b)


def le(a, b):
    return _compare(Le, a, b)


def gt(a, b):
    return _compare(Gt, a, b)


def ge(a, b):
    return _compare(Ge, a, b)
