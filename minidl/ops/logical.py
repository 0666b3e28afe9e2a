"""Tests and logic on elements, all giving tensors that carry no gradient: isnan/isinf/isfinite,
isclose/allclose/equal, logical_and/or/xor/not and the bitwise ops behind ``& | ^ ~``.
"""
from ..tensor import Tensor


def _arrays(op, a, b):
    """The backend and the two operands' arrays (a Python number stays a number)."""
    tensors = [t for t in (a, b) if isinstance(t, Tensor)]
    backend = tensors[0]._backend
    for t in tensors[1:]:
        if t._backend is not backend:
            raise RuntimeError(f"{op}: expected both tensors on the same device, got {a.device} "
                               f"and {b.device}")
    return backend, [t._data if isinstance(t, Tensor) else t for t in (a, b)]


def _result(backend, array):
    return Tensor._make(backend.xp.asarray(array), backend)


def isnan(input):  # noqa: A002 (PyTorch's argument names)
    return _result(input._backend, input._backend.xp.isnan(input._data))


def isinf(input):  # noqa: A002
    return _result(input._backend, input._backend.xp.isinf(input._data))


def isfinite(input):  # noqa: A002
    return _result(input._backend, input._backend.xp.isfinite(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """|input - other| <= atol + rtol * |other|, elementwise."""
    backend, (a, b) = _arrays("isclose", input, other)
    return _result(backend, backend.xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """True when every element is close (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):  # noqa: A002
    """True when both have the same shape and the same elements (a Python bool)."""
    return input.shape == other.shape and bool((input._data == other._data).all())


def _logical(op, name):
    def function(input, other):  # noqa: A002
        backend, (a, b) = _arrays(name, input, other)
        return _result(backend, op(backend.xp)(a, b))
    function.__name__ = name
    return function


logical_and = _logical(lambda xp: xp.logical_and, "logical_and")
logical_or = _logical(lambda xp: xp.logical_or, "logical_or")
logical_xor = _logical(lambda xp: xp.logical_xor, "logical_xor")


def logical_not(input):  # noqa: A002
    return _result(input._backend, input._backend.xp.logical_not(input._data))


def _bitwise(ufunc_name, name):
    def function(input, other):  # noqa: A002
        backend, (a, b) = _arrays(name, input, other)
        for operand in (a, b):
            kind = getattr(operand, "dtype", None)
            if (kind is not None and kind.kind not in "biu") or isinstance(operand, float):
                raise RuntimeError(f"{name}: only integer and bool tensors are supported, got "
                                   f"{getattr(operand, 'dtype', type(operand).__name__)}")
        return _result(backend, getattr(backend.xp, ufunc_name)(a, b))
    function.__name__ = name
    return function


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


def bitwise_not(input):  # noqa: A002
    if input.dtype.kind not in "biu":
        raise RuntimeError(
            f"bitwise_not: only integer and bool tensors are supported, got {input.dtype}"
        )
    return _result(input._backend, input._backend.xp.invert(input._data))
