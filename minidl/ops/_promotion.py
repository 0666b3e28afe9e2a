"""PyTorch's type promotion, where it differs from NumPy's.

- An integer or bool tensor combined with a Python float (or a float tensor) becomes float:
  float32 with a Python float, the float tensor's dtype otherwise (NumPy would give float64).
- NumPy scalars count as Python numbers (NumPy would let ``np.float64(2)`` widen a float32 array).
"""
import numpy as np

from .. import dtypes
from ..tensor import Tensor


def _as_number(x):
    return x.item() if isinstance(x, np.generic) else x


def promote_operands(a, b):
    """Return (a, b) with integer tensors cast to float where PyTorch would."""
    a, b = _as_number(a), _as_number(b)
    a_tensor, b_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_tensor and b_tensor:
        a_float, b_float = a.dtype.kind == "f", b.dtype.kind == "f"
        if a_float and not b_float:
            b = cast_plain(b, a.dtype)
        elif b_float and not a_float:
            a = cast_plain(a, b.dtype)
    elif a_tensor and isinstance(b, float) and a.dtype.kind != "f":
        a = cast_plain(a, dtypes.default_float)
    elif b_tensor and isinstance(a, float) and b.dtype.kind != "f":
        b = cast_plain(b, dtypes.default_float)
    return a, b


def float_input(x):
    """Integer and bool tensors become float32 before float-valued math (exp, log, mean...)."""
    if x.dtype.kind != "f":
        return cast_plain(x, dtypes.default_float)
    return x


def cast_plain(x, dtype):
    """A non-differentiable cast (integer tensors never carry gradients)."""
    return Tensor._make(x._data.astype(dtype), x._backend)
