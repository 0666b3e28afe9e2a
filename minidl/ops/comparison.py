"""Comparisons: bool tensors that carry no gradient."""
import operator

from ..errors import ShapeError
from ..tensor import Tensor
from ._promotion import promote_operands


def _compare(name, compare, a, b):
    a, b = promote_operands(a, b)
    backend = a._backend if isinstance(a, Tensor) else b._backend
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._backend is not b._backend:
        raise RuntimeError(
            f"{name}: expected both tensors on the same device, got {a.device} and {b.device}"
        )
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    try:
        return Tensor._make(backend.xp.asarray(compare(x, y)), backend)
    except ValueError as err:
        raise ShapeError(f"{name}: {err}") from None


def eq(a, b):
    return _compare("eq", operator.eq, a, b)


def ne(a, b):
    return _compare("ne", operator.ne, a, b)


def lt(a, b):
    return _compare("lt", operator.lt, a, b)


def le(a, b):
    return _compare("le", operator.le, a, b)


def gt(a, b):
    return _compare("gt", operator.gt, a, b)


def ge(a, b):
    return _compare("ge", operator.ge, a, b)
