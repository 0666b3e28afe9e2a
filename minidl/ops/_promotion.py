"""PyTorch's type promotion, where it differs from NumPy's.

- An integer or bool tensor combined with a Python float (or a float tensor) becomes float:
  float32 with a Python float, the float tensor's dtype otherwise (NumPy would give float64).
- NumPy scalars count as Python numbers (NumPy would let ``np.float64(2)`` widen a float32 array).
"""
import numpy as np

from .. import dtypes
from ..tensor import Tensor
from .conversion import Cast


def promote_operands(a, b):
    """Return (a, b) with integer tensors cast to float where PyTorch would.

    NumPy scalars come back as Python numbers. This runs for every arithmetic op, so it reads
    each dtype once and tests the common cases (two float tensors, a float tensor and a
    number) with as few checks as it can.
    """
    a_tensor, b_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if not a_tensor and isinstance(a, np.generic):
        a = a.item()
    if not b_tensor and isinstance(b, np.generic):
        b = b.item()
    if a_tensor and b_tensor:
        a_dtype, b_dtype = a._data.dtype, b._data.dtype
        if a_dtype is b_dtype:  # the same dtype: nothing to promote (NumPy's are singletons)
            return a, b
        a_float, b_float = a_dtype.kind == "f", b_dtype.kind == "f"
        if a_float and not b_float:
            b = cast_plain(b, a_dtype)
        elif b_float and not a_float:
            a = cast_plain(a, b_dtype)
    elif a_tensor:
        if isinstance(b, float) and a._data.dtype.kind != "f":
            a = cast_plain(a, dtypes.default_float)
    elif b_tensor and isinstance(a, float) and b._data.dtype.kind != "f":
        b = cast_plain(b, dtypes.default_float)
    return a, b


def common_dtype(dtypes_):
    """The dtype that tensors of these dtypes are joined in (cat, stack), as PyTorch: the
    widest float if there is a float (int64 with float32 is float32, where NumPy says
    float64), else the widest integer (bool counts as the narrowest)."""
    floats = [d for d in dtypes_ if d.kind == "f"]
    return np.result_type(*(floats or dtypes_))


def float_input(x):
    """Integer and bool tensors become float32 before float-valued math (exp, log, mean...)."""
    if x.dtype.kind != "f":
        return cast_plain(x, dtypes.default_float)
    return x


def cast_plain(x, dtype):
    """A cast of an integer or bool tensor (which never carries gradients), as an op so that
    a tracer (the ONNX exporter) records it."""
    return Cast.apply(x, dtype)
